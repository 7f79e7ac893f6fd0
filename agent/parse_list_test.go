package agent

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseNumberedList(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		reply string
		want  []string
		class ErrorClass
	}{
		{name: "dot", reply: "1. Sort the list.\n2. Use a set.\n3. Brute force.", want: []string{"Sort the list.", "Use a set.", "Brute force."}},
		{name: "paren", reply: "1) Sort the list.\n2) Use a set.", want: []string{"Sort the list.", "Use a set."}},
		{name: "both parens", reply: "(1) Sort the list.\n(2) Use a set.", want: []string{"Sort the list.", "Use a set."}},
		{name: "angle brackets", reply: "<1> Sort the list.\n<2> Use a set.", want: []string{"Sort the list.", "Use a set."}},
		{name: "dash after number", reply: "1 - Sort the list.\n2 - Use a set.", want: []string{"Sort the list.", "Use a set."}},
		{name: "colon after number", reply: "1: Sort the list.\n2: Use a set.", want: []string{"Sort the list.", "Use a set."}},
		{name: "labelled", reply: "Strategy 1: Sort the list.\nStrategy 2: Use a set.", want: []string{"Sort the list.", "Use a set."}},
		{name: "labelled with hash and dash", reply: "Fix #1 - Start the loop at 0.\nFix #2 - Return early on empty input.", want: []string{"Start the loop at 0.", "Return early on empty input."}},
		{name: "bold numbers", reply: "**1.** Sort the list.\n**2.** Use a set.", want: []string{"Sort the list.", "Use a set."}},
		{name: "bold labels", reply: "**Strategy 1:** Sort the list.\n**Strategy 2:** Use a set.", want: []string{"Sort the list.", "Use a set."}},
		{name: "bold titles", reply: reply(t, "list_strategies_bold.md"), want: []string{
			"Sort and scan: Sort the numbers, then compare each adjacent pair; if any difference is below the threshold, return True.",
			"Brute force: Compare every pair with two nested loops and return True as soon as one pair is closer than the threshold.",
			"Bucketing: Put each number in a bucket of width threshold and check only the same and neighbouring buckets.",
		}},
		{name: "bullets when no numbers", reply: "Options:\n- Sort the list.\n- Use a set.\n\nEither works.", want: []string{"Sort the list.", "Use a set."}},
		{name: "star bullets", reply: "* Sort the list.\n* Use a set.", want: []string{"Sort the list.", "Use a set."}},
		{name: "numbers win over bullets", reply: "Notes:\n- the input may be empty\n\n1. Sort the list.\n2. Use a set.", want: []string{"Sort the list.", "Use a set."}},
		{name: "preamble and epilogue", reply: "Sure! I see 2 approaches:\n\n1. Sort the list.\n2. Use a set.\n\nLet me know if you want code.", want: []string{"Sort the list.", "Use a set."}},
		{name: "continuation lines", reply: "1. Sort the list.\nThen compare neighbours.\n2. Use a set.\n\n   Insert while scanning.\n3. Brute force.",
			want: []string{"Sort the list. Then compare neighbours.", "Use a set. Insert while scanning.", "Brute force."}},
		{name: "marker alone on its line", reply: "1.\nSort the list.\n2.\nUse a set.", want: []string{"Sort the list.", "Use a set."}},
		{name: "nested list", reply: "1. Two pointers:\n   1. sort\n   2. scan from both ends\n2. Hash set.",
			want: []string{"Two pointers:\n1. sort\n2. scan from both ends", "Hash set."}},
		{name: "nested bullets", reply: "1. Two pointers:\n   - sort\n   - scan\n2. Hash set.", want: []string{"Two pointers:\n- sort\n- scan", "Hash set."}},
		{name: "lazy markdown numbering", reply: "1. Sort the list.\n1. Use a set.\n1. Brute force.", want: []string{"Sort the list.", "Use a set.", "Brute force."}},
		{name: "last list wins", reply: reply(t, "list_reflections_issues_then_fixes.md"), want: []string{
			"Sort a copy of the list first, then compare adjacent elements, so that every close pair becomes adjacent.",
			"Keep the original order but compare every pair with two nested loops; this is O(n^2), acceptable for the sizes in the problem.",
		}},
		{name: "heading items", reply: reply(t, "list_headings.md"), want: []string{
			"Dynamic programming Let dp[i] be the length of the longest increasing subsequence ending at i. Fill it from left to right.",
			"Patience sorting Keep the smallest tail of every length in a sorted list and binary-search it.\n```python\nimport bisect\n```",
		}},
		{name: "code in an item", reply: "1. Guard the empty case:\n   ```python\n   if not xs:\n       return 0\n   ```\n2. Use a set.",
			want: []string{"Guard the empty case:\n```python\nif not xs:\n    return 0\n```", "Use a set."}},
		{name: "markers inside code are not items", reply: "1. Fix the loop.\n\n```python\n# 2. not an item\nx = 1\n```\n\n2. Use a set.", want: []string{"Fix the loop.", "Use a set."}},
		{name: "decimal is not a marker", reply: "1. Grow the array by 1.5 times.\n2. Use a set.", want: []string{"Grow the array by 1.5 times.", "Use a set."}},
		{name: "thinking dropped", reply: "<think>\n1. maybe this\n2. or that\n</think>\n1. Sort the list.", want: []string{"Sort the list."}},
		{name: "empty items dropped", reply: "1.\n2. Use a set.", want: []string{"Use a set."}},

		{name: "empty", reply: "", class: EmptyOutput},
		{name: "prose only", reply: "You should sort the list and then compare neighbours.", class: Unparsable},
		{name: "only empty items", reply: "1.\n2.", class: Unparsable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseNumberedList(tt.reply)
			checkClass(t, err, tt.class)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseNumberedList() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
