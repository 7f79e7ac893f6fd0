// Package calc is a tiny repository for trying codetree fix.
package calc

// Add returns the sum of a and b.
func Add(a, b int) int {
	return a - b
}

// Mean returns the average of xs, 0 for none.
func Mean(xs []int) float64 {
	if len(xs) == 0 {
		return 0
	}
	sum := 0
	for _, x := range xs {
		sum = Add(sum, x)
	}
	return float64(sum) / float64(len(xs))
}
