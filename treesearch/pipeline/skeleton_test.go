package pipeline

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func names(syms []Symbol) []string {
	var out []string
	for _, s := range syms {
		out = append(out, s.Name)
	}
	return out
}

func TestSkeletonGo(t *testing.T) {
	t.Parallel()
	src := "package web\n\ntype Router struct {\n\troutes map[string]int\n}\n\ntype List[T any] []T\n\n" +
		"func New() *Router { return &Router{} }\n\nfunc (r *Router) Handle(path string,\n\th func()) error {\n\treturn nil\n}\n\n" +
		"func (l List[T]) Len() int { return len(l) }\n"
	syms := Skeleton("web/router.go", []byte(src))
	if diff := cmp.Diff([]string{"Router", "List", "New", "Router.Handle", "List.Len"}, names(syms)); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
	if syms[3].Line != 11 || syms[3].Signature != "func (r *Router) Handle(path string, h func()) error" {
		t.Errorf("Handle: line %d, signature %q", syms[3].Line, syms[3].Signature)
	}
	broken := "package web\n\nfunc (r *Router) Handle(path string {\n}\ntype Router struct {\n"
	if diff := cmp.Diff([]string{"Router.Handle", "Router"}, names(Skeleton("web/x.go", []byte(broken)))); diff != "" {
		t.Errorf("a file that does not parse (-want +got):\n%s", diff)
	}
}

func TestSkeletonPython(t *testing.T) {
	t.Parallel()
	src := "import os\n\nclass Parser:\n    def __init__(self):\n        pass\n\n    async def parse(self, s):\n        def inner():\n            pass\n\ndef main():\n    pass\n\nclass B(A):\n    class Meta:\n        pass\n    def run(self): pass\n"
	got := names(Skeleton("pkg/parser.py", []byte(src)))
	want := []string{"Parser", "Parser.__init__", "Parser.parse", "Parser.parse.inner", "main", "B", "B.Meta", "B.run"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("names (-want +got):\n%s", diff)
	}
}

func TestRenderSkeletons(t *testing.T) {
	t.Parallel()
	files := map[string][]byte{"a.py": []byte("def f(x):\n    return x\n"), "b.py": []byte(strings.Repeat("def g():\n    pass\n", 50))}
	got := RenderSkeletons(files, []string{"a.py", "b.py"}, 100)
	if !strings.HasPrefix(got, "a.py\n  1: def f(x):\n") || !strings.Contains(got, "(b.py and the files after it are left out") {
		t.Errorf("RenderSkeletons:\n%s", got)
	}
}
