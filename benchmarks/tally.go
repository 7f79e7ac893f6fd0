package benchmarks

// Tally is the Report of verdicts already known, one per line in the
// lines' order: pass@k for the k in ks (only those every problem has
// enough samples for), plus pass@k when verdicts have a plus part, the
// failures and the number of problems, computed as Evaluate computes
// them. It serves the merge of separately scored parts of a samples
// file; Evaluated, Reused and the timings are left zero.
func Tally(lines []SampleLine, verdicts []Verdict, ks []int) *Report {
	r := &Report{Verdicts: verdicts}
	seen := make(map[string]bool)
	for _, l := range lines {
		if !seen[l.Sample.TaskID] {
			seen[l.Sample.TaskID] = true
			r.Problems++
		}
	}
	r.tally(lines, ks)
	return r
}
