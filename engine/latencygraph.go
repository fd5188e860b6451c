package engine

import (
	"fmt"

	"strings"
	"time"
)

// LATENCY GRAPH draws an event's samples as Redis does: an ASCII sparkline
// four rows high, 80 samples per band, each sample labelled below with how
// long ago it happened.

func init() {
	register(cmdDef{name: "latency|graph", run: cmdLatencyGraph})
}

const (
	graphColumns = 80
	graphRows    = 4
)

func cmdLatencyGraph(x *Ctx) {
	m := &x.s.latency
	m.mu.Lock()
	s := m.events[string(x.args[2])]
	var samples []latencySample
	var allTime int64
	if s != nil {
		samples, allTime = append(samples, s.samples...), s.max
	}
	m.mu.Unlock()
	if len(samples) == 0 {
		x.failf("ERR No samples available for event '%s'", x.args[2])
		return
	}
	var line sparkline
	now := time.Now().Unix()
	low, high := samples[0].ms, samples[0].ms
	for _, sm := range samples {
		low, high = min(low, sm.ms), max(high, sm.ms)
		line.add(float64(sm.ms), agoLabel(now-sm.time))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s - high %d ms, low %d ms (all time high %d ms)\n", x.args[2], high, low, allTime)
	b.WriteString(strings.Repeat("-", graphColumns) + "\n")
	line.render(&b)
	x.w.Verbatim("txt", b.String())
}

func agoLabel(secs int64) string {
	switch {
	case secs < 60:
		return fmt.Sprintf("%ds", secs)
	case secs < 3600:
		return fmt.Sprintf("%dm", secs/60)
	case secs < 86400:
		return fmt.Sprintf("%dh", secs/3600)
	}
	return fmt.Sprintf("%dd", secs/86400)
}

type sparkline struct {
	values   []float64
	labels   []string
	min, max float64
}

func (l *sparkline) add(v float64, label string) {
	if len(l.values) == 0 {
		l.min, l.max = v, v
	} else if v < l.min {
		l.min = v
	} else if v > l.max {
		l.max = v
	}
	l.values = append(l.values, v)
	l.labels = append(l.labels, label)
}

// render writes the samples in bands of graphColumns.
func (l *sparkline) render(b *strings.Builder) {
	for start := 0; start < len(l.values); start += graphColumns {
		if start != 0 {
			b.WriteByte('\n')
		}
		l.renderBand(b, start, min(len(l.values)-start, graphColumns))
	}
}

// renderBand draws rows from the top: each row shows the samples whose
// level reaches it ('_', 'o', '#' for the three steps within a row, '|'
// above them), then one blank row and the labels written downwards.
func (l *sparkline) renderBand(b *strings.Builder, start, n int) {
	const fill = "_o#"
	steps := len(fill) * graphRows
	span := l.max - l.min
	if span == 0 {
		span = 1
	}
	row := make([]byte, n)
	for r := 0; ; r++ {
		more := false
		for i := range row {
			row[i] = ' '
		}
		for j := 0; j < n; j++ {
			if r < graphRows {
				step := int(float64(int((l.values[start+j]-l.min)*float64(steps))) / span)
				step = min(max(step, 0), steps-1)
				idx := step - (graphRows-r-1)*len(fill)
				more = true
				if idx >= 0 && idx < len(fill) {
					row[j] = fill[idx]
				} else if idx >= len(fill) {
					row[j] = '|'
				}
				continue
			}
			if r == graphRows { // the margin above the labels
				more = true
				break
			}
			if label := l.labels[start+j]; r-graphRows-1 < len(label) {
				more = true
				row[j] = label[r-graphRows-1]
			}
		}
		if !more {
			return
		}
		b.Write(row)
		b.WriteByte('\n')
	}
}
