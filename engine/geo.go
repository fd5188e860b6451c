package engine

import (
	"math"
	"strconv"

	"github.com/cairndb/cairn/engine/lualib"
	"github.com/cairndb/cairn/geohash"
	"github.com/cairndb/cairn/resp"
)

// Geo sets are sorted sets whose scores are 52-bit geohashes (package
// geohash), so every ZSET command works on them too.

func init() {
	register(
		cmdDef{name: "geoadd", run: cmdGeoAdd},
		cmdDef{name: "geodist", run: cmdGeoDist},
		cmdDef{name: "geohash", run: cmdGeoHash},
		cmdDef{name: "geopos", run: cmdGeoPos},
	)
}

// lonLatArgs parses a longitude and a latitude like Redis's
// extractLongLatOrReply.
func (x *Ctx) lonLatArgs(lon, lat []byte) (float64, float64, bool) {
	long, ok1 := parseScore(lon)
	if !ok1 {
		x.fail(errNotFloat)
		return 0, 0, false
	}
	la, ok2 := parseScore(lat)
	if !ok2 {
		x.fail(errNotFloat)
		return 0, 0, false
	}
	if long < geohash.LongMin || long > geohash.LongMax || la < geohash.LatMin || la > geohash.LatMax {
		x.failf("ERR invalid longitude,latitude pair %s,%s", printfF(long), printfF(la))
		return 0, 0, false
	}
	return long, la, true
}

// printfF formats like C's "%f", which writes infinities as inf and -inf
// (Go: +Inf, -Inf).
func printfF(f float64) string {
	if math.IsInf(f, 0) {
		return lualib.FormatNumber(f) // glibc's spelling
	}
	return strconv.FormatFloat(f, 'f', 6, 64)
}

// geoUnitArg is the number of metres in a distance unit.
func (x *Ctx) geoUnitArg(u []byte) (float64, bool) {
	switch {
	case eq(u, "m"):
		return 1, true
	case eq(u, "km"):
		return 1000, true
	case eq(u, "ft"):
		return 0.3048, true
	case eq(u, "mi"):
		return 1609.34, true
	}
	x.fail("ERR unsupported unit provided. please use M, KM, FT, MI")
	return 0, false
}

func cmdGeoAdd(x *Ctx) {
	var f zaddFlags
	i := 2
options:
	for ; i < len(x.args); i++ {
		switch a := x.args[i]; {
		case eq(a, "nx"):
			f.nx = true
		case eq(a, "xx"):
			f.xx = true
		case eq(a, "ch"):
			f.ch = true
		default:
			break options
		}
	}
	triples := x.args[i:]
	if len(triples)%3 != 0 || (f.nx && f.xx) {
		x.fail(errSyntax)
		return
	}
	pairs := make([][]byte, 0, len(triples)/3*2)
	for j := 0; j < len(triples); j += 3 {
		long, lat, ok := x.lonLatArgs(triples[j], triples[j+1])
		if !ok {
			return
		}
		hash, _ := geohash.EncodeWGS84(long, lat, geohash.StepMax)
		pairs = append(pairs, strconv.AppendUint(nil, hash.Align52(), 10), triples[j+2])
	}
	zadd(x, f, pairs)
}

// memberLonLat is the position of a geo set member.
func (z *zset) memberLonLat(member []byte) (float64, float64, bool) {
	score, ok := z.score(member)
	if !ok {
		return 0, 0, false
	}
	return geohash.DecodeScore(score)
}

func cmdGeoDist(x *Ctx) {
	toMeters := 1.0
	if len(x.args) == 5 {
		var ok bool
		if toMeters, ok = x.geoUnitArg(x.args[4]); !ok {
			return
		}
	} else if len(x.args) > 5 {
		x.fail(errSyntax)
		return
	}
	z, ok := x.zsetRead(x.args[1])
	if !ok {
		return
	}
	if z == nil {
		x.w.Null()
		return
	}
	lon1, lat1, ok1 := z.memberLonLat(x.args[2])
	lon2, lat2, ok2 := z.memberLonLat(x.args[3])
	if !ok1 || !ok2 {
		x.w.Null()
		return
	}
	x.w.Bulk(formatDistance(geohash.Distance(lon1, lat1, lon2, lat2) / toMeters))
}

// formatDistance prints a distance as Redis does ("%.4f").
func formatDistance(d float64) []byte { return strconv.AppendFloat(nil, d, 'f', 4, 64) }

const geoAlphabet = "0123456789bcdefghjkmnpqrstuvwxyz"

func cmdGeoHash(x *Ctx) {
	z, ok := x.zsetRead(x.args[1])
	if !ok {
		return
	}
	members := x.args[2:]
	x.w.Array(len(members))
	for _, m := range members {
		if z == nil {
			x.w.Null()
			continue
		}
		lon, lat, ok := z.memberLonLat(m)
		if !ok {
			x.w.Null()
			continue
		}
		// Scores use latitudes -85..85; a standard geohash string uses
		// -90..90, so re-encode.
		hash, _ := geohash.Encode(geohash.Range{Min: -180, Max: 180}, geohash.Range{Min: -90, Max: 90}, lon, lat, geohash.StepMax)
		var buf [11]byte
		for i := range 10 {
			buf[i] = geoAlphabet[(hash.Bits>>(52-(i+1)*5))&0x1f]
		}
		buf[10] = geoAlphabet[0] // 52 bits make ten characters; Redis pads an 11th
		x.w.Bulk(buf[:])
	}
}

func cmdGeoPos(x *Ctx) {
	z, ok := x.zsetRead(x.args[1])
	if !ok {
		return
	}
	members := x.args[2:]
	x.w.Array(len(members))
	for _, m := range members {
		if z == nil {
			x.w.NullArray()
			continue
		}
		lon, lat, ok := z.memberLonLat(m)
		if !ok {
			x.w.NullArray()
			continue
		}
		x.w.Array(2)
		writeCoordinate(x.w, lon)
		writeCoordinate(x.w, lat)
	}
}

// writeCoordinate replies a coordinate as Redis's addReplyHumanLongDouble:
// "%.17Lf" without trailing zeros, a bulk string in RESP2, a double in
// RESP3.
func writeCoordinate(w *resp.Writer, f float64) {
	s := formatLongDouble(newLongDouble().SetFloat64(f))
	if w.Proto() == 3 {
		w.Raw(append(append([]byte{','}, s...), '\r', '\n'))
		return
	}
	w.Bulk(s)
}
