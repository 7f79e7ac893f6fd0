package runner

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestServeOnSplitsHello: the Hello goes to its own writer, the reports,
// with their phase timings, to out.
func TestServeOnSplitsHello(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	id := lastJobID.Add(1)
	var hello, out bytes.Buffer
	in := strings.NewReader(jobLine(t, Job{ID: id, Command: sh("echo hi"), Timeout: 5 * time.Second}) + "\n")
	if err := e.srv.ServeOn(t.Context(), &hello, in, &out); err != nil {
		t.Fatal(err)
	}
	var h Hello
	if err := json.Unmarshal(hello.Bytes(), &h); err != nil || !h.Ready {
		t.Fatalf("hello %q: %v", hello.String(), err)
	}
	var rep Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("report %q: %v", out.String(), err)
	}
	checkOK(t, rep)
	p := rep.Phases
	if p == nil {
		t.Fatal("no phases")
	}
	if p.Run <= 0 || p.Start <= 0 || p.Total < p.Setup+p.Start+p.Run+p.Reap+p.Cleanup || p.Sent < p.Received || p.Received == 0 {
		t.Errorf("phases %+v", *p)
	}
}
