package value

import "github.com/cairndb/cairn/resp"

// Write emits v; w maps the RESP3 types to RESP2 when the client speaks it.
func Write(w *resp.Writer, v Value) {
	switch v.Kind {
	case Null:
		w.Null()
	case Bulk:
		w.BulkString(v.Str)
	case Simple:
		w.Simple(v.Str)
	case Int:
		w.Int(v.Num)
	case Double:
		w.Double(v.Float)
	case Bool:
		w.Bool(v.Truth)
	case Array:
		w.Array(len(v.Elems))
	case Set:
		w.Set(len(v.Elems))
	case Map:
		w.Map(len(v.Elems) / 2)
	case Error:
		w.Error(v.Str)
	}
	for _, e := range v.Elems {
		Write(w, e)
	}
}
