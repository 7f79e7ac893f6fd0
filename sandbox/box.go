package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/docker/docker/api/types"
	"github.com/docker/docker/api/types/container"
	"github.com/docker/docker/api/types/mount"
	"github.com/docker/docker/pkg/stdcopy"

	"github.com/codetree/codetree/internal/runner"
)

// runnerCaps are the only capabilities in a sandbox container. The runner
// needs them to run each job under its own uid and to clean up after it
// (SYS_NICE: to renice a job's processes before it kills them); jobs run
// under a non-zero uid, so the kernel clears them at exec.
var runnerCaps = []string{"SETUID", "SETGID", "KILL", "CHOWN", "DAC_OVERRIDE", "FOWNER", "SYS_NICE"}

// errRunnerDied reports a runner that stopped answering.
var errRunnerDied = errors.New("sandbox runner exited")

// boxSpec says how to create a container.
type boxSpec struct {
	image  string
	need   []string // commands the runner must find in PATH
	limits Limits   // container-level fields are used
	mode   Mode
	mounts []Mount // resolved, sorted by Target (resolveMounts)
}

// box is one running sandbox container with its runner attached.
type box struct {
	id      string
	spec    boxSpec
	conn    types.HijackedResponse
	enc     *json.Encoder
	reports chan runner.Output
	stderr  *tailBuffer
	jobs    int
	// readErr is why the report stream ended; set before reports closes.
	readErr error
}

func (s *Sandbox) containerConfig(spec boxSpec) (*container.Config, *container.HostConfig) {
	args := []string{runner.ArgRunner, "-need", strings.Join(spec.need, ",")}
	l := spec.limits
	pids := l.Pids
	init := true
	cfg := &container.Config{
		Image:           spec.image,
		Entrypoint:      []string{runner.MountPath},
		Cmd:             args,
		User:            "0:0",
		WorkingDir:      "/tmp",
		AttachStdin:     true,
		AttachStdout:    true,
		AttachStderr:    true,
		OpenStdin:       true,
		StdinOnce:       true,
		NetworkDisabled: true,
		Labels: map[string]string{
			labelManaged: "true",
			labelOwner:   s.owner.String(),
			labelMode:    spec.mode.String(),
		},
	}
	host := &container.HostConfig{
		NetworkMode:    "none",
		ReadonlyRootfs: true,
		CapDrop:        []string{"ALL"},
		CapAdd:         runnerCaps,
		SecurityOpt:    []string{"no-new-privileges"},
		Init:           &init,
		LogConfig:      container.LogConfig{Type: "none"},
		Tmpfs: map[string]string{
			"/tmp": fmt.Sprintf("rw,exec,nosuid,nodev,size=%d,mode=1777", int64(l.Tmpfs)),
			// Read-only as in the image: Podman mounts a writable,
			// world-writable tmpfs here when the root is read-only, where
			// a job could leave files for the next one (engine.go).
			"/var/tmp": readOnlyTmpfs,
		},
		ShmSize: int64(l.Tmpfs / 4),
		Resources: container.Resources{
			Memory:     int64(l.Memory),
			MemorySwap: int64(l.Memory),
			NanoCPUs:   int64(l.CPUs * 1e9),
			PidsLimit:  &pids,
		},
		Mounts: append([]mount.Mount{{
			Type:     mount.TypeBind,
			Source:   s.runnerPath,
			Target:   runner.MountPath,
			ReadOnly: true,
		}}, dockerMounts(spec.mounts)...),
	}
	runtimeHostConfig(s.cfg.Runtime, l, host)
	return cfg, host
}

// startBox creates, attaches and starts a container and waits for its
// runner to say it is ready.
func (s *Sandbox) startBox(ctx context.Context, spec boxSpec) (_ *box, err error) {
	cfg, host := s.containerConfig(spec)
	js := s.listenJobSocket() // nil: jobs go over the attach stream
	defer js.close()
	js.configure(cfg, host)
	// Not cancelled with ctx: a create cut short on the client side can
	// still complete in the daemon, leaving a container nobody knows of.
	// Once the ID is known, the error path below removes it.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 60*time.Second)
	created, err := s.docker.ContainerCreate(cctx, cfg, host, nil, nil, "")
	cancel()
	if err != nil {
		return nil, fmt.Errorf("create container from %s: %w", spec.image, err)
	}
	b := &box{id: created.ID, spec: spec, reports: make(chan runner.Output, 1), stderr: newTailBuffer(8 << 10)}
	defer func() {
		if err != nil {
			s.removeAsync(b)
		}
	}()
	// The attached stream outlives this call: it must not die with ctx.
	b.conn, err = s.docker.ContainerAttach(context.WithoutCancel(ctx), b.id, container.AttachOptions{
		Stream: true, Stdin: true, Stdout: true, Stderr: true,
	})
	if err != nil {
		return nil, s.attachError(ctx, b.id, err)
	}
	b.enc = json.NewEncoder(b.conn.Conn)
	hello := make(chan runner.Hello, 1)
	go b.read(hello, js, s.cfg.StartTimeout)
	if err := s.docker.ContainerStart(ctx, b.id, container.StartOptions{}); err != nil {
		return nil, fmt.Errorf("start container from %s: %w", spec.image, err)
	}
	timer := time.NewTimer(s.cfg.StartTimeout)
	defer timer.Stop()
	select {
	case h, ok := <-hello:
		if !ok {
			return nil, fmt.Errorf("start sandbox runner in %s: %w: %s", spec.image, errRunnerDied, b.stderr.String())
		}
		if len(h.Missing) > 0 {
			return nil, &ImageError{Image: spec.image, Missing: h.Missing}
		}
		if !h.Ready {
			return nil, fmt.Errorf("start sandbox runner in %s: not ready: %s %s", spec.image, h.Reason, b.stderr.String())
		}
	case <-timer.C:
		return nil, fmt.Errorf("start sandbox runner in %s: no answer after %s: %s", spec.image, s.cfg.StartTimeout, b.stderr.String())
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return b, nil
}

// readOnlyTmpfs is an empty, read-only tmpfs: what a container gets in
// place of a folder that must stay as read-only as the image's.
const readOnlyTmpfs = "ro,nosuid,nodev,noexec,size=64k,mode=755"

// attachError wraps the failure to attach to a created container. With
// Podman, attaching before the start creates the container in the OCI
// runtime, and when that fails the client reports only "unable to upgrade
// to tcp, received 409", dropping the daemon's reason; starting the
// container gets the same failure with its reason, which is added. The
// container is removed by the caller either way.
func (s *Sandbox) attachError(ctx context.Context, id string, err error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if serr := s.docker.ContainerStart(ctx, id, container.StartOptions{}); serr != nil {
		return fmt.Errorf("attach container: %w (starting it says: %v)", err, serr)
	}
	return fmt.Errorf("attach container: %w", err)
}

// read demultiplexes the attached stream: the runner's stdout carries the
// hello line and then, per job, the chunks of its export and its report;
// its stderr is kept for diagnostics. With a job socket (js not nil) the
// chunks and reports come over the runner's connection instead, which
// read accepts (waiting at most wait), sets as b.enc before it passes the
// hello on, and closes when the runner's side ends (the container's
// removal kills the runner). It closes hello (if unsent) and reports when
// the stream ends.
func (b *box) read(hello chan<- runner.Hello, js *jobSocket, wait time.Duration) {
	pr, pw := io.Pipe()
	go func() {
		_, err := stdcopy.StdCopy(pw, b.stderr, b.conn.Reader)
		pw.CloseWithError(err)
	}()
	defer close(b.reports)
	dec := json.NewDecoder(pr)
	var h runner.Hello
	if err := dec.Decode(&h); err != nil {
		b.readErr = err
		close(hello)
		_ = pr.CloseWithError(err)
		return
	}
	if js != nil && h.Ready && len(h.Missing) == 0 {
		c, err := js.accept(wait)
		if err != nil {
			h.Ready, h.Reason = false, err.Error()
			hello <- h
			b.readErr = err
			_ = pr.CloseWithError(err)
			return
		}
		defer c.Close()
		b.enc = json.NewEncoder(c)
		// Nothing more comes on stdout; keep it drained all the same,
		// so that stderr keeps flowing.
		go func() { _, _ = io.Copy(io.Discard, pr) }()
		dec = json.NewDecoder(c)
	}
	hello <- h
	for {
		var rep runner.Output
		if err := dec.Decode(&rep); err != nil {
			b.readErr = err
			_ = pr.CloseWithError(err)
			return
		}
		b.reports <- rep
	}
}

// errBackstop is returned by do when the runner missed the deadline plus
// grace: the harness has given up on it.
var errBackstop = errors.New("sandbox runner missed the deadline")

// do runs one job in b (box.do), adding what Docker knows of the
// container's end when the runner died.
func (s *Sandbox) do(ctx context.Context, b *box, job runner.Job, sink *exportSink, t *jobTimer) (runner.Report, error) {
	rep, err := b.do(ctx, job, s.cfg.Grace, sink, t)
	if errors.Is(err, errRunnerDied) {
		err = s.runnerDied(ctx, b, err) // runtime_oom.go
	}
	return rep, err
}

// describe says what Docker knows of a container's end, for errors.
func (s *Sandbox) describe(ctx context.Context, b *box) string {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	info, err := s.docker.ContainerInspect(ctx, b.id)
	if err != nil {
		return fmt.Sprintf("%s: %v", shortID(b.id), err)
	}
	st := info.State
	if st == nil {
		return shortID(b.id)
	}
	return fmt.Sprintf("%s: status %s, exit code %d, OOM killed %v, error %q", shortID(b.id), st.Status, st.ExitCode, st.OOMKilled, st.Error)
}

// exportChunkWait is how long the harness waits for each chunk of an
// export, past the job's deadline plus grace.
const exportChunkWait = 30 * time.Second

// do sends one job and waits for its report until the job's deadline plus
// grace; the chunks of its export go to sink (nil: the job exports
// nothing), each one extending the wait; t gets the instants the job was
// sent and its report received. Any error leaves the box unusable.
func (b *box) do(ctx context.Context, job runner.Job, grace time.Duration, sink *exportSink, t *jobTimer) (runner.Report, error) {
	b.jobs++
	if err := b.enc.Encode(job); err != nil {
		return runner.Report{}, fmt.Errorf("send job to sandbox runner: %w", err)
	}
	t.sent = time.Now()
	timer := time.NewTimer(job.Timeout + grace)
	defer timer.Stop()
	for {
		select {
		case out, ok := <-b.reports:
			if !ok {
				return runner.Report{}, fmt.Errorf("%w during a job (%v): %s", errRunnerDied, b.readErr, b.stderr.String())
			}
			if c := out.Chunk; c != nil {
				if c.ID != job.ID || sink == nil {
					return runner.Report{}, fmt.Errorf("sandbox runner sent an export chunk of job %d for job %d (export %v)", c.ID, job.ID, sink != nil)
				}
				sink.add(*c)
				timer.Reset(grace + exportChunkWait)
				continue
			}
			if out.ID != job.ID {
				return runner.Report{}, fmt.Errorf("sandbox runner answered job %d for job %d", out.ID, job.ID)
			}
			t.got = time.Now()
			return out.Report, nil
		case <-timer.C:
			return runner.Report{}, errBackstop
		case <-ctx.Done():
			return runner.Report{}, ctx.Err()
		}
	}
}

// removeAsync force-removes (SIGKILL, then remove) a container in the
// background; Close waits for it. Removal survives a cancelled run.
func (s *Sandbox) removeAsync(b *box) {
	s.retiring.Add(1)
	go func() {
		defer s.retiring.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := s.removeBox(ctx, b); err != nil {
			s.log.Warn("remove sandbox container", "container", shortID(b.id), "err", err)
		}
	}()
}

func (s *Sandbox) removeBox(ctx context.Context, b *box) error {
	if b.conn.Conn != nil {
		b.conn.Close()
	}
	err := s.removeContainer(ctx, b.id)
	if err != nil && !isNotFound(err) && !strings.Contains(err.Error(), "already in progress") {
		return fmt.Errorf("remove container %s: %w", shortID(b.id), err)
	}
	return nil
}

// removeContainer force-removes a container. Podman can refuse while the
// container is exiting on its own ("could not be stopped: ... container
// state improper"): it tries again for up to 5 s.
func (s *Sandbox) removeContainer(ctx context.Context, id string) error {
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := s.docker.ContainerRemove(ctx, id, container.RemoveOptions{Force: true})
		if err == nil || !strings.Contains(err.Error(), "state improper") || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func newTailBuffer(max int) *tailBuffer { return &tailBuffer{max: max} }

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(bytes.TrimSpace(t.buf))
}
