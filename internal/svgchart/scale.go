package svgchart

import (
	"math"
	"strconv"
)

// linear maps a data interval onto a pixel interval.
type linear struct {
	d0, d1, p0, p1 float64
}

func (s linear) at(v float64) float64 {
	if s.d1 == s.d0 {
		return s.p0
	}
	return s.p0 + (v-s.d0)/(s.d1-s.d0)*(s.p1-s.p0)
}

// Ticks are about n round values covering [lo, hi]: steps of 1, 2 or 5
// times a power of ten, integers only when integer is set. The range is
// widened to the outer ticks.
func Ticks(lo, hi float64, n int, integer bool) []float64 {
	if hi < lo {
		lo, hi = hi, lo
	}
	if hi == lo {
		hi = lo + 1
	}
	step := niceStep((hi - lo) / float64(max(1, n)))
	if integer && step < 1 {
		step = 1
	}
	first := math.Floor(lo / step)
	var ticks []float64
	for k := first; ; k++ {
		// k*step, cleared of binary noise (3*0.2 is 0.6000000000000001).
		v, _ := strconv.ParseFloat(strconv.FormatFloat(k*step, 'g', 12, 64), 64)
		ticks = append(ticks, v)
		if v >= hi-step*1e-9 {
			return ticks
		}
	}
}

func niceStep(raw float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if raw <= m*p {
			return m * p
		}
	}
	return 10 * p
}
