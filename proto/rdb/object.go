package rdb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
)

// maxPrealloc caps the capacity reserved from a count the file claims;
// beyond it slices grow as elements actually arrive.
const maxPrealloc = 1024

// readObject reads the value of a key of type t that started at offset at.
// It returns a nil Value for an empty collection, which redis-server skips.
func (r *Reader) readObject(t Type, key []byte, at int64) (Value, error) {
	v, err := r.readValue(t, key)
	if err != nil {
		var re *Error
		if errors.As(err, &re) {
			if re.Key == nil {
				re.Key = key
			}
			return nil, re
		}
		return nil, &Error{Offset: at, Key: key, Msg: err.Error()}
	}
	return v, nil
}

// blobError is a fault inside a string-encoded structure (listpack,
// ziplist, intset, zipmap), reported at the offset of the string.
func (r *Reader) blobError(at int64, key []byte, t Type, err error) error {
	return &Error{Offset: at, Key: key, Msg: fmt.Sprintf("%v: %v", t, err)}
}

func (r *Reader) readValue(t Type, key []byte) (Value, error) {
	switch t {
	case TypeString:
		b, err := r.readString()
		if err != nil {
			return nil, err
		}
		return String{B: b}, nil
	case TypeList, TypeSet:
		n, err := r.readLen()
		if err != nil {
			return nil, err
		}
		elems := make([][]byte, 0, min(n, maxPrealloc))
		for ; n > 0; n-- {
			b, err := r.readString()
			if err != nil {
				return nil, err
			}
			elems = append(elems, b)
		}
		if len(elems) == 0 {
			return nil, nil
		}
		if t == TypeList {
			return List{Elems: elems}, nil
		}
		return checkSet(elems)
	case TypeZSet, TypeZSet2:
		return r.readZSet(t, key)
	case TypeHash:
		n, err := r.readLen()
		if err != nil {
			return nil, err
		}
		fields := make([][2][]byte, 0, min(n, maxPrealloc))
		for ; n > 0; n-- {
			f, err := r.readString()
			if err != nil {
				return nil, err
			}
			v, err := r.readString()
			if err != nil {
				return nil, err
			}
			fields = append(fields, [2][]byte{f, v})
		}
		return checkHash(fields)
	case TypeModule, TypeModule2:
		id, err := r.readLen()
		if err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("value of module type %s cannot be loaded without the module", moduleName(id))
	case TypeListQuicklist, TypeListQuicklist2:
		return r.readQuicklist(t, key)
	case TypeStreamListpacks, TypeStreamListpacks2, TypeStreamListpacks3:
		return r.readStream(t, key)
	case TypeHashZipmap, TypeListZiplist, TypeSetIntset, TypeZSetZiplist, TypeHashZiplist,
		TypeHashListpack, TypeZSetListpack, TypeSetListpack:
		at := r.in.offset()
		blob, err := r.readString()
		if err != nil {
			return nil, err
		}
		v, err := decodeBlob(t, blob)
		if err != nil {
			var re *Error
			if errors.As(err, &re) {
				return nil, err
			}
			return nil, r.blobError(at, key, t, err)
		}
		return v, nil
	}
	return nil, fmt.Errorf("unknown object type %d", byte(t))
}

// decodeBlob decodes the single-string encodings.
func decodeBlob(t Type, blob []byte) (Value, error) {
	switch t {
	case TypeHashZipmap:
		pairs, err := decodeZipmap(blob)
		if err != nil {
			return nil, err
		}
		return checkHash(pairs)
	case TypeSetIntset:
		vals, err := decodeIntset(blob)
		if err != nil || len(vals) == 0 {
			return nil, err
		}
		members := make([][]byte, len(vals))
		for i, v := range vals {
			members[i] = strconv.AppendInt(nil, v, 10)
		}
		return Set{Members: members}, nil
	}
	var elems []lpElem
	var err error
	if t == TypeListZiplist || t == TypeZSetZiplist || t == TypeHashZiplist {
		elems, err = decodeZiplist(blob)
	} else {
		elems, err = decodeListpack(blob)
	}
	if err != nil {
		return nil, err
	}
	if len(elems) == 0 {
		return nil, nil
	}
	switch t {
	case TypeListZiplist:
		return List{Elems: elemBytes(nil, elems)}, nil
	case TypeSetListpack:
		return checkSet(elemBytes(nil, elems))
	case TypeHashZiplist, TypeHashListpack:
		if len(elems)%2 != 0 {
			return nil, fmt.Errorf("odd number of elements (%d) in a hash", len(elems))
		}
		fields := make([][2][]byte, len(elems)/2)
		for i := range fields {
			fields[i] = [2][]byte{elems[2*i].bytes(), elems[2*i+1].bytes()}
		}
		return checkHash(fields)
	default: // TypeZSetZiplist, TypeZSetListpack
		if len(elems)%2 != 0 {
			return nil, fmt.Errorf("odd number of elements (%d) in a sorted set", len(elems))
		}
		members := make([]ZMember, len(elems)/2)
		for i := range members {
			score, ok := elemScore(elems[2*i+1])
			if !ok {
				return nil, fmt.Errorf("member %d has an invalid score", i)
			}
			members[i] = ZMember{Member: elems[2*i].bytes(), Score: score}
		}
		return checkZSet(members)
	}
}

func elemBytes(dst [][]byte, elems []lpElem) [][]byte {
	for _, e := range elems {
		dst = append(dst, e.bytes())
	}
	return dst
}

// elemScore parses a listpack score as zzlStrtod does; NaN is refused.
func elemScore(e lpElem) (float64, bool) {
	if e.isInt {
		return float64(e.v), true
	}
	f, ok := parseScore(e.s)
	return f, ok
}

func parseScore(s []byte) (float64, bool) {
	f, err := strconv.ParseFloat(string(s), 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

func (r *Reader) readZSet(t Type, key []byte) (Value, error) {
	n, err := r.readLen()
	if err != nil {
		return nil, err
	}
	members := make([]ZMember, 0, min(n, maxPrealloc))
	for ; n > 0; n-- {
		m, err := r.readString()
		if err != nil {
			return nil, err
		}
		at := r.in.offset()
		var score float64
		if t == TypeZSet2 {
			b, err := r.in.next(8)
			if err != nil {
				return nil, r.fail(at, key, err, "reading score")
			}
			score = math.Float64frombits(binary.LittleEndian.Uint64(b))
		} else if score, err = r.readTextScore(); err != nil {
			return nil, err
		}
		if math.IsNaN(score) {
			return nil, r.errorf(at, key, "score of member %q is NaN", m)
		}
		members = append(members, ZMember{Member: m, Score: score})
	}
	return checkZSet(members)
}

// readTextScore reads the old ZSET score: a length byte (253, 254 and 255
// stand for NaN, +inf and -inf) and that many bytes of "%.17g".
func (r *Reader) readTextScore() (float64, error) {
	at := r.in.offset()
	c, err := r.in.byte()
	if err != nil {
		return 0, r.fail(at, nil, err, "reading score")
	}
	switch c {
	case dblNaN:
		return math.NaN(), nil
	case dblPosInf:
		return math.Inf(1), nil
	case dblNegInf:
		return math.Inf(-1), nil
	}
	b, err := r.in.next(int(c))
	if err != nil {
		return 0, r.fail(at, nil, err, "reading score")
	}
	f, ok := parseScore(b)
	if !ok {
		return 0, r.errorf(at, nil, "invalid score %q", b)
	}
	return f, nil
}

func (r *Reader) readQuicklist(t Type, key []byte) (Value, error) {
	nodes, err := r.readLen()
	if err != nil {
		return nil, err
	}
	var elems [][]byte
	for ; nodes > 0; nodes-- {
		container := uint64(containerPacked)
		if t == TypeListQuicklist2 {
			at := r.in.offset()
			if container, err = r.readLen(); err != nil {
				return nil, err
			}
			if container != containerPlain && container != containerPacked {
				return nil, r.errorf(at, key, "quicklist node container %d", container)
			}
		}
		at := r.in.offset()
		blob, err := r.readString()
		if err != nil {
			return nil, err
		}
		if container == containerPlain {
			elems = append(elems, blob)
			continue
		}
		var node []lpElem
		if t == TypeListQuicklist {
			node, err = decodeZiplist(blob)
		} else {
			node, err = decodeListpack(blob)
		}
		if err != nil {
			return nil, r.blobError(at, key, t, err)
		}
		elems = elemBytes(elems, node)
	}
	if len(elems) == 0 {
		return nil, nil
	}
	return List{Elems: elems}, nil
}

func checkSet(members [][]byte) (Value, error) {
	if len(members) == 0 {
		return nil, nil
	}
	if i := findDuplicate(len(members), func(i int) []byte { return members[i] }); i >= 0 {
		return nil, fmt.Errorf("duplicate set member %q", members[i])
	}
	return Set{Members: members}, nil
}

func checkHash(fields [][2][]byte) (Value, error) {
	if len(fields) == 0 {
		return nil, nil
	}
	if i := findDuplicate(len(fields), func(i int) []byte { return fields[i][0] }); i >= 0 {
		return nil, fmt.Errorf("duplicate hash field %q", fields[i][0])
	}
	return Hash{Fields: fields}, nil
}

func checkZSet(members []ZMember) (Value, error) {
	if len(members) == 0 {
		return nil, nil
	}
	if i := findDuplicate(len(members), func(i int) []byte { return members[i].Member }); i >= 0 {
		return nil, fmt.Errorf("duplicate sorted set member %q", members[i].Member)
	}
	return ZSet{Members: members}, nil
}

// findDuplicate returns the index of an item equal to another, or -1.
// Sorting indexes keeps the extra memory at 4 bytes an item.
func findDuplicate(n int, item func(int) []byte) int {
	if n < 2 {
		return -1
	}
	if n <= 8 {
		for i := 1; i < n; i++ {
			for j := 0; j < i; j++ {
				if bytes.Equal(item(i), item(j)) {
					return i
				}
			}
		}
		return -1
	}
	idx := make([]int32, n)
	for i := range idx {
		idx[i] = int32(i)
	}
	slices.SortFunc(idx, func(a, b int32) int { return bytes.Compare(item(int(a)), item(int(b))) })
	for i := 1; i < n; i++ {
		if bytes.Equal(item(int(idx[i])), item(int(idx[i-1]))) {
			return int(idx[i])
		}
	}
	return -1
}
