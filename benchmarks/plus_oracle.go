package benchmarks

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/codetree/codetree/internal/fsutil"
	"github.com/codetree/codetree/sandbox"
)

// The expected outputs of a problem's EvalPlus inputs come from running
// its reference solution on every input in one sandbox run (EvalPlus's
// trusted_exec, with a fresh copy of each input), which also measures the
// reference's time on each input for the time limits. They are kept in
// memory for the life of the process, keyed by what they depend on, and
// optionally in a cache folder (PreparePlus).

const (
	// plusOracleVersion changes when the oracle's content or format does.
	plusOracleVersion = 1
	// plusReferenceTimeout bounds a reference run: EvalPlus sets none, and
	// Mbpp/255's takes about a minute.
	plusReferenceTimeout = 10 * time.Minute
	// plusReferenceOutput is a reference run's output limit: the oracle
	// comes back on stdout (HumanEval+'s largest is about 250 KB).
	plusReferenceOutput = 256 * sandbox.MiB
)

// plusOracle is a reference run's result for one problem.
type plusOracle struct {
	NBase int `json:"n_base"`
	NPlus int `json:"n_plus"`
	// Times are the reference's seconds on each input, base inputs first.
	Times []float64 `json:"times"`
	// Digests counts the expected outputs too large to keep, kept as
	// digests (compared by == only).
	Digests int `json:"digests"`
	// Data is oracle.bin: zlib(pickle) of each input and each expected
	// output, pickled one by one.
	Data []byte `json:"-"`
}

// PlusReferenceError reports a reference solution that cannot give the
// expected outputs of its problem's EvalPlus inputs: it does not load,
// raises, runs out of time or memory, or returns what cannot be kept.
type PlusReferenceError struct {
	TaskID string
	Reason string
}

func (e *PlusReferenceError) Error() string {
	return fmt.Sprintf("reference solution of %s on its EvalPlus inputs: %s", e.TaskID, e.Reason)
}

// hasPlusInputs reports whether p is scored on EvalPlus inputs.
func hasPlusInputs(p *Problem) bool {
	return plusName(p.task.Dataset) != "" && len(p.hidden.baseInputs)+len(p.hidden.plusInputs) > 0
}

// PreparePlus gets the expected outputs of the EvalPlus inputs of every
// problem that has them (HumanEval+, MBPP+), a few reference runs at a
// time, so that evaluation does not wait for them. With a cacheDir,
// outputs computed before for the same reference, inputs, harness and
// machine are read from it, and new ones are written to it (a file per
// problem). A reference that fails does not stop the others: the result
// is then an error that joins a *PlusReferenceError per failed problem.
// Other errors are sandbox or harness failures.
func (e *Evaluator) PreparePlus(ctx context.Context, problems []*Problem, cacheDir string) error {
	if cacheDir != "" {
		if err := os.MkdirAll(cacheDir, 0o755); err != nil {
			return fmt.Errorf("plus cache: %w", err)
		}
	}
	refErrs := make([]error, len(problems))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(1, runtime.NumCPU()))
	for i, p := range problems {
		if !hasPlusInputs(p) {
			continue
		}
		g.Go(func() error {
			key := e.plusKey(p)
			path := ""
			if cacheDir != "" {
				path = filepath.Join(cacheDir, key+".oracle")
			}
			o, err := e.oracles.get(gctx, key, func(ctx context.Context) (*plusOracle, error) {
				if path != "" {
					if o, err := readOracleFile(path, key); err == nil {
						return o, nil
					}
				}
				return e.runPlusReference(ctx, p)
			})
			var re *PlusReferenceError
			if errors.As(err, &re) {
				refErrs[i] = err
				return nil
			}
			if err != nil {
				return fmt.Errorf("prepare %s: %w", p.ID(), err)
			}
			if path != "" {
				if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
					return writeOracleFile(path, key, o)
				}
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return errors.Join(refErrs...)
}

// plusOracle returns p's expected outputs, running the reference solution
// if this process has not yet.
func (e *Evaluator) plusOracle(ctx context.Context, p *Problem) (*plusOracle, error) {
	return e.oracles.get(ctx, e.plusKey(p), func(ctx context.Context) (*plusOracle, error) {
		return e.runPlusReference(ctx, p)
	})
}

// plusKey names p's oracle: a hash of everything it depends on.
func (e *Evaluator) plusKey(p *Problem) string {
	h := sha256.New()
	field := func(h hash.Hash, s string) { fmt.Fprintf(h, "%d:%s;", len(s), s) }
	field(h, "codetree plus oracle "+strconv.Itoa(plusOracleVersion))
	sum := sha256.Sum256(plusHarnessPy)
	field(h, hex.EncodeToString(sum[:]))
	field(h, e.machineKey())
	field(h, string(p.task.Dataset))
	field(h, p.task.ID)
	field(h, p.task.EntryPoint)
	field(h, strconv.FormatFloat(p.hidden.atol, 'g', -1, 64))
	field(h, referenceProgram(p))
	for _, in := range [][]string{p.hidden.baseInputs, p.hidden.plusInputs} {
		field(h, strconv.Itoa(len(in)))
		for _, s := range in {
			field(h, s)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// referenceProgram is the program whose outputs are expected: the setup
// code, then the reference solution (after the prompt, for HumanEval+).
func referenceProgram(p *Problem) string {
	code := p.hidden.prompt + p.hidden.reference
	if p.hidden.setup != "" {
		code = p.hidden.setup + "\n" + code
	}
	return code
}

// inputsJSON returns inputs.json: {"base": [...], "plus": [...]} with each
// input's raw text as the dataset has it (Python's JSON, which may hold
// NaN and Infinity).
func inputsJSON(p *Problem) []byte {
	var b bytes.Buffer
	for i, in := range [][]string{p.hidden.baseInputs, p.hidden.plusInputs} {
		if i == 0 {
			b.WriteString(`{"base":[`)
		} else {
			b.WriteString(`],"plus":[`)
		}
		for j, s := range in {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(s)
		}
	}
	b.WriteString("]}\n")
	return b.Bytes()
}

// runPlusReference runs p's reference solution on every input in the
// sandbox.
func (e *Evaluator) runPlusReference(ctx context.Context, p *Problem) (*plusOracle, error) {
	cfg, err := plusConfigFor(p)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("encode plus config: %w", err)
	}
	req := sandbox.Request{
		Lang: sandbox.LangPython,
		Files: map[string][]byte{
			plusHarnessFile: plusHarnessPy,
			plusConfigFile:  b,
			plusRefFile:     []byte(referenceProgram(p)),
			plusInputsFile:  inputsJSON(p),
		},
		Command:   []string{"python3", "-B", plusHarnessFile, "reference"},
		Limits:    e.plusLimits(plusReferenceTimeout, plusReferenceOutput),
		PassToken: true,
	}
	res, err := e.run.Run(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("run reference solution: %w", err)
	}
	refErr := func(format string, args ...any) error {
		return &PlusReferenceError{TaskID: p.ID(), Reason: fmt.Sprintf(format, args...)}
	}
	switch res.Status {
	case sandbox.StatusPassed:
		o, err := parseReferenceOutput(res.Stdout)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p.ID(), err)
		}
		if o.NBase != cfg.NBase || o.NPlus != cfg.NPlus || len(o.Times) != cfg.NBase+cfg.NPlus {
			return nil, fmt.Errorf("%s: reference run gave %d times for %d+%d inputs, want %d+%d",
				p.ID(), len(o.Times), o.NBase, o.NPlus, cfg.NBase, cfg.NPlus)
		}
		return o, nil
	case sandbox.StatusFailed:
		if msg, err := plusErrorLine(res.Stdout); err == nil {
			return nil, refErr("%s", msg)
		}
		return nil, fmt.Errorf("%s: reference run exited with status %d: %s", p.ID(), res.ExitCode, tail(res.Stderr, 2000))
	case sandbox.StatusTimeLimit:
		return nil, refErr("took longer than %s", plusReferenceTimeout)
	case sandbox.StatusMemoryLimit:
		return nil, refErr("exceeded the memory limit %s", req.Limits.Memory)
	case sandbox.StatusOutputLimit:
		return nil, refErr("its expected outputs exceed %s", plusReferenceOutput)
	case sandbox.StatusRuntimeError:
		if res.Signal != 0 {
			return nil, refErr("killed by signal %d", res.Signal)
		}
	}
	return nil, fmt.Errorf("%s: reference run: %s: %s", p.ID(), res.Status, res.Detail)
}

// parseReferenceOutput reads a reference run's stdout: the report line,
// then the base64 oracle on the next line.
func parseReferenceOutput(stdout string) (*plusOracle, error) {
	line, err := plusLine(stdout)
	if err != nil {
		return nil, err
	}
	var o plusOracle
	if err := json.Unmarshal([]byte(line), &o); err != nil {
		return nil, fmt.Errorf("reference report %q: %w", tail(line, 200), err)
	}
	i := strings.LastIndex(stdout, plusReportMark)
	rest := stdout[i+len(plusReportMark)+len(line):]
	rest = strings.TrimLeft(rest, "\r\n")
	if j := strings.IndexByte(rest, '\n'); j >= 0 {
		rest = rest[:j]
	}
	o.Data, err = base64.StdEncoding.DecodeString(strings.TrimSpace(rest))
	if err != nil || len(o.Data) == 0 {
		return nil, fmt.Errorf("reference run printed no expected outputs after its report")
	}
	return &o, nil
}

// oracleFileHeader is the first line of a cached oracle file; the oracle's
// bytes follow it.
type oracleFileHeader struct {
	Version int    `json:"version"`
	Key     string `json:"key"`
	plusOracle
}

func readOracleFile(path, key string) (*plusOracle, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	head, data, ok := bytes.Cut(b, []byte("\n"))
	var h oracleFileHeader
	if !ok || json.Unmarshal(head, &h) != nil || h.Version != plusOracleVersion || h.Key != key ||
		len(h.Times) != h.NBase+h.NPlus || len(data) == 0 {
		return nil, fmt.Errorf("plus cache file %s is not a current oracle", path)
	}
	o := h.plusOracle
	o.Data = data
	return &o, nil
}

// writeOracleFile writes o to path atomically.
func writeOracleFile(path, key string, o *plusOracle) error {
	head, err := json.Marshal(oracleFileHeader{Version: plusOracleVersion, Key: key, plusOracle: *o})
	if err != nil {
		return fmt.Errorf("encode plus cache file: %w", err)
	}
	if err := fsutil.WriteFileAtomic(path, append(append(head, '\n'), o.Data...), 0o600); err != nil {
		return fmt.Errorf("write plus cache: %w", err)
	}
	return nil
}

// oracleCache holds oracles by key for the life of the process, and runs
// at most one computation per key at a time; callers of the same key wait
// for it. A failed computation is forgotten, so that a later call tries
// again, unless the reference solution itself failed.
type oracleCache struct {
	mu    sync.Mutex
	calls map[string]*oracleCall
}

type oracleCall struct {
	done chan struct{}
	o    *plusOracle
	err  error
}

// newOracleCache returns an empty oracle cache.
func newOracleCache() *oracleCache { return &oracleCache{calls: make(map[string]*oracleCall)} }

func (c *oracleCache) get(ctx context.Context, key string, compute func(context.Context) (*plusOracle, error)) (*plusOracle, error) {
	for {
		c.mu.Lock()
		call, ok := c.calls[key]
		if !ok {
			call = &oracleCall{done: make(chan struct{})}
			c.calls[key] = call
			c.mu.Unlock()
			call.o, call.err = compute(ctx)
			var re *PlusReferenceError
			if call.err != nil && !errors.As(call.err, &re) {
				c.mu.Lock()
				delete(c.calls, key)
				c.mu.Unlock()
			}
			close(call.done)
			return call.o, call.err
		}
		c.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-call.done:
		}
		switch {
		case call.err == nil:
			return call.o, nil
		case ctx.Err() != nil:
			return nil, ctx.Err()
		case errors.Is(call.err, context.Canceled), errors.Is(call.err, context.DeadlineExceeded):
			continue // the caller that computed it gave up: try again
		}
		return nil, call.err
	}
}
