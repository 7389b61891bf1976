// Package set owns the structure behind Redis set values: unordered
// collections of distinct byte strings.
//
// A set has two forms, chosen by the rules Redis 7.0 applies to its intset
// and hashtable encodings so that OBJECT ENCODING answers the same. The small
// form holds up to MaxIntsetEntries members that are all integers as a
// sorted array of fixed-width integers in one byte slice (intset.go), which
// is also the order Redis lists them in. Any other set is the project's
// dict, whose SCAN cursor SSCAN needs. A set never goes back from the
// hashtable to the intset, as in Redis 7.0 (which has no listpack sets yet).
//
// A Set is not safe for concurrent use; its owner touches it from one
// goroutine at a time.
package set

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"unsafe"

	"github.com/shoal-db/shoal/shard/dict"
)

// MaxIntsetEntries is Redis's default set-max-intset-entries. Shoal does not
// read that setting.
const MaxIntsetEntries = 512

// Set is a set. The zero value is an empty set in the intset form.
type Set struct {
	// ints holds the intset form while table is nil (see intset.go).
	ints  []byte
	table *dict.Dict[struct{}]
	// strs is the heap the hashtable form's member strings take.
	strs int
}

// Bytes is the memory the set holds, for memory accounting; O(1).
func (s *Set) Bytes() int {
	n := int(unsafe.Sizeof(*s)) + cap(s.ints)
	if s.table != nil {
		n += s.table.Bytes() + s.strs
	}
	return n
}

// Len is the number of members.
func (s *Set) Len() int {
	if s.table != nil {
		return s.table.Len()
	}
	return intsLen(s.ints)
}

// Encoding is the name OBJECT ENCODING gives the form.
func (s *Set) Encoding() string {
	if s.table != nil {
		return "hashtable"
	}
	return "intset"
}

// Has reports whether m is a member.
func (s *Set) Has(m []byte) bool {
	if s.table != nil {
		return s.table.Ref(m) != nil
	}
	v, ok := parseInt(m)
	if !ok {
		return false
	}
	_, found := intsSearch(s.ints, v)
	return found
}

// Add inserts m and reports whether it is new; the set keeps a copy. A
// member that is not an integer, or one past MaxIntsetEntries, converts an
// intset to a hashtable, as Redis's setTypeAdd does.
func (s *Set) Add(m []byte) bool {
	if s.table == nil {
		v, ok := parseInt(m)
		if ok {
			i, found := intsSearch(s.ints, v)
			if found {
				return false
			}
			s.ints = intsInsert(s.ints, i, v)
			if intsLen(s.ints) > MaxIntsetEntries {
				s.toTable()
			}
			return true
		}
		s.toTable()
	}
	added := s.table.Set(string(m), struct{}{})
	if added {
		s.strs += dict.StringBytes(len(m))
	}
	return added
}

// Remove deletes m and reports whether it was a member.
func (s *Set) Remove(m []byte) bool {
	if s.table != nil {
		_, ok := s.table.DeleteBytes(m)
		if ok {
			s.strs -= dict.StringBytes(len(m))
		}
		return ok
	}
	v, ok := parseInt(m)
	if !ok {
		return false
	}
	i, found := intsSearch(s.ints, v)
	if found {
		s.ints = intsRemove(s.ints, i)
	}
	return found
}

// Pop removes a member chosen at random and returns it: in buf (20 bytes
// suffice) for an intset, otherwise a view that stays valid. The set must
// not be empty.
func (s *Set) Pop(buf []byte) []byte {
	if s.table != nil {
		m, _, _ := s.table.Random()
		s.table.Delete(m)
		s.strs -= dict.StringBytes(len(m))
		return bytesOf(m)
	}
	i := rand.IntN(intsLen(s.ints))
	out := strconv.AppendInt(buf[:0], intsAt(s.ints, i), 10)
	s.ints = intsRemove(s.ints, i)
	return out
}

// Range calls fn for every member, in ascending order for an intset, until
// fn returns false. The slice is valid during the call only, and fn must not
// change the set.
func (s *Set) Range(fn func(m []byte) bool) {
	if s.table != nil {
		s.table.Range(func(m string, _ struct{}) bool { return fn(bytesOf(m)) })
		return
	}
	var buf [20]byte
	for i := range intsLen(s.ints) {
		if !fn(strconv.AppendInt(buf[:0], intsAt(s.ints, i), 10)) {
			return
		}
	}
}

// Scan visits a step of a full iteration in the manner of Redis's SSCAN:
// a hashtable follows the dict's cursor (see dict.Dict.Scan), an intset
// visits everything and ends the iteration. fn's slice is valid during the
// call only.
func (s *Set) Scan(cursor uint64, fn func(m []byte)) uint64 {
	if s.table == nil {
		s.Range(func(m []byte) bool { fn(m); return true })
		return 0
	}
	return s.table.Scan(cursor, func(m string, _ struct{}) { fn(bytesOf(m)) })
}

// Sample calls fn for count members picked at random: distinct ones when
// unique is set (all of them, in Range's order, when count reaches Len),
// otherwise each drawn independently so members may repeat. fn's slice is
// valid during the call only, and fn must not change the set.
func (s *Set) Sample(count int, unique bool, fn func(m []byte)) {
	n := s.Len()
	if n == 0 || count <= 0 {
		return
	}
	if unique && count >= n {
		s.Range(func(m []byte) bool { fn(m); return true })
		return
	}
	if s.table == nil {
		var buf [20]byte
		var idx []int
		if unique {
			idx = make([]int, n)
			for i := range idx {
				idx[i] = i
			}
		}
		for i := range count {
			j := rand.IntN(n)
			if unique {
				j = i + rand.IntN(n-i)
				idx[i], idx[j] = idx[j], idx[i]
				j = idx[i]
			}
			fn(strconv.AppendInt(buf[:0], intsAt(s.ints, j), 10))
		}
		return
	}
	if !unique {
		for range count {
			m, _, _ := s.table.Random()
			fn(bytesOf(m))
		}
		return
	}
	if count*3 > n {
		// Many of the members: shuffle the first count of them all.
		all := make([]string, 0, n)
		s.table.Range(func(m string, _ struct{}) bool { all = append(all, m); return true })
		for i := range count {
			j := i + rand.IntN(n-i)
			all[i], all[j] = all[j], all[i]
			fn(bytesOf(all[i]))
		}
		return
	}
	// Few of the members: draw until count distinct ones came up.
	seen := make(map[string]struct{}, count)
	for len(seen) < count {
		m, _, _ := s.table.Random()
		if _, dup := seen[m]; !dup {
			seen[m] = struct{}{}
			fn(bytesOf(m))
		}
	}
}

// Clone returns an independent copy in the same form.
func (s *Set) Clone() *Set {
	if s.table == nil {
		return &Set{ints: slices.Clone(s.ints)}
	}
	c := &Set{table: dict.New[struct{}](s.table.Len()), strs: s.strs}
	// Strings are immutable: the copy can share them.
	s.table.Range(func(m string, _ struct{}) bool { c.table.Set(m, struct{}{}); return true })
	return c
}

// toTable converts an intset to a hashtable.
func (s *Set) toTable() {
	t := dict.New[struct{}](s.Len() + 1)
	strs := 0
	s.Range(func(m []byte) bool {
		t.Set(string(m), struct{}{})
		strs += dict.StringBytes(len(m))
		return true
	})
	s.ints, s.table, s.strs = nil, t, strs
}

// bytesOf views a member string as bytes for callers, which must not modify
// them.
func bytesOf(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }
