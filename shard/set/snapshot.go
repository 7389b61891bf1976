package set

import "strconv"

// Members appends every member to dst, in Range's order, and returns it,
// for a snapshot that encodes the set while its owner holds it. The slices
// stay valid until the set changes: a hashtable's alias its strings, and an
// intset's members (at most MaxIntsetEntries) get their own bytes.
func (s *Set) Members(dst [][]byte) [][]byte {
	if s.table != nil {
		s.table.Range(func(m string, _ struct{}) bool {
			dst = append(dst, bytesOf(m))
			return true
		})
		return dst
	}
	for i := range intsLen(s.ints) {
		dst = append(dst, strconv.AppendInt(nil, intsAt(s.ints, i), 10))
	}
	return dst
}
