package agent

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestParseScore(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		reply string
		want  int
		class ErrorClass
	}{
		{name: "bare", reply: "The outputs match.\n5", want: 5},
		{name: "labelled", reply: "Off by one on every case.\nScore: 3", want: 3},
		{name: "bold", reply: "Most cases pass.\n**4**", want: 4},
		{name: "bold label", reply: "Most cases pass.\n**Score: 4**", want: 4},
		{name: "fraction", reply: "Most cases pass.\n4/5", want: 4},
		{name: "final score with period", reply: "A clear pattern.\nFinal score: 3.", want: 3},
		{name: "score line then empty lines", reply: "Crashes with IndexError.\n\nScore: 0\n\n\n", want: 0},
		{name: "out of 5 on last line", reply: "Shifted by one.\nI'd give it a 3 out of 5", want: 3},
		{name: "score range in label", reply: "Half the cases are wrong.\nScore (0-5): 2", want: 2},
		{name: "number then reason", reply: "Analysis...\n3 (clear off-by-one pattern)", want: 3},
		{name: "number word", reply: "Everything but the empty list.\nFour.", want: 4},
		{name: "label with bold number and scale", reply: "Analysis.\nScore: **3** / 5", want: 3},
		{name: "bullet", reply: "Analysis.\n- Score: 2", want: 2},
		{name: "heading", reply: "Analysis.\n### Score: 1", want: 1},
		{name: "numbers in analysis, score last", reply: "Tests 1 and 2 fail; test 4 expects 10 and gets 9.\nScore: 5", want: 5},
		{name: "chatter after score", reply: reply(t, "score_rambling.md"), want: 3},
		{name: "code block after score line", reply: "Score: 2\n\n```python\nassert f(10) == 42\n```", want: 2},
		{name: "last line sentence with score", reply: "Analysis.\nThe implementation deserves a score of 4 since only edge cases fail.", want: 4},
		{name: "rate it, then prose numbers", reply: "The output is close: I would rate it 4.\nThe rest are fine, as test 12 shows.", want: 4},
		{name: "give this a", reply: "Edge cases only.\nI'd give this a 4.", want: 4},
		{name: "equals label", reply: "Analysis.\nscore = 0", want: 0},
		{name: "bold final fraction", reply: "Analysis.\n**Final Score: 3/5**", want: 3},
		{name: "unlabelled fraction of 5", reply: "Analysis.\nOverall: 3/5", want: 3},
		{name: "score with a test count in brackets", reply: "Analysis.\nScore: 2 (tests passed: 3/5)", want: 2},
		{name: "test count of 5 after score", reply: "Score: 4\n\nIt passes 4 out of 5 of the visible tests.", want: 4},
		{name: "test count of 5 alone", reply: "It passes 4 out of 5 of the visible tests.", class: Unparsable},
		{name: "test count slash 5", reply: "Analysis.\n3/5 tests pass.", class: Unparsable},
		{name: "score first, then notes", reply: "Score: 1\n\nNothing matches; test 3 expects 10 and gets 2.", want: 1},
		{name: "label line then number", reply: "Analysis.\n\n### Score\n4\n\nNotes: test 7 fails.", want: 4},
		{name: "score word in a label", reply: "Analysis.\nMy score is four.", want: 4},
		{name: "JSON float", reply: `{"score": 3.0}`, want: 3},
		{name: "JSON fraction of 10", reply: `{"score": "8/10"}`, class: Unparsable},
		{name: "later out of range wins", reply: "Score: 3\n\nFinal score: 9", class: Unparsable},
		{name: "underscore is not score", reply: "The underscore 3 is kept.", class: Unparsable},
		{name: "thinking dropped", reply: "<think>Score: 1?</think>\nScore: 4", want: 4},

		{name: "empty", reply: "", class: EmptyOutput},
		{name: "no score", reply: "The implementation looks reasonable.", class: Unparsable},
		{name: "out of range", reply: "Analysis.\nScore: 7", class: Unparsable},
		{name: "negative", reply: "Analysis.\nScore: -1", class: Unparsable},
		{name: "other scale", reply: "Analysis.\n8/10", class: Unparsable},
		{name: "decimal", reply: "Analysis.\n4.5", class: Unparsable},
		{name: "bare out of range", reply: "Analysis.\n10", class: Unparsable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseScore(tt.reply)
			checkClass(t, err, tt.class)
			if got != tt.want {
				t.Errorf("ParseScore() = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestParseVerdict(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		reply string
		want  bool
		class ErrorClass
	}{
		{name: "True", reply: "General method, bounds right.\nTrue", want: true},
		{name: "False with period", reply: "Hard-codes the examples.\nFalse.", want: false},
		{name: "bold", reply: "Analysis.\n**False**", want: false},
		{name: "lower case label", reply: "Analysis.\nVerdict: true", want: true},
		{name: "yes", reply: "Analysis.\nYes", want: true},
		{name: "no with reason", reply: "Analysis.\nNo, the loop misses the last element.", want: false},
		{name: "answer label no", reply: "Analysis.\nAnswer: No", want: false},
		{name: "code span", reply: "Analysis.\n`False`", want: false},
		{name: "caps", reply: "Analysis.\nThe solution handles everything: TRUE", want: true},
		{name: "False starting a line that mentions True", reply: "Analysis.\nFalse: it returns True for an empty list.", want: false},
		{name: "sentence ending in verdict", reply: "Analysis.\nNo hard-coding and all edge cases handled, so the answer is True.", want: true},
		{name: "no at start without punctuation is prose", reply: "Analysis.\nNo hard-coding found; all edge cases handled. True", want: true},
		{name: "False after an analysis containing True", reply: reply(t, "verdict_false_after_true.md"), want: false},
		{name: "verdict sentence then pleasantry", reply: "The code is correct. True\n\nLet me know if you need anything else.", want: true},
		{name: "verdict first, then a comment", reply: "False\n\nIt is true that the examples pass, but that is not enough.", want: false},
		{name: "start with bracket", reply: "Analysis.\nTrue (the code is general and efficient)", want: true},
		{name: "start with dash", reply: "Analysis.\n**False** - fails on empty input", want: false},
		{name: "labelled sentence", reply: "Analysis.\nThe final verdict is **False**.", want: false},
		{name: "caps label", reply: "Analysis.\nVERDICT: FALSE", want: false},
		{name: "colon conclusion", reply: "Analysis.\nTherefore, the implementation is acceptable: True", want: true},
		{name: "conclusion label in prose", reply: "Conclusion: false, since [] raises IndexError.\nThe rest is fine.", want: false},
		{name: "heading label with dash", reply: "Analysis.\n## Final Verdict - True", want: true},
		{name: "bold verdict mid reply", reply: "Checks:\n\n**False**\n\nThe loop skips the last element.", want: false},
		{name: "JSON string verdict", reply: `{"correct": "no", "explanation": "Off by one."}`, want: false},
		{name: "returns value", reply: "Analysis.\nThe function returns True.", class: Unparsable},
		{name: "returns with colon", reply: "Analysis.\nFor [] the function returns: False", class: Unparsable},
		{name: "comparison", reply: "Analysis.\nassert f([]) == True", class: Unparsable},
		{name: "unfenced code", reply: "def f(xs):\n    return True", class: Unparsable},
		{name: "echoed instruction", reply: "Analysis.\nTrue if the implementation is acceptable as it is, or False if it must change", class: Unparsable},
		{name: "checklist answer is not a verdict", reply: "Efficient? Yes.\nHard-coded? No.", class: Unparsable},
		{name: "expected answer", reply: "The expected answer is False, and the code gives it.", class: Unparsable},
		{name: "output label", reply: "Analysis.\nOutput: False", class: Unparsable},
		{name: "true in code block only", reply: "Looks fine.\n\n```python\nassert f() is True\n```", class: Unparsable},
		{name: "verdict before a code block", reply: "False\n\n```python\nreturn True\n```", want: false},
		{name: "thinking dropped", reply: "<think>True?</think>\nFalse", want: false},

		{name: "empty", reply: "", class: EmptyOutput},
		{name: "no verdict", reply: "The implementation looks reasonable overall.", class: Unparsable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseVerdict(tt.reply)
			checkClass(t, err, tt.class)
			if got != tt.want {
				t.Errorf("ParseVerdict() = %t, want %t", got, tt.want)
			}
		})
	}
}

func TestAnalysis(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, reply, want string
		verdict           bool
	}{
		{name: "score line removed", reply: "Off by one.\n\nScore: 3\n", want: "Off by one."},
		{name: "fraction removed", reply: "Off by one.\n3/5", want: "Off by one."},
		{name: "sentence kept", reply: "Off by one.\nI'd give it a 3 out of 5.", want: "Off by one.\nI'd give it a 3 out of 5."},
		{name: "verdict removed", reply: "<think>hmm</think>\nAll good.\n**True**", want: "All good.", verdict: true},
		{name: "verdict sentence kept", reply: "All good, so True.", want: "All good, so True.", verdict: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got string
			var err error
			if tt.verdict {
				_, got, err = parseVerdict(tt.reply)
			} else {
				_, got, err = parseScore(tt.reply)
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("analysis = %q, want %q", got, tt.want)
			}
		})
	}
}

// criticCase is one reply of the corpus in testdata/critic, named
// <kind>_<want>_<name>.md: kind is "verdict" or "score", want the expected
// value ("true", "false", "0" to "5") or error class ("unparsable",
// "empty").
type criticCase struct {
	name, kind, want, reply string
}

func criticCorpus(t *testing.T) []criticCase {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "critic", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	var out []criticCase
	for _, p := range paths {
		parts := strings.SplitN(strings.TrimSuffix(filepath.Base(p), ".md"), "_", 3)
		if len(parts) != 3 || parts[0] != "verdict" && parts[0] != "score" {
			t.Fatalf("%s: want a name <verdict|score>_<want>_<name>.md", p)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, criticCase{name: filepath.Base(p), kind: parts[0], want: parts[1], reply: string(b)})
	}
	if len(out) < 30 {
		t.Fatalf("corpus has %d replies, want at least 30", len(out))
	}
	return out
}

// TestCriticCorpus parses every reply of testdata/critic and checks the
// value or the error class its name gives, and that the analysis of a
// parsed reply is the reasoning: not empty, without reasoning blocks, the
// bare answer line or closing pleasantries.
func TestCriticCorpus(t *testing.T) {
	t.Parallel()
	for _, tc := range criticCorpus(t) {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var (
				got      string
				analysis string
				err      error
			)
			if tc.kind == "verdict" {
				var v bool
				v, analysis, err = parseVerdict(tc.reply)
				got = strconv.FormatBool(v)
			} else {
				var s int
				s, analysis, err = parseScore(tc.reply)
				got = strconv.Itoa(s)
			}
			switch tc.want {
			case "unparsable":
				checkClass(t, err, Unparsable)
				return
			case "empty":
				checkClass(t, err, EmptyOutput)
				return
			}
			if err != nil {
				t.Fatalf("parse %s: %v; want %s", tc.kind, err, tc.want)
			}
			if got != tc.want {
				t.Errorf("parse %s = %s, want %s", tc.kind, got, tc.want)
			}
			if strings.TrimSpace(analysis) == "" {
				t.Fatalf("analysis is empty")
			}
			last := analysis[strings.LastIndex(analysis, "\n")+1:]
			if strings.Contains(analysis, "<think>") || strings.Contains(analysis, "</think>") ||
				scoreLineRE.MatchString(plainLine(last)) || verdictLineRE.MatchString(plainLine(last)) || pleasantryRE.MatchString(plainLine(last)) {
				t.Errorf("analysis keeps a reasoning block, the answer line or a pleasantry:\n%s", analysis)
			}
		})
	}
}
