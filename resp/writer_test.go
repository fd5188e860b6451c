package resp

import (
	"bytes"
	"fmt"
	"math"
	"testing"
)

// Integer replies and the length lines of arrays and bulk strings, at
// every width up to four digits and at the extremes.
func TestIntegerAndLengthLines(t *testing.T) {
	ns := []int64{math.MinInt64, -100, -11, -10, -9, -1, math.MaxInt64}
	for n := int64(0); n <= 1001; n++ {
		ns = append(ns, n)
	}
	for _, n := range ns {
		w := NewWriter()
		w.Int(n)
		if got, want := string(w.Bytes()), fmt.Sprintf(":%d\r\n", n); got != want {
			t.Fatalf("Int(%d) = %q, want %q", n, got, want)
		}
		if n < 0 || n > 1001 {
			continue
		}
		w.Reset()
		w.Array(int(n))
		if got, want := string(w.Bytes()), fmt.Sprintf("*%d\r\n", n); got != want {
			t.Fatalf("Array(%d) = %q, want %q", n, got, want)
		}
		value := bytes.Repeat([]byte{'v'}, int(n))
		w.Reset()
		w.Bulk(value)
		want := fmt.Sprintf("$%d\r\n%s\r\n", n, value)
		if got := string(w.Bytes()); got != want {
			t.Fatalf("Bulk of %d bytes = %q, want %q", n, got, want)
		}
		w.Reset()
		w.BulkString(string(value))
		if got := string(w.Bytes()); got != want {
			t.Fatalf("BulkString of %d bytes = %q, want %q", n, got, want)
		}
	}
}
