package sandbox

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/pkg/stdcopy"
)

// scriptRun is the outcome of a build script run in a container.
type scriptRun struct {
	ID     string // the container, left in place for the caller to commit or remove
	Exit   int64
	Stdout string // standard output, up to its first MiB
	Tail   string // the end of standard output and error, interleaved
}

// runScript creates a container, streams its output to progress, starts it
// and waits for it to exit. The container is left for the caller, who must
// remove it (run.ID is set as soon as it exists, even with an error).
func (b *ImageBuilder) runScript(ctx context.Context, cfg *container.Config, host *container.HostConfig, progress io.Writer) (scriptRun, error) {
	var run scriptRun
	cfg.AttachStdout, cfg.AttachStderr = true, true
	created, err := b.docker.ContainerCreate(ctx, cfg, host, nil, nil, "")
	if err != nil {
		return run, fmt.Errorf("create container: %w", err)
	}
	run.ID = created.ID
	att, err := b.docker.ContainerAttach(ctx, run.ID, container.AttachOptions{Stream: true, Stdout: true, Stderr: true})
	if err != nil {
		return run, fmt.Errorf("attach to container: %w", err)
	}
	defer att.Close()
	tail := newOutputTail(progress, 8<<10)
	stdout := &cappedBuffer{max: 1 << 20}
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		_, _ = stdcopy.StdCopy(io.MultiWriter(stdout, tail), tail, att.Reader)
	}()
	waitC, errC := b.docker.ContainerWait(ctx, run.ID, container.WaitConditionNextExit)
	if err := b.docker.ContainerStart(ctx, run.ID, container.StartOptions{}); err != nil {
		return run, fmt.Errorf("start container: %w", err)
	}
	select {
	case res := <-waitC:
		if res.Error != nil && res.Error.Message != "" {
			return run, fmt.Errorf("wait for container: %s", res.Error.Message)
		}
		run.Exit = res.StatusCode
	case err := <-errC:
		return run, fmt.Errorf("wait for container: %w", err)
	case <-ctx.Done():
		return run, context.Cause(ctx)
	}
	// The stream ends when the container exits; do not hang if it lingers.
	select {
	case <-copied:
	case <-time.After(5 * time.Second):
		att.Close()
		<-copied
	}
	run.Stdout = stdout.String()
	run.Tail = tail.String()
	return run, nil
}

// removeContainer force-removes a build container, after ctx ends too.
func (b *ImageBuilder) removeContainer(ctx context.Context, id string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := b.docker.ContainerRemove(ctx, id, container.RemoveOptions{Force: true}); err != nil {
		b.log.Warn("remove build container", "container", id, "err", err)
	}
}

// outputTail forwards writes to w and keeps the last max bytes for error
// messages. It is safe for concurrent use.
type outputTail struct {
	mu  sync.Mutex
	w   io.Writer
	max int
	buf []byte
}

func newOutputTail(w io.Writer, max int) *outputTail {
	if w == nil {
		w = io.Discard
	}
	return &outputTail{w: w, max: max}
}

func (t *outputTail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > 2*t.max {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-t.max:]...)
	}
	_, _ = t.w.Write(p) // progress output is best effort
	return len(p), nil
}

// String returns the kept tail, starting at a line boundary.
func (t *outputTail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.buf
	if len(b) > t.max {
		b = b[len(b)-t.max:]
		if i := strings.IndexByte(string(b), '\n'); i >= 0 {
			b = b[i+1:]
		}
	}
	return strings.TrimRight(string(b), "\n")
}

// cappedBuffer keeps the first max bytes written to it.
type cappedBuffer struct {
	max int
	b   strings.Builder
}

func (c *cappedBuffer) Write(p []byte) (int, error) {
	if room := c.max - c.b.Len(); room > 0 {
		c.b.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (c *cappedBuffer) String() string { return c.b.String() }
