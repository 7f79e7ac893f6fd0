package svgchart

import (
	"fmt"
	"html"
	"html/template"
	"strconv"
	"strings"
)

// Palette is the colour of series i (Okabe and Ito's palette, which
// colour-blind readers can tell apart), cycling.
func Palette(i int) string {
	p := [...]string{"#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"}
	return p[((i%len(p))+len(p))%len(p)]
}

// Canvas accumulates SVG markup. Attributes are given as name, value
// pairs; values and text are escaped.
type Canvas struct {
	b strings.Builder
}

// Open starts an element.
func (c *Canvas) Open(name string, attrs ...string) {
	c.b.WriteByte('<')
	c.b.WriteString(name)
	c.attrs(attrs)
	c.b.WriteByte('>')
}

// Close ends an element.
func (c *Canvas) Close(name string) {
	c.b.WriteString("</" + name + ">")
}

// Empty writes an element without content.
func (c *Canvas) Empty(name string, attrs ...string) {
	c.b.WriteByte('<')
	c.b.WriteString(name)
	c.attrs(attrs)
	c.b.WriteString("/>")
}

// Text writes an element holding text.
func (c *Canvas) Text(name, text string, attrs ...string) {
	c.Open(name, attrs...)
	c.b.WriteString(html.EscapeString(text))
	c.Close(name)
}

// Title writes a <title>: the tooltip of its parent element.
func (c *Canvas) Title(text string) {
	c.Text("title", text)
}

func (c *Canvas) attrs(attrs []string) {
	if len(attrs)%2 != 0 {
		panic("svgchart: attributes come in name, value pairs")
	}
	for i := 0; i < len(attrs); i += 2 {
		fmt.Fprintf(&c.b, ` %s="%s"`, attrs[i], html.EscapeString(attrs[i+1]))
	}
}

// HTML is the markup, to be put in a page as is.
func (c *Canvas) HTML() template.HTML {
	return template.HTML(c.b.String()) //nolint:gosec // every value written is escaped
}

// Num formats a coordinate: at most two decimals, no trailing zeros.
func Num(v float64) string {
	return strconv.FormatFloat(float64(int64(v*100+copysign(0.5, v)))/100, 'f', -1, 64)
}

func copysign(a, b float64) float64 {
	if b < 0 {
		return -a
	}
	return a
}

// OpenSVG starts an <svg> of the given size, scaled to the width of its
// container, with the class "chart" and a data-chart id.
func (c *Canvas) OpenSVG(id string, width, height float64, label string) {
	c.Open("svg", "class", "chart", "data-chart", id,
		"viewBox", fmt.Sprintf("0 0 %s %s", Num(width), Num(height)),
		"width", Num(width), "height", Num(height), "role", "img", "aria-label", label,
		"font-family", "system-ui, sans-serif", "font-size", "12")
	c.Title(label)
}
