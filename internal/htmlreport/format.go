package htmlreport

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Count writes an integer with thousands separators: 12,345.
func Count(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// Plural is "1 generation", "2 generations", "12,345 tokens".
func Plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return Count(n) + " " + noun + "s"
}

// Duration is a duration with three significant digits below a minute
// ("97.9 ms", "1.22 ms", "4.5 s") and to the second above ("3 min 5 s",
// "2 h 4 min").
func Duration(d time.Duration) string {
	switch {
	case d <= 0:
		return "0 s"
	case d < time.Microsecond:
		return fmt.Sprintf("%d ns", d.Nanoseconds())
	case d < time.Millisecond:
		return sig3(float64(d)/float64(time.Microsecond)) + " µs"
	case d < time.Second:
		return sig3(float64(d)/float64(time.Millisecond)) + " ms"
	case d < time.Minute:
		return sig3(d.Seconds()) + " s"
	case d < time.Hour:
		d = d.Round(time.Second)
		return fmt.Sprintf("%d min %d s", int(d.Minutes()), int(d.Seconds())%60)
	default:
		d = d.Round(time.Minute)
		return fmt.Sprintf("%d h %d min", int(d.Hours()), int(d.Minutes())%60)
	}
}

// sig3 writes v with three significant digits, no exponent.
func sig3(v float64) string {
	switch {
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	default:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
}

// USD is a cost in dollars: four decimals below a dollar, two above.
func USD(v float64) string {
	if v >= 1 {
		return "$" + strconv.FormatFloat(v, 'f', 2, 64)
	}
	return "$" + strconv.FormatFloat(v, 'f', 4, 64)
}

// Cost is a cost in dollars with the calls no price was known for (a
// local or simulated model without --price-file): "$0.0123",
// "unknown (no price for 3 calls)" when none was priced, "$0.0123 (and 2
// calls unpriced)" when some were.
func Cost(usd float64, unpriced int) string {
	switch {
	case unpriced > 0 && usd == 0:
		return fmt.Sprintf("unknown (no price for %s)", Plural(unpriced, "call"))
	case unpriced > 0:
		return fmt.Sprintf("%s (and %s unpriced)", USD(usd), Plural(unpriced, "call"))
	}
	return USD(usd)
}

// Percent is a rate as a percentage with one decimal, none when it is
// whole: 0.4573 is "45.7%", 1 is "100%".
func Percent(rate float64) string {
	return strings.TrimSuffix(strconv.FormatFloat(100*rate, 'f', 1, 64), ".0") + "%"
}

// Anchor makes a task id into an HTML id: letters, digits, '-', '_' and
// '.' kept, anything else '-' ("HumanEval/12" is "HumanEval-12").
func Anchor(id string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			return r
		}
		return '-'
	}, id)
}

// MarkdownCell makes text fit one cell of a Markdown table (report.md):
// pipes escaped, newlines as spaces.
func MarkdownCell(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "|", `\|`), "\n", " ")
}

// MarkdownHead is the top of a report.md: the title, the simulated-model
// note when simulated, then rows as a two-column table.
func MarkdownHead(title string, simulated bool, rows [][2]string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", title)
	if simulated {
		fmt.Fprintf(&b, "> %s\n\n", SimulatedNote)
	}
	b.WriteString("| | |\n|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s |\n", MarkdownCell(r[0]), MarkdownCell(r[1]))
	}
	return b.String()
}
