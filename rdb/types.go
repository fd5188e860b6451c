// Package rdb reads and writes Redis's RDB file format and DUMP payloads.
//
// It knows only the format: the decoder hands each key to a callback as a
// neutral value whose elements are read one at a time, so a huge collection
// never has to fit in memory; the encoder writes RDB version 10 (Redis
// 7.0's) from values read the same way. FORMAT-NOTES.md in the fixtures
// describes the format.
package rdb

import "fmt"

// Kind is the Redis data type of a value.
type Kind uint8

// The kinds of value an RDB file holds.
const (
	KindString Kind = iota + 1
	KindList
	KindSet
	KindZSet
	KindHash
	KindStream
)

func (k Kind) String() string {
	switch k {
	case KindString:
		return "string"
	case KindList:
		return "list"
	case KindSet:
		return "set"
	case KindZSet:
		return "zset"
	case KindHash:
		return "hash"
	case KindStream:
		return "stream"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// RDB object type codes.
const (
	typeString          = 0
	typeList            = 1
	typeSet             = 2
	typeZSet            = 3
	typeHash            = 4
	typeZSet2           = 5
	typeModulePreGA     = 6
	typeModule2         = 7
	typeHashZipmap      = 9
	typeListZiplist     = 10
	typeSetIntset       = 11
	typeZSetZiplist     = 12
	typeHashZiplist     = 13
	typeListQuicklist   = 14
	typeStreamListpacks = 15
	typeHashListpack    = 16
	typeZSetListpack    = 17
	typeListQuicklist2  = 18
	typeStreamListpack2 = 19
	typeSetListpack     = 20
	typeStreamListpack3 = 21
)

// kindOf maps an object type code to its kind; ok is false for codes this
// package cannot read (modules, Redis 7.4's hash field expiry, unknown).
func kindOf(t byte) (Kind, bool) {
	switch t {
	case typeString:
		return KindString, true
	case typeList, typeListZiplist, typeListQuicklist, typeListQuicklist2:
		return KindList, true
	case typeSet, typeSetIntset, typeSetListpack:
		return KindSet, true
	case typeZSet, typeZSet2, typeZSetZiplist, typeZSetListpack:
		return KindZSet, true
	case typeHash, typeHashZipmap, typeHashZiplist, typeHashListpack:
		return KindHash, true
	case typeStreamListpacks, typeStreamListpack2, typeStreamListpack3:
		return KindStream, true
	}
	return 0, false
}

// Opcodes that take the place of a type byte.
const (
	opFunction2    = 245
	opFunctionPre  = 246
	opModuleAux    = 247
	opIdle         = 248
	opFreq         = 249
	opAux          = 250
	opResizeDB     = 251
	opExpireTimeMs = 252
	opExpireTime   = 253
	opSelectDB     = 254
	opEOF          = 255
)

// Versions this package reads, and the one it writes (Redis 7.0's).
const (
	MinVersion = 1
	MaxVersion = 11
	Version    = 10
)

// Elem is one element of a collection: a list element or set member
// (Member), a hash field and its value (Member, Value), or a sorted-set
// member and its score (Member, Score).
type Elem struct {
	Member []byte
	Value  []byte
	Score  float64
}

// StreamID is a stream entry id.
type StreamID struct{ Ms, Seq uint64 }

func (id StreamID) String() string { return fmt.Sprintf("%d-%d", id.Ms, id.Seq) }

// Less orders ids.
func (id StreamID) Less(o StreamID) bool {
	return id.Ms < o.Ms || (id.Ms == o.Ms && id.Seq < o.Seq)
}

// StreamEntry is one live stream entry; Fields alternates field and value.
type StreamEntry struct {
	ID     StreamID
	Fields [][]byte
}

// StreamMeta is a stream's bookkeeping beside its entries.
type StreamMeta struct {
	Length       uint64 // live entries
	LastID       StreamID
	FirstID      StreamID
	MaxDeletedID StreamID
	EntriesAdded uint64
}

// UnknownEntriesRead marks a consumer group whose entries_read is unknown.
const UnknownEntriesRead = -1

// StreamGroup is a consumer group with its pending entries and consumers.
type StreamGroup struct {
	Name        []byte
	LastID      StreamID
	EntriesRead int64 // UnknownEntriesRead when not known
	Pending     []PendingEntry
	Consumers   []Consumer
}

// PendingEntry is an entry delivered to a consumer and not yet acknowledged.
type PendingEntry struct {
	ID            StreamID
	DeliveryTime  int64 // unix ms of the last delivery
	DeliveryCount uint64
	Consumer      []byte // the consumer that owns it
}

// Consumer is a consumer of a group; its pending entries are those of the
// group's Pending whose Consumer is its Name.
type Consumer struct {
	Name       []byte
	SeenTime   int64 // unix ms
	ActiveTime int64 // unix ms; -1 when the file does not record it (before RDB 11)
}
