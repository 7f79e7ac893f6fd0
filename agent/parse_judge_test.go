package agent

import (
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
		{name: "fallback to last small number", reply: "The output is close: I would rate it 4.\nThe rest are fine, as test 12 shows.", want: 4},
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
		{name: "fallback to last verdict word", reply: "The code is correct. True\n\nLet me know if you need anything else.", want: true},
		{name: "fallback prefers capitalised", reply: "False\n\nIt is true that the examples pass, but that is not enough.", want: false},
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
