package cmdspec

import "errors"

// The errors of COMMAND GETKEYS, byte for byte.
var (
	ErrNoKeyArgs   = errors.New("ERR The command has no key arguments")
	ErrArity       = errors.New("ERR Invalid number of arguments specified for command")
	ErrInvalidArgs = errors.New("ERR Invalid arguments specified for command")
)

// KeyRef is one key argument.
type KeyRef struct {
	Index int      // position in the argument vector; the command name is 0
	Flags KeyFlags // how the command uses the key; none where Redis gives none
}

// Keys is what KeyPositions finds.
type Keys struct {
	Refs []KeyRef
	// Incomplete is set when the key specs could not name the keys (SORT's
	// BY and GET patterns, MIGRATE ... KEYS, malformed key counts):
	// Refs is what Redis's own key finder returns, and the command may
	// touch other keys, so lock everything.
	Incomplete bool
}

// KeyPositions finds the key arguments in args (the command name, and the
// subcommand if any, included) as Redis 7.0's COMMAND GETKEYS does: from
// the key specs, falling back to the command's own key finder where a
// spec is incomplete, unknown or does not fit the arguments, or where the
// key flags depend on the arguments (SET ... GET, BITFIELD).
//
// It fails like COMMAND GETKEYS: ErrNoKeyArgs for a command without keys,
// ErrArity for a wrong argument count and ErrInvalidArgs when no key is
// found though the command needs one (the command itself will then reply
// with an error). Refs are appended to dst[:0], so a dispatcher reusing
// its buffer finds keys without allocating.
func (s *Spec) KeyPositions(dst []KeyRef, args [][]byte) (Keys, error) {
	if !s.hasKeys {
		return Keys{}, ErrNoKeyArgs
	}
	if !s.CheckArity(len(args)) {
		return Keys{}, ErrArity
	}
	var k Keys
	if s.varKeys {
		k.Refs = s.getKeys(dst[:0], args)
	} else if refs, ok := s.specKeys(dst[:0], args); ok {
		k.Refs = refs
	} else {
		k.Incomplete = true
		if s.getKeys != nil {
			k.Refs = s.getKeys(dst[:0], args)
		}
	}
	if len(k.Refs) == 0 && !s.Has(FlagNoMandatoryKeys) {
		return Keys{}, ErrInvalidArgs
	}
	return k, nil
}

// specKeys applies the key specs; false means they cannot name the keys.
func (s *Spec) specKeys(refs []KeyRef, args [][]byte) ([]KeyRef, bool) {
	argc := len(args)
	for _, ks := range s.KeySpecs {
		if ks.Flags&KeyNotKey != 0 {
			continue
		}
		var first int
		switch ks.Begin.Type {
		case SearchIndex:
			first = ks.Begin.Index
		case SearchKeyword:
			if first = keywordEnd(args, ks.Begin.Keyword, ks.Begin.StartFrom); first == 0 {
				continue // an absent keyword means no keys from this spec
			}
		default:
			return nil, false
		}
		var last int
		f := ks.Find
		switch f.Type {
		case FindRange:
			switch {
			case f.LastKey >= 0:
				last = first + f.LastKey
			case f.Limit == 0:
				last = argc + f.LastKey
			default:
				last = first + (argc-first)/f.Limit + f.LastKey
			}
		case FindKeynum:
			at := first + f.KeyNumIdx
			if at >= argc {
				return nil, false
			}
			n, ok := parseInt(args[at])
			if !ok || n < 0 {
				return nil, false
			}
			first += f.FirstKey
			last = first + int(int32(n)) - 1 // Redis keeps the count in a C int
		default:
			return nil, false
		}
		if last >= argc || last < first || first >= argc {
			return nil, false
		}
		for i := first; i <= last; i += f.KeyStep {
			refs = append(refs, KeyRef{Index: i, Flags: ks.Flags})
		}
		if ks.Flags&KeyIncomplete != 0 {
			return nil, false
		}
	}
	return refs, true
}

// keywordEnd returns the index after the keyword, searched forwards from
// startfrom or, when negative, backwards from argc+startfrom; 0 if absent.
// Like Redis 7.0, a forward search never looks at the last argument and a
// backward one stops before argument 1.
func keywordEnd(args [][]byte, keyword string, startfrom int) int {
	if startfrom > 0 {
		for i := startfrom; i < len(args)-1; i++ {
			if equalC(args[i], keyword) {
				return i + 1
			}
		}
		return 0
	}
	for i := len(args) + startfrom; i > 1; i-- {
		if equalC(args[i], keyword) {
			return i + 1
		}
	}
	return 0
}
