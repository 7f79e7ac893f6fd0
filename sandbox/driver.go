package sandbox

import (
	_ "embed"
	"maps"
)

//go:embed driver.py
var pythonDriver []byte

// PythonDriverFile is the name under which PythonProgram adds the driver.
const PythonDriverFile = ".codetree_driver.py"

// PythonProgram returns a request that runs the Python file main (one of
// files) through the pass-token driver: the run passes only if main runs
// to its end, so an early os._exit(0) or sys.exit(0) fails.
func PythonProgram(files map[string][]byte, main string, args ...string) Request {
	all := make(map[string][]byte, len(files)+1)
	maps.Copy(all, files)
	all[PythonDriverFile] = pythonDriver
	return Request{
		Lang:      LangPython,
		Files:     all,
		Command:   append([]string{"python3", "-B", PythonDriverFile, main}, args...),
		PassToken: true,
	}
}
