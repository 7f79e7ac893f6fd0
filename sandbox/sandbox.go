package sandbox

import (
	"context"
	"crypto/rand"
	"debug/elf"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/containerd/errdefs"

	"github.com/codetree/codetree/internal/runner"
)

// Config sets up a Sandbox. The zero value of every field means its default.
type Config struct {
	// DockerHost is the daemon address; empty means DOCKER_HOST or the
	// local socket.
	DockerHost string
	// RunnerBinary is a statically linked binary that runs the in-container
	// runner when called with runner.ArgRunner (the codetree binary built
	// with CGO_ENABLED=0). Default: the running executable.
	RunnerBinary string
	// Mode is pool (default) or fresh.
	Mode Mode
	// Runtime is the OCI runtime the daemon runs containers with: empty
	// for the daemon's default (runc), or RuntimeGVisor ("runsc") for
	// gVisor's user-space kernel between programs and the host's. New
	// fails with a RuntimeError when the daemon does not know it. A
	// Sandbox has one runtime, so its pools need not key on it.
	Runtime string
	// PoolSize is the number of containers per pool (default: the number
	// of CPUs).
	PoolSize int
	// RecycleAfter retires a pool container after this many jobs
	// (default 500).
	RecycleAfter int
	// Grace is how long past a job's deadline the harness waits for the
	// runner's report before it kills the container (default 1 s).
	Grace time.Duration
	// StartTimeout bounds a container's start until its runner is ready
	// (default 30 s).
	StartTimeout time.Duration
	// Images overrides the default image per language.
	Images map[Lang]string
	// Logger receives diagnostics (default slog.Default()).
	Logger *slog.Logger
	// Timings, when set, receives where each run's time went (Timing);
	// it is called on the run's goroutine, before Run returns.
	Timings func(Timing)
}

func (c Config) withDefaults() Config {
	if c.PoolSize <= 0 {
		c.PoolSize = runtime.NumCPU()
	}
	if c.RecycleAfter <= 0 {
		c.RecycleAfter = 500
	}
	if c.Grace <= 0 {
		c.Grace = time.Second
	}
	if c.StartTimeout <= 0 {
		c.StartTimeout = 30 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// Sandbox runs untrusted programs in hardened Docker containers. It is
// safe for concurrent use. Close it to remove its containers.
type Sandbox struct {
	docker     dockerAPI
	cfg        Config
	log        *slog.Logger
	owner      owner
	runnerPath string
	engine     engine // Docker or Podman (engine.go)
	nextID     atomic.Uint64

	mu     sync.Mutex
	pools  map[poolKey]*pool
	images map[string]error // image check results
	closed bool

	retiring sync.WaitGroup
}

// New connects to the Docker daemon, checks the runner binary and the
// runtime, and removes containers left behind by harness processes that
// are no longer running.
func New(ctx context.Context, cfg Config) (*Sandbox, error) {
	cfg = cfg.withDefaults()
	path := cfg.RunnerBinary
	if path == "" {
		exe, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("find runner binary: %w", err)
		}
		path = exe
	}
	cli, err := connect(ctx, cfg.DockerHost)
	if err != nil {
		return nil, err
	}
	if err := checkStatic(path); err != nil {
		_ = cli.Close()
		return nil, err
	}
	if err := checkRuntime(ctx, cli, cfg.Runtime); err != nil {
		_ = cli.Close()
		return nil, err
	}
	s := newSandbox(cli, cfg, path)
	s.engine = detectEngine(ctx, cli)
	s.log.Debug("sandbox daemon", "host", cli.DaemonHost(), "engine", s.engine)
	sweepJobSockets(os.TempDir(), time.Now())
	if n, err := s.sweep(ctx, false); err != nil {
		s.log.Warn("remove leftover sandbox containers", "err", err)
	} else if n > 0 {
		s.log.Info("removed leftover sandbox containers", "count", n)
	}
	return s, nil
}

func newSandbox(d dockerAPI, cfg Config, runnerPath string) *Sandbox {
	return &Sandbox{
		docker:     d,
		cfg:        cfg,
		log:        cfg.Logger,
		owner:      newOwner(),
		runnerPath: runnerPath,
		pools:      make(map[poolKey]*pool),
		images:     make(map[string]error),
	}
}

// checkStatic makes sure the runner binary can run in any image.
func checkStatic(path string) error {
	f, err := elf.Open(path)
	if err != nil {
		return fmt.Errorf("runner binary %s: %w (build codetree for linux with `make build`)", path, err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Errorf("runner binary %s is dynamically linked and cannot run inside sandbox images: build it with CGO_ENABLED=0 (`make build` does)", path)
		}
	}
	return nil
}

// Owner is the value of the owner label on this Sandbox's containers.
func (s *Sandbox) Owner() string { return s.owner.String() }

// DaemonHost is the address of the Docker daemon in use.
func (s *Sandbox) DaemonHost() string { return s.docker.DaemonHost() }

// Engine names the engine behind the daemon's address and its version:
// "docker 20.10.24", "podman 4.3.1", or "unknown".
func (s *Sandbox) Engine() string { return s.engine.String() }

// Run runs one program and returns its verdict. A program's failure is a
// Result; the error is non-nil only when Docker or the harness failed (or
// ctx ended), in which case nothing is known about the program.
func (s *Sandbox) Run(ctx context.Context, req Request) (Result, error) {
	t := &jobTimer{start: time.Now()}
	spec, err := s.specFor(ctx, req)
	if err != nil {
		return Result{}, err
	}
	job := runner.Job{
		ID:          s.nextID.Add(1),
		Files:       req.Files,
		Command:     req.Command,
		Env:         req.Env,
		Timeout:     spec.limits.Timeout,
		OutputLimit: int64(spec.limits.Output),
		FixedDir:    req.FixedDir,
		Samples:     req.Samples,
	}
	if req.PassToken {
		job.Token = newToken()
	}
	var sink *exportSink
	if req.Export != nil {
		if sink, err = newExportSink(req.Export); err != nil {
			return Result{}, err
		}
		job.Export, job.ExportMax = true, sink.max
	}
	t.prepared = time.Now()
	if spec.mode == ModeFresh {
		return s.runFresh(ctx, spec, job, sink, t)
	}
	return s.pool(spec).run(ctx, job, sink, t)
}

func (s *Sandbox) runFresh(ctx context.Context, spec boxSpec, job runner.Job, sink *exportSink, t *jobTimer) (Result, error) {
	// The runner stays up after the job (no -max-jobs): a container that
	// exits on its own can close the attached stream before its last
	// output is delivered. It is removed as soon as the report is in.
	b, err := s.startBox(ctx, spec)
	if err != nil {
		return Result{}, err
	}
	defer s.removeAsync(b)
	t.acquired = time.Now()
	rep, err := s.do(ctx, b, job, sink, t)
	res, err := s.verdict(job, rep, err, sink)
	s.reportTiming(t, rep)
	return res, err
}

// verdict turns a runner report, or the failure to get one, into a Result,
// and puts the export's files in place (or removes them after a failure).
func (s *Sandbox) verdict(job runner.Job, rep runner.Report, err error, sink *exportSink) (res Result, _ error) {
	if sink != nil {
		defer func() {
			x := sink.finish(err == nil)
			x.Rejected += rep.ExportSkipped
			x.Truncated = x.Truncated || rep.ExportTruncated
			if x.Err != "" {
				s.log.Warn("sandbox export", "dir", sink.dir, "err", x.Err)
			}
			res.Export = &x
		}()
	}
	switch {
	case errors.Is(err, errBackstop):
		return Result{
			Status:   StatusTimeLimit,
			ExitCode: -1,
			Duration: job.Timeout,
			Detail:   "the sandbox runner did not answer by the deadline; the container was killed",
		}, nil
	case errors.Is(err, errContainerOOM):
		return oomResult(), nil
	case err != nil:
		return Result{}, err
	}
	return classify(job, rep), nil
}

// image is the image configured for lang, "" if none (the default one
// is used then).
func (s *Sandbox) image(lang Lang) string { return s.cfg.Images[lang] }

// specFor validates req, resolves the image and the mounts, checks them
// and derives the container spec.
func (s *Sandbox) specFor(ctx context.Context, req Request) (boxSpec, error) {
	if err := req.validate(); err != nil {
		return boxSpec{}, err
	}
	image := req.Image
	if image == "" {
		image = s.image(req.Lang)
	}
	if image == "" {
		if req.Lang == "" {
			return boxSpec{}, fmt.Errorf("sandbox request: no image and no language to choose one")
		}
		img, err := DefaultImage(req.Lang)
		if err != nil {
			return boxSpec{}, err
		}
		image = img
	}
	var mounts []Mount
	if len(req.Mounts) > 0 {
		var err error
		if mounts, err = resolveMounts(req.Mounts, s.docker.DaemonHost()); err != nil {
			return boxSpec{}, err
		}
	}
	if err := s.checkImage(ctx, image, req.Lang); err != nil {
		return boxSpec{}, err
	}
	return boxSpec{
		image:  image,
		need:   needFor(req.Lang),
		limits: req.Limits.withDefaults(),
		mode:   s.cfg.Mode,
		mounts: mounts,
	}, nil
}

func needFor(lang Lang) []string {
	switch lang {
	case LangPython:
		return []string{"python3"}
	case LangGo:
		return []string{"go"}
	}
	return nil
}

// ImageError says that an image is missing or lacks a command a job needs,
// and how to get a suitable one.
type ImageError struct {
	Image   string
	Lang    Lang
	Missing []string // commands not found in the image's PATH
}

func (e *ImageError) Error() string {
	var how string
	if e.Lang != "" {
		if def, err := DefaultImage(e.Lang); err == nil && def == e.Image {
			how = fmt.Sprintf("build it with `codetree images build %s` (or `make images`)", e.Lang)
		}
	}
	if how == "" {
		how = "load it with `docker pull` or `docker load`, or build the default images with `codetree images build`"
	}
	if len(e.Missing) > 0 {
		return fmt.Sprintf("image %s lacks %v in its PATH: use an image that has it, or %s", e.Image, e.Missing, how)
	}
	return fmt.Sprintf("image %s not found on the Docker daemon: %s", e.Image, how)
}

// checkImage checks, once per image, that the daemon has it.
func (s *Sandbox) checkImage(ctx context.Context, image string, lang Lang) error {
	s.mu.Lock()
	err, done := s.images[image]
	s.mu.Unlock()
	if done {
		return err
	}
	_, err = s.docker.ImageInspect(ctx, image)
	switch {
	case isNotFound(err):
		err = &ImageError{Image: image, Lang: lang}
	case err != nil:
		return fmt.Errorf("inspect image %s: %w", image, err)
	}
	s.mu.Lock()
	s.images[image] = err
	s.mu.Unlock()
	return err
}

func isNotFound(err error) bool { return err != nil && errdefs.IsNotFound(err) }

func newToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "codetree-pass-" + hex.EncodeToString(b)
}

// Close stops every container this Sandbox started and waits until they
// are removed. It works after ctx is cancelled (Ctrl-C) and returns the
// errors of every removal that failed.
func (s *Sandbox) Close(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	pools := s.pools
	s.pools = make(map[poolKey]*pool)
	s.mu.Unlock()
	for _, p := range pools {
		p.drain()
	}
	s.retiring.Wait()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	// A container whose creation was under way when ctx was cancelled
	// (Ctrl-C) can appear after a first sweep: sweep until none is left.
	var err error
	for attempt := 0; attempt < 10; attempt++ {
		var n int
		if n, err = s.sweepOwn(ctx); err == nil && n == 0 {
			break
		}
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err(), s.docker.Close())
		case <-time.After(100 * time.Millisecond):
		}
	}
	return errors.Join(err, s.docker.Close())
}
