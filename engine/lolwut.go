package engine

import (
	"math"
	"math/rand/v2"
	"strings"
	"unicode/utf8"
)

// LOLWUT shows the version and, for VERSION 5, Georg Nees's "Schotter"
// drawn in Braille characters: a grid of squares that tilt and drift more
// the lower they are. Other versions show the version line only, as Redis
// 7.0 does for versions it has no art for.

func init() {
	register(cmdDef{name: "lolwut", run: cmdLolwut})
}

func cmdLolwut(x *Ctx) {
	args := x.args[1:]
	version := int64(7)
	if len(args) >= 2 && eq(args[0], "version") {
		v, ok := parseInt(args[1])
		if !ok {
			x.fail(errNotInt)
			return
		}
		version, args = v, args[2:]
	}
	if version != 5 {
		x.w.Verbatim("txt", "Redis ver. "+RedisVersion+"\n")
		return
	}
	// Columns, squares per row, squares per column, each clamped.
	dims := []int64{66, 8, 12}
	limits := []int64{1000, 200, 200}
	for i := range min(len(args), len(dims)) {
		n, ok := parseInt(args[i])
		if !ok {
			x.fail(errNotInt)
			return
		}
		dims[i] = min(max(n, 1), limits[i])
	}
	art := drawSchotter(int(dims[0]), int(dims[1]), int(dims[2])).braille()
	x.w.Verbatim("txt", art+"\nGeorg Nees - schotter, plotter on paper, 1968. Redis ver. "+RedisVersion+"\n")
}

type canvas struct {
	width, height int
	pixels        []bool
}

func (c *canvas) set(x, y int) {
	if x >= 0 && x < c.width && y >= 0 && y < c.height {
		c.pixels[y*c.width+x] = true
	}
}

func (c *canvas) get(x, y int) bool {
	return x >= 0 && x < c.width && y >= 0 && y < c.height && c.pixels[y*c.width+x]
}

// line draws with Bresenham's algorithm.
func (c *canvas) line(x1, y1, x2, y2 int) {
	dx, dy := abs(x2-x1), abs(y2-y1)
	sx, sy := 1, 1
	if x1 >= x2 {
		sx = -1
	}
	if y1 >= y2 {
		sy = -1
	}
	err := dx - dy
	for {
		c.set(x1, y1)
		if x1 == x2 && y1 == y2 {
			return
		}
		e2 := err * 2
		if e2 > -dy {
			err -= dy
			x1 += sx
		}
		if e2 < dx {
			err += dx
			y1 += sy
		}
	}
}

// square draws a square of side size centred on (x, y), turned by angle.
func (c *canvas) square(x, y int, size, angle float64) {
	size = math.Round(size / math.Sqrt2)
	angle += math.Pi / 4
	var px, py [4]int
	for i := range 4 {
		px[i] = int(math.Round(math.Sin(angle)*size + float64(x)))
		py[i] = int(math.Round(math.Cos(angle)*size + float64(y)))
		angle += math.Pi / 2
	}
	for i := range 4 {
		c.line(px[i], py[i], px[(i+1)%4], py[(i+1)%4])
	}
}

func drawSchotter(cols, perRow, perCol int) *canvas {
	width := cols * 2
	padding := 0
	if width > 4 {
		padding = 2
	}
	side := float32(width-padding*2) / float32(perRow)
	height := int(side*float32(perCol)) + padding*2
	c := &canvas{width: width, height: height, pixels: make([]bool, width*height)}
	for y := range perCol {
		for x := range perRow {
			sx := int(float32(x)*side + side/2 + float32(padding))
			sy := int(float32(y)*side + side/2 + float32(padding))
			var angle float32
			if y > 1 {
				// The first two rows stay in order; disorder grows below.
				r := func() float32 {
					v := rand.Float32() / float32(perCol) * float32(y)
					if rand.IntN(2) == 1 {
						v = -v
					}
					return v
				}
				angle = r()
				sx = int(float32(sx) + r()*side/3)
				sy = int(float32(sy) + r()*side/3)
			}
			c.square(sx, sy, float64(side), float64(angle))
		}
	}
	return c
}

// braille renders 2×4 pixel cells as Unicode Braille patterns.
func (c *canvas) braille() string {
	var b strings.Builder
	dots := [8][2]int{{0, 0}, {0, 1}, {0, 2}, {1, 0}, {1, 1}, {1, 2}, {0, 3}, {1, 3}}
	for y := 0; y < c.height; y += 4 {
		for x := 0; x < c.width; x += 2 {
			var bits rune
			for i, d := range dots {
				if c.get(x+d[0], y+d[1]) {
					bits |= 1 << i
				}
			}
			b.WriteString(string(utf8.AppendRune(nil, 0x2800+bits)))
		}
		if y != c.height-1 {
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
