package mathx

import "testing"

func TestMax(t *testing.T) {
	if Max(1, 2) != 2 || Max(3, -1) != 3 {
		t.Error("Max is wrong")
	}
}

func TestMin(t *testing.T) {
	if Min(1, 2) != 1 || Min(3, -1) != -1 {
		t.Error("Min is wrong")
	}
}
