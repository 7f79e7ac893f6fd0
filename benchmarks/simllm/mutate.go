package simllm

import (
	"math/rand"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// swaps are the operator flips a mutant may make, each way round.
var swaps = [][2]string{
	{" <= ", " < "}, {" < ", " <= "},
	{" >= ", " > "}, {" > ", " >= "},
	{" + ", " - "}, {" - ", " + "},
	{" == ", " != "}, {" != ", " == "},
}

var (
	intLit = regexp.MustCompile(`\b\d+\b`)
	ifLine = regexp.MustCompile(`^(\s*)(if|elif)\b.*:\s*$`)
)

// mutant returns a textual mutant of p's reference: one operator flip,
// integer literal change or if-body dropped to pass, on a body line. With
// no mutation possible, it returns code that raises NotImplementedError.
func mutant(p *problem, rng *rand.Rand) string {
	lines := strings.Split(p.reference, "\n")
	// A candidate replaces line i, and the drop lines after it, by line.
	type edit struct {
		i, drop int
		line    string
	}
	var cands []edit
	inDoc := false
	for i := p.bodyFrom; i < len(lines); i++ {
		l := lines[i]
		t := strings.TrimSpace(l)
		if n := strings.Count(t, `"""`) + strings.Count(t, `'''`); n%2 == 1 {
			inDoc = !inDoc
			continue
		} else if n > 0 || inDoc {
			continue
		}
		if t == "" || strings.HasPrefix(t, "#") || strings.HasPrefix(t, "def ") ||
			strings.HasPrefix(t, "import ") || strings.HasPrefix(t, "from ") {
			continue
		}
		with := func(nl string, drop int) { cands = append(cands, edit{i, drop, nl}) }
		for _, s := range swaps {
			for off := 0; ; {
				k := strings.Index(l[off:], s[0])
				if k < 0 {
					break
				}
				k += off
				with(l[:k]+s[1]+l[k+len(s[0]):], 0)
				off = k + len(s[0])
			}
		}
		for _, loc := range intLit.FindAllStringIndex(l, -1) {
			if loc[0] > 0 && (l[loc[0]-1] == '.' || l[loc[0]-1] == '_') || loc[1] < len(l) && l[loc[1]] == '.' {
				continue // part of a float or a name
			}
			n, _ := strconv.Atoi(l[loc[0]:loc[1]])
			for _, d := range []int{1, -1} {
				if n+d >= 0 {
					with(l[:loc[0]]+strconv.Itoa(n+d)+l[loc[1]:], 0)
				}
			}
		}
		if m := ifLine.FindStringSubmatch(l); m != nil {
			ind := len(m[1])
			j := i + 1
			for j < len(lines) && (strings.TrimSpace(lines[j]) == "" || indent(lines[j]) > ind) {
				j++
			}
			for j > i+1 && strings.TrimSpace(lines[j-1]) == "" {
				j--
			}
			if j > i+1 {
				body := strings.Repeat(" ", indent(lines[i+1]))
				with(l+"\n"+body+"pass", j-i-1)
			}
		}
	}
	if len(cands) == 0 {
		return notImplemented(p)
	}
	c := cands[rng.Intn(len(cands))]
	return strings.Join(slices.Concat(lines[:c.i], []string{c.line}, lines[c.i+1+c.drop:]), "\n")
}

func indent(l string) int { return len(l) - len(strings.TrimLeft(l, " \t")) }

// notImplemented returns a program that defines the entry point and raises.
func notImplemented(p *problem) string {
	if p.bodyFrom > 0 {
		head := strings.Join(strings.Split(p.reference, "\n")[:p.bodyFrom], "\n")
		return head + "\n    raise NotImplementedError()\n"
	}
	def := p.defLine
	if def == "" {
		name := p.entryPoint
		if name == "" {
			name = "solution"
		}
		def = "def " + name + "(*args):"
	}
	return def + "\n    raise NotImplementedError()\n"
}
