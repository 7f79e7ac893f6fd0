package runner

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
)

// tokenFile is the name of the pass token file in a job's folder.
const tokenFile = ".codetree-token"

// jobRun is the state of one job while Run handles it.
type jobRun struct {
	s   *Server
	job Job
	uid uint32
	dir string
	rep *Report
	// anomalies are problems of the runner, joined into Report.Anomaly.
	anomalies []string
	// dirty: the container may hold leftovers of the job.
	dirty bool
	// procsLeft: processes of the uid survived the kill loop.
	procsLeft bool
	// exporting: the export folder was made (Job.Export).
	exporting bool
	// mainPID is the job's main process, once started: its exec.Cmd reaps
	// it, not kill.
	mainPID int
	// mem follows the job's memory for Report.MemoryExceeded (memlimit.go).
	mem *memWatch
	// clock and phases time the job's phases (timing.go).
	clock  phaseClock
	phases Phases
}

// Run runs one job and reports on it: start it as its own uid in a fresh
// folder, wait for it (killing it at its deadline or when it floods an
// output), kill whatever it left running, and remove what it left behind.
// Run never fails: problems of the runner itself become Report.Anomaly,
// with Clean false when the container may hold leftovers. A job's export
// (Job.Export) is discarded: see RunExport.
func (s *Server) Run(ctx context.Context, job Job) Report {
	return s.RunExport(ctx, job, func(Chunk) error { return nil })
}

// RunExport is Run that hands the job's exported files (Job.Export) to
// emit, after the job's processes are gone and before its cleanup.
func (s *Server) RunExport(ctx context.Context, job Job, emit func(Chunk) error) (rep Report) {
	uid := s.cfg.UIDBase + uint32(job.ID%UIDSpan)
	rep = Report{ID: job.ID, ExitCode: -1, UID: uid}
	j := &jobRun{
		s: s, job: job, uid: uid, rep: &rep,
		dir: filepath.Join(s.cfg.WorkDir, "job-"+strconv.FormatUint(job.ID, 10)),
	}
	if job.FixedDir {
		j.dir = filepath.Join(s.cfg.WorkDir, FixedDirName)
	}
	defer func() {
		if r := recover(); r != nil {
			j.fail(fmt.Sprintf("runner panic: %v", r))
		}
		rep.Clean = !j.dirty
		rep.Anomaly = strings.Join(j.anomalies, "; ")
		if rep.Anomaly == "" && !s.log.Enabled(ctx, slog.LevelDebug) {
			return
		}
		log := s.log.With("job", job.ID, "uid", uid, "started", rep.Started, "exit", rep.ExitCode,
			"signal", rep.Signal, "timed_out", rep.TimedOut, "output_exceeded", rep.OutputExceeded,
			"oom_killed", rep.OOMKilled, "clean", rep.Clean, "duration_ms", rep.Duration.Milliseconds())
		if rep.Anomaly != "" {
			log.Warn("job anomaly", "anomaly", rep.Anomaly)
		} else {
			log.Debug("job done")
		}
	}()

	j.clock.start()
	oomBefore, oomErr := j.oomKills()
	j.mem = watchMemory(cgroupMemory())
	if startErr := j.prepare(); startErr != nil {
		rep.StartError = startErr.Error()
	} else if job.Samples > 0 {
		j.executeBatch(ctx) // batch.go: a zygote, each sample its own uid
	} else {
		j.execute(ctx)
	}
	j.clock.lap(&j.phases.Run) // a batch's whole run; else about nothing
	if j.exporting && !j.procsLeft {
		j.export(emit)
	}
	if oomErr == nil {
		if n, err := j.oomKills(); err == nil {
			rep.OOMKilled = n > oomBefore
		}
	}
	rep.MemoryExceeded = j.mem.exceeded()
	j.cleanup()
	j.clock.lap(&j.phases.Cleanup)
	j.phases.Total = j.phases.Setup + j.phases.Start + j.phases.Run + j.phases.Reap + j.phases.Cleanup
	rep.Phases = &j.phases
	return rep
}

// fail records a runner problem that leaves the container in an unknown state.
func (j *jobRun) fail(msg string) {
	j.anomalies = append(j.anomalies, msg)
	j.dirty = true
}

func (j *jobRun) oomKills() (uint64, error) {
	if j.s.cfg.OOMFile == "" {
		return 0, errors.New("no oom counter")
	}
	n, err := readOOMKills(j.s.cfg.OOMFile)
	if err != nil {
		j.anomalies = append(j.anomalies, err.Error())
	}
	return n, err
}

// prepare makes the job's folder and writes its files. A returned error is
// the job's fault (a bad file name, say) and becomes StartError; a failure
// of the runner is recorded as an anomaly and returned too.
func (j *jobRun) prepare() error {
	defer j.clock.lap(&j.phases.Setup)
	if len(j.job.Command) == 0 || j.job.Command[0] == "" {
		return errors.New("empty command")
	}
	for name := range j.job.Files {
		if err := checkFileName(name); err != nil {
			return err
		}
	}
	if err := j.makeDir(); err != nil {
		j.fail(err.Error())
		return err
	}
	for _, name := range slices.Sorted(maps.Keys(j.job.Files)) {
		if err := writeOwned(j.dir, filepath.FromSlash(path.Clean(name)), j.job.Files[name], 0o644, int(j.uid)); err != nil {
			return err
		}
	}
	if j.job.Token != "" {
		if err := writeOwned(j.dir, tokenFile, []byte(j.job.Token), 0o600, int(j.uid)); err != nil {
			return fmt.Errorf("write token file: %w", err)
		}
	}
	if j.job.Export {
		if err := j.makeExportDir(); err != nil {
			j.fail(err.Error())
			return err
		}
		j.exporting = true
	}
	return nil
}

// makeDir creates the job's folder, owned by the job's uid and mode 0700,
// replacing anything a previous job left at that name.
func (j *jobRun) makeDir() error {
	err := os.Mkdir(j.dir, 0o700)
	if errors.Is(err, fs.ErrExist) {
		j.anomalies = append(j.anomalies, "replaced a leftover "+j.dir)
		if err := os.RemoveAll(j.dir); err != nil {
			return fmt.Errorf("remove leftover job folder: %w", err)
		}
		err = os.Mkdir(j.dir, 0o700)
	}
	if err != nil {
		return fmt.Errorf("make job folder: %w", err)
	}
	if err := os.Chown(j.dir, int(j.uid), int(j.uid)); err != nil {
		return fmt.Errorf("make job folder: %w", err)
	}
	if err := os.Chmod(j.dir, 0o700); err != nil { // regardless of umask
		return fmt.Errorf("make job folder: %w", err)
	}
	tmp := filepath.Join(j.dir, tmpSubdir)
	if err := os.Mkdir(tmp, 0o700); err != nil {
		return fmt.Errorf("make job TMPDIR: %w", err)
	}
	if err := os.Chown(tmp, int(j.uid), int(j.uid)); err != nil {
		return fmt.Errorf("make job TMPDIR: %w", err)
	}
	return nil
}

// checkFileName accepts slash-separated relative paths without "..".
func checkFileName(name string) error {
	switch {
	case name == "" || strings.ContainsRune(name, 0):
		return fmt.Errorf("bad file name %q", name)
	case strings.HasPrefix(name, "/"):
		return fmt.Errorf("bad file name %q: absolute path", name)
	case slices.Contains(strings.Split(name, "/"), ".."):
		return fmt.Errorf("bad file name %q: \"..\" element", name)
	case path.Clean(name) == ".":
		return fmt.Errorf("bad file name %q: names the job folder", name)
	}
	return nil
}

// writeOwned writes a new file at rel under dir, creating its parent
// folders; everything it creates belongs to uid. It never follows a
// symbolic link, though none can exist before the job starts.
func writeOwned(dir, rel string, data []byte, mode os.FileMode, uid int) error {
	if parent := filepath.Dir(rel); parent != "." {
		p := dir
		for _, elem := range strings.Split(parent, string(filepath.Separator)) {
			p = filepath.Join(p, elem)
			err := os.Mkdir(p, 0o755)
			if errors.Is(err, fs.ErrExist) {
				if fi, lerr := os.Lstat(p); lerr == nil && fi.IsDir() {
					continue
				}
			}
			if err != nil {
				return fmt.Errorf("write %s: %w", rel, err)
			}
			if err := os.Chown(p, uid, uid); err != nil {
				return fmt.Errorf("write %s: %w", rel, err)
			}
		}
	}
	f, err := os.OpenFile(filepath.Join(dir, rel), os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, mode)
	if err != nil {
		return fmt.Errorf("write %s: %w", rel, err)
	}
	_, werr := f.Write(data)
	cerr := f.Chown(uid, uid)
	if err := errors.Join(werr, cerr, f.Chmod(mode), f.Close()); err != nil {
		return fmt.Errorf("write %s: %w", rel, err)
	}
	return nil
}

// execute starts the job's command and waits for its main process to end,
// killing the job at its deadline, when it floods an output, or when ctx
// ends. On return the output pipes are closed.
func (j *jobRun) execute(ctx context.Context) {
	prog, env, err := j.command(nil)
	if err != nil {
		j.rep.StartError = err.Error()
		return
	}
	outR, errR, outW, errW, err := outputPipes()
	if err != nil {
		j.startFailed("make output pipes", err)
		return
	}
	cmd := &exec.Cmd{
		Path:   prog,
		Args:   j.job.Command,
		Env:    env,
		Dir:    j.dir,
		Stdout: outW,
		Stderr: errW,
		SysProcAttr: &syscall.SysProcAttr{
			Setsid:     true,
			Credential: &syscall.Credential{Uid: j.uid, Gid: j.uid, Groups: []uint32{}},
			Pdeathsig:  syscall.SIGKILL,
		},
	}
	r := j.launch(cmd, outR, errR)
	if r == nil {
		return
	}
	j.await(ctx, r, nil)
	j.clock.lap(&j.phases.Run)
	if r.end.IsZero() {
		j.mem.sample() // before the kill frees the job's memory
		j.kill()
		j.waitKilled(r, "main process")
	}
	// Orphans are part of the job, even when the main process ended by
	// itself: a process that called setsid() or forked twice still runs as
	// the job's uid. They may hold the pipes open: kill them before
	// waiting for EOF.
	if !j.procsLeft {
		j.kill()
	}
	j.reap(r, "the job's")
	j.report(r)
}

// kill kills every process of the job's uid, then reaps those that were
// orphaned (but the main process, which its exec.Cmd waits for): nothing
// of the uid is left in /proc.
func (j *jobRun) kill() {
	left, zombies, err := killUID(j.uid, j.s.cfg.KillWait)
	if err != nil {
		j.anomalies = append(j.anomalies, err.Error())
	}
	if left != 0 {
		j.procsLeft = true
		j.fail(fmt.Sprintf("processes of uid %d still running after %s of SIGKILL", j.uid, j.s.cfg.KillWait))
		return
	}
	if !zombies { // killUID's last scan saw none: no second scan
		return
	}
	left, err = reapUID(j.uid, j.mainPID, j.s.cfg.KillWait)
	if err != nil {
		j.anomalies = append(j.anomalies, err.Error())
	}
	if left != 0 {
		j.fail(fmt.Sprintf("%d zombies of uid %d not reaped after %s", left, j.uid, j.s.cfg.KillWait))
	}
}

// cleanup removes the job's folder, its files in the scrub folders and its
// SysV IPC objects. It does nothing if processes of the uid survived: they
// could race the removal, and the harness recycles the container anyway.
func (j *jobRun) cleanup() {
	if j.procsLeft {
		j.anomalies = append(j.anomalies, "skipped file cleanup")
		return
	}
	if err := os.RemoveAll(j.dir); err != nil {
		j.fail(fmt.Sprintf("remove job folder: %v", err))
	}
	if j.exporting {
		if err := j.removeExportDir(); err != nil {
			j.fail(err.Error())
		}
	}
	for _, d := range j.s.cfg.ScrubDirs {
		if err := scrub(d, j.uid); err != nil {
			j.fail(err.Error())
		}
	}
	if err := removeSysvIPC(j.uid); err != nil {
		j.fail(err.Error())
	}
}
