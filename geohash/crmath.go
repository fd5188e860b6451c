package geohash

import "math"

// Correctly rounded sin, cos and asin. Redis's distances come from glibc's
// libm, which rounds these correctly in all but about 0.15% of cases; Go's
// math package is several times less exact, which shows in the last
// digits of GEOSEARCHSTORE's STOREDIST scores. These compute in
// double-double precision (~106 bits) and round once, so they agree with
// glibc wherever glibc is correctly rounded.

// dd is an unevaluated sum hi + lo with |lo| ≤ ulp(hi)/2.
type dd struct{ hi, lo float64 }

func twoSum(a, b float64) dd {
	s := a + b
	bb := s - a
	return dd{s, (a - (s - bb)) + (b - bb)}
}

func quickTwoSum(a, b float64) dd {
	s := a + b
	return dd{s, b - (s - a)}
}

func twoProd(a, b float64) dd {
	p := a * b
	return dd{p, math.FMA(a, b, -p)}
}

func (a dd) add(b dd) dd {
	s := twoSum(a.hi, b.hi)
	t := twoSum(a.lo, b.lo)
	s.lo += t.hi
	s = quickTwoSum(s.hi, s.lo)
	s.lo += t.lo
	return quickTwoSum(s.hi, s.lo)
}

func (a dd) neg() dd { return dd{-a.hi, -a.lo} }

func (a dd) mul(b dd) dd {
	p := twoProd(a.hi, b.hi)
	p.lo += a.hi*b.lo + a.lo*b.hi
	return quickTwoSum(p.hi, p.lo)
}

func (a dd) mulFloat(b float64) dd {
	p := twoProd(a.hi, b)
	p.lo += a.lo * b
	return quickTwoSum(p.hi, p.lo)
}

func (a dd) div(b dd) dd {
	q1 := a.hi / b.hi
	r := a.add(b.mulFloat(q1).neg())
	q2 := r.hi / b.hi
	r = r.add(b.mulFloat(q2).neg())
	q3 := r.hi / b.hi
	return quickTwoSum(q1, q2).add(dd{q3, 0})
}

// π/2 as the sum of three doubles.
var halfPi = [3]float64{1.5707963267948966, 6.123233995736766e-17, -1.4973849048591698e-33}

// reduce returns r and k with x = k·π/2 + r, |r| ≤ π/4.
func reduce(x dd) (dd, int64) {
	k := math.Round(x.hi / halfPi[0])
	r := x
	for _, p := range halfPi {
		r = r.add(twoProd(k, p).neg())
	}
	return r, int64(k)
}

// Taylor coefficients (-1)^k/(2k+1)! and (-1)^k/(2k)!, enough terms for
// |r| ≤ π/4 to 2^-110.
const seriesTerms = 15

var sinCoef, cosCoef = func() (s, c [seriesTerms]dd) {
	fact := dd{1, 0} // n!
	for n := 1; n < 2*seriesTerms; n++ {
		fact = fact.mulFloat(float64(n))
		inv := dd{1, 0}.div(fact)
		if n%4 == 2 || n%4 == 3 {
			inv = inv.neg()
		}
		if n%2 == 1 {
			s[n/2] = inv
		} else {
			c[n/2] = inv
		}
	}
	s[0], c[0] = dd{1, 0}, dd{1, 0}
	return s, c
}()

// sinCosSeries evaluates sin and cos of |r| ≤ π/4 by their Taylor series
// (Horner's rule in r²).
func sinCosSeries(r dd) (sin, cos dd) {
	r2 := r.mul(r)
	sin, cos = sinCoef[seriesTerms-1], cosCoef[seriesTerms-1]
	for k := seriesTerms - 2; k >= 0; k-- {
		sin = sin.mul(r2).add(sinCoef[k])
		cos = cos.mul(r2).add(cosCoef[k])
	}
	return sin.mul(r), cos
}

func sinCosDD(x dd) (sin, cos dd) {
	r, k := reduce(x)
	s, c := sinCosSeries(r)
	switch k & 3 {
	case 1:
		return c, s.neg()
	case 2:
		return s.neg(), c.neg()
	case 3:
		return c.neg(), s
	}
	return s, c
}

// Beyond this the three-part reduction loses precision; such arguments
// only arise from absurd radii, where math's answer serves.
const maxReduced = 1 << 28

func sin(x float64) float64 {
	if math.IsInf(x, 0) || math.IsNaN(x) || math.Abs(x) > maxReduced {
		return math.Sin(x)
	}
	if x == 0 {
		return x
	}
	s, _ := sinCosDD(dd{x, 0})
	return s.hi + s.lo
}

func cos(x float64) float64 {
	if math.IsInf(x, 0) || math.IsNaN(x) || math.Abs(x) > maxReduced {
		return math.Cos(x)
	}
	_, c := sinCosDD(dd{x, 0})
	return c.hi + c.lo
}

func asin(x float64) float64 {
	switch {
	case math.IsNaN(x) || x > 1 || x < -1:
		return math.NaN()
	case x == 0:
		return x
	case x == 1 || x == -1:
		return math.Copysign(halfPi[0], x)
	}
	// Newton's method on sin(y) = x from math's estimate: each step
	// doubles the correct bits.
	y := dd{math.Asin(x), 0}
	for range 2 {
		s, c := sinCosDD(y)
		y = y.add(dd{x, 0}.add(s.neg()).div(c))
	}
	return y.hi + y.lo
}
