package geohash

import "math"

// degToRad is C's M_PI / 180.0: π rounded to a double first, then
// divided in double precision (a Go constant expression would be exact).
var degToRad = float64(pi) / 180.0

var pi = math.Pi

const (
	// EarthRadius is the sphere Redis measures distances on, in metres.
	EarthRadius = 6372797.560856

	mercatorMax = 20037726.37
)

func degRad(a float64) float64 { return a * degToRad }
func radDeg(a float64) float64 { return a / degToRad }

// LatDistance is the distance between two latitudes on one meridian.
func LatDistance(lat1, lat2 float64) float64 {
	return EarthRadius * math.Abs(degRad(lat2)-degRad(lat1))
}

// Distance is the haversine great-circle distance in metres.
func Distance(lon1, lat1, lon2, lat2 float64) float64 {
	lon1r, lon2r := degRad(lon1), degRad(lon2)
	v := sin((lon2r - lon1r) / 2)
	if v == 0 { // same meridian: the cheaper formula
		return LatDistance(lat1, lat2)
	}
	lat1r, lat2r := degRad(lat1), degRad(lat2)
	u := sin((lat2r - lat1r) / 2)
	a := float64(u*u) + float64(float64(float64(cos(lat1r)*cos(lat2r))*v)*v)
	return 2.0 * EarthRadius * asin(math.Sqrt(a))
}

// Shape is a search area around a centre: a circle of Radius, or a box of
// Width × Height; sizes are in units of Conversion metres.
type Shape struct {
	Longitude, Latitude float64
	Conversion          float64
	Box                 bool
	Radius              float64
	Width, Height       float64
}

// Contains reports whether a point lies in the shape and its distance
// from the centre in metres.
func (s *Shape) Contains(longitude, latitude float64) (float64, bool) {
	if !s.Box {
		d := Distance(s.Longitude, s.Latitude, longitude, latitude)
		return d, d <= s.Radius*s.Conversion
	}
	width, height := s.Width*s.Conversion, s.Height*s.Conversion
	if LatDistance(latitude, s.Latitude) > height/2 {
		return 0, false
	}
	if Distance(longitude, latitude, s.Longitude, latitude) > width/2 {
		return 0, false
	}
	return Distance(s.Longitude, s.Latitude, longitude, latitude), true
}

// estimateSteps is the cell precision whose cells are about the size of
// the search radius.
func estimateSteps(rangeMeters, lat float64) uint8 {
	if rangeMeters == 0 {
		return 26
	}
	step := 1
	for rangeMeters < mercatorMax {
		rangeMeters *= 2
		step++
	}
	step -= 2 // make sure the range is included in most of the base cases
	// Cells narrow towards the poles.
	if lat > 66 || lat < -66 {
		step--
		if lat > 80 || lat < -80 {
			step--
		}
	}
	return uint8(min(max(step, 1), 26))
}

// boundingBox is the shape's extent: min longitude, min latitude, max
// longitude, max latitude.
func (s *Shape) boundingBox() (minLon, minLat, maxLon, maxLat float64) {
	height, width := s.Radius, s.Radius
	if s.Box {
		height, width = s.Height/2, s.Width/2
	}
	height *= s.Conversion
	width *= s.Conversion
	latDelta := radDeg(height / EarthRadius)
	longDeltaTop := radDeg(width / EarthRadius / cos(degRad(s.Latitude+latDelta)))
	longDeltaBottom := radDeg(width / EarthRadius / cos(degRad(s.Latitude-latDelta)))
	// The hemispheres bulge in opposite directions.
	if s.Latitude < 0 {
		minLon, maxLon = s.Longitude-longDeltaBottom, s.Longitude+longDeltaBottom
	} else {
		minLon, maxLon = s.Longitude-longDeltaTop, s.Longitude+longDeltaTop
	}
	return minLon, s.Latitude - latDelta, maxLon, s.Latitude + latDelta
}

// Cells are the nine cells a search reads, in Redis's order: the centre's
// cell, then north, south, east, west, north-east, north-west, south-east,
// south-west; cells that cannot hold a match are zero.
func (s *Shape) Cells() [9]Bits {
	minLon, minLat, maxLon, maxLat := s.boundingBox()
	radius := s.Radius
	if s.Box {
		radius = math.Sqrt(float64(s.Width/2*(s.Width/2)) + float64(s.Height/2*(s.Height/2)))
	}
	radius *= s.Conversion
	steps := estimateSteps(radius, s.Latitude)
	hash, _ := EncodeWGS84(s.Longitude, s.Latitude, steps)
	n := NeighborsOf(hash)
	area, _ := DecodeWGS84(hash)

	// Near the edge of the centre cell a neighbour may not reach far
	// enough: use cells twice as large.
	north, _ := DecodeWGS84(n.North)
	south, _ := DecodeWGS84(n.South)
	east, _ := DecodeWGS84(n.East)
	west, _ := DecodeWGS84(n.West)
	decrease := north.Latitude.Max < maxLat || south.Latitude.Min > minLat ||
		east.Longitude.Max < maxLon || west.Longitude.Min > minLon
	if steps > 1 && decrease {
		steps--
		hash, _ = EncodeWGS84(s.Longitude, s.Latitude, steps)
		n = NeighborsOf(hash)
		area, _ = DecodeWGS84(hash)
	}

	// Drop the neighbours the search area does not reach.
	if steps >= 2 {
		if area.Latitude.Min < minLat {
			n.South, n.SouthWest, n.SouthEast = Bits{}, Bits{}, Bits{}
		}
		if area.Latitude.Max > maxLat {
			n.North, n.NorthEast, n.NorthWest = Bits{}, Bits{}, Bits{}
		}
		if area.Longitude.Min < minLon {
			n.West, n.SouthWest, n.NorthWest = Bits{}, Bits{}, Bits{}
		}
		if area.Longitude.Max > maxLon {
			n.East, n.SouthEast, n.NorthEast = Bits{}, Bits{}, Bits{}
		}
	}
	return [9]Bits{hash, n.North, n.South, n.East, n.West, n.NorthEast, n.NorthWest, n.SouthEast, n.SouthWest}
}

// ScoreRange is the range of 52-bit scores [min, max) inside a cell.
func (b Bits) ScoreRange() (lo, hi uint64) {
	lo = b.Align52()
	b.Bits++
	return lo, b.Align52()
}
