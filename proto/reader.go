package proto

import (
	"bytes"
	"math"
)

// Limits Redis applies before a client authenticates.
const (
	unauthMaxArgs = 10
	unauthMaxBulk = 16384
)

// Limits are Redis's protocol limits.
type Limits struct {
	MaxBulkLen      int64 // proto-max-bulk-len
	MaxMultibulkLen int64 // most arguments one request may announce
	MaxInlineLen    int   // PROTO_INLINE_MAX_SIZE: longest unterminated line tolerated
}

// DefaultLimits returns the limits of a default Redis configuration.
func DefaultLimits() Limits {
	return Limits{
		MaxBulkLen:      512 * 1024 * 1024,
		MaxMultibulkLen: math.MaxInt32, // redis-server 7.0 rejects counts above INT_MAX
		MaxInlineLen:    64 * 1024,
	}
}

// Parser parses requests from a connection's input. It keeps the state of a
// partially received multibulk request so that a request with millions of
// arguments or a 500 MB bulk is not re-scanned from the start on every read:
// the total work for a request is linear in its size however it is split.
//
// A Parser whose Limits are all zero uses DefaultLimits, so the zero Parser is
// ready to use.
type Parser struct {
	Limits Limits
	// Unauthenticated applies the tighter limits Redis puts on a client
	// that has not authenticated yet (at most 10 arguments, bulks of at most
	// 16 KiB), so that it cannot make the server buffer much before AUTH.
	Unauthenticated bool

	// Offsets below are relative to the start of the request, which is where
	// every buf passed to Parse starts; the bytes may move between calls, so
	// no slice of an earlier buf is kept.

	pending bool   // a multibulk count was read and its bulks are being collected
	left    int64  // bulks of the pending request still to read
	bulkLen int64  // length announced by the last bulk header, -1 before the next header
	pos     int    // first byte not yet parsed
	scan    int    // where the search for the current line's terminator resumes
	spans   []span // arguments read so far
	need    int

	// scratch holds inline arguments that had quotes or escapes, which
	// cannot alias the input.
	scratch []byte
}

type span struct{ start, end int }

// Above these sizes the Parser lets go of its bookkeeping once a request is
// done, so that one huge request does not pin memory for the life of the
// connection.
const (
	retainSpans   = 4096
	retainScratch = 64 * 1024
)

// Parse parses one request from the start of buf. buf must start at the
// first byte not yet consumed: after an incomplete result the caller passes
// the same bytes again plus whatever arrived since (possibly at another
// address).
//
// The arguments are appended to args[:0] as sub-slices of buf (or of the
// Parser's scratch space for quoted inline arguments, valid until the next
// call), each with its capacity clipped to its length.
//
//   - complete request: out holds the arguments and n > 0 bytes were consumed;
//   - incomplete request: n == 0 and err == nil; Need reports how long buf must
//     be before another call can make progress;
//   - empty request (blank inline line, "*0", "*-1"): n > 0 and len(out) == 0;
//   - protocol violation: err is a *ProtocolError and the connection must be
//     closed after replying "-ERR " + err.Error().
func (p *Parser) Parse(buf []byte, args [][]byte) (out [][]byte, n int, err error) {
	if p.Limits == (Limits{}) {
		p.Limits = DefaultLimits()
	}
	if len(buf) == 0 {
		p.need = 1
		return args[:0], 0, nil
	}
	if buf[0] == '*' {
		return p.parseMultibulk(buf, args)
	}
	return p.parseInline(buf, args)
}

// Need reports, after Parse returned an incomplete result, the smallest
// len(buf) with which the next call can make progress. It lets the caller
// skip parsing until a large bulk has fully arrived. It is 0 otherwise.
func (p *Parser) Need() int { return p.need }

// Reset discards any partially parsed request, for a caller that drops its
// unconsumed input.
func (p *Parser) Reset() {
	p.pending = false
	p.left = 0
	p.bulkLen = -1
	p.pos = 0
	p.scan = 0
	p.need = 0
	p.spans = p.spans[:0]
}

func (p *Parser) parseMultibulk(buf []byte, args [][]byte) ([][]byte, int, error) {
	if !p.pending {
		count, cr := fastLen(buf, 0)
		if cr < 0 {
			var ok bool
			var err error
			if count, cr, ok, err = p.slowLen(buf, 0, errTooBigMbulkCount); cr < 0 {
				return args[:0], 0, err
			}
			if !ok {
				p.Reset()
				return args[:0], 0, errInvalidMbulkLen
			}
		}
		if count > p.Limits.MaxMultibulkLen {
			p.Reset()
			return args[:0], 0, errInvalidMbulkLen
		}
		if p.Unauthenticated && count > unauthMaxArgs {
			p.Reset()
			return args[:0], 0, errUnauthMbulkLen
		}
		if count <= 0 {
			p.Reset()
			return args[:0], cr + 2, nil
		}
		p.pending = true
		p.left = count
		p.bulkLen = -1
		p.pos = cr + 2
		p.scan = p.pos
		p.spans = p.spans[:0]
	}

	for p.left > 0 {
		if p.bulkLen < 0 {
			size, cr := int64(-1), -1
			if p.pos < len(buf) && buf[p.pos] == '$' {
				size, cr = fastLen(buf, p.pos)
			}
			if cr < 0 {
				var ok bool
				var err error
				if size, cr, ok, err = p.slowLen(buf, p.pos, errTooBigBulkCount); cr < 0 {
					return args[:0], 0, err
				}
				// Redis looks for the whole line before checking its first
				// byte, so a partial line is waited for even if it will be
				// rejected.
				if buf[p.pos] != '$' {
					err := errExpectedDollar(buf[p.pos])
					p.Reset()
					return args[:0], 0, err
				}
				if !ok {
					size = -1
				}
			}
			if size < 0 || size > p.Limits.MaxBulkLen {
				p.Reset()
				return args[:0], 0, errInvalidBulkLen
			}
			if p.Unauthenticated && size > unauthMaxBulk {
				p.Reset()
				return args[:0], 0, errUnauthBulkLen
			}
			p.bulkLen = size
			p.pos = cr + 2
		}
		// The two bytes after the payload are skipped unchecked, as Redis does.
		if int64(len(buf)-p.pos)-2 < p.bulkLen {
			p.need = math.MaxInt
			if p.bulkLen <= int64(math.MaxInt-p.pos-2) {
				p.need = p.pos + int(p.bulkLen) + 2
			}
			return args[:0], 0, nil
		}
		end := p.pos + int(p.bulkLen)
		p.spans = append(p.spans, span{p.pos, end})
		p.pos = end + 2
		p.scan = p.pos
		p.bulkLen = -1
		p.left--
	}

	out := args[:0]
	for _, s := range p.spans {
		out = append(out, buf[s.start:s.end:s.end])
	}
	n := p.pos
	if cap(p.spans) > retainSpans {
		p.spans = nil
	}
	p.Reset()
	return out, n, nil
}

// fastLen reads the usual header line at start: a type byte, a plain
// non-negative number of at most 18 digits, and a CR with a byte after it.
// It returns cr == -1 for anything else, which slowLen then handles with
// all of Redis's rules; on what it accepts, the two agree.
func fastLen(buf []byte, start int) (n int64, cr int) {
	i := start + 1
	for ; i < len(buf) && i-start <= 18; i++ {
		c := buf[i]
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int64(c-'0')
	}
	digits := i - start - 1
	if digits == 0 || i+1 >= len(buf) || buf[i] != '\r' || digits > 1 && buf[start+1] == '0' {
		return -1, -1
	}
	return n, i
}

// slowLen reads the number on the header line at start, after its type byte.
// It returns cr == -1 when the line is incomplete (err says whether it is
// also too long), and ok == false when the line is not a number.
func (p *Parser) slowLen(buf []byte, start int, tooBig error) (n int64, cr int, ok bool, err error) {
	cr, err = p.line(buf, start, tooBig)
	if cr < 0 {
		return 0, -1, false, err
	}
	// An empty line has no type byte to skip; it is not a number either.
	if cr > start {
		n, ok = parseInt(buf[start+1 : cr])
	}
	return n, cr, ok, nil
}

// line finds the CR ending the line that starts at start, the way Redis does:
// the first CR anywhere after start counts, and one more byte (the LF, which
// is not checked) must have arrived. It returns -1 when the line is
// incomplete, with err set if the unterminated line has grown too big.
func (p *Parser) line(buf []byte, start int, tooBig error) (int, error) {
	from := max(p.scan, start)
	i := bytes.IndexByte(buf[from:], '\r')
	if i < 0 {
		if len(buf)-start > p.Limits.MaxInlineLen {
			p.Reset()
			return -1, tooBig
		}
		p.scan = len(buf)
		p.need = len(buf) + 1
		return -1, nil
	}
	cr := from + i
	if cr+1 == len(buf) {
		p.scan = cr
		p.need = cr + 2
		return -1, nil
	}
	return cr, nil
}

func (p *Parser) parseInline(buf []byte, args [][]byte) ([][]byte, int, error) {
	i := bytes.IndexByte(buf[p.scan:], '\n')
	if i < 0 {
		if len(buf) > p.Limits.MaxInlineLen {
			p.Reset()
			return args[:0], 0, errTooBigInline
		}
		p.scan = len(buf)
		p.need = len(buf) + 1
		return args[:0], 0, nil
	}
	lf := p.scan + i
	p.scan = 0
	p.need = 0
	line := buf[:lf]
	if lf > 0 && line[lf-1] == '\r' {
		line = line[:lf-1]
	}
	out, err := p.splitArgs(line, args[:0])
	if cap(p.scratch) > retainScratch {
		p.scratch = nil
	}
	if err != nil {
		return args[:0], 0, err
	}
	return out, lf + 1, nil
}

// parseInt parses a length the way Redis's string2ll does: an optional '-',
// then digits without leading zeros (a lone "0" aside), fitting an int64.
func parseInt(b []byte) (int64, bool) {
	// string2ll rejects anything of 21 bytes or more (LONG_STR_SIZE).
	if len(b) == 0 || len(b) >= 21 {
		return 0, false
	}
	if len(b) == 1 && b[0] == '0' {
		return 0, true
	}
	neg := b[0] == '-'
	if neg {
		b = b[1:]
		if len(b) == 0 {
			return 0, false
		}
	}
	if b[0] < '1' || b[0] > '9' {
		return 0, false
	}
	var v uint64
	for i, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		// Nineteen digits always fit; only a twentieth can overflow.
		if i == 19 && (v > math.MaxUint64/10 || v*10 > math.MaxUint64-d) {
			return 0, false
		}
		v = v*10 + d
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return -int64(v), true
	}
	if v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}
