package benchmarks

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sync/errgroup"
)

// exampleTest builds the Test extractExamples makes of call and expected.
func exampleTest(call, expected string) Test {
	return Test{Assert: "assert " + call + " == " + expected, Call: call, Expected: expected}
}

// The prompts below are snippets of HumanEval prompts (named by task),
// shortened to the lines that matter, plus a few hand-made cases.
func TestExtractExamples(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		prompt string
		entry  string
		want   []Test
	}{
		{
			name: "HumanEval/1 doctest output with parentheses in strings",
			prompt: `def separate_paren_groups(paren_string: str) -> List[str]:
    """ Ignore any spaces in the input string.
    >>> separate_paren_groups('( ) (( )) (( )( ))')
    ['()', '(())', '(()())']
    """
`,
			entry: "separate_paren_groups",
			want:  []Test{exampleTest("separate_paren_groups('( ) (( )) (( )( ))')", "['()', '(())', '(()())']")},
		},
		{
			name: "HumanEval/12 empty doctest output is None",
			prompt: `def longest(strings: List[str]) -> Optional[str]:
    """ Return None in case the input list is empty.
    >>> longest([])

    >>> longest(['a', 'b', 'c'])
    'a'
    >>> longest(['a', 'bb', 'ccc'])
    'ccc'
    """
`,
			entry: "longest",
			want: []Test{
				exampleTest("longest([])", "None"),
				exampleTest("longest(['a', 'b', 'c'])", "'a'"),
				exampleTest("longest(['a', 'bb', 'ccc'])", "'ccc'"),
			},
		},
		{
			name: "HumanEval/26 one doctest",
			prompt: `def remove_duplicates(numbers: List[int]) -> List[int]:
    """ From a list of integers, remove all elements that occur more than once.
    Keep order of elements left the same as in the input.
    >>> remove_duplicates([1, 2, 3, 2, 4])
    [1, 3, 4]
    """
`,
			entry: "remove_duplicates",
			want:  []Test{exampleTest("remove_duplicates([1, 2, 3, 2, 4])", "[1, 3, 4]")},
		},
		{
			name: "HumanEval/29 empty list",
			prompt: `def filter_by_prefix(strings: List[str], prefix: str) -> List[str]:
    """ Filter an input list of strings only for ones that start with a given prefix.
    >>> filter_by_prefix([], 'a')
    []
    >>> filter_by_prefix(['abc', 'bcd', 'cde', 'array'], 'a')
    ['abc', 'array']
    """
`,
			entry: "filter_by_prefix",
			want: []Test{
				exampleTest("filter_by_prefix([], 'a')", "[]"),
				exampleTest("filter_by_prefix(['abc', 'bcd', 'cde', 'array'], 'a')", "['abc', 'array']"),
			},
		},
		{
			name: "HumanEval/32 the entry point inside round, with a comment",
			prompt: `import math


def poly(xs: list, x: float):
    """
    Evaluates polynomial with coefficients xs at point x.
    return xs[0] + xs[1] * x + xs[1] * x^2 + .... xs[n] * x^n
    """
    return sum([coeff * math.pow(x, i) for i, coeff in enumerate(xs)])


def find_zero(xs: list):
    """ xs are coefficients of a polynomial.
    find_zero find x such that poly(x) = 0.
    >>> round(find_zero([1, 2]), 2) # f(x) = 1 + 2x
    -0.5
    >>> round(find_zero([-6, 11, -6, 1]), 2) # (x - 1) * (x - 2) * (x - 3) = -6 + 11x - 6x^2 + x^3
    1.0
    """
`,
			entry: "find_zero",
			want: []Test{
				exampleTest("round(find_zero([1, 2]), 2)", "-0.5"),
				exampleTest("round(find_zero([-6, 11, -6, 1]), 2)", "1.0"),
			},
		},
		{
			name: "HumanEval/38 no examples",
			prompt: `def encode_cyclic(s: str):
    """
    returns encoded string by cycling groups of three characters.
    """
    groups = [s[(3 * i):min((3 * i + 3), len(s))] for i in range((len(s) + 2) // 3)]
    return "".join(groups)


def decode_cyclic(s: str):
    """
    takes as input string encoded with encode_cyclic function. Returns decoded string.
    """
`,
			entry: "decode_cyclic",
			want:  nil,
		},
		{
			name: "HumanEval/53 short name",
			prompt: `def add(x: int, y: int):
    """Add two numbers x and y
    >>> add(2, 3)
    5
    >>> add(5, 7)
    12
    """
`,
			entry: "add",
			want:  []Test{exampleTest("add(2, 3)", "5"), exampleTest("add(5, 7)", "12")},
		},
		{
			name: "HumanEval/10 examples of an earlier function are not the entry point's",
			prompt: `def is_palindrome(string: str) -> bool:
    """ Test if given string is a palindrome
    >>> is_palindrome('aba')
    True
    """
    return string == string[::-1]


def make_palindrome(string: str) -> str:
    """ Find the shortest palindrome that begins with a supplied string.
    >>> make_palindrome('')
    ''
    >>> make_palindrome('cat')
    'catac'
    """
`,
			entry: "make_palindrome",
			want:  []Test{exampleTest("make_palindrome('')", "''"), exampleTest("make_palindrome('cat')", "'catac'")},
		},
		{
			name: "HumanEval/112 For a = x, b = y the result should be",
			prompt: `def reverse_delete(s,c):
    """Task
    Example
    For s = "abcde", c = "ae", the result should be ('bcd',False)
    For s = "abcdef", c = "b"  the result should be ('acdef',False)
    For s = "abcdedcba", c = "ab", the result should be ('cdedc',True)
    """
`,
			entry: "reverse_delete",
			want: []Test{
				exampleTest(`reverse_delete("abcde", "ae")`, "('bcd',False)"),
				exampleTest(`reverse_delete("abcdef", "b")`, "('acdef',False)"),
				exampleTest(`reverse_delete("abcdedcba", "ab")`, "('cdedc',True)"),
			},
		},
		{
			name: "HumanEval/84 For N = x, prose, the output should be",
			prompt: `def solve(N):
    """Given a positive integer N, return the total sum of its digits in binary.
    Example
        For N = 1000, the sum of digits will be 1 the output should be "1".
        For N = 150, the sum of digits will be 6 the output should be "110".
    """
`,
			entry: "solve",
			want:  []Test{exampleTest("solve(1000)", `"1"`), exampleTest("solve(150)", `"110"`)},
		},
		{
			name: "HumanEval/137 arrow, strings with commas, None",
			prompt: `def compare_one(a, b):
    """
    Note: If a real number is represented as a string, the floating point might be . or ,

    compare_one(1, 2.5) ➞ 2.5
    compare_one(1, "2,3") ➞ "2,3"
    compare_one("5,1", "6") ➞ "6"
    compare_one("1", 1) ➞ None
    """
`,
			entry: "compare_one",
			want: []Test{
				exampleTest("compare_one(1, 2.5)", "2.5"),
				exampleTest(`compare_one(1, "2,3")`, `"2,3"`),
				exampleTest(`compare_one("5,1", "6")`, `"6"`),
				exampleTest(`compare_one("1", 1)`, "None"),
			},
		},
		{
			name: "HumanEval/113 doctest output over two lines",
			prompt: `def odd_count(lst):
    """Given a list of strings.

    >>> odd_count(['3',"11111111"])
    ["the number of odd elements 1n the str1ng 1 of the 1nput.",
     "the number of odd elements 8n the str8ng 8 of the 8nput."]
    """
`,
			entry: "odd_count",
			want: []Test{exampleTest(`odd_count(['3',"11111111"])`,
				`["the number of odd elements 1n the str1ng 1 of the 1nput.", "the number of odd elements 8n the str8ng 8 of the 8nput."]`)},
		},
		{
			name: "HumanEval/116 doctests written as comparisons and without an operator",
			prompt: `def sort_array(arr):
    """
    It must be implemented like this:
    >>> sort_array([1, 5, 2, 3, 4]) == [1, 2, 3, 4, 5]
    >>> sort_array([1, 0, 2, 3, 4]) [0, 1, 2, 3, 4]
    """
`,
			entry: "sort_array",
			want: []Test{
				exampleTest("sort_array([1, 5, 2, 3, 4])", "[1, 2, 3, 4, 5]"),
				exampleTest("sort_array([1, 0, 2, 3, 4])", "[0, 1, 2, 3, 4]"),
			},
		},
		{
			name: "HumanEval/67 a derivation chain keeps its last value",
			prompt: `def fruit_distribution(s,n):
    """
    for examble:
    fruit_distribution("5 apples and 6 oranges", 19) ->19 - 5 - 6 = 8
    fruit_distribution("0 apples and 1 oranges",3) -> 3 - 0 - 1 = 2
    """
`,
			entry: "fruit_distribution",
			want: []Test{
				exampleTest(`fruit_distribution("5 apples and 6 oranges", 19)`, "8"),
				exampleTest(`fruit_distribution("0 apples and 1 oranges",3)`, "2"),
			},
		},
		{
			name: "HumanEval/151 == then a chain",
			prompt: `def double_the_difference(lst):
    '''
    double_the_difference([1, 3, 2, 0]) == 1 + 9 + 0 + 0 = 10
    double_the_difference([0]) == 0  
    '''
`,
			entry: "double_the_difference",
			want: []Test{
				exampleTest("double_the_difference([1, 3, 2, 0])", "10"),
				exampleTest("double_the_difference([0])", "0"),
			},
		},
		{
			name: "HumanEval/80 unquoted arguments are skipped",
			prompt: `def is_happy(s):
    """For example:
    is_happy(a) => False
    is_happy(abcd) => True
    """
`,
			entry: "is_happy",
			want:  nil,
		},
		{
			name: "HumanEval/76 lowercase true and false",
			prompt: `def is_simple_power(x, n):
    """For example:
    is_simple_power(1, 4) => true
    is_simple_power(3, 2) => false
    """
`,
			entry: "is_simple_power",
			want:  []Test{exampleTest("is_simple_power(1, 4)", "True"), exampleTest("is_simple_power(3, 2)", "False")},
		},
		{
			name: "HumanEval/87 a call over several lines",
			prompt: `def get_row(lst, x):
    """
    Examples:
    get_row([
      [1,2,3,4,5,6],
      [1,2,3,4,1,6],
      [1,2,3,4,5,1]
    ], 1) == [(0, 0), (1, 4), (1, 0), (2, 5), (2, 0)]
    get_row([], 1) == []
    """
`,
			entry: "get_row",
			want: []Test{
				exampleTest("get_row([[1,2,3,4,5,6], [1,2,3,4,1,6], [1,2,3,4,5,1]], 1)", "[(0, 0), (1, 4), (1, 0), (2, 5), (2, 0)]"),
				exampleTest("get_row([], 1)", "[]"),
			},
		},
		{
			name: "HumanEval/95 should return with a final period",
			prompt: `def check_dict_case(dict):
    """
    Examples:
    check_dict_case({"a":"apple", "b":"banana"}) should return True.
    check_dict_case({"a":"apple", 8:"banana", "a":"apple"}) should return False.
    """
`,
			entry: "check_dict_case",
			want: []Test{
				exampleTest(`check_dict_case({"a":"apple", "b":"banana"})`, "True"),
				exampleTest(`check_dict_case({"a":"apple", 8:"banana", "a":"apple"})`, "False"),
			},
		},
		{
			name: "HumanEval/99 doctests and a sentence wrapped over two lines",
			prompt: `def closest_integer(value):
    '''
    Examples
    >>> closest_integer("10")
    10

    Note:
    farthest from zero. For example closest_integer("14.5") should
    return 15 and closest_integer("-14.5") should return -15.
    '''
`,
			entry: "closest_integer",
			want: []Test{
				exampleTest(`closest_integer("10")`, "10"),
				exampleTest(`closest_integer("14.5")`, "15"),
				exampleTest(`closest_integer("-14.5")`, "-15"),
			},
		},
		{
			name: "HumanEval/68 Input and Output with a bare value",
			prompt: `def pluck(arr):
    """
    Example 1:
        Input: [4,2,3]
        Output: [2, 1]
        Explanation: 2 has the smallest even value, and 2 has the smallest index.

    Example 3:
        Input: []
        Output: []
    """
`,
			entry: "pluck",
			want:  []Test{exampleTest("pluck([4,2,3])", "[2, 1]"), exampleTest("pluck([])", "[]")},
		},
		{
			name: "HumanEval/120 Input assignments in parameter order",
			prompt: `def maximum(arr, k):
    """
    Example 1:

        Input: arr = [-3, -4, 5], k = 3
        Output: [-4, -3, 5]
    """
`,
			entry: "maximum",
			want:  []Test{exampleTest("maximum([-3, -4, 5], 3)", "[-4, -3, 5]")},
		},
		{
			name: "HumanEval/115 Input naming no parameter is skipped",
			prompt: `def max_fill(grid, capacity):
    import math
    """
    Example 1:
        Input: 
            grid : [[0,0,1,0], [0,1,0,0], [1,1,1,1]]
            bucket_capacity : 1
        Output: 6
    """
`,
			entry: "max_fill",
			want:  nil,
		},
		{
			name: "HumanEval/122 Input and Output with a comment",
			prompt: `def add_elements(arr, k):
    """
    Example:

        Input: arr = [111,21,3,4000,5,6,7,8,9], k = 4
        Output: 24 # sum of 21 + 3
    """
`,
			entry: "add_elements",
			want:  []Test{exampleTest("add_elements([111,21,3,4000,5,6,7,8,9], 4)", "24")},
		},
		{
			name: "HumanEval/148 a parenthesised single value is ambiguous",
			prompt: `def bf(planet1, planet2):
    '''
    Examples
    bf("Jupiter", "Neptune") ==> ("Saturn", "Uranus")
    bf("Earth", "Mercury") ==> ("Venus")
    '''
`,
			entry: "bf",
			want:  []Test{exampleTest(`bf("Jupiter", "Neptune")`, `("Saturn", "Uranus")`)},
		},
		{
			name: "HumanEval/149 examples calling another name are skipped",
			prompt: `def sorted_list_sum(lst):
    """For example:
    assert list_sort(["aa", "a", "aaa"]) => ["aa"]
    """
`,
			entry: "sorted_list_sum",
			want:  nil,
		},
		{
			name: "HumanEval/158 a malformed string is skipped",
			prompt: `def find_max(words):
    """
    find_max(["name", "of", "string"]) == "string"
    find_max(["aaaaaaa", "bb" ,"cc"]) == ""aaaaaaa"
    """
`,
			entry: "find_max",
			want:  []Test{exampleTest(`find_max(["name", "of", "string"])`, `"string"`)},
		},
		{
			name: "HumanEval/141 comment arrow and trailing prose",
			prompt: `def file_name_check(file_name):
    """Examples:
    file_name_check("example.txt") # => 'Yes'
    file_name_check("1example.dll") # => 'No' (the name should start with a latin alphapet letter)
    """
`,
			entry: "file_name_check",
			want: []Test{
				exampleTest(`file_name_check("example.txt")`, "'Yes'"),
				exampleTest(`file_name_check("1example.dll")`, "'No'"),
			},
		},
		{
			name: "HumanEval/79 comment returns",
			prompt: `def decimal_to_binary(decimal):
    """Examples:
    decimal_to_binary(15)   # returns "db1111db"
    """
`,
			entry: "decimal_to_binary",
			want:  []Test{exampleTest("decimal_to_binary(15)", `"db1111db"`)},
		},
		{
			name: "HumanEval/130 recurrences and derivations are skipped",
			prompt: `def tri(n):
    """Tribonacci sequence is defined by the recurrence:
    tri(n) = 1 + n / 2, if n is even.
    tri(3) = tri(2) + tri(1) + tri(4)
           = 2 + 3 + 3 = 8 
    Examples:
    tri(3) = [1, 3, 2, 8]
    """
`,
			entry: "tri",
			want:  []Test{exampleTest("tri(3)", "[1, 3, 2, 8]")},
		},
		{
			name: "HumanEval/94 and /142 For lst = x the output should be",
			prompt: `def sum_squares(lst):
    """"
    Examples:
    For lst = [1,2,3] the output should be 6
    For lst = []  the output should be 0
    For lst = [-1,-5,2,-1,-5]  the output should be -126
    """
`,
			entry: "sum_squares",
			want: []Test{
				exampleTest("sum_squares([1,2,3])", "6"),
				exampleTest("sum_squares([])", "0"),
				exampleTest("sum_squares([-1,-5,2,-1,-5])", "-126"),
			},
		},
		{
			name: "HumanEval/162 doctest comparison with no output line",
			prompt: `def string_to_md5(text):
    """
    >>> string_to_md5('Hello world') == '3e25960a79dbc69b674cd4ec67a72c62'
    """
`,
			entry: "string_to_md5",
			want:  []Test{exampleTest("string_to_md5('Hello world')", "'3e25960a79dbc69b674cd4ec67a72c62'")},
		},
		{
			name: "exceptions and duplicates are skipped",
			prompt: `def root(x):
    """
    >>> root(4)
    2.0
    >>> root(-1)
    Traceback (most recent call last):
    ValueError: math domain error
    root(4) == 2.0
    """
`,
			entry: "root",
			want:  []Test{exampleTest("root(4)", "2.0")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := extractExamples(tt.prompt, tt.entry)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("extractExamples (-want +got):\n%s", diff)
			}
		})
	}
}

func TestHumanEvalVisibleDropsWrongExamples(t *testing.T) {
	t.Parallel()
	prompt := `def tri(n):
    """
    tri(1) = 3
    For example:
    tri(2) = 1 + (2 / 2) = 2
    tri(4) = 3
    Examples:
    tri(3) = [1, 3, 2, 8]
    """
`
	if n := len(extractExamples(prompt, "tri")); n != 4 {
		t.Fatalf("extractExamples found %d examples, want 4 before filtering", n)
	}
	got := humanEvalVisible("HumanEval/130", prompt, "tri")
	if diff := cmp.Diff([]Test{exampleTest("tri(3)", "[1, 3, 2, 8]")}, got); diff != "" {
		t.Errorf("humanEvalVisible (-want +got):\n%s", diff)
	}
	// The list is per task: another task keeps its examples.
	if got := humanEvalVisible("HumanEval/0", prompt, "tri"); len(got) != 4 {
		t.Errorf("HumanEval/0 kept %d examples, want 4", len(got))
	}
}

func TestCleanExpected(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"True", "True", true},
		{" 'a b' ", "'a b'", true},
		{`"x".`, `"x"`, true},
		{"16.", "16", true},
		{"6.00", "6.00", true},
		{"-1e-5", "-1e-5", true},
		{"[1, 2] # note", "[1, 2]", true},
		{"19 - 5 - 6 = 8", "8", true},
		{"{'a': 1}", "{'a': 1}", true},
		{"(1,)", "(1,)", true},
		{"()", "()", true},
		{"(1)", "", false},
		{"1 + 2", "", false},
		{"x", "", false},
		{"[a, b]", "", false},
		{"[1, ...]", "", false},
		{`""a"`, "", false},
		{"", "", false},
		{"'unterminated", "", false},
	}
	for _, tt := range tests {
		got, ok := cleanExpected(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("cleanExpected(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestSplitAssert(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, call, exp string
		ok            bool
	}{
		{"assert f(1) == 2", "f(1)", "2", true},
		{"assert set(f((1, 2))) == set((2, 1))", "set(f((1, 2)))", "set((2, 1))", true},
		{"assert (max_height(root)) == 3", "(max_height(root))", "3", true},
		{`assert f("a == b")=="x"`, `f("a == b")`, `"x"`, true},
		{"assert math.isclose(f(1), 2.0, rel_tol=0.001)", "", "", false},
		{"assert pos_nos([-1,-2,1,2]) == 1,2", "", "", false}, // assert with a message
		{"assert not f(1)", "", "", false},
		{"assert f(1) == 2 == 2", "", "", false},
		{"asserted(1) == 2", "", "", false},
	}
	for _, tt := range tests {
		call, exp, ok := splitAssert(tt.in)
		if call != tt.call || exp != tt.exp || ok != tt.ok {
			t.Errorf("splitAssert(%q) = %q, %q, %v; want %q, %q, %v", tt.in, call, exp, ok, tt.call, tt.exp, tt.ok)
		}
	}
}

func TestCountVisible(t *testing.T) {
	t.Parallel()
	ps := []*Problem{
		{task: Task{Visible: []Test{{Assert: "assert f(1) == 1"}, {Assert: "assert f(2) == 2"}}}},
		{task: Task{}},
		{task: Task{Visible: []Test{{Assert: "assert g() == 0"}}}},
	}
	want := VisibleStats{Problems: 3, WithVisible: 2, Tests: 3}
	got := CountVisible(ps)
	if got != want {
		t.Errorf("CountVisible = %+v, want %+v", got, want)
	}
	if got.WithoutVisible() != 1 {
		t.Errorf("WithoutVisible = %d, want 1", got.WithoutVisible())
	}
}

// referencePython is the interpreter that runs the datasets' reference
// solutions in tests. Only trusted code runs on the host this way: the
// reference solutions shipped with the datasets and asserts built from
// the datasets' own prompts and tests; candidates run in the sandbox.
const referencePython = "/usr/bin/python3"

// runReference runs program with referencePython and a time limit, and
// returns an error with its output when it fails.
func runReference(ctx context.Context, dir, name, program string, timeout time.Duration) error {
	path := filepath.Join(dir, name+".py")
	if err := os.WriteFile(path, []byte(program), 0o600); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, referencePython, "-I", "-B", path)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%w\n%s", err, tailLines(string(out), 6))
	}
	return nil
}

func tailLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// needReferencePython skips the test when the reference interpreter is
// missing.
func needReferencePython(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(referencePython); err != nil {
		t.Skipf("%s not found: cannot run the reference solutions", referencePython)
	}
}

// checkVisibleWithReference runs every visible test of ps after the
// problem's reference solution, each assert on its own so a failure names
// it, and reports every failure. A visible test carries the setup code it
// needs.
func checkVisibleWithReference(t *testing.T, ps []*Problem) {
	t.Helper()
	needReferencePython(t)
	dir := t.TempDir()
	g, ctx := errgroup.WithContext(t.Context())
	g.SetLimit(8)
	failures := make([]string, len(ps))
	for i, p := range ps {
		if len(p.task.Visible) == 0 {
			continue
		}
		g.Go(func() error {
			var b strings.Builder
			b.WriteString(p.hidden.prompt + p.hidden.reference + "\n_failed = []\n")
			for _, v := range p.task.Visible {
				fmt.Fprintf(&b, "try:\n    exec(compile(%s, 'visible', 'exec'))\nexcept BaseException as e:\n    _failed.append('%%s: %%r' %% (%s, e))\n",
					pyQuote(v.Assert), pyQuote(v.Assert))
			}
			b.WriteString("if _failed:\n    raise SystemExit('\\n'.join(_failed))\n")
			name := strings.NewReplacer("/", "_").Replace(p.task.ID)
			if err := runReference(ctx, dir, string(p.task.Dataset)+"_"+name, b.String(), 30*time.Second); err != nil {
				failures[i] = fmt.Sprintf("%s: %v", p.task.ID, err)
			}
			return nil
		})
	}
	_ = g.Wait()
	for _, f := range failures {
		if f != "" {
			t.Error(f)
		}
	}
}

// pyQuote returns s as a Python string literal.
func pyQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`, "\r", `\r`).Replace(s) + "'"
}

func TestRealHumanEvalVisibleCount(t *testing.T) {
	t.Parallel()
	ps := loadReal(t, HumanEval, VisibleDocstring)
	s := CountVisible(ps)
	t.Logf("HumanEval: %d visible asserts extracted from the docstring examples of %d problems (%d with at least one); CodeTree/Reflexion data has 460",
		s.Tests, s.Problems, s.WithVisible)
	if s.Problems != 164 {
		t.Errorf("counted %d problems, want 164", s.Problems)
	}
	if s.Tests < 400 {
		t.Errorf("extracted %d visible asserts, want at least 400", s.Tests)
	}
}

// TestRealHumanEvalVisiblePassReference checks that every extracted
// assert passes with the canonical solutions of HumanEval and of
// HumanEval+ (which differ).
func TestRealHumanEvalVisiblePassReference(t *testing.T) {
	t.Parallel()
	for _, d := range []Dataset{HumanEval, HumanEvalPlus} {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			checkVisibleWithReference(t, loadReal(t, d, VisibleDocstring))
		})
	}
}
