package benchmarks

import (
	"math"
	"testing"
)

func TestPassAtK(t *testing.T) {
	t.Parallel()
	tests := []struct {
		n, c, k int
		want    float64
	}{
		{10, 3, 1, 0.3},
		// 1 - C(7,5)/C(10,5) = 1 - 21/252
		{10, 3, 5, 1 - 21.0/252.0},
		// 1 - C(8,2)/C(10,2) = 1 - 28/45
		{10, 2, 2, 1 - 28.0/45.0},
		{5, 0, 1, 0},
		{5, 0, 5, 0},
		{5, 5, 1, 1},
		{5, 5, 5, 1},
		{1, 1, 1, 1},
		{1, 0, 1, 0},
		// n-c < k: every k-subset holds a pass.
		{10, 8, 3, 1},
		// 1 - C(190,10)/C(200,10), computed in closed form below.
		{200, 10, 10, 1 - binomRatio(190, 200, 10)},
	}
	for _, tt := range tests {
		if got := PassAtK(tt.n, tt.c, tt.k); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("PassAtK(%d, %d, %d) = %.15g, want %.15g", tt.n, tt.c, tt.k, got, tt.want)
		}
	}
	for _, bad := range [][3]int{{5, 6, 1}, {5, -1, 1}, {5, 2, 0}} {
		if got := PassAtK(bad[0], bad[1], bad[2]); !math.IsNaN(got) {
			t.Errorf("PassAtK%v = %v, want NaN", bad, got)
		}
	}
}

// binomRatio returns C(a, k)/C(b, k) as a product of k ratios.
func binomRatio(a, b, k int) float64 {
	r := 1.0
	for i := range k {
		r *= float64(a-i) / float64(b-i)
	}
	return r
}

func TestMeanPassAtK(t *testing.T) {
	t.Parallel()
	counts := map[string][2]int{
		"A": {10, 3},
		"B": {5, 0},
		"C": {5, 5},
	}
	got := MeanPassAtK(counts, []int{1, 5, 10, 0})
	want := map[int]float64{
		1: (0.3 + 0 + 1) / 3,
		5: ((1 - 21.0/252.0) + 0 + 1) / 3,
		// 10 > min n = 5: not reported; 0 is not a k.
	}
	if len(got) != len(want) {
		t.Fatalf("MeanPassAtK = %v, want keys of %v", got, want)
	}
	for k, w := range want {
		if math.Abs(got[k]-w) > 1e-12 {
			t.Errorf("pass@%d = %.15g, want %.15g", k, got[k], w)
		}
	}
	if got := MeanPassAtK(nil, []int{1}); len(got) != 0 {
		t.Errorf("MeanPassAtK(nil) = %v, want empty", got)
	}
	// One sample a problem: pass@1 is the fraction passed.
	single := map[string][2]int{"A": {1, 1}, "B": {1, 0}, "C": {1, 1}, "D": {1, 1}}
	if got := MeanPassAtK(single, []int{1, 2}); len(got) != 1 || got[1] != 0.75 {
		t.Errorf("MeanPassAtK(one each) = %v, want map[1:0.75]", got)
	}
}
