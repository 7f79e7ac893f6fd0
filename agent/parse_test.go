package agent

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParsers checks that no reply makes a parser panic, and that every
// failure is a model-output error. The stored replies are the seed corpus.
func FuzzParsers(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "replies", "*"))
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b), "f")
	}
	for _, s := range []string{"", "```", "````\n```", "~~~go\n", "<think>", "</think>", "1.", "**", "Score: ", "4/", "(1)", "- ", "#\n##", "\t```python\n\tdef f(\n"} {
		f.Add(s, "f")
	}
	f.Add("```py\n0", "\xe6") // an entry point that is not UTF-8
	f.Fuzz(func(t *testing.T, reply, entry string) {
		check := func(what string, err error) {
			if err != nil && !IsModelOutput(err) {
				t.Fatalf("%s: error %q is not a model-output error", what, err)
			}
		}
		for _, lang := range []string{"python", "go"} {
			code, err := ExtractCode(reply, lang, entry)
			check("ExtractCode", err)
			if err == nil && (strings.TrimSpace(code) == "" || !strings.HasSuffix(code, "\n")) {
				t.Fatalf("ExtractCode(%q) = %q: empty or without a final newline", reply, code)
			}
		}
		items, err := ParseNumberedList(reply)
		check("ParseNumberedList", err)
		for _, it := range items {
			if strings.TrimSpace(it) == "" {
				t.Fatalf("ParseNumberedList(%q) returned an empty item", reply)
			}
		}
		s, err := ParseScore(reply)
		check("ParseScore", err)
		if s < 0 || s > 5 {
			t.Fatalf("ParseScore(%q) = %d", reply, s)
		}
		_, err = ParseVerdict(reply)
		check("ParseVerdict", err)
	})
}
