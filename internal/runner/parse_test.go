package runner

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseStatus(t *testing.T) {
	t.Parallel()
	const live = "Name:\tsleep\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t7\nPid:\t7\nPPid:\t1\nTracerPid:\t0\nUid:\t61001\t61001\t61001\t61001\nGid:\t61001\t61001\t61001\t61001\nThreads:\t1\nCapEff:\t00000000000000e3\n"
	tests := []struct {
		name               string
		text               string
		state              byte
		owned61001, isLive bool
		wantErr            bool
	}{
		{name: "live", text: live, state: 'S', owned61001: true, isLive: true},
		{name: "zombie", text: strings.Replace(live, "S (sleeping)", "Z (zombie)", 1), state: 'Z', owned61001: true},
		{name: "zombie leader with live threads", text: strings.NewReplacer("S (sleeping)", "Z (zombie)", "Threads:\t1", "Threads:\t3").Replace(live), state: 'Z', owned61001: true, isLive: true},
		{name: "other uid", text: strings.ReplaceAll(live, "61001", "0"), state: 'S', isLive: true},
		{name: "saved uid only", text: strings.Replace(live, "61001\t61001\t61001\t61001", "0\t0\t61001\t0", 1), state: 'S', owned61001: true, isLive: true},
		{name: "cut short", text: live[:strings.Index(live, "Threads")+3], state: 'S', owned61001: true, isLive: true},
		{name: "no uid", text: "State:\tR (running)\n", wantErr: true},
		{name: "bad uid", text: "State:\tR\nUid:\t1\t2\t3\n", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			st, err := parseStatus([]byte(tt.text))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			if st.state != tt.state || st.ownedBy(61001) != tt.owned61001 || st.live() != tt.isLive {
				t.Errorf("state %c owned %v live %v; want %c %v %v", st.state, st.ownedBy(61001), st.live(), tt.state, tt.owned61001, tt.isLive)
			}
		})
	}
	if st, _ := parseStatus([]byte(live)); st.capEff != 0xe3 {
		t.Errorf("capEff = %#x", st.capEff)
	}
}

func TestParseOOMKills(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, text string
		want       uint64
		wantErr    bool
	}{
		{name: "v1", text: "oom_kill_disable 0\nunder_oom 0\noom_kill 7\n", want: 7},
		{name: "v2", text: "low 0\nhigh 0\nmax 12\noom 3\noom_kill 2\noom_group_kill 0\n", want: 2},
		{name: "old kernel", text: "oom_kill_disable 0\nunder_oom 0\n", wantErr: true},
		{name: "garbage", text: "oom_kill x\n", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseOOMKills([]byte(tt.text))
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Errorf("parseOOMKills = %d, %v; want %d, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestParseSysvipc(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, text string
		want       []int
		wantErr    bool
	}{
		{name: "shm", text: "       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid      atime      dtime      ctime                   rss                  swap\n" +
			"1234 5 644 4096 10 0 0 61001 61001 61001 61001 0 0 1 0 0\n" +
			"1235 6 644 4096 10 0 0 0 0 0 0 0 0 1 0 0\n" +
			"1236 7 644 4096 10 0 0 0 0 61001 61001 0 0 1 0 0\n",
			want: []int{5, 7}},
		{name: "sem", text: "       key      semid perms      nsems   uid   gid  cuid  cgid      otime      ctime\n0 3 600 1 61001 61001 61001 61001 0 1\n", want: []int{3}},
		{name: "empty", text: "       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid  cuid  cgid      stime      rtime      ctime\n"},
		{name: "bad header", text: "key id\n1 2\n", wantErr: true},
		{name: "short row", text: "key semid perms nsems uid gid cuid cgid\n1 2 3\n", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseSysvipc([]byte(tt.text), 61001)
			if !reflect.DeepEqual(got, tt.want) || (err != nil) != tt.wantErr {
				t.Errorf("parseSysvipc = %v, %v; want %v, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestJobEnv(t *testing.T) {
	t.Parallel()
	got := jobEnv([]string{"PATH=/bin", "HOME=/root", "A=1", "junk", "TMPDIR=/x"}, "/tmp/job-1",
		[]string{"A=2", "PATH=/usr/bin"}, []string{"B=3", "A=4"})
	want := []string{"PATH=/usr/bin", "HOME=/tmp/job-1", "A=4", "TMPDIR=/tmp/job-1/.tmp", "PWD=/tmp/job-1", "B=3"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("jobEnv = %q, want %q", got, want)
	}
	if v := envValue(got, "PATH"); v != "/usr/bin" {
		t.Errorf("envValue(PATH) = %q", v)
	}
}

func TestLookPath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, cmd, path, want string
		wantErr               bool
	}{
		{name: "in PATH", cmd: "sh", path: "/nonexistent:/bin", want: "/bin/sh"},
		{name: "absolute", cmd: "/bin/sh", path: "", want: "/bin/sh"},
		{name: "relative to the job folder", cmd: "../bin/sh", path: "", want: "/bin/sh"},
		{name: "relative PATH entry", cmd: "sh", path: "bin", want: "/bin/sh"},
		{name: "not in PATH", cmd: "sh", path: "/nonexistent", wantErr: true},
		{name: "a folder", cmd: "/bin", wantErr: true},
		{name: "not executable", cmd: "/etc/passwd", wantErr: true},
		{name: "empty", cmd: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := lookPath(tt.cmd, tt.path, "/")
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Errorf("lookPath(%q, %q) = %q, %v; want %q, error %v", tt.cmd, tt.path, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestCapture(t *testing.T) {
	t.Parallel()
	overs := 0
	c := &capture{limit: 5, over: func() { overs++ }}
	for _, s := range []string{"ab", "cd", "efg", "h"} {
		c.keep([]byte(s))
	}
	if string(c.buf) != "abcde" || !c.truncated || overs != 1 {
		t.Errorf("kept %q truncated %v overs %d; want abcde true 1", c.buf, c.truncated, overs)
	}
	c = &capture{limit: 4, over: func() { overs++ }}
	c.keep([]byte("abcd"))
	if string(c.buf) != "abcd" || c.truncated {
		t.Errorf("at the limit: kept %q truncated %v", c.buf, c.truncated)
	}
}
