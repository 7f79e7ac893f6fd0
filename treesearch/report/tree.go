package report

import (
	"fmt"
	"html/template"
	"strings"

	"github.com/codetree/codetree/internal/htmlreport"
	"github.com/codetree/codetree/internal/svgchart"
	"github.com/codetree/codetree/treesearch"
)

// Visible-test verdicts of a node, which colour it in the tree graph.
const (
	verdictPassed    = "passed"    // every visible test passed
	verdictLoaded    = "loaded"    // no visible test; the code loaded
	verdictFailed    = "failed"    // some visible test failed
	verdictError     = "error"     // did not load, crashed or timed out
	verdictNoCode    = "no code"   // the model's reply had no code
	verdictDuplicate = "duplicate" // repeated an earlier candidate
)

var verdictColour = map[string]string{
	verdictPassed: "#009E73", verdictLoaded: "#56B4E9", verdictFailed: "#E69F00",
	verdictError: "#D55E00", verdictNoCode: "#999999", verdictDuplicate: "#ffffff",
}

// verdictOrder is the legend's order.
var verdictOrder = []string{verdictPassed, verdictLoaded, verdictFailed, verdictError, verdictNoCode, verdictDuplicate}

// visibleVerdict is a node's verdict on the visible tests.
func visibleVerdict(n *treesearch.Node) string {
	switch {
	case n.Duplicate:
		return verdictDuplicate
	case n.Code == "" || n.Feedback == nil:
		return verdictNoCode
	case n.Feedback.LoadError != "" || n.Feedback.TimedOut && n.Feedback.Passed < n.Feedback.Total:
		return verdictError
	case n.Feedback.Total == 0:
		return verdictLoaded
	case n.Feedback.Passed == n.Feedback.Total:
		return verdictPassed
	default:
		return verdictFailed
	}
}

// Tree graph geometry.
const (
	nodeRadius = 9
	columnGap  = 28
	rowGap     = 46
	treePad    = 22
)

// treeLayout places a tree's nodes: leaves side by side in depth-first
// order, a parent above the middle of its children, a row per depth
// below the problem (the virtual root, index -1).
type treeLayout struct {
	x, y     map[int]float64
	children map[int][]int
	width    float64
	height   float64
}

func layoutTree(t *treesearch.Tree) treeLayout {
	l := treeLayout{x: map[int]float64{}, y: map[int]float64{}, children: map[int][]int{}}
	for _, n := range t.Nodes {
		parent := n.Parent
		if parent < 0 || parent >= len(t.Nodes) {
			parent = -1
		}
		l.children[parent] = append(l.children[parent], n.ID)
	}
	leaves, depth := 0, 0
	var place func(id, d int) float64
	place = func(id, d int) float64 {
		depth = max(depth, d)
		l.y[id] = treePad + float64(d)*rowGap
		kids := l.children[id]
		if len(kids) == 0 {
			l.x[id] = treePad + float64(leaves)*columnGap
			leaves++
			return l.x[id]
		}
		first := place(kids[0], d+1)
		last := first
		for _, k := range kids[1:] {
			last = place(k, d+1)
		}
		l.x[id] = (first + last) / 2
		return l.x[id]
	}
	place(-1, 0)
	l.width = 2*treePad + float64(max(leaves-1, 0))*columnGap + 120
	l.height = 2*treePad + float64(depth)*rowGap
	return l
}

// chosenPath is the set of nodes from a root down to the chosen node.
func chosenPath(t *treesearch.Tree) map[int]bool {
	on := map[int]bool{}
	for id := t.Chosen; id >= 0 && id < len(t.Nodes) && !on[id]; id = t.Nodes[id].Parent {
		on[id] = true
	}
	return on
}

// treeSVG draws a problem's tree: edges, the chosen path in black, each
// node a circle coloured by its visible verdict and linking to its text,
// the chosen node ringed by its hidden verdict (hidden nil: none).
func treeSVG(t *treesearch.Tree, anchor string, hidden *bool) template.HTML {
	l := layoutTree(t)
	path := chosenPath(t)
	var c svgchart.Canvas
	c.OpenSVG("tree", l.width, l.height, fmt.Sprintf("search tree of %s: %s", t.Problem, htmlreport.Plural(len(t.Nodes), "node")))
	c.Open("g", "class", "edges", "fill", "none")
	for _, n := range t.Nodes {
		parent := n.Parent
		if parent < 0 || parent >= len(t.Nodes) {
			parent = -1
		}
		class, stroke, width := "edge", "#bbb", "1.2"
		if path[n.ID] {
			class, stroke, width = "edge chosen-path", "#111", "2.6"
		}
		c.Empty("line", "class", class, "x1", svgchart.Num(l.x[parent]), "y1", svgchart.Num(l.y[parent]),
			"x2", svgchart.Num(l.x[n.ID]), "y2", svgchart.Num(l.y[n.ID]), "stroke", stroke, "stroke-width", width)
	}
	c.Close("g")
	c.Open("rect", "class", "problem-node", "x", svgchart.Num(l.x[-1]-7), "y", svgchart.Num(l.y[-1]-7),
		"width", "14", "height", "14", "fill", "#444")
	c.Title(t.Problem)
	c.Close("rect")
	for _, n := range t.Nodes {
		drawNode(&c, t, n, l, anchor, hidden)
	}
	c.Close("svg")
	return c.HTML()
}

func drawNode(c *svgchart.Canvas, t *treesearch.Tree, n *treesearch.Node, l treeLayout, anchor string, hidden *bool) {
	v := visibleVerdict(n)
	x, y := svgchart.Num(l.x[n.ID]), svgchart.Num(l.y[n.ID])
	c.Open("a", "href", "#"+nodeAnchor(anchor, n.ID))
	attrs := []string{"class", "node", "data-verdict", v, "cx", x, "cy", y, "r", fmt.Sprint(nodeRadius),
		"fill", verdictColour[v], "stroke", "#555", "stroke-width", "1"}
	if v == verdictDuplicate {
		attrs = append(attrs, "stroke-dasharray", "3 2")
	}
	if n.Aborted {
		attrs = append(attrs, "fill-opacity", "0.45")
	}
	c.Open("circle", attrs...)
	c.Title(nodeTitle(t, n, v, hidden))
	c.Close("circle")
	c.Text("text", fmt.Sprint(n.ID), "x", x, "y", y, "dy", "3.5", "text-anchor", "middle", "font-size", "9",
		"fill", "#111", "pointer-events", "none")
	c.Close("a")
	verdict := n.Hidden
	if n.ID == t.Chosen && hidden != nil {
		verdict = hidden
	}
	if verdict != nil || n.ID == t.Chosen {
		ring, width, r := "#111", "2", nodeRadius+3
		if verdict != nil {
			ring = map[bool]string{true: "#009E73", false: "#D55E00"}[*verdict]
		}
		class := "hidden"
		if n.ID == t.Chosen {
			class, width, r = "chosen", "3.5", nodeRadius+4
		}
		c.Empty("circle", "class", class, "cx", x, "cy", y, "r", fmt.Sprint(r), "fill", "none",
			"stroke", ring, "stroke-width", width)
	}
	if n.Verified != nil {
		mark, colour := "✗", "#D55E00"
		if *n.Verified {
			mark, colour = "✓", "#009E73"
		}
		c.Text("text", mark, "class", "critic", "x", svgchart.Num(l.x[n.ID]-nodeRadius-2), "y",
			svgchart.Num(l.y[n.ID]-nodeRadius+1), "text-anchor", "end", "font-size", "11", "fill", colour)
	}
}

// nodeTitle is a node's tooltip.
func nodeTitle(t *treesearch.Tree, n *treesearch.Node, v string, hidden *bool) string {
	parts := []string{fmt.Sprintf("node %d (%s, generation %d)", n.ID, n.Role, n.ID+1), "visible tests: " + v}
	if n.Feedback != nil && n.Feedback.Total > 0 {
		parts[1] += fmt.Sprintf(" (%d/%d)", n.Feedback.Passed, n.Feedback.Total)
	}
	if n.Verified != nil {
		parts = append(parts, map[bool]string{true: "verified by the Critic", false: "rejected by the Critic"}[*n.Verified])
	}
	if n.Aborted {
		parts = append(parts, "aborted")
	}
	switch {
	case n.ID == t.Chosen && hidden != nil:
		parts = append(parts, map[bool]string{true: "chosen: passed the hidden tests", false: "chosen: failed the hidden tests"}[*hidden])
	case n.Hidden != nil:
		parts = append(parts, map[bool]string{true: "passed the hidden tests", false: "failed the hidden tests"}[*n.Hidden])
	}
	return strings.Join(parts, " · ")
}

// chosenCaption says under the graph which node was chosen, how, and its
// hidden verdict.
func chosenCaption(t *treesearch.Tree, hidden *bool) string {
	if t.Chosen < 0 || t.Chosen >= len(t.Nodes) {
		return "No candidate had code: nothing was chosen."
	}
	s := fmt.Sprintf("Chosen: node %d (generation %d)", t.Chosen, t.Chosen+1)
	if t.Accepted != "" {
		s += ", accepted by " + t.Accepted
	} else {
		s += ", by the selection rule (nothing was accepted)"
	}
	if hidden != nil {
		s += map[bool]string{true: "; it passed the hidden tests.", false: "; it failed the hidden tests."}[*hidden]
	}
	return s
}

// nodeAnchor is the id of a node's text in the page.
func nodeAnchor(problemAnchor string, id int) string {
	return fmt.Sprintf("%s-node-%d", problemAnchor, id)
}

// treeLegend explains the graph's colours, once per page.
func treeLegend() template.HTML {
	var b strings.Builder
	b.WriteString(`<p class="legend-line">Nodes (numbered by generation less one) by their visible-test verdict: `)
	for i, v := range verdictOrder {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, `<svg width="12" height="12" aria-hidden="true"><circle cx="6" cy="6" r="5" fill="%s" stroke="#555"/></svg> %s`,
			verdictColour[v], v)
	}
	b.WriteString(`. Faded: aborted. ✓/✗: the Critic verified or rejected it. The chosen path is black. A ring is a hidden-test verdict, green passed, red failed, thick on the chosen node; other nodes have one when the run scored every candidate (codetree bench --score-candidates), after the search, which never sees it.</p>`)
	return template.HTML(b.String()) //nolint:gosec // constant text and colours
}
