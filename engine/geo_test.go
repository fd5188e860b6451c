package engine_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// geoScript builds a geo set of points spread over the globe and packed
// around one city, then queries it every way the commands allow.
func geoScript() string {
	r := rand.New(rand.NewPCG(7, 11))
	var b strings.Builder
	var members []string
	for batch := range 6 {
		b.WriteString("geoadd g")
		for i := range 50 {
			n := batch*50 + i
			lon, lat := r.Float64()*360-180, r.Float64()*170.1-85.05
			if n >= 150 { // dense around Palermo
				lon, lat = 13+r.Float64()*6-3, 38+r.Float64()*6-3
			}
			fmt.Fprintf(&b, " %.6f %.6f p%d", lon, lat, n)
			members = append(members, fmt.Sprintf("p%d", n))
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "geopos g %s nokey\n", strings.Join(members, " "))
	fmt.Fprintf(&b, "geohash g %s nokey\n", strings.Join(members, " "))
	for i := 0; i < 300; i += 7 {
		fmt.Fprintf(&b, "geodist g p%d p%d km\ngeodist g p%d p%d\ngeodist g p%d p%d mi\ngeodist g p%d p%d ft\n",
			i, (i*13+5)%300, i, (i*17+3)%300, i, (i+1)%300, i, (i+2)%300)
	}
	centres := []struct {
		lon, lat, r float64
		unit        string
	}{
		{13, 38, 100, "km"}, {13, 38, 1000, "km"}, {13.5, 38.2, 30, "mi"}, {0, 0, 5000, "km"},
		{179.9, 80, 2000, "km"}, {-179.9, -80, 3000, "km"}, {13, 38, 200000, "ft"},
		{13, 38, 10000, "km"}, {13, 38, 50, "m"}, {100, 60, 20000, "km"}, {-120, 84, 500, "km"},
		{13, 38, 0, "km"},
	}
	for _, c := range centres {
		fmt.Fprintf(&b, "georadius g %v %v %v %s withdist withcoord withhash asc\n", c.lon, c.lat, c.r, c.unit)
		fmt.Fprintf(&b, "georadius g %v %v %v %s\n", c.lon, c.lat, c.r, c.unit)
		fmt.Fprintf(&b, "georadius_ro g %v %v %v %s desc count 5 withdist\n", c.lon, c.lat, c.r, c.unit)
		fmt.Fprintf(&b, "georadius g %v %v %v %s count 3 any\n", c.lon, c.lat, c.r, c.unit)
		fmt.Fprintf(&b, "geosearch g fromlonlat %v %v bybox %v %v %s withdist\n", c.lon, c.lat, c.r, c.r*1.5, c.unit)
		fmt.Fprintf(&b, "geosearch g fromlonlat %v %v bybox %v %v %s asc withcoord\n", c.lon, c.lat, c.r*3, c.r/2, c.unit)
		fmt.Fprintf(&b, "geosearch g fromlonlat %v %v byradius %v %s desc withdist withhash\n", c.lon, c.lat, c.r, c.unit)
		fmt.Fprintf(&b, "geosearch g fromlonlat %v %v byradius %v %s count 4 any withdist\n", c.lon, c.lat, c.r, c.unit)
	}
	for i := 150; i < 300; i += 10 {
		fmt.Fprintf(&b, "georadiusbymember g p%d 50 km withdist asc\n", i)
		fmt.Fprintf(&b, "georadiusbymember_ro g p%d 70 km count 3\n", i)
		fmt.Fprintf(&b, "geosearch g frommember p%d bybox 100 80 km withdist asc\n", i)
		fmt.Fprintf(&b, "geosearchstore dst g frommember p%d byradius 80 km storedist\n", i)
		b.WriteString("zrange dst 0 -1 withscores\n")
		fmt.Fprintf(&b, "geosearchstore dst g frommember p%d bybox 80 90 km desc count 5\n", i)
		b.WriteString("zrange dst 0 -1 withscores\n")
		fmt.Fprintf(&b, "georadius g 13 38 %d km store dst2\n", i)
		b.WriteString("zrange dst2 0 -1 withscores\nobject encoding dst2\n")
		fmt.Fprintf(&b, "georadiusbymember g p%d 40 km storedist dst3 asc count 4\n", i)
		b.WriteString("zrange dst3 0 -1 withscores\n")
	}
	return b.String()
}

func TestGeoDifferential(t *testing.T) {
	runZsetScript(t, geoScript())
}

func TestGeoErrorsDifferential(t *testing.T) {
	runZsetScript(t, `
		geoadd g 13.361389 38.115556 Palermo 15.087269 37.502669 Catania
		geoadd g 200 10 x
		geoadd g 1e300 10 x
		geoadd g 10 85.06 x
		geoadd g -180 -85.05112878 edge1 180 85.05112878 edge2
		geopos g edge1 edge2
		geohash g edge1 edge2
		geoadd g nan 1 x
		geoadd g abc 1 x
		geoadd g 1 abc x
		geoadd g 1 2
		geoadd g nx xx 1 2 x
		geoadd g nx ch
		geoadd g gt 1 2 x
		geoadd g ch 13.361389 38.115556 Palermo 1 2 new
		geoadd g nx 1 1 Palermo
		geoadd g xx 1 1 Palermo 2 2 nothere
		geopos g Palermo nothere
		geoadd g xx ch 13.361389 38.115556 Palermo
		geodist g Palermo Catania
		geodist g Palermo Catania km
		geodist g Palermo Catania KM
		geodist g Palermo Catania mi
		geodist g Palermo Catania ft
		geodist g Palermo Catania m
		geodist g Palermo Catania foo
		geodist g Palermo Catania km x
		geodist g Palermo nothere
		geodist g Palermo Palermo
		geodist nokey a b
		geopos nokey a b
		geopos g
		geohash nokey a
		geohash g
		zadd g -5 neg 1e300 huge
		geopos g neg
		geohash g neg
		georadius g 15 37 200 km withdist withcoord withhash
		georadius g 15 37 -1 km
		georadius g 15 37 abc km
		georadius g 15 37 200 parsecs
		georadius g 200 37 200 km
		georadius g 15 37 200 km count 0
		georadius g 15 37 200 km count -1
		georadius g 15 37 200 km count x
		georadius g 15 37 200 km count
		georadius g 15 37 200 km any
		georadius g 15 37 200 km store
		georadius g 15 37 200 km withdist store dst
		georadius g 15 37 200 km foo
		georadius_ro g 15 37 200 km store dst
		georadius_ro g 15 37 200 km storedist dst
		georadius nokey 15 37 200 km
		georadius nokey 15 37 200 km store dst
		georadius nokey 15 37 200 km withdist
		georadiusbymember g nothere 10 km
		georadiusbymember nokey nothere 10 km
		georadiusbymember nokey nothere 10 km store dst
		georadiusbymember g Palermo 200 km withdist
		georadiusbymember g Palermo -1 km
		geosearch g frommember Palermo byradius 200 km
		geosearch g frommember Palermo fromlonlat 1 2 byradius 200 km
		geosearch g fromlonlat 1 2 frommember Palermo byradius 200 km
		geosearch g byradius 200 km
		geosearch g frommember Palermo
		GEOSEARCH g frommember Palermo
		geosearch g frommember Palermo byradius 1 km bybox 1 1 km
		geosearch g frommember Palermo bybox 1 1 km byradius 1 km
		geosearch g frommember nothere byradius 1 km
		geosearch nokey frommember nothere byradius 1 km
		geosearch g fromlonlat 200 1 byradius 1 km
		geosearch g fromlonlat 15 37 bybox -1 1 km
		geosearch g fromlonlat 15 37 bybox 1 -1 km
		geosearch g fromlonlat 15 37 bybox x 1 km
		geosearch g fromlonlat 15 37 bybox 1 x km
		geosearch g fromlonlat 15 37 bybox 1 1 lightyears
		geosearch g fromlonlat 15 37 bybox 1000 1000 km any
		geosearch g fromlonlat 15 37 bybox 1000 1000 km count 1 any
		geosearch g fromlonlat 15 37 bybox 1000 1000 km store dst
		geosearch g fromlonlat 15 37 bybox 1000 1000 km storedist
		geosearchstore dst g fromlonlat 15 37 bybox 1000 1000 km withdist
		geosearchstore dst g fromlonlat 15 37 bybox 1000 1000 km storedist
		zrange dst 0 -1 withscores
		geosearchstore dst g fromlonlat 15 37 bybox 1000 1000 km store x
		geosearchstore dst nokey fromlonlat 15 37 bybox 1000 1000 km
		exists dst
		geosearchstore dst nokey frommember x bybox 1000 1000 km
		set str x
		geoadd str 1 1 a
		geopos str a
		geohash str a
		geodist str a b
		georadius str 1 1 1 km
		geosearch str fromlonlat 1 1 byradius 1 km
		geosearchstore dst str fromlonlat 1 1 byradius 1 km
	`)
}
