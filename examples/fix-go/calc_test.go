package calc

import "testing"

func TestAdd(t *testing.T) {
	if got := Add(1, 2); got != 3 {
		t.Errorf("Add(1, 2) = %d, want 3", got)
	}
}

func TestMean(t *testing.T) {
	if got := Mean([]int{1, 2, 3}); got != 2 {
		t.Errorf("Mean(1, 2, 3) = %v, want 2", got)
	}
}
