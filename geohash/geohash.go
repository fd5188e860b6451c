// Package geohash is the geohash arithmetic of Redis's GEO commands:
// 52-bit interleaved cells over the Web Mercator latitude range, their
// neighbours, the cells covering a search area, and great-circle
// distances. Every operation follows Redis 7.0's order of floating-point
// operations, so scores, coordinates and distances match it bit for bit.
package geohash

// Coordinate limits (EPSG:900913 / Web Mercator).
const (
	LatMin  = -85.05112878
	LatMax  = 85.05112878
	LongMin = -180.0
	LongMax = 180.0

	// StepMax is the precision of stored scores: 26 bits per coordinate.
	StepMax = 26
)

// Range is an interval of one coordinate.
type Range struct{ Min, Max float64 }

// Area is a cell as a pair of ranges.
type Area struct {
	Longitude Range
	Latitude  Range
}

// Bits is a geohash of step bits per coordinate, interleaved: latitude in
// the even bits, longitude in the odd ones.
type Bits struct {
	Bits uint64
	Step uint8
}

// IsZero reports a hash cleared from a search (Redis's GZERO).
func (b Bits) IsZero() bool { return b.Bits == 0 && b.Step == 0 }

// WGS84 ranges used for scores.
var (
	longRange = Range{LongMin, LongMax}
	latRange  = Range{LatMin, LatMax}
)

// interleave spreads x into the even bits and y into the odd bits.
func interleave(x, y uint32) uint64 {
	return spread(uint64(x)) | spread(uint64(y))<<1
}

func spread(v uint64) uint64 {
	v = (v | v<<16) & 0x0000FFFF0000FFFF
	v = (v | v<<8) & 0x00FF00FF00FF00FF
	v = (v | v<<4) & 0x0F0F0F0F0F0F0F0F
	v = (v | v<<2) & 0x3333333333333333
	v = (v | v<<1) & 0x5555555555555555
	return v
}

// deinterleave splits a hash into its even bits (low word) and odd bits
// (high word).
func deinterleave(v uint64) uint64 {
	x, y := v, v>>1
	return squash(x) | squash(y)<<32
}

func squash(v uint64) uint64 {
	v &= 0x5555555555555555
	v = (v | v>>1) & 0x3333333333333333
	v = (v | v>>2) & 0x0F0F0F0F0F0F0F0F
	v = (v | v>>4) & 0x00FF00FF00FF00FF
	v = (v | v>>8) & 0x0000FFFF0000FFFF
	v = (v | v>>16) & 0x00000000FFFFFFFF
	return v
}

// Encode hashes a point at the given step within the given ranges; false
// when the point is outside the ranges or the WGS84 limits.
func Encode(long, lat Range, longitude, latitude float64, step uint8) (Bits, bool) {
	if step > 32 || step == 0 || (lat.Min == 0 && lat.Max == 0) || (long.Min == 0 && long.Max == 0) {
		return Bits{}, false
	}
	if longitude > LongMax || longitude < LongMin || latitude > LatMax || latitude < LatMin {
		return Bits{}, false
	}
	if latitude < lat.Min || latitude > lat.Max || longitude < long.Min || longitude > long.Max {
		return Bits{}, false
	}
	latOffset := (latitude - lat.Min) / (lat.Max - lat.Min)
	longOffset := (longitude - long.Min) / (long.Max - long.Min)
	scale := float64(uint64(1) << step)
	latOffset = float64(latOffset * scale)
	longOffset = float64(longOffset * scale)
	return Bits{Bits: interleave(uint32(latOffset), uint32(longOffset)), Step: step}, true
}

// EncodeWGS84 hashes a point over the standard ranges.
func EncodeWGS84(longitude, latitude float64, step uint8) (Bits, bool) {
	return Encode(longRange, latRange, longitude, latitude, step)
}

// Decode is the cell a hash names within the given ranges.
func Decode(long, lat Range, hash Bits) (Area, bool) {
	if hash.IsZero() || (lat.Min == 0 && lat.Max == 0) || (long.Min == 0 && long.Max == 0) {
		return Area{}, false
	}
	sep := deinterleave(hash.Bits)
	latScale := lat.Max - lat.Min
	longScale := long.Max - long.Min
	ilat := uint32(sep)
	ilong := uint32(sep >> 32)
	cells := float64(uint64(1) << hash.Step)
	var a Area
	a.Latitude.Min = lat.Min + float64(float64(float64(ilat)/cells)*latScale)
	a.Latitude.Max = lat.Min + float64(float64(float64(ilat+1)/cells)*latScale)
	a.Longitude.Min = long.Min + float64(float64(float64(ilong)/cells)*longScale)
	a.Longitude.Max = long.Min + float64(float64(float64(ilong+1)/cells)*longScale)
	return a, true
}

// DecodeWGS84 is Decode over the standard ranges.
func DecodeWGS84(hash Bits) (Area, bool) { return Decode(longRange, latRange, hash) }

// Center is the middle of a cell, clamped to the WGS84 limits: the
// coordinates GEOPOS reports.
func (a Area) Center() (longitude, latitude float64) {
	longitude = (a.Longitude.Min + a.Longitude.Max) / 2
	longitude = min(max(longitude, LongMin), LongMax)
	latitude = (a.Latitude.Min + a.Latitude.Max) / 2
	latitude = min(max(latitude, LatMin), LatMax)
	return longitude, latitude
}

// DecodeScore turns a stored 52-bit score back into coordinates.
func DecodeScore(score float64) (longitude, latitude float64, ok bool) {
	a, ok := DecodeWGS84(Bits{Bits: scoreBits(score), Step: StepMax})
	if !ok {
		return 0, 0, false
	}
	longitude, latitude = a.Center()
	return longitude, latitude, true
}

// scoreBits is Redis's (uint64_t) cast of a score as x86-64 compilers
// emit it: below 2^63 a signed conversion (negative scores wrap), from
// 2^63 one of score-2^63 with the top bit flipped; a conversion out of
// range gives 1<<63. Go's own conversion differs from 2^64 up (ZADD g
// 1e20 m made GEOPOS report longitude 180, Redis -179.99999731779098511).
func scoreBits(score float64) uint64 {
	const two63 = 1 << 63
	signed := func(f float64) uint64 {
		if f >= two63 || f < -two63 || f != f {
			return 1 << 63
		}
		return uint64(int64(f))
	}
	if score >= two63 {
		return signed(score-two63) ^ 1<<63
	}
	return signed(score)
}

// Align52 shifts a hash to the 52-bit precision of scores.
func (b Bits) Align52() uint64 { return b.Bits << (52 - uint(b.Step)*2) }

// Neighbors are the eight cells around one.
type Neighbors struct {
	North, East, West, South                   Bits
	NorthEast, SouthEast, NorthWest, SouthWest Bits
}

func moveX(h Bits, d int) Bits {
	if d == 0 {
		return h
	}
	x := h.Bits & 0xaaaaaaaaaaaaaaaa
	y := h.Bits & 0x5555555555555555
	zz := uint64(0x5555555555555555) >> (64 - uint(h.Step)*2)
	if d > 0 {
		x += zz + 1
	} else {
		x |= zz
		x -= zz + 1
	}
	x &= 0xaaaaaaaaaaaaaaaa >> (64 - uint(h.Step)*2)
	h.Bits = x | y
	return h
}

func moveY(h Bits, d int) Bits {
	if d == 0 {
		return h
	}
	x := h.Bits & 0xaaaaaaaaaaaaaaaa
	y := h.Bits & 0x5555555555555555
	zz := uint64(0xaaaaaaaaaaaaaaaa) >> (64 - uint(h.Step)*2)
	if d > 0 {
		y += zz + 1
	} else {
		y |= zz
		y -= zz + 1
	}
	y &= 0x5555555555555555 >> (64 - uint(h.Step)*2)
	h.Bits = x | y
	return h
}

// NeighborsOf computes the cells around h (wrapping around the edges).
func NeighborsOf(h Bits) Neighbors {
	return Neighbors{
		East:      moveX(h, 1),
		West:      moveX(h, -1),
		South:     moveY(h, -1),
		North:     moveY(h, 1),
		NorthWest: moveY(moveX(h, -1), 1),
		SouthWest: moveY(moveX(h, -1), -1),
		NorthEast: moveY(moveX(h, 1), 1),
		SouthEast: moveY(moveX(h, 1), -1),
	}
}
