package proto

// ProtocolError is a request that breaks the framing rules. Redis answers it
// with "-ERR " followed by Error() and then closes the connection, because the
// rest of the input can no longer be delimited.
type ProtocolError struct {
	msg string
}

func (e *ProtocolError) Error() string { return e.msg }

// The fixed protocol errors are preallocated so that rejecting a hostile
// client costs nothing.
var (
	errTooBigMbulkCount = &ProtocolError{"Protocol error: too big mbulk count string"}
	errInvalidMbulkLen  = &ProtocolError{"Protocol error: invalid multibulk length"}
	errTooBigBulkCount  = &ProtocolError{"Protocol error: too big bulk count string"}
	errInvalidBulkLen   = &ProtocolError{"Protocol error: invalid bulk length"}
	errUnauthMbulkLen   = &ProtocolError{"Protocol error: unauthenticated multibulk length"}
	errUnauthBulkLen    = &ProtocolError{"Protocol error: unauthenticated bulk length"}
	errTooBigInline     = &ProtocolError{"Protocol error: too big inline request"}
	errUnbalancedQuotes = &ProtocolError{"Protocol error: unbalanced quotes in request"}
)

func errExpectedDollar(got byte) error {
	// Redis replaces CR and LF in error replies with spaces; doing it here
	// keeps Error() safe to write unsanitised.
	if got == '\r' || got == '\n' {
		got = ' '
	}
	return &ProtocolError{"Protocol error: expected '$', got '" + string([]byte{got}) + "'"}
}

// Error reply texts shared by commands, byte for byte as Redis 7.0 sends them
// (without the leading '-'; AppendError adds it).
const (
	ErrWrongType       = "WRONGTYPE Operation against a key holding the wrong kind of value"
	ErrSyntax          = "ERR syntax error"
	ErrNotInt          = "ERR value is not an integer or out of range"
	ErrNotFloat        = "ERR value is not a valid float"
	ErrNoSuchKey       = "ERR no such key"
	ErrOverflow        = "ERR increment or decrement would overflow"
	ErrIndexOutOfRange = "ERR index out of range"
	ErrNoAuth          = "NOAUTH Authentication required."
	ErrDBIndex         = "ERR DB index is out of range"
	ErrSameObject      = "ERR source and destination objects are the same"

	// ErrInvalidExpire is a format string taking the command name.
	ErrInvalidExpire = "ERR invalid expire time in '%s' command"
)

// WrongArity is the reply to a command called with the wrong number of
// arguments; name is the command name as Redis prints it (lower case, and
// "container|sub" for subcommands).
func WrongArity(name string) string {
	return "ERR wrong number of arguments for '" + name + "' command"
}

// echoLimit is the 128 of Redis's "%.128s": how much of a client-supplied
// name an error reply echoes back.
const echoLimit = 128

// UnknownCommand is Redis 7.0's reply to an unknown command: the name and as
// many leading arguments as fit in about 128 bytes are echoed, each cut to
// what is left of that budget.
func UnknownCommand(name []byte, args [][]byte) string {
	var quoted []byte
	for _, a := range args {
		if len(quoted) >= echoLimit {
			break
		}
		limit := echoLimit - len(quoted)
		quoted = append(quoted, '\'')
		quoted = append(quoted, cString(a, limit)...)
		quoted = append(quoted, '\'', ' ')
	}
	return "ERR unknown command '" + string(cString(name, echoLimit)) +
		"', with args beginning with: " + string(quoted)
}

// UnknownSubcommand is the reply to a container command (CONFIG, CLIENT, ...)
// called with a subcommand it does not have.
func UnknownSubcommand(sub []byte, cmd string) string {
	upper := []byte(cmd)
	for i, c := range upper {
		if 'a' <= c && c <= 'z' {
			upper[i] = c - ('a' - 'A')
		}
	}
	return "ERR unknown subcommand '" + string(cString(sub, echoLimit)) +
		"'. Try " + string(upper) + " HELP."
}

// cString is b as C's "%.*s" prints it with precision limit: Redis formats
// these replies with printf, which stops at the first NUL byte.
func cString(b []byte, limit int) []byte {
	for i, c := range b {
		if c == 0 || i == limit {
			return b[:i]
		}
	}
	return b
}
