package svgchart

import (
	"fmt"
	"html/template"
)

// BarSeries is one value per category of a bar chart; Notes, if set, are
// the bars' tooltips. Colour, if set, replaces the palette's (a series
// that stands for one thing whichever others are drawn: "resolved" is
// green).
type BarSeries struct {
	Name   string
	Values []float64
	Notes  []string
	Colour string
}

// colour is series si's fill.
func (s BarSeries) colour(si int) string {
	if s.Colour != "" {
		return s.Colour
	}
	return Palette(si)
}

// BarChart draws a value per category and series: horizontal bars, one
// row per category (Vertical: columns), the series side by side or
// stacked.
type BarChart struct {
	ID, Title  string
	Categories []string
	Series     []BarSeries
	Stacked    bool
	Vertical   bool
	// ValueLabel names the value axis, CategoryLabel the other.
	ValueLabel, CategoryLabel string
	// Format formats values (default: Num); Max, if above the data, fixes
	// the end of the value axis (1 for a rate); Integer asks for
	// whole-number ticks.
	Format  func(float64) string
	Max     float64
	Integer bool
	// Labels writes each bar's value at its end (horizontal charts; the
	// total of a stack, or RowLabels[i] if set).
	Labels    bool
	RowLabels []string
	// Width defaults to 540; the height follows from the categories.
	Width float64
}

// SVG draws the chart.
func (bc BarChart) SVG() template.HTML {
	f := bc.Format
	if f == nil {
		f = Num
	}
	top := bc.Max
	for i := range bc.Categories {
		sum := 0.0
		for _, s := range bc.Series {
			v := value(s, i)
			sum += v
			top = max(top, v)
		}
		if bc.Stacked {
			top = max(top, sum)
		}
	}
	ticks := Ticks(0, top, 5, bc.Integer)
	var c Canvas
	if bc.Vertical {
		bc.columns(&c, ticks, f)
	} else {
		bc.rows(&c, ticks, f)
	}
	return c.HTML()
}

// band is the size of a category's band for bars of size bar.
func (bc BarChart) band(bar float64) float64 {
	n := len(bc.Series)
	if bc.Stacked || n == 0 {
		n = 1
	}
	return float64(n)*bar + bar*0.6
}

// rows draws horizontal bars, the categories' names on the left.
func (bc BarChart) rows(c *Canvas, ticks []float64, f func(float64) string) {
	const labelWidth = 120
	w := orDefault(bc.Width, 540)
	const bar = 16.0
	band := bc.band(bar)
	h := marginTop + band*float64(len(bc.Categories)) + marginBottom
	legendRows := 0
	if len(bc.Series) > 1 {
		legendRows = 1
		h += 18
	}
	vs := linear{ticks[0], ticks[len(ticks)-1], labelWidth, w - marginRight - 170}
	c.OpenSVG(bc.ID, w, h, bc.Title)
	c.Text("text", bc.Title, "x", "8", "y", "16", "font-weight", "600")
	plotBottom := marginTop + band*float64(len(bc.Categories))
	c.Open("g", "class", "axes", "stroke", "#ccc", "fill", "#555")
	for _, v := range ticks {
		x := Num(vs.at(v))
		c.Empty("line", "x1", x, "x2", x, "y1", Num(marginTop), "y2", Num(plotBottom), "class", "grid")
		c.Text("text", f(v), "x", x, "y", Num(plotBottom+14), "text-anchor", "middle", "stroke", "none")
	}
	c.Close("g")
	c.Text("text", bc.ValueLabel, "x", Num((vs.p0+vs.p1)/2), "y", Num(plotBottom+32), "text-anchor", "middle", "class", "axis-label")
	for i, name := range bc.Categories {
		y := marginTop + band*float64(i) + bar*0.3
		c.Text("text", clip(name, 18), "x", Num(labelWidth-6), "y", Num(y+band/2-bar*0.3+4), "text-anchor", "end")
	}
	var label func(x, y, w, h, v float64)
	if bc.Labels && !bc.Stacked {
		label = func(x, y, w, _, v float64) {
			c.Text("text", f(v), "x", Num(x+w+4), "y", Num(y+bar-5), "fill", "#333", "class", "value")
		}
	}
	bc.drawBars(c, f, func(si, i int, from, to float64) (x, y, w, h float64) {
		y = marginTop + band*float64(i) + bar*0.3
		if !bc.Stacked {
			y += bar * float64(si)
		}
		x0, x1 := vs.at(from), vs.at(to)
		return x0, y, max(x1-x0, 0), bar - 2
	}, label)
	if bc.Labels && bc.Stacked {
		for i := range bc.Categories {
			total := stackBelow(bc.Series, len(bc.Series), i)
			y := marginTop + band*float64(i) + bar*0.3
			label := f(total)
			if i < len(bc.RowLabels) {
				label = bc.RowLabels[i]
			}
			c.Text("text", label, "x", Num(vs.at(total)+4), "y", Num(y+bar-5), "fill", "#333", "class", "value")
		}
	}
	if legendRows > 0 {
		barLegend(c, bc.Series, labelWidth, h-12)
	}
	c.Close("svg")
}

// columns draws vertical bars, the categories' names below them.
func (bc BarChart) columns(c *Canvas, ticks []float64, f func(float64) string) {
	w, h := orDefault(bc.Width, 540), 260.0
	vs := linear{ticks[0], ticks[len(ticks)-1], h - marginBottom, marginTop}
	n := max(1, len(bc.Categories))
	band := (w - marginLeft - marginRight) / float64(n)
	per := 1
	if !bc.Stacked && len(bc.Series) > 1 {
		per = len(bc.Series)
	}
	bar := band * 0.8 / float64(per)
	c.OpenSVG(bc.ID, w, h, bc.Title)
	c.Text("text", bc.Title, "x", Num(marginLeft), "y", "16", "font-weight", "600")
	c.Open("g", "class", "axes", "stroke", "#ccc", "fill", "#555")
	for _, v := range ticks {
		y := Num(vs.at(v))
		c.Empty("line", "x1", Num(marginLeft), "x2", Num(w-marginRight), "y1", y, "y2", y, "class", "grid")
		c.Text("text", f(v), "x", Num(marginLeft-6), "y", y, "dy", "4", "text-anchor", "end", "stroke", "none")
	}
	every := max(1, n/20)
	for i, name := range bc.Categories {
		if i%every == 0 {
			c.Text("text", clip(name, 10), "x", Num(marginLeft+band*(float64(i)+0.5)), "y", Num(h-marginBottom+14),
				"text-anchor", "middle", "stroke", "none")
		}
	}
	c.Close("g")
	c.Text("text", bc.CategoryLabel, "x", Num((marginLeft+w-marginRight)/2), "y", Num(h-12), "text-anchor", "middle", "class", "axis-label")
	c.Text("text", bc.ValueLabel, "transform", fmt.Sprintf("translate(14 %s) rotate(-90)", Num((vs.p0+vs.p1)/2)),
		"text-anchor", "middle", "class", "axis-label")
	bc.drawBars(c, f, func(si, i int, from, to float64) (x, y, w, h float64) {
		x = marginLeft + band*float64(i) + band*0.1
		if !bc.Stacked {
			x += bar * float64(si)
		}
		y0, y1 := vs.at(from), vs.at(to)
		return x, y1, max(bar-1, 1), max(y0-y1, 0)
	}, nil)
	if len(bc.Series) > 1 {
		barLegend(c, bc.Series, w-marginRight-legendWidth(bc.Series), 16)
	}
	c.Close("svg")
}

// drawBars draws each series' bars, a group per series: place gives the
// rectangle of series si's bar for category i spanning the values from,
// to (stacked: on the series before it); label, if set, writes a bar's
// value beside it.
func (bc BarChart) drawBars(c *Canvas, f func(float64) string, place func(si, i int, from, to float64) (x, y, w, h float64), label func(x, y, w, h, v float64)) {
	for si, s := range bc.Series {
		c.Open("g", "class", "series", "data-series", s.Name, "fill", s.colour(si))
		c.Title(s.Name)
		for i := range bc.Categories {
			v, from := value(s, i), 0.0
			if bc.Stacked {
				from = stackBelow(bc.Series, si, i)
			}
			x, y, w, h := place(si, i, from, from+v)
			c.Open("rect", "class", "bar", "x", Num(x), "y", Num(y), "width", Num(w), "height", Num(h))
			c.Title(bc.note(s, i, f))
			c.Close("rect")
			if label != nil {
				label(x, y, w, h, v)
			}
		}
		c.Close("g")
	}
}

// note is a bar's tooltip.
func (bc BarChart) note(s BarSeries, i int, f func(float64) string) string {
	if i < len(s.Notes) && s.Notes[i] != "" {
		return s.Notes[i]
	}
	return fmt.Sprintf("%s, %s: %s", bc.Categories[i], s.Name, f(value(s, i)))
}

// value is the series' value for category i (0 when missing).
func value(s BarSeries, i int) float64 {
	if i < len(s.Values) {
		return s.Values[i]
	}
	return 0
}

// stackBelow sums the values of the series before si for category i.
func stackBelow(series []BarSeries, si, i int) float64 {
	sum := 0.0
	for _, s := range series[:si] {
		sum += value(s, i)
	}
	return sum
}

// legendWidth is the width of barLegend's row.
func legendWidth(series []BarSeries) float64 {
	w := 0.0
	for _, s := range series {
		w += 24 + 7*float64(len([]rune(s.Name)))
	}
	return w
}

// barLegend lists the series in a row from (x, y).
func barLegend(c *Canvas, series []BarSeries, x, y float64) {
	c.Open("g", "class", "legend")
	for i, s := range series {
		c.Empty("rect", "x", Num(x), "y", Num(y-9), "width", "10", "height", "10", "fill", s.colour(i))
		c.Text("text", s.Name, "x", Num(x+14), "y", Num(y))
		x += 24 + 7*float64(len([]rune(s.Name)))
	}
	c.Close("g")
}
