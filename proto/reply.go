package proto

import (
	"bytes"
	"errors"
	"strconv"
)

// Kind is a RESP type, named by the byte that introduces it on the wire.
type Kind byte

// The RESP2 and RESP3 types.
const (
	KindSimple    Kind = '+'
	KindError     Kind = '-'
	KindInt       Kind = ':'
	KindBulk      Kind = '$'
	KindArray     Kind = '*'
	KindNull      Kind = '_'
	KindDouble    Kind = ','
	KindBool      Kind = '#'
	KindMap       Kind = '%'
	KindSet       Kind = '~'
	KindPush      Kind = '>'
	KindVerbatim  Kind = '='
	KindBigNumber Kind = '('
	KindBlobError Kind = '!'
	KindAttribute Kind = '|'
)

// Value is one RESP value as read by ReadValue.
type Value struct {
	Kind Kind
	// Str is the text of simple strings, errors, bulk strings, blob errors and
	// big numbers, the whole "fmt:text" payload of verbatim strings, and the
	// text of doubles. It aliases the buffer the value was read from.
	Str   []byte
	Int   int64   // KindInt
	Float float64 // KindDouble
	Bool  bool    // KindBool
	Null  bool    // KindNull, and the RESP2 null bulk string and null array
	// Elems holds the elements of arrays, sets and pushes; maps and attributes
	// hold their keys and values alternately.
	Elems []Value
}

// maxDepth bounds the nesting of aggregates so that hostile input cannot
// exhaust the stack.
const maxDepth = 1000

var (
	errReplyLine   = &ProtocolError{"Protocol error: invalid reply line"}
	errReplyLen    = &ProtocolError{"Protocol error: invalid reply length"}
	errReplyInt    = &ProtocolError{"Protocol error: invalid integer reply"}
	errReplyDouble = &ProtocolError{"Protocol error: invalid double reply"}
	errReplyBool   = &ProtocolError{"Protocol error: invalid boolean reply"}
	errReplyBigNum = &ProtocolError{"Protocol error: invalid big number reply"}
	errReplyCRLF   = &ProtocolError{"Protocol error: bulk payload not followed by CRLF"}
	errReplyNested = &ProtocolError{"Protocol error: reply nested too deeply"}
)

func errReplyType(b byte) error {
	return &ProtocolError{"Protocol error: invalid reply type byte " + strconv.QuoteRune(rune(b))}
}

// ReadValue parses one RESP2 or RESP3 value from the start of buf and returns
// it with the number of bytes it took; n == 0 with a nil error means buf holds
// only part of a value. Strings in the result alias buf.
//
// Hostile input cannot make it allocate much more than len(buf): element
// slices are sized by the elements actually read, not by announced counts.
// Streamed (chunked) strings and aggregates are not supported.
func ReadValue(buf []byte) (v Value, n int, err error) {
	var r valueReader
	r.buf = buf
	v, end, err := r.read(0, 0)
	if err != nil || end < 0 {
		return Value{}, 0, err
	}
	return v, end, nil
}

type valueReader struct {
	buf []byte
	// stack collects the elements of the aggregates being read, so that each
	// aggregate allocates exactly once, when complete.
	stack []Value
}

// read reads the value at pos and returns the offset after it, or -1 if the
// value is incomplete.
func (r *valueReader) read(pos, depth int) (Value, int, error) {
	if pos >= len(r.buf) {
		return Value{}, -1, nil
	}
	kind := Kind(r.buf[pos])
	line, next := r.line(pos + 1)
	if next < 0 {
		return Value{}, -1, nil
	}
	v := Value{Kind: kind}
	switch kind {
	case KindSimple, KindError:
		v.Str = line
		return v, next, nil
	case KindInt:
		n, ok := parseInt(line)
		if !ok {
			return Value{}, 0, errReplyInt
		}
		v.Int = n
		return v, next, nil
	case KindNull:
		if len(line) != 0 {
			return Value{}, 0, errReplyLine
		}
		v.Null = true
		return v, next, nil
	case KindBool:
		if len(line) != 1 || line[0] != 't' && line[0] != 'f' {
			return Value{}, 0, errReplyBool
		}
		v.Bool = line[0] == 't'
		return v, next, nil
	case KindDouble:
		f, err := strconv.ParseFloat(string(line), 64)
		// Out of range values come back as ±Inf or 0 with ErrRange; they
		// are still numbers.
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return Value{}, 0, errReplyDouble
		}
		v.Str = line
		v.Float = f
		return v, next, nil
	case KindBigNumber:
		digits := bytes.TrimPrefix(line, []byte{'-'})
		if len(digits) == 0 || bytes.IndexFunc(digits, notDigit) >= 0 {
			return Value{}, 0, errReplyBigNum
		}
		v.Str = line
		return v, next, nil
	case KindBulk, KindVerbatim, KindBlobError:
		return r.readBlob(v, line, next)
	case KindArray, KindSet, KindPush, KindMap, KindAttribute:
		return r.readAggregate(v, line, next, depth)
	default:
		return Value{}, 0, errReplyType(byte(kind))
	}
}

func (r *valueReader) readBlob(v Value, line []byte, pos int) (Value, int, error) {
	size, ok := parseInt(line)
	if ok && size == -1 && v.Kind == KindBulk {
		v.Null = true
		return v, pos, nil
	}
	if !ok || size < 0 || v.Kind == KindVerbatim && size < 4 {
		return Value{}, 0, errReplyLen
	}
	if int64(len(r.buf)-pos)-2 < size {
		return Value{}, -1, nil
	}
	end := pos + int(size)
	if r.buf[end] != '\r' || r.buf[end+1] != '\n' {
		return Value{}, 0, errReplyCRLF
	}
	v.Str = r.buf[pos:end:end]
	if v.Kind == KindVerbatim && v.Str[3] != ':' {
		return Value{}, 0, errReplyLine
	}
	return v, end + 2, nil
}

func (r *valueReader) readAggregate(v Value, line []byte, pos, depth int) (Value, int, error) {
	count, ok := parseInt(line)
	if ok && count == -1 && v.Kind == KindArray {
		v.Null = true
		return v, pos, nil
	}
	if !ok || count < 0 {
		return Value{}, 0, errReplyLen
	}
	if depth >= maxDepth {
		return Value{}, 0, errReplyNested
	}
	// Every element takes at least three bytes, so a count beyond what buf
	// could hold means more input is needed; checking it first also keeps
	// the doubling for maps from overflowing.
	if count > int64(len(r.buf)-pos) {
		return Value{}, -1, nil
	}
	if v.Kind == KindMap || v.Kind == KindAttribute {
		count *= 2
	}
	base := len(r.stack)
	for range count {
		elem, next, err := r.read(pos, depth+1)
		if err != nil || next < 0 {
			r.stack = r.stack[:base]
			return Value{}, next, err
		}
		r.stack = append(r.stack, elem)
		pos = next
	}
	v.Elems = make([]Value, count)
	copy(v.Elems, r.stack[base:])
	r.stack = r.stack[:base]
	return v, pos, nil
}

// line returns the text from pos up to the next CRLF and the offset after
// the CRLF, or -1 if no CRLF has arrived.
func (r *valueReader) line(pos int) ([]byte, int) {
	i := bytes.Index(r.buf[pos:], crlf)
	if i < 0 {
		return nil, -1
	}
	return r.buf[pos : pos+i : pos+i], pos + i + 2
}

var crlf = []byte("\r\n")

func notDigit(c rune) bool { return c < '0' || c > '9' }
