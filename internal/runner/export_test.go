package runner

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// exportRun runs job with Export set and gathers its chunks into files,
// checking that each file's chunks come together and end once.
func exportRun(t *testing.T, e *testEnv, job Job) (Report, map[string][]byte) {
	t.Helper()
	job.ID = lastJobID.Add(1)
	job.Export = true
	job.Timeout = 10 * time.Second
	job.OutputLimit = 64 << 10
	job.Env = append(job.Env, "EXPORT="+filepath.Join(e.tmp, ExportName))
	files := make(map[string][]byte)
	var open string
	rep := e.srv.RunExport(t.Context(), job, func(c Chunk) error {
		if c.ID != job.ID {
			t.Errorf("chunk of job %d, want %d", c.ID, job.ID)
		}
		if open != "" && c.Name != open {
			t.Errorf("chunk of %s while %s is not finished", c.Name, open)
		}
		if _, done := files[c.Name]; done && open == "" {
			t.Errorf("%s sent twice", c.Name)
		}
		files[c.Name] = append(files[c.Name], c.Data...)
		open = c.Name
		if c.End {
			open = ""
		}
		return nil
	})
	if open != "" {
		t.Errorf("%s has no last chunk", open)
	}
	if _, err := os.Lstat(filepath.Join(e.tmp, ExportName)); !os.IsNotExist(err) {
		t.Errorf("export folder left after the job (lstat: %v)", err)
	}
	return rep, files
}

// TestExport: the regular files of the export folder come back whole, in
// chunks, even when the job fails; links, folders and fifos do not, and
// a link never leads the runner out of the folder.
func TestExport(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	rep, files := exportRun(t, e, Job{Command: sh(`cd "$EXPORT" &&
printf small > a &&
head -c 600000 /dev/zero | tr '\0' x > big &&
: > empty &&
ln -s /etc/passwd link && mkdir sub && printf no > sub/f && mkfifo fifo && exit 3`)})
	if rep.ExitCode != 3 || rep.Anomaly != "" {
		t.Fatalf("report %+v: want exit 3 and no anomaly", rep)
	}
	want := map[string][]byte{"a": []byte("small"), "big": bytes.Repeat([]byte("x"), 600000), "empty": nil}
	if len(files) != len(want) {
		t.Errorf("exported %v, want %d files", keys(files), len(want))
	}
	for name, w := range want {
		if got, ok := files[name]; !ok || !bytes.Equal(got, w) {
			t.Errorf("file %s: %d bytes (sent %v), want %d", name, len(got), ok, len(w))
		}
	}
	if rep.Exported != 3 || rep.ExportSkipped != 3 || rep.ExportTruncated {
		t.Errorf("exported %d, skipped %d, truncated %v; want 3, 3, false", rep.Exported, rep.ExportSkipped, rep.ExportTruncated)
	}
}

// TestExportCap: the export stops at ExportMax.
func TestExportCap(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	rep, files := exportRun(t, e, Job{ExportMax: 1000,
		Command: sh(`cd "$EXPORT" && head -c 800 /dev/zero > a && head -c 800 /dev/zero > b`)})
	if !rep.ExportTruncated || len(files) != 1 || len(files["a"]) != 800 {
		t.Errorf("report %+v, files %v: want a alone and a truncated export", rep, keys(files))
	}
}

// TestExportReplacedFolder: a job that swaps its export folder for a link
// to another folder exports nothing.
func TestExportReplacedFolder(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	rep, files := exportRun(t, e, Job{Command: sh(`rmdir "$EXPORT" && ln -s /etc "$EXPORT"`)})
	if len(files) != 0 || rep.Exported != 0 {
		t.Errorf("exported %v through a link: %+v", keys(files), rep)
	}
	if _, err := os.Stat("/etc/passwd"); err != nil {
		t.Errorf("cleanup followed the link: %v", err)
	}
}

func keys(m map[string][]byte) string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return strings.Join(out, ",")
}

// TestFixedDir: a FixedDir job runs in the fixed folder, which goes after it.
func TestFixedDir(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	job := Job{ID: lastJobID.Add(1), FixedDir: true, Command: sh(`pwd; echo "$HOME"`), Timeout: 10 * time.Second}
	rep := e.srv.Run(t.Context(), job)
	want := filepath.Join(e.tmp, FixedDirName)
	if got := string(rep.Stdout); got != want+"\n"+want+"\n" {
		t.Errorf("pwd and HOME = %q, want %s twice", got, want)
	}
	if _, err := os.Lstat(want); !os.IsNotExist(err) {
		t.Errorf("fixed folder left after the job (lstat: %v)", err)
	}
}

// TestServeExport: Serve writes a job's export as chunk lines, then its
// report, each line an Output.
func TestServeExport(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	id := lastJobID.Add(1)
	job := Job{ID: id, Export: true, Timeout: 10 * time.Second,
		Env:     []string{"EXPORT=" + filepath.Join(e.tmp, ExportName)},
		Command: sh(`printf one > "$EXPORT/a"; printf two > "$EXPORT/b"`)}
	var out bytes.Buffer
	if err := e.srv.Serve(t.Context(), strings.NewReader(jobLine(t, job)+"\n"), &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")[1:] // after the hello
	var got []string
	for i, l := range lines {
		var o Output
		if err := json.Unmarshal([]byte(l), &o); err != nil {
			t.Fatalf("line %d %q: %v", i, l, err)
		}
		switch {
		case o.Chunk != nil && i < len(lines)-1:
			got = append(got, o.Chunk.Name+"="+string(o.Chunk.Data))
		case o.Chunk == nil && i == len(lines)-1 && o.ID == id && o.Exported == 2:
		default:
			t.Errorf("line %d: %s", i, l)
		}
	}
	if strings.Join(got, ",") != "a=one,b=two" {
		t.Errorf("chunks %v", got)
	}
}
