package sandbox

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/docker/docker/api/types/container"
)

// errContainerOOM says that the kernel's OOM killer ended a container
// during a job. The job caused it: jobs are the only processes that grow,
// and under runc they are the OOM killer's first choice (oom_score_adj
// 1000), so the runner dying of it means the job's memory was the
// container's. Under gVisor it is the usual end of a memory bomb: the
// program's memory is the Sentry's, and the OOM killer ends the whole
// sandbox rather than the program.
var errContainerOOM = errors.New("the container reached its memory limit and the kernel's OOM killer ended it")

// runnerDied adds to err (the runner stopped answering during a job) what
// Docker knows of the container's end, and errContainerOOM if it was an
// OOM kill.
func (s *Sandbox) runnerDied(ctx context.Context, b *box, err error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	// The attached stream can end a moment before Docker records the
	// container's end (and whether the OOM killer caused it).
	waitCtx, stop := context.WithTimeout(ctx, 2*time.Second)
	done, failed := s.docker.ContainerWait(waitCtx, b.id, container.WaitConditionNotRunning)
	select {
	case <-done:
	case <-failed:
	case <-waitCtx.Done():
	}
	stop()
	err = fmt.Errorf("%w; container %s", err, s.describe(ctx, b))
	if info, ierr := s.docker.ContainerInspect(ctx, b.id); ierr == nil && s.oomKilled(info.State) {
		return fmt.Errorf("%w: %w", errContainerOOM, err)
	}
	return err
}

// exitSIGKILL is a container's exit status after SIGKILL (128 + 9): the
// status its init reports when the runner was killed.
const exitSIGKILL = 137

// oomKilled reports whether the kernel's OOM killer ended a container
// whose runner died during a job. A SIGKILL counts where State.OOMKilled
// cannot be relied on: Podman 4.3 leaves it false (cgroup v1: conmon did
// not report it here), and under gVisor Docker can record the container's
// exit before the OOM event (seen once in about 20 CI runs of the memory
// bomb: exit 137, OOMKilled false). Nothing else sends a SIGKILL to a
// runner during a job: jobs run under other uids without CAP_KILL (and
// under gVisor cannot reach the host's processes at all), and the harness
// kills only at removal, after this.
func (s *Sandbox) oomKilled(st *container.State) bool {
	if st == nil {
		return false
	}
	killed := st.Status == "exited" && st.ExitCode == exitSIGKILL
	return st.OOMKilled || (killed && (s.engine.podman() || s.cfg.Runtime == RuntimeGVisor))
}

// oomResult is the verdict of a job whose container the OOM killer ended.
func oomResult() Result {
	return Result{
		Status:   StatusMemoryLimit,
		ExitCode: -1,
		Signal:   9,
		Detail:   "the container reached its memory limit and was killed whole (under gVisor the program's memory is the sandbox kernel's)",
	}
}
