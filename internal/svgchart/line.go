package svgchart

import (
	"fmt"
	"html/template"
	"math"
	"strings"
)

// Point is one point of a series; Note, if set, is its tooltip.
type Point struct {
	X, Y float64
	Note string
}

// Series is a named line; Dashed draws it dashed (a second measure of
// the same runs, which may lie on the first).
type Series struct {
	Name   string
	Points []Point
	Dashed bool
}

// LineChart draws series against a common x axis. With Step each series
// holds its value until the next point (a count that changes at whole
// steps, like problems solved against generations spent).
type LineChart struct {
	ID             string // data-chart
	Title          string
	XLabel, YLabel string
	Series         []Series
	Step           bool
	// XInteger and YInteger ask for whole-number ticks; YMax, if above
	// the data, fixes the top of the y axis (the problems attempted).
	XInteger, YInteger bool
	YMax               float64
	// YFormat formats the y ticks and values (default: Num).
	YFormat func(float64) string
	// Width and Height default to 540 by 300.
	Width, Height float64
}

// Layout margins of the plot area inside the chart.
const (
	marginLeft   = 56
	marginRight  = 16
	marginTop    = 28
	marginBottom = 44
)

// SVG draws the chart.
func (lc LineChart) SVG() template.HTML {
	w, h := orDefault(lc.Width, 540), orDefault(lc.Height, 300)
	yf := lc.YFormat
	if yf == nil {
		yf = Num
	}
	x0, x1, y1 := math.Inf(1), math.Inf(-1), lc.YMax
	for _, s := range lc.Series {
		for _, p := range s.Points {
			x0, x1, y1 = min(x0, p.X), max(x1, p.X), max(y1, p.Y)
		}
	}
	if math.IsInf(x0, 0) {
		x0, x1 = 0, 1
	}
	xt := Ticks(x0, x1, 8, lc.XInteger)
	yt := Ticks(0, y1, 5, lc.YInteger)
	xs := linear{xt[0], xt[len(xt)-1], marginLeft, w - marginRight}
	ys := linear{yt[0], yt[len(yt)-1], h - marginBottom, marginTop}

	var c Canvas
	c.OpenSVG(lc.ID, w, h, lc.Title)
	c.Text("text", lc.Title, "x", Num(marginLeft), "y", "16", "font-weight", "600")
	axes(&c, xs, ys, xt, yt, Num, yf)
	c.Text("text", lc.XLabel, "x", Num((xs.p0+xs.p1)/2), "y", Num(h-8), "text-anchor", "middle", "class", "axis-label")
	c.Text("text", lc.YLabel, "transform", fmt.Sprintf("translate(14 %s) rotate(-90)", Num((ys.p0+ys.p1)/2)),
		"text-anchor", "middle", "class", "axis-label")
	for i, s := range lc.Series {
		colour := Palette(i)
		c.Open("g", "class", "series", "data-series", s.Name, "stroke", colour, "fill", colour)
		c.Title(s.Name)
		dash := "none"
		if s.Dashed {
			dash = "6 4"
		}
		c.Empty("path", "d", lc.path(s.Points, xs, ys), "fill", "none", "stroke-width", "2", "stroke-dasharray", dash)
		for _, p := range s.Points {
			c.Open("circle", "class", "point", "cx", Num(xs.at(p.X)), "cy", Num(ys.at(p.Y)), "r", "3")
			note := p.Note
			if note == "" {
				note = fmt.Sprintf("%s: %s at %s", s.Name, yf(p.Y), Num(p.X))
			}
			c.Title(note)
			c.Close("circle")
		}
		c.Close("g")
	}
	legend(&c, lc.Series, w-marginRight-180, ys.p0-8-16*float64(len(lc.Series)))
	c.Close("svg")
	return c.HTML()
}

// path is the series' line: straight segments, or steps.
func (lc LineChart) path(pts []Point, xs, ys linear) string {
	var b strings.Builder
	for i, p := range pts {
		x, y := Num(xs.at(p.X)), Num(ys.at(p.Y))
		switch {
		case i == 0:
			fmt.Fprintf(&b, "M%s %s", x, y)
		case lc.Step:
			fmt.Fprintf(&b, "H%sV%s", x, y)
		default:
			fmt.Fprintf(&b, "L%s %s", x, y)
		}
	}
	return b.String()
}

// axes draws the grid, the ticks and their labels.
func axes(c *Canvas, xs, ys linear, xt, yt []float64, xf, yf func(float64) string) {
	c.Open("g", "class", "axes", "stroke", "#ccc", "fill", "#555")
	for _, v := range yt {
		y := Num(ys.at(v))
		c.Empty("line", "x1", Num(xs.p0), "x2", Num(xs.p1), "y1", y, "y2", y, "class", "grid")
		c.Text("text", yf(v), "x", Num(xs.p0-6), "y", y, "dy", "4", "text-anchor", "end", "stroke", "none")
	}
	for _, v := range xt {
		x := Num(xs.at(v))
		c.Empty("line", "x1", x, "x2", x, "y1", Num(ys.p0), "y2", Num(ys.p0+4))
		c.Text("text", xf(v), "x", x, "y", Num(ys.p0+16), "text-anchor", "middle", "stroke", "none")
	}
	c.Empty("line", "x1", Num(xs.p0), "x2", Num(xs.p1), "y1", Num(ys.p0), "y2", Num(ys.p0), "stroke", "#888")
	c.Close("g")
}

// legend lists the series' names and colours from (x, y) down: inside
// the plot's bottom right corner, which rising curves leave empty.
func legend(c *Canvas, series []Series, x, y float64) {
	if len(series) < 2 {
		return
	}
	c.Open("g", "class", "legend")
	c.Empty("rect", "x", Num(x-6), "y", Num(y-12), "width", "180", "height", Num(16*float64(len(series))+6),
		"fill", "#fff", "fill-opacity", "0.85")
	y += 4
	for i, s := range series {
		dash := "none"
		if s.Dashed {
			dash = "4 3"
		}
		c.Empty("line", "x1", Num(x), "x2", Num(x+16), "y1", Num(y-3), "y2", Num(y-3), "stroke", Palette(i),
			"stroke-width", "2.5", "stroke-dasharray", dash)
		c.Text("text", clip(s.Name, 22), "x", Num(x+20), "y", Num(y+1))
		y += 16
	}
	c.Close("g")
}

// clip shortens a label to n runes with an ellipsis.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func orDefault(v, d float64) float64 {
	if v <= 0 {
		return d
	}
	return v
}
