// Package zset owns the structure behind Redis sorted set values: members
// (byte strings) ordered by a float64 score, then by member bytes.
//
// A set has two forms, chosen by the rules Redis applies to its listpack and
// skiplist encodings so that OBJECT ENCODING answers the same. The small form
// packs up to MaxListpackEntries elements, none longer than
// MaxListpackValue, into one byte slice (pack.go). The big form keeps a
// hash table from member to score (the project's dict, whose SCAN cursor
// ZSCAN needs) beside an order-statistic B+tree (tree.go); the two share each
// member's string. Insert, delete, rank, and finding the ends of a score or
// lex range are O(log N) in the big form.
//
// A Set is not safe for concurrent use; its owner touches it from one
// goroutine at a time.
package zset

import (
	"math/rand/v2"
	"unsafe"

	"github.com/shoal-db/shoal/shard/dict"
)

// The thresholds of the small form: Redis's default zset-max-listpack-entries
// and zset-max-listpack-value. Shoal does not read those settings.
const (
	MaxListpackEntries = 128
	MaxListpackValue   = 64
)

// Set is a sorted set. The zero value is an empty set in the small form.
type Set struct {
	// pack holds the small form's n elements while big is nil.
	pack []byte
	n    int
	big  *bigSet
}

type bigSet struct {
	dict *dict.Dict[float64]
	tree tree
	// strs is the heap the member strings take (dict and tree share them).
	strs int
}

// Bytes is the memory the set holds, for memory accounting; O(1). Inner
// tree nodes are estimated: one per 32 leaves, half filled on average.
func (s *Set) Bytes() int {
	n := int(unsafe.Sizeof(*s)) + cap(s.pack)
	if b := s.big; b != nil {
		leaves := b.tree.leaves
		inners := 0
		if b.tree.height > 0 {
			inners = (leaves + 31) / 32
		}
		n += int(unsafe.Sizeof(*b)) + b.dict.Bytes() + b.strs +
			leaves*int(unsafe.Sizeof(leaf{})) + inners*int(unsafe.Sizeof(inner{}))
	}
	return n
}

// New returns an empty set in the form Redis 7.0's ZADD creates for a key,
// given the length of the first member to be added: the big form when that
// member is too long for the small one.
func New(firstMemberLen int) *Set {
	s := &Set{}
	if firstMemberLen > MaxListpackValue {
		s.toBig(0)
	}
	return s
}

// Len is the number of elements.
func (s *Set) Len() int {
	if s.big != nil {
		return s.big.tree.n
	}
	return s.n
}

// Encoding is the name OBJECT ENCODING gives the form.
func (s *Set) Encoding() string {
	if s.big != nil {
		return "skiplist"
	}
	return "listpack"
}

// Score returns member's score.
func (s *Set) Score(member []byte) (float64, bool) {
	if s.big != nil {
		return s.big.dict.GetBytes(member)
	}
	off, score := s.packFind(member)
	return score, off >= 0
}

// packFind returns the offset and score of member in the small form, or
// offset -1.
func (s *Set) packFind(member []byte) (int, float64) {
	p := s.pack
	for off := 0; off < len(p); {
		m, score, next := packAt(p, off)
		if str(m) == str(member) {
			return off, score
		}
		off = next
	}
	return -1, 0
}

// packSearch returns the offset where (score, member) belongs in the small
// form's order.
func (s *Set) packSearch(score float64, member []byte) int {
	p := s.pack
	off := 0
	for off < len(p) {
		m, sc, next := packAt(p, off)
		if sc > score || sc == score && str(m) > str(member) {
			break
		}
		off = next
	}
	return off
}

// Add inserts member, which must not be present, converting a small set
// that would outgrow the small form first, as Redis's zsetAdd does.
func (s *Set) Add(member []byte, score float64) {
	if s.big == nil && (s.n+1 > MaxListpackEntries || len(member) > MaxListpackValue) {
		s.toBig(s.n + 1)
	}
	if s.big != nil {
		m := string(member)
		s.big.dict.Set(m, score)
		s.big.tree.insert(entry{member: m, score: score})
		s.big.strs += dict.StringBytes(len(m))
		return
	}
	s.pack = packInsert(s.pack, s.packSearch(score, member), member, score)
	s.n++
}

// Update changes the score of member, present with score old.
func (s *Set) Update(member []byte, old, score float64) {
	if s.big != nil {
		*s.big.dict.Ref(member) = score
		// The entry keeps the member string that the dict shares.
		e := s.big.tree.delete(old, str(member))
		e.score = score
		s.big.tree.insert(e)
		return
	}
	off, _ := s.packFind(member)
	s.pack = packCut(s.pack, off, off+packSize(member))
	s.pack = packInsert(s.pack, s.packSearch(score, member), member, score)
}

// Delete removes member and reports whether it was present.
func (s *Set) Delete(member []byte) bool {
	if s.big != nil {
		score, ok := s.big.dict.DeleteBytes(member)
		if ok {
			s.big.tree.delete(score, str(member))
			s.big.strs -= dict.StringBytes(len(member))
		}
		return ok
	}
	off, _ := s.packFind(member)
	if off < 0 {
		return false
	}
	s.pack = packCut(s.pack, off, off+packSize(member))
	s.n--
	return true
}

// Rank returns the 0-based rank of member (lowest score first) and its
// score.
func (s *Set) Rank(member []byte) (rank int, score float64, ok bool) {
	if s.big != nil {
		score, ok = s.big.dict.GetBytes(member)
		if !ok {
			return 0, 0, false
		}
		return s.big.tree.rank(score, str(member)), score, true
	}
	p := s.pack
	for off := 0; off < len(p); rank++ {
		m, sc, next := packAt(p, off)
		if str(m) == str(member) {
			return rank, sc, true
		}
		off = next
	}
	return 0, 0, false
}

// ScoreRanks returns the ranks [lo, hi) of the elements whose score is in
// r; hi <= lo when there are none.
func (s *Set) ScoreRanks(r ScoreRange) (lo, hi int) {
	if r.empty() {
		return 0, 0
	}
	if s.big != nil {
		t := &s.big.tree
		lo = t.countWhile(func(e *entry) bool { return !r.gteMin(e.score) })
		hi = t.countWhile(func(e *entry) bool { return r.lteMax(e.score) })
		return lo, hi
	}
	p := s.pack
	for off, rank := 0, 0; off < len(p); rank++ {
		_, score, next := packAt(p, off)
		if !r.gteMin(score) {
			lo = rank + 1
		}
		if r.lteMax(score) {
			hi = rank + 1
		}
		off = next
	}
	return lo, hi
}

// LexRanks returns the ranks [lo, hi) of the elements whose member is in r.
// Lex ranges assume that every element has the same score; when they do
// not, the small form answers what Redis's listpack code does (the run of
// elements from the first one at or above min, or with rev from the last
// one at or below max, that stay in range), and the big form some run.
func (s *Set) LexRanks(r LexRange, rev bool) (lo, hi int) {
	if r.empty() || s.Len() == 0 {
		return 0, 0
	}
	if s.big != nil {
		t := &s.big.tree
		lo = t.countWhile(func(e *entry) bool { return !r.gteMin(e.member) })
		hi = t.countWhile(func(e *entry) bool { return r.lteMax(e.member) })
		return lo, hi
	}
	members := make([]string, 0, s.n)
	for off := 0; off < len(s.pack); {
		m, _, next := packAt(s.pack, off)
		members = append(members, str(m))
		off = next
	}
	if !r.gteMin(members[len(members)-1]) || !r.lteMax(members[0]) {
		return 0, 0
	}
	if rev {
		hi = len(members)
		for hi > 0 && !r.lteMax(members[hi-1]) {
			hi--
		}
		lo = hi
		for lo > 0 && r.gteMin(members[lo-1]) {
			lo--
		}
		return lo, hi
	}
	for lo < len(members) && !r.gteMin(members[lo]) {
		lo++
	}
	hi = lo
	for hi < len(members) && r.lteMax(members[hi]) {
		hi++
	}
	return lo, hi
}

// Range calls fn for the elements of ranks [lo, hi), in order, or from hi-1
// down to lo with rev. member is valid only during the call and must not be
// modified.
func (s *Set) Range(lo, hi int, rev bool, fn func(member []byte, score float64)) {
	if lo >= hi {
		return
	}
	if s.big != nil {
		s.big.tree.walk(lo, hi, rev, func(e *entry) { fn(bytesOf(e.member), e.score) })
		return
	}
	p := s.pack
	if !rev {
		off := packOffset(p, lo)
		for r := lo; r < hi; r++ {
			m, score, next := packAt(p, off)
			fn(m, score)
			off = next
		}
		return
	}
	end := packOffset(p, hi)
	for r := hi; r > lo; r-- {
		off := packPrev(p, end)
		m, score, _ := packAt(p, off)
		fn(m, score)
		end = off
	}
}

// DeleteRange removes the elements of ranks [lo, hi).
func (s *Set) DeleteRange(lo, hi int) {
	if lo >= hi {
		return
	}
	if s.big != nil {
		for r := lo; r < hi; r++ {
			e := s.big.tree.deleteAt(lo)
			s.big.dict.Delete(e.member)
			s.big.strs -= dict.StringBytes(len(e.member))
		}
		return
	}
	s.pack = packCut(s.pack, packOffset(s.pack, lo), packOffset(s.pack, hi))
	s.n -= hi - lo
}

// Random returns an element chosen uniformly; member is valid until the set
// changes. The set must not be empty.
func (s *Set) Random() (member []byte, score float64) {
	r := rand.IntN(s.Len())
	s.Range(r, r+1, false, func(m []byte, sc float64) { member, score = m, sc })
	return member, score
}

// Scan visits a step of a full iteration in the manner of Redis's ZSCAN:
// the big form follows the dict's cursor (see dict.Dict.Scan), the small
// form visits everything and ends the iteration.
func (s *Set) Scan(cursor uint64, fn func(member []byte, score float64)) uint64 {
	if s.big == nil {
		s.Range(0, s.n, false, fn)
		return 0
	}
	return s.big.dict.Scan(cursor, func(m string, score float64) { fn(bytesOf(m), score) })
}

// Clone returns an independent copy in the same form.
func (s *Set) Clone() *Set {
	if s.big == nil {
		return &Set{pack: append([]byte(nil), s.pack...), n: s.n}
	}
	c := &Set{big: &bigSet{dict: dict.New[float64](s.Len()), strs: s.big.strs}}
	// Strings are immutable: the copy can share them. Ascending inserts
	// fill the copy's leaves completely.
	s.big.tree.walk(0, s.Len(), false, func(e *entry) {
		c.big.dict.Set(e.member, e.score)
		c.big.tree.insert(*e)
	})
	return c
}

// toBig converts the small form to the big one, sized for hint elements.
func (s *Set) toBig(hint int) {
	b := &bigSet{dict: dict.New[float64](hint)}
	for off := 0; off < len(s.pack); {
		m, score, next := packAt(s.pack, off)
		k := string(m)
		b.dict.Set(k, score)
		b.tree.insert(entry{member: k, score: score})
		b.strs += dict.StringBytes(len(k))
		off = next
	}
	s.pack, s.n, s.big = nil, 0, b
}

// bytesOf views a member string as bytes for callbacks, which must not
// modify them.
func bytesOf(m string) []byte { return unsafe.Slice(unsafe.StringData(m), len(m)) }
