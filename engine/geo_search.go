package engine

import (
	"slices"

	"github.com/cairndb/cairn/geohash"
)

func init() {
	register(
		cmdDef{name: "georadius", run: func(x *Ctx) { geoSearch(x, 1, geoFromCoords) }},
		cmdDef{name: "georadius_ro", run: func(x *Ctx) { geoSearch(x, 1, geoFromCoords|geoNoStore) }},
		cmdDef{name: "georadiusbymember", run: func(x *Ctx) { geoSearch(x, 1, geoFromMember) }},
		cmdDef{name: "georadiusbymember_ro", run: func(x *Ctx) { geoSearch(x, 1, geoFromMember|geoNoStore) }},
		cmdDef{name: "geosearch", run: func(x *Ctx) { geoSearch(x, 1, geoSearchCmd) }},
		cmdDef{name: "geosearchstore", run: func(x *Ctx) { geoSearch(x, 2, geoSearchCmd|geoSearchStore) }},
	)
}

// Which command geoSearch serves.
const (
	geoFromCoords  = 1 << iota // GEORADIUS: centre and radius are fixed arguments
	geoFromMember              // GEORADIUSBYMEMBER
	geoSearchCmd               // GEOSEARCH: FROM... and BY... options
	geoSearchStore             // GEOSEARCHSTORE
	geoNoStore                 // the _RO forms
)

type geoSort int

const (
	geoUnsorted geoSort = iota
	geoAsc
	geoDesc
)

// geoPoint is a member found by a search.
type geoPoint struct {
	member   []byte
	score    float64
	lon, lat float64
	dist     float64 // metres
}

// geoOptions are a search's options.
type geoOptions struct {
	withDist, withHash, withCoord bool
	fromMember, fromLonLat        bool
	byRadius, byBox               bool
	sort                          geoSort
	any                           bool
	count                         int64
	storeKey                      []byte
	storeDist                     bool
}

// geoSearch is GEORADIUS, GEORADIUSBYMEMBER, their _RO forms, GEOSEARCH and
// GEOSEARCHSTORE (Redis's georadiusGeneric), with the source key at
// args[src].
func geoSearch(x *Ctx, src int, flags int) {
	z, ok := x.zsetRead(x.args[src])
	if !ok {
		return
	}
	var shape geohash.Shape
	var o geoOptions
	var base int
	switch {
	case flags&geoFromCoords != 0:
		base = 6
		if shape.Longitude, shape.Latitude, ok = x.lonLatArgs(x.args[2], x.args[3]); !ok {
			return
		}
		if shape.Radius, shape.Conversion, ok = x.radiusArgs(x.args[4], x.args[5]); !ok {
			return
		}
	case flags&geoFromMember != 0:
		base = 5
		if z != nil {
			if shape.Longitude, shape.Latitude, ok = z.memberLonLat(x.args[2]); !ok {
				x.fail("ERR could not decode requested zset member")
				return
			}
			if shape.Radius, shape.Conversion, ok = x.radiusArgs(x.args[3], x.args[4]); !ok {
				return
			}
		}
	case flags&geoSearchStore != 0:
		base = 3
		o.storeKey = x.args[1]
	default:
		base = 2
	}
	if !parseGeoOptions(x, z, flags, base, &shape, &o) {
		return
	}
	if z == nil {
		if o.storeKey != nil {
			x.zsetStore(o.storeKey, nil, "")
			return
		}
		x.w.Array(0)
		return
	}
	if o.count != 0 && o.sort == geoUnsorted && !o.any {
		o.sort = geoAsc // the nearest COUNT need sorting
	}
	limit := int64(0)
	if o.any {
		limit = o.count
	}
	points := z.geoPoints(&shape, limit)
	switch o.sort {
	case geoAsc:
		slices.SortStableFunc(points, func(a, b geoPoint) int { return cmpFloat(a.dist, b.dist) })
	case geoDesc:
		slices.SortStableFunc(points, func(a, b geoPoint) int { return cmpFloat(b.dist, a.dist) })
	}
	if o.count != 0 && int64(len(points)) > o.count {
		points = points[:o.count]
	}
	if o.storeKey != nil {
		elems := make([]zelem, len(points))
		for i, p := range points {
			elems[i] = zelem{member: p.member, score: p.score}
			if o.storeDist {
				elems[i].score = p.dist / shape.Conversion
			}
		}
		event := "georadiusstore"
		if flags&geoSearchCmd != 0 {
			event = "geosearchstore"
		}
		x.zsetStore(o.storeKey, elems, event)
		return
	}
	replyGeoPoints(x, points, &o, shape.Conversion)
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// radiusArgs parses a radius and its unit.
func (x *Ctx) radiusArgs(r, unit []byte) (radius, conversion float64, ok bool) {
	radius, ok = parseScore(r)
	if !ok {
		x.fail("ERR need numeric radius")
		return 0, 0, false
	}
	if radius < 0 {
		x.fail("ERR radius cannot be negative")
		return 0, 0, false
	}
	conversion, ok = x.geoUnitArg(unit)
	return radius, conversion, ok
}

// boxArgs parses BYBOX's width, height and unit.
func (x *Ctx) boxArgs(w, h, unit []byte) (width, height, conversion float64, ok bool) {
	if width, ok = parseScore(w); !ok {
		x.fail("ERR need numeric width")
		return 0, 0, 0, false
	}
	if height, ok = parseScore(h); !ok {
		x.fail("ERR need numeric height")
		return 0, 0, 0, false
	}
	if height < 0 || width < 0 {
		x.fail("ERR height or width cannot be negative")
		return 0, 0, 0, false
	}
	conversion, ok = x.geoUnitArg(unit)
	return width, height, conversion, ok
}

// parseGeoOptions reads the options after the fixed arguments, in Redis's
// order of checks.
func parseGeoOptions(x *Ctx, z *zset, flags, base int, shape *geohash.Shape, o *geoOptions) bool {
	search := flags&geoSearchCmd != 0
	storeOK := flags&(geoNoStore|geoSearchCmd) == 0
	args := x.args
	for i := base; i < len(args); i++ {
		a, left := args[i], len(args)-i-1
		var ok bool
		switch {
		case eq(a, "withdist"):
			o.withDist = true
		case eq(a, "withhash"):
			o.withHash = true
		case eq(a, "withcoord"):
			o.withCoord = true
		case eq(a, "any"):
			o.any = true
		case eq(a, "asc"):
			o.sort = geoAsc
		case eq(a, "desc"):
			o.sort = geoDesc
		case eq(a, "count") && left >= 1:
			if o.count, ok = x.intArg(i + 1); !ok {
				return false
			}
			if o.count <= 0 {
				x.fail("ERR COUNT must be > 0")
				return false
			}
			i++
		case eq(a, "store") && left >= 1 && storeOK:
			o.storeKey, o.storeDist = args[i+1], false
			i++
		case eq(a, "storedist") && left >= 1 && storeOK:
			o.storeKey, o.storeDist = args[i+1], true
			i++
		case eq(a, "storedist") && search && flags&geoSearchStore != 0:
			o.storeDist = true
		case eq(a, "frommember") && left >= 1 && search && !o.fromLonLat:
			if z != nil {
				if shape.Longitude, shape.Latitude, ok = z.memberLonLat(args[i+1]); !ok {
					x.fail("ERR could not decode requested zset member")
					return false
				}
			}
			o.fromMember = true
			i++
		case eq(a, "fromlonlat") && left >= 2 && search && !o.fromMember:
			if shape.Longitude, shape.Latitude, ok = x.lonLatArgs(args[i+1], args[i+2]); !ok {
				return false
			}
			o.fromLonLat = true
			i += 2
		case eq(a, "byradius") && left >= 2 && search && !o.byBox:
			if shape.Radius, shape.Conversion, ok = x.radiusArgs(args[i+1], args[i+2]); !ok {
				return false
			}
			shape.Box = false
			o.byRadius = true
			i += 2
		case eq(a, "bybox") && left >= 3 && search && !o.byRadius:
			if shape.Width, shape.Height, shape.Conversion, ok = x.boxArgs(args[i+1], args[i+2], args[i+3]); !ok {
				return false
			}
			shape.Box = true
			o.byBox = true
			i += 3
		default:
			x.fail(errSyntax)
			return false
		}
	}
	switch {
	case o.storeKey != nil && (o.withDist || o.withHash || o.withCoord):
		what := "STORE option in GEORADIUS"
		if flags&geoSearchStore != 0 {
			what = "GEOSEARCHSTORE"
		}
		x.failf("ERR %s is not compatible with WITHDIST, WITHHASH and WITHCOORD options", what)
	case search && !o.fromMember && !o.fromLonLat:
		x.failf("ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for %s", args[0])
	case search && !o.byRadius && !o.byBox:
		x.failf("ERR exactly one of BYRADIUS and BYBOX can be specified for %s", args[0])
	case o.any && o.count == 0:
		x.fail("ERR the ANY argument requires COUNT argument")
	default:
		return true
	}
	return false
}

// geoPoints finds the members inside the shape: the cells covering it are
// read in Redis's order, each in score order, stopping once limit (if not
// 0) members are found.
func (z *zset) geoPoints(shape *geohash.Shape, limit int64) []geoPoint {
	cells := shape.Cells()
	var points []geoPoint
	last := 0
	for i, cell := range cells {
		if cell.IsZero() {
			continue
		}
		// Huge radii make neighbours coincide; skip a cell equal to the
		// last one read (Redis never compares against the centre cell).
		if last != 0 && cell == cells[last] {
			continue
		}
		if limit != 0 && int64(len(points)) >= limit {
			break
		}
		points = z.geoPointsIn(cell, shape, points, limit)
		last = i
	}
	return points
}

// geoPointsIn appends the members of one cell that lie in the shape.
func (z *zset) geoPointsIn(cell geohash.Bits, shape *geohash.Shape, points []geoPoint, limit int64) []geoPoint {
	lo, hi := cell.ScoreRange()
	it := z.scores()
	defer it.close()
	end := encodeScore(nil, float64(hi))
	for ok := it.seekGE(encodeScore(nil, float64(lo))); ok && string(it.pos()[:8]) < string(end); ok = it.next() {
		score := it.score()
		lon, lat, ok := geohash.DecodeScore(score)
		if !ok {
			continue
		}
		dist, in := shape.Contains(lon, lat)
		if !in {
			continue
		}
		points = append(points, geoPoint{member: append([]byte(nil), it.member()...), score: score, lon: lon, lat: lat, dist: dist})
		if limit != 0 && int64(len(points)) >= limit {
			break
		}
	}
	return points
}

func replyGeoPoints(x *Ctx, points []geoPoint, o *geoOptions, conversion float64) {
	extra := 0
	for _, on := range []bool{o.withDist, o.withHash, o.withCoord} {
		if on {
			extra++
		}
	}
	x.w.Array(len(points))
	for _, p := range points {
		if extra > 0 {
			x.w.Array(extra + 1)
		}
		x.w.Bulk(p.member)
		if o.withDist {
			x.w.Bulk(formatDistance(p.dist / conversion))
		}
		if o.withHash {
			x.w.Int(int64(p.score))
		}
		if o.withCoord {
			x.w.Array(2)
			writeCoordinate(x.w, p.lon)
			writeCoordinate(x.w, p.lat)
		}
	}
}
