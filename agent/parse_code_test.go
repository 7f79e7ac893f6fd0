package agent

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// reply reads a stored model reply from testdata/replies.
func reply(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "replies", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// fenced builds a fenced block; it keeps backticks out of Go raw strings.
func fenced(tag, code string) string {
	return "```" + tag + "\n" + code + "\n```"
}

func TestExtractCode(t *testing.T) {
	t.Parallel()
	const addPy = "def add(a, b):\n    return a + b\n"
	const addGo = "func Add(a, b int) int {\n\treturn a + b\n}\n"
	tests := []struct {
		name  string
		reply string
		lang  string
		entry string
		want  string
		class ErrorClass // model-output class wanted, or ClassUnknown for success
	}{
		{name: "python fence", reply: "Sure!\n\n" + fenced("python", addPy) + "\n\nDone.", lang: "python", entry: "add", want: addPy},
		{name: "py tag", reply: fenced("py", addPy), lang: "python", entry: "add", want: addPy},
		{name: "python3 tag with info", reply: fenced("python3 title=sol.py", addPy), lang: "python", entry: "add", want: addPy},
		{name: "untagged fence", reply: fenced("", addPy), lang: "python", entry: "add", want: addPy},
		{name: "tilde fence", reply: "~~~python\n" + addPy + "~~~\n", lang: "python", entry: "add", want: addPy},
		{name: "CRLF line ends", reply: strings.ReplaceAll(fenced("python", addPy), "\n", "\r\n"), lang: "python", entry: "add", want: addPy},
		{name: "language tag line inside untagged fence", reply: fenced("", "python\n"+addPy), lang: "python", entry: "add", want: addPy},
		{name: "longer fence holds a shorter one", reply: "````python\ndef doc():\n    return \"```\"\n````", lang: "python", entry: "doc", want: "def doc():\n    return \"```\"\n"},
		{name: "indented fence in a list item", reply: "1. Code:\n\n   ```python\n   def add(a, b):\n       return a + b\n   ```\n", lang: "python", entry: "add", want: addPy},
		{name: "second block defines entry point", reply: reply(t, "code_python_two_blocks.md"), lang: "python", entry: "two_sum",
			want: "def two_sum(nums, target):\n    seen = {}\n    for i, x in enumerate(nums):\n        if target - x in seen:\n            return [seen[target - x], i]\n        seen[x] = i\n    return []\n"},
		{name: "helper block merged before main block", reply: reply(t, "code_python_helper_block.md"), lang: "python", entry: "count_primes",
			want: reply(t, "code_python_helper_block.want")},
		{name: "draft then fix: last defining block", reply: reply(t, "code_python_draft_then_fix.md"), lang: "python", entry: "median",
			want: "def median(xs):\n    xs = sorted(xs)\n    n = len(xs)\n    if n % 2:\n        return xs[n // 2]\n    return (xs[n // 2 - 1] + xs[n // 2]) / 2\n"},
		{name: "test block after solution", reply: fenced("python", addPy) + "\n\nTests:\n\n" + fenced("python", "assert add(1, 2) == 3\nassert add(-1, 1) == 0\nprint('all good, the implementation passes')"),
			lang: "python", entry: "add", want: addPy},
		{name: "method does not count", reply: fenced("python", "class Solution:\n    def add(self, a, b):\n        return a + b\n\n    def other(self):\n        return None") + "\n\nOr as a function:\n\n" + fenced("python", addPy),
			lang: "python", entry: "add", want: addPy},
		{name: "async def", reply: fenced("python", "import asyncio\n\nasync def fetch(x):\n    await asyncio.sleep(0)\n    return x"), lang: "python", entry: "fetch",
			want: "import asyncio\n\nasync def fetch(x):\n    await asyncio.sleep(0)\n    return x\n"},
		{name: "decorated helper merged", reply: fenced("python", "from functools import cache\n\n@cache\ndef fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)") + "\n" + fenced("python", "def fib_list(n):\n    return [fib(i) for i in range(n)]"),
			lang: "python", entry: "fib_list", want: "from functools import cache\n\n@cache\ndef fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)\n\ndef fib_list(n):\n    return [fib(i) for i in range(n)]\n"},
		{name: "no merge of an unused draft", reply: fenced("python", "def helper(x):\n    return x\n\ndef f(x):\n    return helper(x)") + "\n" + fenced("python", "def f(x):\n    return x * 2"),
			lang: "python", entry: "f", want: "def f(x):\n    return x * 2\n"},
		{name: "merged import of a constant's module", reply: fenced("python", "import math\nTAU = 2 * math.pi") + "\n" + fenced("python", "def circumference(r):\n    return TAU * r"),
			lang: "python", entry: "circumference", want: "import math\n\nTAU = 2 * math.pi\n\ndef circumference(r):\n    return TAU * r\n"},
		{name: "no entry point defined: longest block", reply: fenced("python", "x = 1") + "\n" + fenced("python", "def g(a):\n    return a * 2"), lang: "python", entry: "f",
			want: "def g(a):\n    return a * 2\n"},
		{name: "empty entry point: longest block", reply: fenced("python", "n = int(input())\nprint(n * 2)") + "\n\n" + fenced("text", "Input: 3\nOutput: 6 and some more text so this is the longest block"), lang: "python",
			want: "n = int(input())\nprint(n * 2)\n"},
		{name: "output block ignored", reply: fenced("python", addPy) + "\n" + fenced("", "3\n5"), lang: "python", entry: "add", want: addPy},
		{name: "common indentation removed", reply: fenced("python", "    def add(a, b):\n        return a + b"), lang: "python", entry: "add", want: addPy},
		{name: "unterminated final fence", reply: reply(t, "code_python_unterminated.md"), lang: "python", entry: "longest_run",
			want: "def longest_run(xs):\n    best = cur = 0\n    prev = None\n    for x in xs:\n        cur = cur + 1 if x == prev else 1\n        best = max(best, cur)\n        prev = x\n    return best\n"},
		{name: "thinking dropped", reply: reply(t, "code_python_think.md"), lang: "python", entry: "add", want: addPy},
		{name: "unfenced code", reply: "from typing import List\n\ndef total(xs: List[int]) -> int:\n    return sum(xs)\n", lang: "python", entry: "total",
			want: "from typing import List\n\ndef total(xs: List[int]) -> int:\n    return sum(xs)\n"},
		{name: "unfenced code between prose", reply: reply(t, "code_python_unfenced_prose.md"), lang: "python", entry: "rolling_max",
			want: "def rolling_max(numbers):\n    result = []\n    best = None\n    for n in numbers:\n        best = n if best is None else max(best, n)\n        result.append(best)\n    return result\n"},
		{name: "unfenced statements", reply: "n = int(input())\nfor i in range(n):\n    print(i)\n", lang: "python", want: "n = int(input())\nfor i in range(n):\n    print(i)\n"},
		{name: "fence opened after prose on its line", reply: "Here is the code: ```python\n" + addPy + "```\nIt adds.", lang: "python", entry: "add", want: addPy},
		{name: "unfenced with language tag line", reply: "python\n" + addPy, lang: "python", entry: "add", want: addPy},

		{name: "go package main", reply: reply(t, "code_go_package_main.md"), lang: "go", entry: "HasCloseElements",
			want: "package main\n\nimport (\n\t\"fmt\"\n\t\"sort\"\n)\n\n// HasCloseElements reports whether two numbers are closer than threshold.\nfunc HasCloseElements(numbers []float64, threshold float64) bool {\n\ts := append([]float64(nil), numbers...)\n\tsort.Float64s(s)\n\tfor i := 1; i < len(s); i++ {\n\t\tif s[i]-s[i-1] < threshold {\n\t\t\treturn true\n\t\t}\n\t}\n\treturn false\n}\n\nfunc main() {\n\tfmt.Println(HasCloseElements([]float64{1, 2, 3}, 0.5))\n}\n"},
		{name: "golang tag", reply: fenced("golang", addGo), lang: "go", entry: "Add", want: addGo},
		{name: "go untagged", reply: fenced("", "package main\n\n"+addGo), lang: "go", entry: "Add", want: "package main\n\n" + addGo},
		{name: "go method does not count", reply: fenced("go", "type Calc struct{}\n\nfunc (c Calc) Add(a, b int) int {\n\treturn a + b\n}\n\nfunc (c Calc) Sub(a, b int) int {\n\treturn a - b\n}") + "\n" + fenced("go", addGo),
			lang: "go", entry: "Add", want: addGo},
		{name: "go generic function", reply: fenced("go", "func Max[T int | float64](a, b T) T {\n\tif a > b {\n\t\treturn a\n\t}\n\treturn b\n}"), lang: "go", entry: "Max",
			want: "func Max[T int | float64](a, b T) T {\n\tif a > b {\n\t\treturn a\n\t}\n\treturn b\n}\n"},
		{name: "go blocks are not merged", reply: fenced("go", "func helper() int { return 1 }") + "\n" + fenced("go", "func F() int {\n\treturn helper()\n}"), lang: "go", entry: "F",
			want: "func F() int {\n\treturn helper()\n}\n"},
		{name: "go unfenced", reply: "package main\n\n" + addGo + "\nThis adds the numbers.", lang: "go", entry: "Add", want: "package main\n\n" + addGo},

		{name: "empty reply", reply: "", lang: "python", entry: "add", class: EmptyOutput},
		{name: "blank reply", reply: " \n\t\n", lang: "python", entry: "add", class: EmptyOutput},
		{name: "only thinking", reply: "<think>\nI should write add.\n", lang: "python", entry: "add", class: EmptyOutput},
		{name: "prose only", reply: "The function should add the two numbers and return the result. From the examples, import nothing.", lang: "python", entry: "add", class: NoCode},
		{name: "refusal", reply: "I'm sorry, but I can't help with that.", lang: "go", entry: "Add", class: NoCode},
		{name: "wrong language only", reply: fenced("python", addPy), lang: "go", entry: "Add", class: NoCode},
		{name: "empty fence", reply: "```python\n```", lang: "python", entry: "add", class: NoCode},
		{name: "other language only", reply: fenced("bash", "python3 solution.py"), lang: "python", entry: "add", class: NoCode},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ExtractCode(tt.reply, tt.lang, tt.entry)
			checkClass(t, err, tt.class)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ExtractCode() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestExtractCodeUnknownLanguage(t *testing.T) {
	t.Parallel()
	_, err := ExtractCode(fenced("rust", "fn main() {}"), "rust", "main")
	if err == nil || IsModelOutput(err) {
		t.Fatalf("ExtractCode(rust) error = %v, want a caller error that is not a model-output error", err)
	}
}

// checkClass checks that err is nil (want ClassUnknown) or a model-output
// error of class want.
func checkClass(t *testing.T, err error, want ErrorClass) {
	t.Helper()
	if want == ClassUnknown {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("error = nil, want class %v", want)
	}
	if got := ClassOf(err); got != want || !IsModelOutput(err) {
		t.Fatalf("error %q: class %v (model output %t), want %v", err, got, IsModelOutput(err), want)
	}
}
