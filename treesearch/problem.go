package treesearch

// Problem is what a search may know of a task: the prompt, the function
// to write and the visible tests. Hidden tests are not part of it: cmd
// builds Problems from benchmarks.Task, which has none.
type Problem struct {
	ID         string
	Lang       string // "python"
	Prompt     string
	EntryPoint string
	Tests      []Test
}

// Test is one visible test. Call and Expected are set when the assert
// has the form `assert CALL == EXPECTED`, so that feedback can show the
// actual value next to the expected one.
type Test struct {
	Assert   string `json:"assert"`
	Call     string `json:"call,omitempty"`
	Expected string `json:"expected,omitempty"`
}
