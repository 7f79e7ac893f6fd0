package htmlreport

import (
	"strings"
	"testing"
	"time"
)

func TestFormats(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{Count(0), "0"}, {Count(999), "999"}, {Count(1000), "1,000"}, {Count(-1234567), "-1,234,567"},
		{Plural(1, "generation"), "1 generation"}, {Plural(0, "generation"), "0 generations"},
		{Plural(12345, "token"), "12,345 tokens"},
		{Duration(1217890 * time.Nanosecond), "1.22 ms"}, {Duration(97895136 * time.Nanosecond), "97.9 ms"},
		{Duration(0), "0 s"}, {Duration(4500 * time.Millisecond), "4.50 s"}, {Duration(185 * time.Second), "3 min 5 s"},
		{Duration(2*time.Hour + 4*time.Minute + 10*time.Second), "2 h 4 min"}, {Duration(250 * time.Microsecond), "250 µs"},
		{USD(0.01234), "$0.0123"}, {Cost(0.01234, 0), "$0.0123"}, {Cost(0, 0), "$0.0000"},
		{Cost(0, 3), "unknown (no price for 3 calls)"}, {Cost(2.5, 1), "$2.50 (and 1 call unpriced)"}, {USD(12.5), "$12.50"}, {Percent(0.4573), "45.7%"}, {Percent(1), "100%"}, {Percent(0.2), "20%"},
		{Anchor("HumanEval/12"), "HumanEval-12"}, {Anchor("Mbpp/2 x"), "Mbpp-2-x"}, {Anchor("acme__kv_parse-3.1"), "acme__kv_parse-3.1"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestPageBannerAndEscaping(t *testing.T) {
	b, err := Page{Title: "a <b>", Simulated: true, Facts: [][2]string{{"model", "<sim>"}}}.Render()
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, want := range []string{"<title>a &lt;b&gt;</title>", SimulatedNote, "&lt;sim&gt;"} {
		if !strings.Contains(s, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	b, _ = Page{Title: "real"}.Render()
	if strings.Contains(string(b), SimulatedNote) {
		t.Error("a real model's page has the simulated banner")
	}
}

func TestMarkdownCell(t *testing.T) {
	if got, want := MarkdownCell("a|b\nc"), `a\|b c`; got != want {
		t.Errorf("MarkdownCell = %q, want %q", got, want)
	}
}
