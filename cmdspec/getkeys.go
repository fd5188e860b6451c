package cmdspec

// getKeysFunc is a command's own key finder, which Redis 7.0 uses when the
// key specs fall short. Each one below mimics its Redis counterpart,
// quirks included, so that COMMAND GETKEYS answers the same. It appends
// the keys to refs (the caller's buffer, empty) and returns it.
type getKeysFunc func(refs []KeyRef, args [][]byte) []KeyRef

// getKeysFuncs lists the commands that have one. GEORADIUS and
// GEORADIUSBYMEMBER have one in Redis too, but their specs always fit.
var getKeysFuncs = map[string]getKeysFunc{
	"eval":        countedKeys(0, 2, 3),
	"evalsha":     countedKeys(0, 2, 3),
	"eval_ro":     countedKeys(0, 2, 3),
	"evalsha_ro":  countedKeys(0, 2, 3),
	"fcall":       countedKeys(0, 2, 3),
	"fcall_ro":    countedKeys(0, 2, 3),
	"zunion":      countedKeys(0, 1, 2),
	"zinter":      countedKeys(0, 1, 2),
	"zdiff":       countedKeys(0, 1, 2),
	"zintercard":  countedKeys(0, 1, 2),
	"zunionstore": countedKeys(1, 2, 3),
	"zinterstore": countedKeys(1, 2, 3),
	"zdiffstore":  countedKeys(1, 2, 3),
	"lmpop":       countedKeys(0, 1, 2),
	"zmpop":       countedKeys(0, 1, 2),
	"sintercard":  countedKeys(0, 1, 2),
	"blmpop":      countedKeys(0, 2, 3),
	"bzmpop":      countedKeys(0, 2, 3),
	"sort":        sortKeys,
	"sort_ro":     sortROKeys,
	"migrate":     migrateKeys,
	"set":         setKeys,
	"bitfield":    bitfieldKeys,
	"xread":       xreadKeys,
	"xreadgroup":  xreadKeys,
}

// countedKeys finds the keys of "CMD [dest] numkeys key...": numkeys at
// argument count (read with atoi), keys from first, and the destination at
// store (0: none) listed last. Keys get no flags.
func countedKeys(store, count, first int) getKeysFunc {
	return func(refs []KeyRef, args [][]byte) []KeyRef {
		n := atoi(args[count])
		if n < 1 || n > len(args)-first {
			return refs
		}
		for i := range n {
			refs = append(refs, KeyRef{Index: first + i})
		}
		if store > 0 {
			refs = append(refs, KeyRef{Index: store})
		}
		return refs
	}
}

// sortKeys: the sorted key, and the last STORE destination, skipping the
// arguments of LIMIT, GET and BY.
func sortKeys(refs []KeyRef, args [][]byte) []KeyRef {
	refs = append(refs, KeyRef{Index: 1, Flags: KeyRO | KeyAccess})
	store := 0
	for i := 2; i < len(args); i++ {
		switch {
		case equalC(args[i], "limit"):
			i += 2
		case equalC(args[i], "get"), equalC(args[i], "by"):
			i++
		case equalC(args[i], "store") && i+1 < len(args):
			store = i + 1
		}
	}
	if store > 0 {
		refs = append(refs, KeyRef{Index: store, Flags: KeyOW | KeyUpdate})
	}
	return refs
}

func sortROKeys(refs []KeyRef, _ [][]byte) []KeyRef {
	return append(refs, KeyRef{Index: 1, Flags: KeyRO | KeyAccess})
}

// migrateKeys: the key argument, or what follows KEYS when the key
// argument is empty (none when it is not: MIGRATE replies an error).
func migrateKeys(refs []KeyRef, args [][]byte) []KeyRef {
	first, n := 3, 1
	for i := 6; i < len(args); i++ {
		if equalC(args[i], "keys") {
			if len(args[3]) > 0 {
				return refs
			}
			first, n = i+1, len(args)-i-1
			break
		}
		switch {
		case equalC(args[i], "auth"):
			i++
		case equalC(args[i], "auth2"):
			i += 2
		}
	}
	for i := range n {
		refs = append(refs, KeyRef{Index: first + i, Flags: KeyRW | KeyAccess | KeyDelete})
	}
	return refs
}

// setKeys: SET reads the old value only with GET.
func setKeys(refs []KeyRef, args [][]byte) []KeyRef {
	for _, a := range args[3:] {
		if equalC(a, "get") {
			return append(refs, KeyRef{Index: 1, Flags: KeyRW | KeyAccess | KeyUpdate})
		}
	}
	return append(refs, KeyRef{Index: 1, Flags: KeyOW | KeyUpdate})
}

// bitfieldKeys: BITFIELD is read-only unless it has a SET or INCRBY, or
// arguments it cannot parse.
func bitfieldKeys(refs []KeyRef, args [][]byte) []KeyRef {
	readonly := true
scan:
	for i := 2; i < len(args); i++ {
		rest := len(args) - i - 1
		switch {
		case equalC(args[i], "get") && rest >= 2:
			i += 2
		case (equalC(args[i], "set") || equalC(args[i], "incrby")) && rest >= 3:
			readonly = false
			break scan
		case equalC(args[i], "overflow") && rest >= 1:
			i++
		default:
			readonly = false
			break scan
		}
	}
	if readonly {
		return append(refs, KeyRef{Index: 1, Flags: KeyRO | KeyAccess})
	}
	return append(refs, KeyRef{Index: 1, Flags: KeyRW | KeyAccess | KeyUpdate})
}

// xreadKeys: the first half of the arguments after the STREAMS option,
// found by skipping the other options. Keys get no flags.
func xreadKeys(refs []KeyRef, args [][]byte) []KeyRef {
	streams := -1
scan:
	for i := 1; i < len(args); i++ {
		switch {
		case equalC(args[i], "block"), equalC(args[i], "count"):
			i++
		case equalC(args[i], "group"):
			i += 2
		case equalC(args[i], "noack"):
		case equalC(args[i], "streams"):
			streams = i
			break scan
		default:
			break scan
		}
	}
	n := len(args) - streams - 1
	if streams < 0 || n == 0 || n%2 != 0 {
		return refs
	}
	for i := range n / 2 {
		refs = append(refs, KeyRef{Index: streams + 1 + i})
	}
	return refs
}
