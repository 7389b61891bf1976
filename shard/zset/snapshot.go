package zset

// Elements calls fn for every element in ascending order, for a snapshot
// that encodes the set while its owner holds it. Unlike Range's, member
// stays valid after the call, until the set changes: both forms hand out
// views of the member bytes they keep.
func (s *Set) Elements(fn func(member []byte, score float64)) {
	s.Range(0, s.Len(), false, func(m []byte, score float64) { fn(m[:len(m):len(m)], score) })
}
