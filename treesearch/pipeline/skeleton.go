package pipeline

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"regexp"
	"strings"
)

// Symbol is a function, method or type of a file's skeleton.
type Symbol struct {
	// Name is "Func", "Type.Method" (Go), "func", "Class.method" (Python).
	Name string
	// Line is where it starts (1-based); Signature its first lines, body
	// left out.
	Line      int
	Signature string
}

// Skeleton lists a file's functions, methods and types with their
// signatures: what the model reads to localize within a file. Go is read
// with go/parser (a file that does not parse falls back to its func and
// type lines); anything else is read as Python.
func Skeleton(path string, content []byte) []Symbol {
	if strings.HasSuffix(path, ".go") {
		if syms, err := goSkeleton(content); err == nil {
			return syms
		}
		return lineSkeleton(content, goLine)
	}
	return pythonSkeleton(content)
}

// RenderSkeletons renders the files' skeletons, "path" then "  line:
// signature" lines, under max bytes.
func RenderSkeletons(files map[string][]byte, paths []string, max int) string {
	var b strings.Builder
	for _, p := range paths {
		var entry strings.Builder
		fmt.Fprintf(&entry, "%s\n", p)
		for _, s := range Skeleton(p, files[p]) {
			fmt.Fprintf(&entry, "  %d: %s\n", s.Line, s.Signature)
		}
		if b.Len()+entry.Len() > max {
			fmt.Fprintf(&b, "(%s and the files after it are left out, for space)\n", p)
			break
		}
		b.WriteString(entry.String())
	}
	return b.String()
}

func goSkeleton(src []byte) ([]Symbol, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "x.go", src, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	text := func(from, to token.Pos) string {
		return oneLine(string(src[fset.Position(from).Offset:fset.Position(to).Offset]))
	}
	var out []Symbol
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			end := d.End()
			if d.Body != nil {
				end = d.Body.Lbrace
			}
			out = append(out, Symbol{Name: funcName(d), Line: fset.Position(d.Pos()).Line, Signature: text(d.Pos(), end)})
		case *ast.GenDecl:
			if d.Tok != token.TYPE {
				continue
			}
			for _, spec := range d.Specs {
				ts := spec.(*ast.TypeSpec)
				out = append(out, Symbol{Name: ts.Name.Name, Line: fset.Position(ts.Pos()).Line,
					Signature: "type " + typeHead(ts, text)})
			}
		}
	}
	return out, nil
}

// typeHead is a type's name and kind: "Router struct", "Handler interface", "ID int".
func typeHead(ts *ast.TypeSpec, text func(token.Pos, token.Pos) string) string {
	switch ts.Type.(type) {
	case *ast.StructType:
		return ts.Name.Name + " struct"
	case *ast.InterfaceType:
		return ts.Name.Name + " interface"
	}
	return text(ts.Pos(), ts.End())
}

// funcName is "Name" or "Recv.Name" with the receiver's type name.
func funcName(d *ast.FuncDecl) string {
	if d.Recv == nil || len(d.Recv.List) == 0 {
		return d.Name.Name
	}
	t := d.Recv.List[0].Type
	for {
		switch x := t.(type) {
		case *ast.StarExpr:
			t = x.X
			continue
		case *ast.IndexExpr:
			t = x.X
			continue
		case *ast.IndexListExpr:
			t = x.X
			continue
		case *ast.Ident:
			return x.Name + "." + d.Name.Name
		}
		return d.Name.Name
	}
}

var (
	goLine     = regexp.MustCompile(`^(?:func\s+(?:\([^)]*?\*?\s*(\w+)(?:\[[^\]]*\])?\)\s*)?(\w+)|type\s+(\w+))`)
	pythonLine = regexp.MustCompile(`^(\s*)(?:async\s+)?(def|class)\s+(\w+)`)
)

// lineSkeleton reads func and type lines of a Go file that does not parse.
func lineSkeleton(src []byte, re *regexp.Regexp) []Symbol {
	var out []Symbol
	for i, line := range strings.Split(string(src), "\n") {
		m := re.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		name := m[2]
		switch {
		case m[3] != "":
			name = m[3]
		case m[1] != "":
			name = m[1] + "." + m[2]
		}
		out = append(out, Symbol{Name: name, Line: i + 1, Signature: strings.TrimSuffix(oneLine(line), " {")})
	}
	return out
}

// pythonSkeleton reads def and class lines, naming methods Class.method
// (and nested functions outer.inner) by indentation.
func pythonSkeleton(src []byte) []Symbol {
	type open struct {
		indent int
		name   string
	}
	var scopes []open // the enclosing classes and functions
	var out []Symbol
	for i, line := range strings.Split(string(src), "\n") {
		m := pythonLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		indent := len(m[1])
		for len(scopes) > 0 && scopes[len(scopes)-1].indent >= indent {
			scopes = scopes[:len(scopes)-1]
		}
		name := m[3]
		if len(scopes) > 0 {
			name = scopes[len(scopes)-1].name + "." + name
		}
		out = append(out, Symbol{Name: name, Line: i + 1, Signature: strings.TrimSpace(line)})
		scopes = append(scopes, open{indent, name})
	}
	return out
}

// oneLine folds white space runs to one space.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
