package rdb

import (
	"bytes"
	"fmt"
	"io"
	"sort"
)

// memKey is a decoded key held in memory, able to feed the encoder.
type memKey struct {
	key     Key
	str     []byte
	elems   []Elem
	entries []StreamEntry
	meta    StreamMeta
	groups  []StreamGroup
}

// object is the key's value as the encoder reads it.
func (m *memKey) object() *Object {
	obj := &Object{Kind: m.key.Kind, String: m.str, Len: int64(len(m.elems))}
	i := 0
	obj.Next = func() (Elem, error) {
		if i >= len(m.elems) {
			return Elem{}, io.ErrUnexpectedEOF
		}
		i++
		return m.elems[i-1], nil
	}
	if m.key.Kind == KindStream {
		j := 0
		obj.Stream = &StreamObject{Meta: m.meta, Groups: m.groups, NextEntry: func() (StreamEntry, error) {
			j++
			return m.entries[j-1], nil
		}}
		obj.Stream.Meta.Length = uint64(len(m.entries))
	}
	return obj
}

// memFile is a decoded file.
type memFile struct {
	aux       [][2]string
	functions [][]byte
	keys      []*memKey
}

func (f *memFile) Aux(k, v []byte) error {
	f.aux = append(f.aux, [2]string{string(k), string(v)})
	return nil
}

func (f *memFile) Function(code []byte) error {
	f.functions = append(f.functions, code)
	return nil
}

func (f *memFile) Key(k *Key, v *Value) error {
	m := &memKey{key: *k, str: v.Bytes()}
	var err error
	if k.Kind == KindStream {
		m.entries, m.meta, m.groups, err = readStream(v)
	} else {
		m.elems, err = readElems(v)
	}
	f.keys = append(f.keys, m)
	return err
}

func readElems(v *Value) ([]Elem, error) {
	var out []Elem
	for {
		e, ok, err := v.Next()
		if err != nil || !ok {
			return out, err
		}
		out = append(out, e)
	}
}

func readStream(v *Value) (entries []StreamEntry, meta StreamMeta, groups []StreamGroup, err error) {
	for {
		e, ok, err := v.NextEntry()
		if err != nil {
			return nil, meta, nil, err
		}
		if !ok {
			break
		}
		entries = append(entries, e)
	}
	if meta, err = v.StreamMeta(); err != nil {
		return nil, meta, nil, err
	}
	for {
		g, ok, err := v.NextGroup()
		if err != nil || !ok {
			return entries, meta, groups, err
		}
		groups = append(groups, g)
	}
}

func decodeMem(b []byte) (*memFile, error) {
	f := &memFile{}
	return f, NewDecoder(bytes.NewReader(b)).Decode(f)
}

// encode writes the file again, databases in order, skipping empty keys
// as Redis does when it loads them.
func (f *memFile) encode(opts Options) ([]byte, error) {
	var buf bytes.Buffer
	e := NewEncoder(&buf, opts)
	if err := e.Begin(f.aux...); err != nil {
		return nil, err
	}
	for _, code := range f.functions {
		if err := e.Function(code); err != nil {
			return nil, err
		}
	}
	byDB := map[int][]*memKey{}
	for _, k := range f.keys {
		if k.key.Kind != KindString && k.key.Kind != KindStream && len(k.elems) == 0 {
			continue
		}
		byDB[k.key.DB] = append(byDB[k.key.DB], k)
	}
	var dbs []int
	for db := range byDB {
		dbs = append(dbs, db)
	}
	sort.Ints(dbs)
	for _, db := range dbs {
		if err := e.SelectDB(db, uint64(len(byDB[db])), 0); err != nil {
			return nil, err
		}
		for _, k := range byDB[db] {
			h := KeyHeader{Name: k.key.Name, Expire: k.key.Expire, Idle: k.key.Idle, Freq: k.key.Freq}
			if err := e.Key(h, k.object()); err != nil {
				return nil, fmt.Errorf("key %q: %w", k.key.Name, err)
			}
		}
	}
	err := e.End()
	return buf.Bytes(), err
}
