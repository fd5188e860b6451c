package geohash

import (
	"math"
	"testing"
)

// Correctly rounded values (mpmath at 200 bits); the arguments are ones
// where Go's math package is off by an ulp.
var sinCosCases = []struct{ x, sin, cos float64 }{
	{0.8382015069324065, 0.7434414890503062, 0.6688009811286639},
	{-0.5189138360400218, -0.49593725101465475, 0.868358360963967},
	{0.29252531172447505, 0.2883711752399008, 0.9575187023190505},
	{-1.3705409985558779, -0.9800158200049142, 0.1989195629899075},
	{-0.02117875165723193, -0.021177168441549123, 0.9997757386218162},
	{-1.1779376624184446, -0.9238184511006374, 0.38283086266133126},
	{1.4119866683638889, 0.9874162270073441, 0.1581429563483022},
	{1e-09, 1e-09, 1.0},
	{3.0, 0.1411200080598672, -0.9899924966004454},
	{-2.5, -0.5984721441039565, -0.8011436155469337},
	{1000.5, 0.9952739571052135, 0.09710690144438526},
}

var asinCases = []struct{ x, asin float64 }{
	{0.9965488989841086, 1.4876929230007256},
	{0.6435748199028032, 0.6991597743703396},
	{0.4347721126039107, 0.4497852050672063},
	{0.21406799202468874, 0.21573760413292078},
	{1e-12, 1e-12},
	{0.9999999999, 1.5707821846586878},
	{0.5, 0.5235987755982989},
	{1, math.Pi / 2},
}

func TestCorrectlyRounded(t *testing.T) {
	for _, c := range sinCosCases {
		if got := sin(c.x); got != c.sin {
			t.Errorf("sin(%v) = %v, want %v", c.x, got, c.sin)
		}
		if got := cos(c.x); got != c.cos {
			t.Errorf("cos(%v) = %v, want %v", c.x, got, c.cos)
		}
	}
	for _, c := range asinCases {
		if got := asin(c.x); got != c.asin {
			t.Errorf("asin(%v) = %v, want %v", c.x, got, c.asin)
		}
		if got := asin(-c.x); got != -c.asin {
			t.Errorf("asin(%v) = %v, want %v", -c.x, got, -c.asin)
		}
	}
	if !math.IsNaN(asin(1.0000000000000002)) {
		t.Error("asin beyond 1 is not NaN")
	}
}

// Scores, positions and distances Redis 7.0 gives for GEOADD Sicily
// 13.361389 38.115556 Palermo 15.087269 37.502669 Catania.
func TestRedisReferenceValues(t *testing.T) {
	for _, c := range []struct {
		lon, lat       float64
		score          uint64
		posLon, posLat float64
	}{
		{13.361389, 38.115556, 3479099956230698, 13.36138933897018433, 38.11555639549629859},
		{15.087269, 37.502669, 3479447370796909, 15.08726745843887329, 37.50266842333162032},
	} {
		h, ok := EncodeWGS84(c.lon, c.lat, StepMax)
		if !ok || h.Align52() != c.score {
			t.Errorf("score of %v,%v = %d, want %d", c.lon, c.lat, h.Align52(), c.score)
		}
		lon, lat, ok := DecodeScore(float64(c.score))
		if !ok || lon != c.posLon || lat != c.posLat {
			t.Errorf("position of %d = %v,%v, want %v,%v", c.score, lon, lat, c.posLon, c.posLat)
		}
	}
	lon1, lat1, _ := DecodeScore(3479099956230698)
	lon2, lat2, _ := DecodeScore(3479447370796909)
	if d := Distance(lon1, lat1, lon2, lat2); math.Abs(d-166274.1516) > 0.00005 {
		t.Errorf("distance Palermo-Catania = %v, want 166274.1516", d)
	}
	if _, ok := EncodeWGS84(180.0001, 0, StepMax); ok {
		t.Error("longitude past 180 encoded")
	}
}

// A cell's eight neighbours touch it: moving east then west comes back.
func TestNeighbors(t *testing.T) {
	h, _ := EncodeWGS84(13.36, 38.11, 10)
	n := NeighborsOf(h)
	if NeighborsOf(n.East).West != h || NeighborsOf(n.North).South != h || NeighborsOf(n.SouthWest).NorthEast != h {
		t.Error("neighbours do not lead back")
	}
	a, _ := DecodeWGS84(h)
	e, _ := DecodeWGS84(n.East)
	if e.Longitude.Min != a.Longitude.Max || e.Latitude != a.Latitude {
		t.Errorf("east cell %+v is not next to %+v", e, a)
	}
}
