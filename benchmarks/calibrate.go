package benchmarks

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/codetree/codetree/internal/fsutil"
	"github.com/codetree/codetree/sandbox"
)

// calibrationLimit is the time limit of a reference run during calibration:
// generous, so that a slow reference (MBPP task 123 takes about 3.8 s) is
// measured rather than cut.
const calibrationLimit = 60 * time.Second

// refTimeCacheVersion changes when what is measured changes.
const refTimeCacheVersion = 1

// ReferenceFailure reports reference solutions that did not pass during
// calibration. Their measured times are used but not cached, so a rerun
// measures them again.
type ReferenceFailure struct {
	// Results maps a task id to the reference's result string.
	Results map[string]string
}

func (e *ReferenceFailure) Error() string {
	ids := slices.Sorted(maps.Keys(e.Results))
	var b strings.Builder
	fmt.Fprintf(&b, "%d reference solution(s) did not pass:", len(ids))
	for _, id := range ids {
		fmt.Fprintf(&b, " %s (%s);", id, tail(e.Results[id], 200))
	}
	return strings.TrimSuffix(b.String(), ";")
}

// Calibrate measures each problem's reference solution on this machine,
// running it once in the sandbox as Evaluate would (with a 60 s limit), and
// records the time of its exec() so that Timeout scales with it (the
// EvalPlus rule). Problems already measured are skipped.
//
// When cachePath is not empty, times measured before on the same machine
// (CPU model and count, the sandbox's CPU limit and Python image) for the
// same dataset, task and reference program are read from that JSON file
// instead of measured, and new ones are added to it.
//
// References run a few at a time (half the CPUs) so that the machine is
// not so loaded that the times it measures mean little. A reference that
// fails is not an error of the run: its time is still recorded and the
// returned error is a *ReferenceFailure, after every other problem is
// done. Any other error is a sandbox or harness failure. Calibrate must
// not run while the same problems are being evaluated.
func (e *Evaluator) Calibrate(ctx context.Context, problems []*Problem, cachePath string) error {
	cache := refTimeCache{Version: refTimeCacheVersion, Entries: map[string]refTimeEntry{}}
	if cachePath != "" {
		var err error
		if cache, err = loadRefTimeCache(cachePath); err != nil {
			return err
		}
	}
	machine := e.machineKey()

	type job struct {
		p   *Problem
		key string
	}
	var todo []job
	for _, p := range problems {
		if p.hidden.refTime > 0 {
			continue
		}
		key := refTimeKey(machine, p)
		if ent, ok := cache.Entries[key]; ok && ent.Seconds > 0 {
			p.hidden.refTime = seconds(ent.Seconds)
			continue
		}
		todo = append(todo, job{p, key})
	}

	reports := make([]*harnessReport, len(todo))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(1, runtime.NumCPU()/2))
	for i, j := range todo {
		g.Go(func() error {
			rep, _, err := e.runHarness(gctx, j.p.program(j.p.GoldSample()), calibrationLimit)
			if err != nil {
				return fmt.Errorf("calibrate %s: %w", j.p.ID(), err)
			}
			reports[i] = &rep
			return nil
		})
	}
	runErr := g.Wait()

	failed := map[string]string{}
	added := false
	for i, j := range todo {
		rep := reports[i]
		if rep == nil {
			continue // not run: the run stopped
		}
		ref := seconds(rep.Elapsed)
		if !rep.Reported {
			ref = calibrationLimit
		}
		j.p.hidden.refTime = max(ref, time.Microsecond)
		if rep.Result != ResultPassed {
			failed[j.p.ID()] = rep.Result
			continue
		}
		cache.Entries[j.key] = refTimeEntry{Seconds: ref.Seconds(), Measured: time.Now().UTC().Truncate(time.Second)}
		added = true
	}

	var saveErr error
	if cachePath != "" && added {
		saveErr = saveRefTimeCache(cachePath, cache)
	}
	var refErr error
	if len(failed) > 0 {
		refErr = &ReferenceFailure{Results: failed}
	}
	return errors.Join(runErr, saveErr, refErr)
}

// RefTime returns p's reference time as Calibrate measured it, 0 before.
func (p *Problem) RefTime() time.Duration { return p.hidden.refTime }

func seconds(s float64) time.Duration { return time.Duration(math.Round(s * float64(time.Second))) }

// refTimeCache is the JSON file of measured reference times.
type refTimeCache struct {
	Version int                     `json:"version"`
	Entries map[string]refTimeEntry `json:"entries"`
}

type refTimeEntry struct {
	Seconds  float64   `json:"seconds"`
	Measured time.Time `json:"measured"`
}

func loadRefTimeCache(path string) (refTimeCache, error) {
	c := refTimeCache{Version: refTimeCacheVersion, Entries: map[string]refTimeEntry{}}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, fmt.Errorf("read reference time cache: %w", err)
	}
	var got refTimeCache
	if err := json.Unmarshal(b, &got); err != nil {
		return c, fmt.Errorf("read reference time cache %s: %w (remove the file to measure again)", path, err)
	}
	if got.Version != refTimeCacheVersion {
		return c, nil // measured differently: measure again
	}
	maps.Copy(c.Entries, got.Entries)
	return c, nil
}

// saveRefTimeCache replaces the file at path atomically.
func saveRefTimeCache(path string, c refTimeCache) error {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return fmt.Errorf("encode reference time cache: %w", err)
	}
	if err := fsutil.WriteFileAtomic(path, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("write reference time cache: %w", err)
	}
	return nil
}

// refTimeKey names a reference time: the machine, the dataset, the task and
// a hash of the program measured, so that changed data is measured again.
func refTimeKey(machine string, p *Problem) string {
	sum := sha256.Sum256([]byte(p.program(p.GoldSample())))
	return fmt.Sprintf("%s|%s|%s|%s", machine, p.task.Dataset, p.task.ID, hex.EncodeToString(sum[:8]))
}

// machineKey describes what the reference times depend on: the CPU model
// and count, the sandbox's CPU limit and the Python image.
func (e *Evaluator) machineKey() string {
	cpus := e.opts.Limits.CPUs
	if cpus <= 0 {
		cpus = sandbox.DefaultLimits().CPUs
	}
	image, err := sandbox.DefaultImage(sandbox.LangPython)
	if err != nil {
		image = "python"
	}
	return fmt.Sprintf("%s x%d cpus=%g %s", cpuModel(), runtime.NumCPU(), cpus, image)
}

// cpuModel returns the CPU's model name, or the architecture when unknown.
var cpuModel = sync.OnceValue(func() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
})
