package cmdspec

// Flag is one command flag of COMMAND INFO, as a bit so that the
// dispatcher's per-command checks cost an AND.
type Flag uint32

// The command flags Redis 7.0 reports, in the order it prints them.
const (
	FlagWrite Flag = 1 << iota
	FlagReadonly
	FlagDenyOOM
	FlagAdmin
	FlagPubSub
	FlagNoScript
	FlagBlocking
	FlagLoading
	FlagStale
	FlagSkipMonitor
	FlagSkipSlowlog
	FlagAsking
	FlagFast
	FlagNoAuth
	FlagNoMandatoryKeys
	FlagNoAsyncLoading
	FlagNoMulti
	FlagMovableKeys
	FlagAllowBusy
)

// flagNames spells each Flag bit, lowest first.
var flagNames = []string{
	"write", "readonly", "denyoom", "admin", "pubsub", "noscript", "blocking",
	"loading", "stale", "skip_monitor", "skip_slowlog", "asking", "fast",
	"no_auth", "no_mandatory_keys", "no_async_loading", "no_multi",
	"movablekeys", "allow_busy",
}

var flagByName = bitsByName[Flag](flagNames)

// KeyFlags describes how a command uses one key argument.
type KeyFlags uint32

// The key-spec flags of Redis 7.0, in the order it prints them.
const (
	KeyRO KeyFlags = 1 << iota
	KeyRW
	KeyOW
	KeyRM
	KeyAccess
	KeyUpdate
	KeyInsert
	KeyDelete
	KeyNotKey
	KeyIncomplete
	KeyVariableFlags
)

var keyFlagNames = []string{
	"RO", "RW", "OW", "RM", "access", "update", "insert", "delete",
	"not_key", "incomplete", "variable_flags",
}

var keyFlagByName = bitsByName[KeyFlags](keyFlagNames)

// Names lists the flags as Redis prints them (COMMAND GETKEYSANDFLAGS).
func (f KeyFlags) Names() []string {
	var names []string
	for i, name := range keyFlagNames {
		if f&(1<<i) != 0 {
			names = append(names, name)
		}
	}
	return names
}

func bitsByName[T Flag | KeyFlags](names []string) map[string]T {
	m := make(map[string]T, len(names))
	for i, name := range names {
		m[name] = 1 << i
	}
	return m
}
