package engine

// Replies Redis 7.0 gives for common failures, byte for byte.
const (
	errSyntax        = "ERR syntax error"
	errWrongType     = "WRONGTYPE Operation against a key holding the wrong kind of value"
	errNotInt        = "ERR value is not an integer or out of range"
	errNotFloat      = "ERR value is not a valid float"
	errOverflow      = "ERR increment or decrement would overflow"
	errNoSuchKey     = "ERR no such key"
	errDBIndex       = "ERR DB index is out of range"
	errInvalidExpire = "ERR invalid expire time in '%s' command"
	errNoAuth        = "NOAUTH Authentication required."
	errWrongPass     = "WRONGPASS invalid username-password pair or user is disabled."
	errSameObject    = "ERR source and destination objects are the same"
	errCursor        = "ERR invalid cursor"
	errStringTooLong = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
)
