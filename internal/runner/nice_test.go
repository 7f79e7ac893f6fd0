package runner

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestJobNiceLater: a job starts at nice 0 and every process of its uid
// is at JobNice once it has run for JobNiceAfter.
func TestJobNiceLater(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	wait := fmt.Sprintf("%.3f", (JobNiceAfter + 300*time.Millisecond).Seconds())
	rep := e.run(t, Job{Command: sh(`sleep ` + wait + ` & nice; wait; nice`), Timeout: 10 * time.Second})
	checkOK(t, rep)
	lines := strings.Fields(string(rep.Stdout))
	if len(lines) != 2 || lines[1] != fmt.Sprint(JobNice) {
		t.Errorf("nice values %q, want [0 %d] (the first may be %d on a slow machine)", lines, JobNice, JobNice)
	}
}
