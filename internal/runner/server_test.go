package runner

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// serve runs Serve over input and returns the decoded Hello and Reports.
func serve(t *testing.T, srv *Server, input string) (Hello, []Report, error) {
	t.Helper()
	var out bytes.Buffer
	err := srv.Serve(t.Context(), strings.NewReader(input), &out)
	sc := bufio.NewScanner(&out)
	sc.Buffer(nil, 1<<20)
	var h Hello
	var reps []Report
	for i := 0; sc.Scan(); i++ {
		var v any = &h
		if i > 0 {
			reps = append(reps, Report{})
			v = &reps[len(reps)-1]
		}
		if err := json.Unmarshal(sc.Bytes(), v); err != nil {
			t.Fatalf("output line %d %q: %v", i, sc.Bytes(), err)
		}
	}
	return h, reps, err
}

func jobLine(t *testing.T, j Job) string {
	t.Helper()
	b, err := json.Marshal(j)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestServe(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, func(c *Config) { c.Need = []string{"sh", "no-such-command-xyz"} })
	id1, id2 := lastJobID.Add(1), lastJobID.Add(1)
	input := jobLine(t, Job{ID: id1, Command: sh("echo a"), Timeout: time.Second}) + "\n" +
		"\n" + // blank lines are skipped
		"{not json\n" +
		`{"id": 77, "command": "not a list"}` + "\n" +
		jobLine(t, Job{ID: id2, Command: sh("echo b"), Files: map[string][]byte{"f": bytes.Repeat([]byte{0xff}, 3<<20)}, Timeout: time.Second}) // no final newline
	h, reps, err := serve(t, e.srv, input)
	if err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if !h.Ready || h.Version != "test" || !reflect.DeepEqual(h.Missing, []string{"no-such-command-xyz"}) || h.OOMFile != e.oom {
		t.Errorf("hello %+v", h)
	}
	if len(reps) != 4 {
		t.Fatalf("%d reports, want 4: %+v", len(reps), reps)
	}
	if r := reps[0]; r.ID != id1 || string(r.Stdout) != "a\n" || !r.Clean {
		t.Errorf("report 1: %+v", r)
	}
	for i, wantID := range []uint64{0, 77} {
		if r := reps[1+i]; r.ID != wantID || r.Started || r.Anomaly == "" || r.StartError == "" || !r.Clean {
			t.Errorf("report for bad line %d: %+v", i, r)
		}
	}
	if r := reps[3]; r.ID != id2 || string(r.Stdout) != "b\n" || !r.Clean {
		t.Errorf("report 4: %+v", r)
	}
}

func TestServeMaxJobs(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, func(c *Config) { c.MaxJobs = 1 })
	input := jobLine(t, Job{ID: lastJobID.Add(1), Command: sh("true")}) + "\n" +
		jobLine(t, Job{ID: lastJobID.Add(1), Command: sh("true")}) + "\n"
	_, reps, err := serve(t, e.srv, input)
	if err != nil || len(reps) != 1 {
		t.Errorf("Serve = %v with %d reports, want nil and 1", err, len(reps))
	}
}

func TestServeNotReady(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t, func(c *Config) { c.WorkDir = "/nonexistent/work" })
	h, reps, err := serve(t, e.srv, jobLine(t, Job{ID: 1, Command: sh("true")})+"\n")
	if !errors.Is(err, ErrNotReady) || h.Ready || !strings.Contains(h.Reason, "/nonexistent/work") || len(reps) != 0 {
		t.Errorf("Serve = %v, hello %+v, %d reports; want not ready, no jobs run", err, h, len(reps))
	}
}

func TestParseFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		want    func(*Config)
		wantErr bool
	}{
		{name: "defaults", want: func(*Config) {}},
		{name: "all", args: []string{"-uid-base", "30000", "-work", "/w", "-scrub", "/a, ,/b", "-need", "python3,go", "-max-jobs", "1"},
			want: func(c *Config) {
				c.UIDBase, c.WorkDir, c.ScrubDirs, c.Need, c.MaxJobs = 30000, "/w", []string{"/a", "/b"}, []string{"python3", "go"}, 1
			}},
		{name: "empty scrub", args: []string{"-scrub", ""}, want: func(c *Config) { c.ScrubDirs = nil }},
		{name: "zero uid base", args: []string{"-uid-base", "0"}, wantErr: true},
		{name: "stray argument", args: []string{"x"}, wantErr: true},
		{name: "unknown flag", args: []string{"-nope"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseFlags(tt.args)
			if tt.wantErr {
				if err == nil {
					t.Errorf("parseFlags(%q) = %+v, want an error", tt.args, got)
				}
				return
			}
			want := DefaultConfig()
			tt.want(&want)
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("parseFlags(%q) = %+v, %v; want %+v", tt.args, got, err, want)
			}
		})
	}
}
