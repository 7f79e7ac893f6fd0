package benchmarks

import (
	"testing"
)

// The problems of these tests, built directly (same package) so that the
// evaluation tests do not depend on the data files.

const (
	addPrompt = "def add(a, b):\n    \"\"\"Return a + b.\"\"\"\n"
	addTest   = "def check(candidate):\n    assert candidate(1, 2) == 3\n    assert candidate(-1, 1) == 0\n"
)

// humanEvalProblem returns a HumanEval-style problem: add(a, b).
func humanEvalProblem() *Problem {
	return &Problem{
		task: Task{ID: "Test/add", Dataset: HumanEval, Lang: "python", Prompt: addPrompt, EntryPoint: "add"},
		hidden: hidden{
			prompt:    addPrompt,
			reference: "    return a + b\n",
			test:      addTest,
		},
	}
}

// mbppProblem returns an MBPP-style problem of dataset d with the given
// reference code, setup and asserts.
func mbppProblem(d Dataset, id, code, setup string, asserts ...string) *Problem {
	test := ""
	for i, a := range asserts {
		if i > 0 {
			test += "\n"
		}
		test += a
	}
	return &Problem{
		task:   Task{ID: id, Dataset: d, Lang: "python"},
		hidden: hidden{reference: code, setup: setup, test: test, asserts: asserts},
	}
}

func TestCheckProgram(t *testing.T) {
	t.Parallel()
	he := humanEvalProblem()
	hePlus := humanEvalProblem()
	hePlus.task.Dataset = HumanEvalPlus
	mbpp := mbppProblem(MBPP, "2", "def f(x):\r\n  return x\r\n", "import os", "assert f(1) == 1", "assert f(2) == 2")
	mbppNoSetup := mbppProblem(MBPPFull, "3", "def f(x):\n  return x\n", "", "assert f(1) == 1")
	sanitized := mbppProblem(MBPPSanitized, "4", "def f(x):\n  return x\n", "import math", "assert f(1) == 1")
	sanitizedNoImports := mbppProblem(MBPPSanitized, "5", "def f(x):\n  return x\n", "", "assert f(1) == 1")
	plus := mbppProblem(MBPPPlus, "Mbpp/120", "def f(x):\n  return x\n", "import math", "assert math.isclose(f(1), 1)")
	// A problem whose test is only in asserts (no joined test).
	assertsOnly := mbppProblem(MBPP, "6", "def f(x):\n  return x\n", "", "assert f(1) == 1", "assert f(3) == 3")
	assertsOnly.hidden.test = ""

	const heTail = "\n" + addTest + "\n" + "check(add)"
	tests := []struct {
		name string
		p    *Problem
		s    Sample
		want string
	}{
		{"humaneval completion", he, Sample{Completion: "    return a + b\n"},
			addPrompt + "    return a + b\n" + heTail},
		{"humaneval+ completion", hePlus, Sample{Completion: "    return b + a\n"},
			addPrompt + "    return b + a\n" + heTail},
		{"humaneval solution", he, Sample{Solution: "def add(a, b):\n    return a + b\n"},
			"def add(a, b):\n    return a + b\n" + heTail},
		{"completion wins over solution", he, Sample{Completion: "    return 0\n", Solution: "def add(a, b): pass\n"},
			addPrompt + "    return 0\n" + heTail},
		{"empty completion is the prompt alone", he, Sample{},
			addPrompt + heTail},
		{"humaneval gold", he, he.GoldSample(),
			addPrompt + "    return a + b\n" + heTail},
		{"mbpp: code, setup, asserts", mbpp, Sample{Solution: "def f(x):\n  return -x\n"},
			"def f(x):\n  return -x\n" + "\n" + "import os" + "\n" + "assert f(1) == 1\nassert f(2) == 2"},
		{"mbpp completion is the code", mbpp, Sample{Completion: "def f(x):\n  return -x\n"},
			"def f(x):\n  return -x\n" + "\n" + "import os" + "\n" + "assert f(1) == 1\nassert f(2) == 2"},
		{"mbpp gold keeps CRLF", mbpp, mbpp.GoldSample(),
			"def f(x):\r\n  return x\r\n" + "\n" + "import os" + "\n" + "assert f(1) == 1\nassert f(2) == 2"},
		{"mbpp with empty setup", mbppNoSetup, mbppNoSetup.GoldSample(),
			"def f(x):\n  return x\n" + "\n" + "" + "\n" + "assert f(1) == 1"},
		{"mbpp asserts only", assertsOnly, assertsOnly.GoldSample(),
			"def f(x):\n  return x\n" + "\n\n" + "assert f(1) == 1\nassert f(3) == 3"},
		{"sanitized: imports first", sanitized, sanitized.GoldSample(),
			"import math" + "\n" + "def f(x):\n  return x\n" + "\n" + "assert f(1) == 1"},
		{"sanitized without imports", sanitizedNoImports, sanitizedNoImports.GoldSample(),
			"def f(x):\n  return x\n" + "\n" + "assert f(1) == 1"},
		{"mbpp+ imports math first", plus, Sample{Solution: "def f(x):\n  return 1.0\n"},
			"import math" + "\n" + "def f(x):\n  return 1.0\n" + "\n" + "assert math.isclose(f(1), 1)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.p.program(tt.s); got != tt.want {
				t.Errorf("program:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestGoldSample(t *testing.T) {
	t.Parallel()
	he := humanEvalProblem()
	if got, want := he.GoldSample(), (Sample{TaskID: "Test/add", Completion: "    return a + b\n"}); got != want {
		t.Errorf("HumanEval gold = %+v, want %+v", got, want)
	}
	for _, d := range []Dataset{MBPP, MBPPFull, MBPPSanitized, MBPPPlus} {
		p := mbppProblem(d, "11", "def f():\n  return 1\n", "", "assert f() == 1")
		if got, want := p.GoldSample(), (Sample{TaskID: "11", Solution: "def f():\n  return 1\n"}); got != want {
			t.Errorf("%s gold = %+v, want %+v", d, got, want)
		}
	}
}
