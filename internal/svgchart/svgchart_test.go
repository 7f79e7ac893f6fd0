package svgchart

import (
	"encoding/xml"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// marks parses an SVG and counts, per data-series, its marks of class
// mark ("point" or "bar"), in document order of the series.
func marks(t *testing.T, svg string, mark string) (names []string, counts map[string]int) {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(svg))
	counts = make(map[string]int)
	var current string
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		el, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		attr := func(name string) string {
			for _, a := range el.Attr {
				if a.Name.Local == name {
					return a.Value
				}
			}
			return ""
		}
		if s := attr("data-series"); s != "" {
			current = s
			names = append(names, s)
		}
		if attr("class") == mark {
			counts[current]++
		}
	}
	return names, counts
}

func wellFormed(t *testing.T, svg string) {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(svg))
	for {
		_, err := dec.Token()
		if err != nil {
			if err.Error() != "EOF" {
				t.Fatalf("not well-formed XML: %v\n%s", err, svg)
			}
			return
		}
	}
}

func TestLineChartSeriesAndPoints(t *testing.T) {
	lc := LineChart{ID: "anytime", Title: "solved <by> generations", Step: true, XInteger: true, YInteger: true, YMax: 10,
		Series: []Series{
			{Name: "codetree & co", Points: []Point{{0, 0, ""}, {1, 3, ""}, {2, 5, ""}, {20, 7, ""}}},
			{Name: "direct", Points: []Point{{0, 0, ""}, {1, 4, "four"}}},
		}}
	svg := string(lc.SVG())
	wellFormed(t, svg)
	names, counts := marks(t, svg, "point")
	if diff := cmp.Diff([]string{"codetree & co", "direct"}, names); diff != "" {
		t.Errorf("series (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]int{"codetree & co": 4, "direct": 2}, counts); diff != "" {
		t.Errorf("points per series (-want +got):\n%s", diff)
	}
	for _, want := range []string{`data-chart="anytime"`, "<title>four</title>", "H", "solved &lt;by&gt; generations"} {
		if !strings.Contains(svg, want) {
			t.Errorf("chart lacks %q", want)
		}
	}
}

func TestBarChartKinds(t *testing.T) {
	for _, bc := range []BarChart{
		{ID: "rows", Categories: []string{"a", "b", "c"}, Labels: true,
			Series: []BarSeries{{Name: "pass@1", Values: []float64{0.5, 0.7, 0.1}}, {Name: "plus", Values: []float64{0.4, 0.6, 0.1}}}},
		{ID: "stacked", Categories: []string{"a", "b", "c"}, Stacked: true, Labels: true,
			Series: []BarSeries{{Name: "pass@1", Values: []float64{1, 2, 3}}, {Name: "plus", Values: []float64{3, 2, 1}}}},
		{ID: "columns", Categories: []string{"a", "b", "c"}, Vertical: true, Integer: true,
			Series: []BarSeries{{Name: "pass@1", Values: []float64{1, 2, 3}}, {Name: "plus", Values: []float64{1, 0, 1}}}},
	} {
		t.Run(bc.ID, func(t *testing.T) {
			svg := string(bc.SVG())
			wellFormed(t, svg)
			names, counts := marks(t, svg, "bar")
			if diff := cmp.Diff([]string{"pass@1", "plus"}, names); diff != "" {
				t.Errorf("series (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(map[string]int{"pass@1": 3, "plus": 3}, counts); diff != "" {
				t.Errorf("bars per series (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTicks(t *testing.T) {
	for _, tc := range []struct {
		lo, hi  float64
		n       int
		integer bool
		want    []float64
	}{
		{0, 20, 8, true, []float64{0, 5, 10, 15, 20}},
		{0, 3, 5, true, []float64{0, 1, 2, 3}},
		{0, 1, 5, false, []float64{0, 0.2, 0.4, 0.6, 0.8, 1}},
		{0, 0, 5, true, []float64{0, 1}},
		{0, 1234, 5, true, []float64{0, 500, 1000, 1500}},
	} {
		if diff := cmp.Diff(tc.want, Ticks(tc.lo, tc.hi, tc.n, tc.integer)); diff != "" {
			t.Errorf("Ticks(%v, %v, %d) (-want +got):\n%s", tc.lo, tc.hi, tc.n, diff)
		}
	}
}

func TestNum(t *testing.T) {
	for v, want := range map[float64]string{1: "1", 1.006: "1.01", -2.5: "-2.5", 0.333333: "0.33"} {
		if got := Num(v); got != want {
			t.Errorf("Num(%v) = %q, want %q", v, got, want)
		}
	}
}

func TestBarSeriesColour(t *testing.T) {
	svg := string(BarChart{ID: "c", Categories: []string{"a"}, Series: []BarSeries{
		{Name: "resolved", Values: []float64{1}, Colour: "#009E73"}, {Name: "other", Values: []float64{2}}}}.SVG())
	for _, want := range []string{`data-series="resolved" fill="#009E73"`, `data-series="other" fill="` + Palette(1) + `"`} {
		if !strings.Contains(svg, want) {
			t.Errorf("chart lacks %q", want)
		}
	}
}
