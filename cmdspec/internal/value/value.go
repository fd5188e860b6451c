// Package value holds a RESP3 reply as a typed tree, so that a reply
// captured from Redis can be stored as JSON and written back byte for byte
// in RESP2 or RESP3.
package value

// Kind is the RESP3 type of a Value.
type Kind uint8

// The RESP3 types found in COMMAND INFO and COMMAND DOCS replies.
const (
	Null Kind = iota
	Bulk
	Simple
	Int
	Double
	Bool
	Array
	Set
	Map
	Error
)

// Value is one RESP3 reply. Str holds Bulk, Simple and Error, Num Int, Float
// Double, Truth Bool; Elems holds Array and Set elements, and Map
// entries flattened as key, value, key, value.
type Value struct {
	Kind  Kind
	Str   string
	Num   int64
	Float float64
	Truth bool
	Elems []Value
}

// Get returns the value stored under the bulk-string key k of a map.
func (v Value) Get(k string) (Value, bool) {
	if v.Kind != Map {
		return Value{}, false
	}
	for i := 0; i+1 < len(v.Elems); i += 2 {
		if v.Elems[i].Kind == Bulk && v.Elems[i].Str == k {
			return v.Elems[i+1], true
		}
	}
	return Value{}, false
}
