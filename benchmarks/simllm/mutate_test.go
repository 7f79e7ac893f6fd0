package simllm

import (
	"math/rand"
	"strings"
	"testing"
)

func TestMutant(t *testing.T) {
	t.Parallel()
	p := &problem{entryPoint: "f", defLine: "def f(xs):", reference: "def f(xs):\n" +
		"    \"\"\"Doc < 1.\"\"\"\n" +
		"    for i in range(len(xs) - 1):\n" +
		"        if xs[i] < xs[i + 1]:\n" +
		"            return True\n" +
		"    return False\n"}
	seen := map[string]bool{}
	for s := int64(0); s < 50; s++ {
		m := mutant(p, rand.New(rand.NewSource(s)))
		if m == p.reference || !strings.HasPrefix(m, "def f(xs):\n") || strings.Contains(m, "Doc <= 1") {
			t.Fatalf("bad mutant:\n%s", m)
		}
		seen[m] = true
	}
	if len(seen) < 5 {
		t.Errorf("only %d distinct mutants", len(seen))
	}
	none := &problem{entryPoint: "g", defLine: "def g():", reference: "def g():\n    return x\n"}
	if m := mutant(none, rand.New(rand.NewSource(1))); !strings.Contains(m, "NotImplementedError") {
		t.Errorf("no mutation possible, got:\n%s", m)
	}
}

func TestFailingFeedback(t *testing.T) {
	t.Parallel()
	for fb, want := range map[string]bool{
		"Tests passed:\nassert f(1) == 1\n\nTests failed:\n\nAnalyse":        false,
		"Tests passed:\n\nTests failed:\nassert f(1) == 2 # output: 1\n":     true,
		"FAIL: assert f(1) == 2, got 1":                                      true,
		"Traceback (most recent call last):\nZeroDivisionError: division by": true,
		"Tests passed: 1/2\nTIMEOUT assert f(3) == 4 -- time limit exceeded": true,
	} {
		if got := failingFeedback(fb); got != want {
			t.Errorf("failingFeedback(%q) = %v, want %v", fb, got, want)
		}
	}
}
