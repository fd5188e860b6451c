package cmdspec

// KeySpec is one key specification of COMMAND INFO: where to start looking
// for keys (BeginSearch) and how to find them from there (FindKeys).
type KeySpec struct {
	Flags KeyFlags
	Notes string
	Begin BeginSearch
	Find  FindKeys
}

// SearchType is a begin_search type.
type SearchType uint8

// The begin_search types. Unknown means keys cannot be found from specs.
const (
	SearchUnknown SearchType = iota
	SearchIndex
	SearchKeyword
)

// BeginSearch locates the first key: at argument Index, or after the
// argument equal to Keyword, searched from StartFrom (negative counts from
// the end, searching backwards).
type BeginSearch struct {
	Type      SearchType
	Index     int
	Keyword   string
	StartFrom int
}

// FindType is a find_keys type.
type FindType uint8

// The find_keys types. Unknown means keys cannot be found from specs.
const (
	FindUnknown FindType = iota
	FindRange
	FindKeynum
)

// FindKeys lists the keys from the first one. Range: up to LastKey
// (relative to the first key; negative counts from the end, or with a
// Limit, stops at 1/Limit of the remaining arguments), every KeyStep.
// Keynum: the argument at KeyNumIdx (relative) holds the key count and the
// keys start at FirstKey (relative), every KeyStep.
type FindKeys struct {
	Type      FindType
	LastKey   int
	KeyStep   int
	Limit     int
	KeyNumIdx int
	FirstKey  int
}
