// Package stream owns the Redis stream data structure: entries ordered by
// ID, packed into byte-slice nodes the way Redis packs them into listpacks
// under a radix tree, with an index over the nodes' first IDs; trimming;
// and consumer groups with their pending entries lists. The command layer
// (shard/streams.go) parses arguments and writes replies; this package
// holds the state and the rules that change it.
package stream

import (
	"math"
	"strconv"
)

// ID is a stream entry ID: milliseconds and a sequence number.
type ID struct {
	Ms, Seq uint64
}

// MaxID is the largest ID, what "+" means.
var MaxID = ID{math.MaxUint64, math.MaxUint64}

// Compare returns -1, 0 or 1 as a is smaller than, equal to or greater
// than b.
func (a ID) Compare(b ID) int {
	switch {
	case a.Ms > b.Ms:
		return 1
	case a.Ms < b.Ms:
		return -1
	case a.Seq > b.Seq:
		return 1
	case a.Seq < b.Seq:
		return -1
	}
	return 0
}

// Less reports whether a sorts before b.
func (a ID) Less(b ID) bool { return a.Ms < b.Ms || a.Ms == b.Ms && a.Seq < b.Seq }

// IsZero reports whether id is 0-0.
func (id ID) IsZero() bool { return id.Ms == 0 && id.Seq == 0 }

// Next returns the ID after id; ok is false when id is MaxID.
func (id ID) Next() (next ID, ok bool) {
	switch {
	case id.Seq < math.MaxUint64:
		return ID{id.Ms, id.Seq + 1}, true
	case id.Ms < math.MaxUint64:
		return ID{id.Ms + 1, 0}, true
	}
	return ID{}, false
}

// Prev returns the ID before id; ok is false when id is 0-0.
func (id ID) Prev() (prev ID, ok bool) {
	switch {
	case id.Seq > 0:
		return ID{id.Ms, id.Seq - 1}, true
	case id.Ms > 0:
		return ID{id.Ms - 1, math.MaxUint64}, true
	}
	return MaxID, false
}

// Append appends id as "ms-seq".
func (id ID) Append(dst []byte) []byte {
	dst = strconv.AppendUint(dst, id.Ms, 10)
	dst = append(dst, '-')
	return strconv.AppendUint(dst, id.Seq, 10)
}

func (id ID) String() string { return string(id.Append(nil)) }

// maxIDArg is the longest argument Redis's ID parser accepts (its buffer
// holds 128 bytes with the terminating NUL).
const maxIDArg = 127

// ParseID parses an ID argument as Redis's streamGenericParseIDOrReply
// does: "ms-seq", or "ms" with seq missingSeq; "-" and "+" are the smallest
// and largest IDs unless strict is set. Each number is read as C's
// string2ull reads it, which strtoull backs: leading spaces, a sign and
// leading zeros are accepted.
func ParseID(b []byte, missingSeq uint64, strict bool) (ID, bool) {
	id, _, ok := parseID(b, missingSeq, strict, false)
	return id, ok
}

// ParseAddID parses XADD's ID argument, which may also be "ms-*" (the
// sequence is then chosen by the stream: seqGiven is false).
func ParseAddID(b []byte) (id ID, seqGiven, ok bool) {
	return parseID(b, 0, true, true)
}

func parseID(b []byte, missingSeq uint64, strict, autoSeq bool) (ID, bool, bool) {
	if len(b) > maxIDArg {
		return ID{}, false, false
	}
	b = cString(b)
	if len(b) == 1 && (b[0] == '-' || b[0] == '+') {
		switch {
		case strict:
			return ID{}, false, false
		case b[0] == '-':
			return ID{}, true, true
		}
		return MaxID, true, true
	}
	msPart, seqPart, dash := b, []byte(nil), false
	for i, ch := range b {
		if ch == '-' {
			msPart, seqPart, dash = b[:i], b[i+1:], true
			break
		}
	}
	ms, ok := string2ull(msPart)
	if !ok {
		return ID{}, false, false
	}
	if !dash {
		return ID{ms, missingSeq}, true, true
	}
	if autoSeq && len(seqPart) == 1 && seqPart[0] == '*' {
		return ID{ms, 0}, false, true
	}
	seq, ok := string2ull(seqPart)
	if !ok {
		return ID{}, false, false
	}
	return ID{ms, seq}, true, true
}

// cString is b up to its first NUL byte: Redis parses IDs as C strings.
func cString(b []byte) []byte {
	for i, ch := range b {
		if ch == 0 {
			return b[:i]
		}
	}
	return b
}

// string2ull is Redis's: string2ll when it succeeds (negative values are
// rejected), otherwise strtoull in base 10, which skips leading white
// space, takes a sign (a minus negates modulo 2^64) and must consume the
// whole string.
func string2ull(b []byte) (uint64, bool) {
	if v, ok := parseInt(b); ok {
		return uint64(v), v >= 0
	}
	i := 0
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	neg := false
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		neg = b[i] == '-'
		i++
	}
	start := i
	var v uint64
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		d := uint64(b[i] - '0')
		if v > (math.MaxUint64-d)/10 {
			return 0, false // ERANGE
		}
		v = v*10 + d
	}
	if i == start || i != len(b) {
		return 0, false
	}
	if neg {
		v = -v
	}
	return v, true
}

func isSpace(ch byte) bool {
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\v' || ch == '\f' || ch == '\r'
}

// parseInt parses b as Redis's string2ll does: an optional '-', decimal
// digits without leading zeros, within int64.
func parseInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
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
	for _, ch := range b {
		if ch < '0' || ch > '9' || v > (math.MaxUint64-9)/10 {
			return 0, false
		}
		v = v*10 + uint64(ch-'0')
	}
	switch {
	case neg && v <= 1<<63:
		return -int64(v), true
	case !neg && v <= math.MaxInt64:
		return int64(v), true
	}
	return 0, false
}
