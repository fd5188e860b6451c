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
	if o.sort != geoUnsorted {
		cmp := func(a, b *geoPoint) int { return cmpFloat(a.dist, b.dist) }
		if o.sort == geoDesc {
			cmp = func(a, b *geoPoint) int { return cmpFloat(b.dist, a.dist) }
		}
		// Redis sorts with glibc's qsort, a stable merge sort, or, when
		// COUNT keeps fewer points than were found, with its own partial
		// quicksort, which leaves points at equal distances in another
		// order.
		if o.count != 0 && int64(len(points)) > o.count {
			ps := pqSorter{p: points, cmp: cmp, lo: 0, hi: int(o.count) - 1}
			ps.sort(0, len(points))
			points = points[:o.count]
		} else {
			slices.SortStableFunc(points, func(a, b geoPoint) int { return cmp(&a, &b) })
		}
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

// pqSorter is Redis's pqsort (pqsort.c): Bentley and McIlroy's quicksort
// that only sorts the parts holding points lo..hi, down to the order of
// ties.
type pqSorter struct {
	p      []geoPoint
	cmp    func(a, b *geoPoint) int
	lo, hi int
}

// sort sorts p[a:a+n].
func (s *pqSorter) sort(a, n int) {
	p := s.p
	for {
		if n < 7 {
			for m := a + 1; m < a+n; m++ {
				for l := m; l > a && s.cmp(&p[l-1], &p[l]) > 0; l-- {
					p[l], p[l-1] = p[l-1], p[l]
				}
			}
			return
		}
		m := a + n/2
		if n > 7 {
			l, r := a, a+n-1
			if n > 40 {
				d := n / 8
				l = s.med3(l, l+d, l+2*d)
				m = s.med3(m-d, m, m+d)
				r = s.med3(r-2*d, r-d, r)
			}
			m = s.med3(l, m, r)
		}
		p[a], p[m] = p[m], p[a]
		// Partition around p[a]: ties gather at both ends, then move to
		// the middle.
		pa, pb, pc, pd := a+1, a+1, a+n-1, a+n-1
		for {
			for ; pb <= pc; pb++ {
				c := s.cmp(&p[pb], &p[a])
				if c > 0 {
					break
				}
				if c == 0 {
					p[pa], p[pb] = p[pb], p[pa]
					pa++
				}
			}
			for ; pb <= pc; pc-- {
				c := s.cmp(&p[pc], &p[a])
				if c < 0 {
					break
				}
				if c == 0 {
					p[pc], p[pd] = p[pd], p[pc]
					pd--
				}
			}
			if pb > pc {
				break
			}
			p[pb], p[pc] = p[pc], p[pb]
			pb++
			pc--
		}
		pn := a + n
		s.swapRun(a, pb-min(pa-a, pb-pa), min(pa-a, pb-pa))
		s.swapRun(pb, pn-min(pd-pc, pn-pd-1), min(pd-pc, pn-pd-1))
		if r := pb - pa; r > 1 && s.wanted(a, r) {
			s.sort(a, r)
		}
		r := pd - pc
		if r <= 1 || !s.wanted(pn-r, r) {
			return
		}
		a, n = pn-r, r
	}
}

func (s *pqSorter) med3(a, b, c int) int {
	p := s.p
	if s.cmp(&p[a], &p[b]) < 0 {
		switch {
		case s.cmp(&p[b], &p[c]) < 0:
			return b
		case s.cmp(&p[a], &p[c]) < 0:
			return c
		}
		return a
	}
	switch {
	case s.cmp(&p[b], &p[c]) > 0:
		return b
	case s.cmp(&p[a], &p[c]) < 0:
		return a
	}
	return c
}

// swapRun swaps the n points from i with the n points from j.
func (s *pqSorter) swapRun(i, j, n int) {
	for k := range n {
		s.p[i+k], s.p[j+k] = s.p[j+k], s.p[i+k]
	}
}

// wanted reports whether p[a:a+n] holds any of the points lo..hi.
func (s *pqSorter) wanted(a, n int) bool { return s.hi >= a && s.lo < a+n }

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
