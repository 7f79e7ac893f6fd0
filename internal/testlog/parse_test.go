package testlog

import (
	"maps"
	"os"
	"path/filepath"
	"testing"
)

func readTestdata(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestStatusString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s    Status
		want string
	}{
		{StatusInvalid, "INVALID"},
		{Passed, "PASSED"},
		{Failed, "FAILED"},
		{Skipped, "SKIPPED"},
		{Error, "ERROR"},
		{Status(99), "INVALID"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			t.Parallel()
			if got := tt.s.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
		})
	}
	var zero Status
	if zero != StatusInvalid {
		t.Errorf("zero Status = %v, want StatusInvalid", zero)
	}
}

func TestParseGoTest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		out  string
		want map[string]Status
	}{
		{
			name: "mixed packages: subtests, skip, build failure, panic",
			out:  readTestdata(t, "gotest_mixed.txt"),
			want: map[string]Status{
				"TestParse":                            Passed,
				"TestParse/empty_input":                Passed,
				"TestParse/unicode_name":               Passed,
				"TestRoute":                            Failed,
				"TestRoute_Nested":                     Failed,
				"TestRoute_Nested/GET_/users/:id":      Failed,
				"TestRoute_Nested/GET_/users/:id/deep": Failed,
				"TestRoute_Nested/POST_/users":         Passed,
				"TestNetwork":                          Skipped,
				// middleware did not build: none of its tests appear.
				"TestBind":       Passed,
				"TestBindPanics": Failed,
				// Tests after TestBindPanics in that binary never ran.
				"TestContext": Passed,
			},
		},
		{
			name: "build failure only",
			out: "# example.com/p [example.com/p.test]\n" +
				"./p_test.go:9:2: undefined: Foo\n" +
				"FAIL\texample.com/p [build failed]\nFAIL\n",
			want: map[string]Status{},
		},
		{
			name: "panic hides the later tests of the package",
			out: "=== RUN   TestA\n--- PASS: TestA (0.00s)\n=== RUN   TestB\n" +
				"panic: test timed out after 10m0s\n\trunning tests:\n\t\tTestB (10m0s)\n\n" +
				"goroutine 1 [running]:\nFAIL\texample.com/p\t600.012s\n",
			want: map[string]Status{"TestA": Passed},
		},
		{
			name: "test repeated in two packages keeps the worst status",
			out: "--- PASS: TestShared (0.00s)\nok  \texample.com/a\t0.01s\n" +
				"--- FAIL: TestShared (0.00s)\nFAIL\texample.com/b\t0.01s\n" +
				"--- SKIP: TestShared (0.00s)\n",
			want: map[string]Status{"TestShared": Failed},
		},
		{
			name: "CRLF line endings and log lines that look alike",
			out: "=== RUN   TestWin\r\n    win_test.go:3: --- PASS: TestFake (0.00s) inside a log\r\n" +
				"--- PASS: TestWin (0.12s)\r\nok  \texample.com/w\t0.2s\r\n",
			want: map[string]Status{"TestWin": Passed},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := ParseGoTest(tt.out)
			if !maps.Equal(got, tt.want) {
				t.Errorf("ParseGoTest:\n got %v\nwant %v", got, tt.want)
			}
		})
	}
}

func TestParsePytest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		out  string
		want map[string]Status
	}{
		{
			name: "-rA summary with params, errors, skips, xfail",
			out:  readTestdata(t, "pytest_rA.txt"),
			want: map[string]Status{
				"tests/test_units.py::test_identity":             Passed,
				"tests/test_units.py::test_convert[m-cm]":        Passed,
				"tests/test_params.py::test_x[a b-1]":            Passed,
				"tests/test_units.py::test_convert[km-m]":        Failed,
				"tests/test_params.py::test_range[a - b]":        Failed,
				"tests/test_params.py::test_db[sqlite memory-2]": Error,
				// A collection error: the file's tests are missing.
				"tests/test_broken.py":               Error,
				"tests/test_units.py:40":             Skipped,
				"tests/test_units.py::test_rounding": Passed,
				"tests/test_units.py::test_legacy":   Passed,
			},
		},
		{
			name: "-v lines give skipped tests their node ids",
			out:  readTestdata(t, "pytest_v.txt"),
			want: map[string]Status{
				"tests/test_io.py::test_read":         Passed,
				"tests/test_io.py::test_write[utf 8]": Failed,
				"tests/test_io.py::test_remote":       Skipped,
				"tests/test_io.py::test_append":       Passed,
				"tests/test_io.py:30":                 Skipped,
			},
		},
		{
			name: "crash before the summary: nothing is passed",
			out: "============================= test session starts ==============================\n" +
				"collected 3 items\n\ntests/test_a.py .\nFatal Python error: Segmentation fault\n",
			want: map[string]Status{},
		},
		{
			name: "summary lines outside the summary section are ignored",
			out: "PASSED tests/test_a.py::test_outside\n" +
				"=========================== short test summary info ============================\n" +
				"FAILED tests/test_a.py::test_inside\n" +
				"======================== 1 failed in 0.01s =========================\n" +
				"PASSED tests/test_a.py::test_after\n",
			want: map[string]Status{"tests/test_a.py::test_inside": Failed},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := ParsePytest(tt.out)
			if !maps.Equal(got, tt.want) {
				t.Errorf("ParsePytest:\n got %v\nwant %v", got, tt.want)
			}
		})
	}
}
