package main

import (
	"context"
	"fmt"
	"runtime"
	"time"

	"github.com/codetree/codetree/internal/loadgen"
	"github.com/codetree/codetree/internal/runner"
	"github.com/codetree/codetree/sandbox"
)

// memoryBombProgram is issue 13's program: it allocates 32MiB at a time
// until something stops it.
const memoryBombProgram = "a = []\nwhile True:\n    a.append(bytearray(32 << 20))\n"

// memoryBombLimits are its limits: 512MiB, and a deadline far enough that
// the verdict never depends on how fast a busy machine touches memory.
var memoryBombLimits = sandbox.Limits{Memory: 512 * sandbox.MiB, Timeout: 30 * time.Second}

// touchProgram allocates and touches n chunks of 32MiB, then exits 0: what
// the bomb does before the allocation that its data rlimit refuses.
func touchProgram(n int) string {
	return fmt.Sprintf("a = []\nfor _ in range(%d):\n    a.append(bytearray(32 << 20))\n", n)
}

// memoryRows measures the memory bomb in sb (pool mode on tgt): runs
// times idle, then runs times beside a CPU hog on every core. Each bomb
// run follows a calibration run that touches the same memory and exits,
// so that the rows separate the verdict's delay from the time this
// machine takes to fault in that memory. Times are each run's wall time
// to its verdict (under gVisor a bomb ends its container, and the runner
// reports no run time); a bomb row's ratio is its p50 over its
// calibration's, and it counts memory_limit verdicts.
func memoryRows(ctx context.Context, sb *sandbox.Sandbox, image string, tgt benchTarget, runs int) ([]benchRow, error) {
	chunks := int(runner.DataLimit(int64(memoryBombLimits.Memory))/(32<<20)) - 1
	touch := sandbox.PythonProgram(map[string][]byte{"touch.py": []byte(touchProgram(chunks))}, "touch.py")
	bomb := sandbox.PythonProgram(map[string][]byte{"bomb.py": []byte(memoryBombProgram)}, "bomb.py")
	touch.Image, bomb.Image = image, image
	touch.Limits, bomb.Limits = memoryBombLimits, memoryBombLimits
	suffix := tgt.suffix()
	var rows []benchRow
	for _, hog := range []bool{false, true} {
		name := "memory bomb"
		if hog {
			name = "memory bomb, CPU hog"
		}
		var stop func()
		if hog {
			stop = loadgen.CPUHog(runtime.NumCPU())
		}
		var bombs, touches []time.Duration
		limited := 0
		var err error
		for range runs {
			var t, b sandbox.Result
			start := time.Now()
			if t, err = sb.Run(ctx, touch); err != nil {
				break
			}
			touched := time.Since(start)
			if t.Status != sandbox.StatusPassed {
				err = fmt.Errorf("calibration (%d x 32MiB) ended %s, want passed: %s", chunks, t.Status, t.Detail)
				break
			}
			start = time.Now()
			if b, err = sb.Run(ctx, bomb); err != nil {
				break
			}
			if b.Status == sandbox.StatusMemoryLimit {
				limited++
			}
			touches, bombs = append(touches, touched), append(bombs, time.Since(start))
		}
		if stop != nil {
			stop()
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		tr := row(fmt.Sprintf("touch %dx32MiB%s", chunks, suffix), touches, 0, 0)
		if hog {
			tr.Path = fmt.Sprintf("touch, CPU hog%s", suffix)
		}
		br := row(name+suffix, bombs, 0, tr.P50MS)
		br.Verdicts = fmt.Sprintf("memory_limit %d/%d", limited, runs)
		tr.Ratio = 0
		tgt.mark(&tr)
		tgt.mark(&br)
		rows = append(rows, tr, br)
	}
	return rows, nil
}
