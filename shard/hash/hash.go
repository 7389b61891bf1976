// Package hash owns the structure behind Redis hash values: a map from field
// to value, both byte strings.
//
// A hash has two forms, chosen by the rules Redis 7.0 applies to its listpack
// and hashtable encodings so that OBJECT ENCODING answers the same. The small
// form packs up to MaxListpackEntries pairs, no field or value longer than
// MaxListpackValue, into one byte slice in insertion order (pack.go), so
// that HGETALL of a small hash lists its fields in the order Redis does. The
// big form is the project's dict, whose SCAN cursor HSCAN needs. A hash
// never goes back from the big form to the small one, as in Redis.
//
// A Hash is not safe for concurrent use; its owner touches it from one
// goroutine at a time.
package hash

import (
	"math/rand/v2"
	"slices"
	"unsafe"

	"github.com/shoal-db/shoal/shard/dict"
)

// The thresholds of the small form: Redis's default hash-max-listpack-entries
// and hash-max-listpack-value (512, not the 128 of the sorted sets' zset-max-
// listpack-entries). Shoal does not read those settings.
const (
	MaxListpackEntries = 512
	MaxListpackValue   = 64
)

// Hash is a hash. The zero value is an empty hash in the small form.
type Hash struct {
	// pack holds the small form while table is nil (see pack.go); it is
	// empty or starts with the number of pairs (packHeader bytes).
	pack  []byte
	table *dict.Dict[string]
	// strs is the heap the big form's field and value strings take.
	strs int
}

// Bytes is the memory the hash holds, for memory accounting; O(1).
func (h *Hash) Bytes() int {
	n := int(unsafe.Sizeof(*h)) + cap(h.pack)
	if h.table != nil {
		n += h.table.Bytes() + h.strs
	}
	return n
}

// Len is the number of fields.
func (h *Hash) Len() int {
	if h.table != nil {
		return h.table.Len()
	}
	return packLen(h.pack)
}

// Encoding is the name OBJECT ENCODING gives the form.
func (h *Hash) Encoding() string {
	if h.table != nil {
		return "hashtable"
	}
	return "listpack"
}

// find returns the offsets of field's entry and of its value's entry in the
// small form, or -1, -1.
func (h *Hash) find(field []byte) (int, int) {
	if len(h.pack) == 0 || len(field) > MaxListpackValue {
		return -1, -1
	}
	var buf [maxEntry]byte
	enc := encode(buf[:0], field)
	p := h.pack
	for off := packHeader; off < len(p); {
		fsize := entrySize(p, off)
		voff := off + fsize
		if fsize == len(enc) && string(p[off:voff]) == string(enc) {
			return off, voff
		}
		off = voff + entrySize(p, voff)
	}
	return -1, -1
}

// Get returns field's value. An integer in the small form is formatted into
// buf (20 bytes suffice), anything else is a view of the hash: either way
// the value is valid until the hash changes.
func (h *Hash) Get(field, buf []byte) ([]byte, bool) {
	if h.table != nil {
		v, ok := h.table.GetBytes(field)
		return bytesOf(v), ok
	}
	_, voff := h.find(field)
	if voff < 0 {
		return nil, false
	}
	return decode(h.pack, voff, buf), true
}

// Has reports whether field is present.
func (h *Hash) Has(field []byte) bool {
	if h.table != nil {
		return h.table.Ref(field) != nil
	}
	off, _ := h.find(field)
	return off >= 0
}

// Set stores value under field and reports whether field is new. The hash
// keeps copies of both. A field or value too long for the small form, or a
// pair beyond MaxListpackEntries, converts the hash to the big form, as
// Redis's hashTypeSet does.
func (h *Hash) Set(field, value []byte) (added bool) {
	if h.table == nil && (len(field) > MaxListpackValue || len(value) > MaxListpackValue) {
		h.toTable()
	}
	if h.table != nil {
		if ref := h.table.Ref(field); ref != nil {
			h.strs += dict.StringBytes(len(value)) - dict.StringBytes(len(*ref))
			*ref = string(value)
			return false
		}
		h.strs += dict.StringBytes(len(field)) + dict.StringBytes(len(value))
		return h.table.Set(string(field), string(value))
	}
	var buf [packHeader + 2*maxEntry]byte
	if _, voff := h.find(field); voff >= 0 {
		h.pack = splice(h.pack, voff, voff+entrySize(h.pack, voff), encode(buf[:0], value))
		return false
	}
	enc, end := buf[:0], len(h.pack)
	if end == 0 {
		enc = buf[:packHeader] // a zero pair count, counted up below
	}
	h.pack = splice(h.pack, end, end, encode(encode(enc, field), value))
	n := packLen(h.pack) + 1
	setPackLen(h.pack, n)
	if n > MaxListpackEntries {
		h.toTable()
	}
	return true
}

// Delete removes field and reports whether it was present.
func (h *Hash) Delete(field []byte) bool {
	if h.table != nil {
		v, ok := h.table.DeleteBytes(field)
		if ok {
			h.strs -= dict.StringBytes(len(field)) + dict.StringBytes(len(v))
		}
		return ok
	}
	off, voff := h.find(field)
	if off < 0 {
		return false
	}
	h.pack = splice(h.pack, off, voff+entrySize(h.pack, voff), nil)
	if n := packLen(h.pack) - 1; n > 0 {
		setPackLen(h.pack, n)
	} else {
		h.pack = nil
	}
	return true
}

// Range calls fn for every pair, in insertion order in the small form, until
// fn returns false. The slices are valid during the call only, and fn must
// not change the hash.
func (h *Hash) Range(fn func(field, value []byte) bool) {
	if h.table != nil {
		h.table.Range(func(f, v string) bool { return fn(bytesOf(f), bytesOf(v)) })
		return
	}
	var fbuf, vbuf [20]byte
	p := h.pack
	for off := packHeader; off < len(p); {
		voff := off + entrySize(p, off)
		if !fn(decode(p, off, fbuf[:]), decode(p, voff, vbuf[:])) {
			return
		}
		off = voff + entrySize(p, voff)
	}
}

// Scan visits a step of a full iteration in the manner of Redis's HSCAN:
// the big form follows the dict's cursor (see dict.Dict.Scan), the small
// form visits everything and ends the iteration. fn's slices are valid
// during the call only.
func (h *Hash) Scan(cursor uint64, fn func(field, value []byte)) uint64 {
	if h.table == nil {
		h.Range(func(f, v []byte) bool { fn(f, v); return true })
		return 0
	}
	return h.table.Scan(cursor, func(f, v string) { fn(bytesOf(f), bytesOf(v)) })
}

// Sample calls fn for count pairs picked at random: distinct ones when
// unique is set (all of them, in Range's order, when count reaches Len),
// otherwise each drawn independently so pairs may repeat. fn's slices are
// valid during the call only, and fn must not change the hash.
func (h *Hash) Sample(count int, unique bool, fn func(field, value []byte)) {
	n := h.Len()
	if n == 0 || count <= 0 {
		return
	}
	if unique && count >= n {
		h.Range(func(f, v []byte) bool { fn(f, v); return true })
		return
	}
	if h.table == nil {
		h.samplePack(count, unique, fn)
		return
	}
	if !unique {
		for range count {
			f, v, _ := h.table.Random()
			fn(bytesOf(f), bytesOf(v))
		}
		return
	}
	if count*3 > n {
		// Many of the fields: shuffle the first count of them all.
		fields := make([]string, 0, n)
		h.table.Range(func(f, _ string) bool { fields = append(fields, f); return true })
		for i := range count {
			j := i + rand.IntN(n-i)
			fields[i], fields[j] = fields[j], fields[i]
			v, _ := h.table.Get(fields[i])
			fn(bytesOf(fields[i]), bytesOf(v))
		}
		return
	}
	// Few of the fields: draw until count distinct ones came up.
	seen := make(map[string]struct{}, count)
	for len(seen) < count {
		f, v, _ := h.table.Random()
		if _, dup := seen[f]; !dup {
			seen[f] = struct{}{}
			fn(bytesOf(f), bytesOf(v))
		}
	}
}

// samplePack is Sample for the small form with count < Len when unique.
func (h *Hash) samplePack(count int, unique bool, fn func(field, value []byte)) {
	var offs [MaxListpackEntries]uint32
	n := 0
	p := h.pack
	for off := packHeader; off < len(p); n++ {
		offs[n] = uint32(off)
		off += entrySize(p, off)
		off += entrySize(p, off)
	}
	var fbuf, vbuf [20]byte
	emit := func(o uint32) {
		off := int(o)
		fn(decode(p, off, fbuf[:]), decode(p, off+entrySize(p, off), vbuf[:]))
	}
	for i := range count {
		if !unique {
			emit(offs[rand.IntN(n)])
			continue
		}
		j := i + rand.IntN(n-i)
		offs[i], offs[j] = offs[j], offs[i]
		emit(offs[i])
	}
}

// Clone returns an independent copy in the same form.
func (h *Hash) Clone() *Hash {
	if h.table == nil {
		return &Hash{pack: slices.Clone(h.pack)}
	}
	c := &Hash{table: dict.New[string](h.table.Len()), strs: h.strs}
	// Strings are immutable: the copy can share them.
	h.table.Range(func(f, v string) bool { c.table.Set(f, v); return true })
	return c
}

// toTable converts the small form to the big one.
func (h *Hash) toTable() {
	t := dict.New[string](h.Len() + 1)
	strs := 0
	h.Range(func(f, v []byte) bool {
		t.Set(string(f), string(v))
		strs += dict.StringBytes(len(f)) + dict.StringBytes(len(v))
		return true
	})
	h.pack, h.table, h.strs = nil, t, strs
}

// bytesOf views a string of the big form as bytes for callers, which must
// not modify them.
func bytesOf(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }
