package treesearch

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// ReadResults reads the results.jsonl of a run folder, by task id. The
// last line of a task counts, as in the run's summary; lines that are not
// JSON or have no task id are skipped, unknown fields ignored. A folder
// without results.jsonl is an error.
func ReadResults(dir string) (map[string]TaskResult, error) {
	path := filepath.Join(dir, ResultsFile)
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("read results: %w", err)
	}
	lines, err := readResultLines(dir)
	if err != nil {
		return nil, fmt.Errorf("read results: %w", err)
	}
	out := make(map[string]TaskResult)
	for _, r := range lines {
		out[r.TaskID] = r
	}
	return out, nil
}

// Comparison is how runs differ problem by problem. Only the problems
// every run has a result for are compared; a problem is solved when its
// hidden-test verdict passed (the base tests, as pass@1).
type Comparison struct {
	// Common lists the task ids every run has a result for.
	Common []string
	// Partial[i] lists the task ids run i has a result for that some
	// other run lacks; they are left out of Pairs.
	Partial [][]string
	// Pairs compares the first run with each other run, in order.
	Pairs []PairDiff
}

// PairDiff compares run A (the first) with run B on the common problems.
type PairDiff struct {
	A, B                              int // indexes of the runs given to Compare
	BothSolved, OnlyA, OnlyB, Neither int
	// OnlyAIDs and OnlyBIDs list the problems solved by one run only.
	OnlyAIDs, OnlyBIDs []string
}

// Compare compares runs, each the results of a run folder as ReadResults
// returns them. Task ids are listed in natural order (HumanEval/2 before
// HumanEval/10). Fewer than two runs give no pairs.
func Compare(runs []map[string]TaskResult) Comparison {
	c := Comparison{Partial: make([][]string, len(runs))}
	seen := make(map[string]int)
	for _, r := range runs {
		for id := range r {
			seen[id]++
		}
	}
	for id, n := range seen {
		if n == len(runs) {
			c.Common = append(c.Common, id)
		}
	}
	slices.SortFunc(c.Common, CompareTaskIDs)
	for i, r := range runs {
		for id := range r {
			if seen[id] < len(runs) {
				c.Partial[i] = append(c.Partial[i], id)
			}
		}
		slices.SortFunc(c.Partial[i], CompareTaskIDs)
	}
	for j := 1; j < len(runs); j++ {
		d := PairDiff{A: 0, B: j}
		for _, id := range c.Common {
			a, b := runs[0][id].Passed, runs[j][id].Passed
			switch {
			case a && b:
				d.BothSolved++
			case a:
				d.OnlyA++
				d.OnlyAIDs = append(d.OnlyAIDs, id)
			case b:
				d.OnlyB++
				d.OnlyBIDs = append(d.OnlyBIDs, id)
			default:
				d.Neither++
			}
		}
		c.Pairs = append(c.Pairs, d)
	}
	return c
}

// CompareTaskIDs orders task ids naturally: runs of digits compare as
// numbers, so "HumanEval/2" sorts before "HumanEval/10".
func CompareTaskIDs(a, b string) int {
	for a != "" && b != "" {
		na, ra := splitChunk(a)
		nb, rb := splitChunk(b)
		if c := compareChunk(na, nb); c != 0 {
			return c
		}
		a, b = ra, rb
	}
	return strings.Compare(a, b)
}

// splitChunk splits off the leading run of digits, or of non-digits.
func splitChunk(s string) (chunk, rest string) {
	digit := isDigit(s[0])
	i := 1
	for i < len(s) && isDigit(s[i]) == digit {
		i++
	}
	return s[:i], s[i:]
}

func compareChunk(a, b string) int {
	if isDigit(a[0]) && isDigit(b[0]) {
		x, errA := strconv.ParseUint(a, 10, 64)
		y, errB := strconv.ParseUint(b, 10, 64)
		if errA == nil && errB == nil && x != y {
			return cmp.Compare(x, y)
		}
	}
	return strings.Compare(a, b)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
