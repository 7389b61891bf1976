package stream

import "sort"

// idSet is an ordered set of IDs: a pending entries list. It keeps the IDs
// in sorted chunks of at most idChunkMax, found by binary search over the
// chunks' first IDs, so that inserting and removing cost O(log N) plus a
// short copy, without a node per ID for the garbage collector. IDs mostly
// arrive in increasing order (deliveries of new entries), so a full last
// chunk is not split but followed by a new one.
type idSet struct {
	chunks [][]ID
	n      int
}

const idChunkMax = 128

// Len is the number of IDs.
func (s *idSet) Len() int { return s.n }

// chunkFor returns the index of the chunk where id belongs: the last one
// whose first ID is at most id, or 0.
func (s *idSet) chunkFor(id ID) int {
	i := sort.Search(len(s.chunks), func(i int) bool { return id.Less(s.chunks[i][0]) }) - 1
	return max(i, 0)
}

// find returns id's chunk and position (where it is or would go).
func (s *idSet) find(id ID) (ci, pos int, found bool) {
	ci = s.chunkFor(id)
	c := s.chunks[ci]
	pos = sort.Search(len(c), func(i int) bool { return !c[i].Less(id) })
	return ci, pos, pos < len(c) && c[pos] == id
}

// Insert adds id and reports whether it was absent.
func (s *idSet) Insert(id ID) bool {
	if s.n == 0 {
		s.chunks = append(s.chunks[:0], append(make([]ID, 0, 8), id))
		s.n = 1
		return true
	}
	ci, pos, found := s.find(id)
	if found {
		return false
	}
	s.n++
	c := s.chunks[ci]
	if len(c) < idChunkMax {
		s.chunks[ci] = insertID(c, pos, id)
		return true
	}
	if ci == len(s.chunks)-1 && pos == len(c) {
		s.chunks = append(s.chunks, append(make([]ID, 0, 8), id))
		return true
	}
	half := len(c) / 2
	left := append(make([]ID, 0, idChunkMax), c[:half]...)
	right := append(make([]ID, 0, idChunkMax), c[half:]...)
	if pos <= half {
		left = insertID(left, pos, id)
	} else {
		right = insertID(right, pos-half, id)
	}
	s.chunks[ci] = left
	s.chunks = append(s.chunks, nil)
	copy(s.chunks[ci+2:], s.chunks[ci+1:])
	s.chunks[ci+1] = right
	return true
}

func insertID(c []ID, pos int, id ID) []ID {
	c = append(c, ID{})
	copy(c[pos+1:], c[pos:])
	c[pos] = id
	return c
}

// Remove deletes id and reports whether it was present.
func (s *idSet) Remove(id ID) bool {
	if s.n == 0 {
		return false
	}
	ci, pos, found := s.find(id)
	if !found {
		return false
	}
	s.n--
	c := s.chunks[ci]
	if len(c) == 1 {
		copy(s.chunks[ci:], s.chunks[ci+1:])
		s.chunks[len(s.chunks)-1] = nil
		s.chunks = s.chunks[:len(s.chunks)-1]
		return true
	}
	copy(c[pos:], c[pos+1:])
	s.chunks[ci] = c[:len(c)-1]
	return true
}

// Seek returns the smallest ID at least id.
func (s *idSet) Seek(id ID) (ID, bool) {
	if s.n == 0 {
		return ID{}, false
	}
	ci, pos, _ := s.find(id)
	for ; ci < len(s.chunks); ci, pos = ci+1, 0 {
		if pos < len(s.chunks[ci]) {
			return s.chunks[ci][pos], true
		}
	}
	return ID{}, false
}

// Ascend calls fn for the IDs from start on, in order, until fn returns
// false. fn must not change the set.
func (s *idSet) Ascend(start ID, fn func(id ID) bool) {
	if s.n == 0 {
		return
	}
	ci, pos, _ := s.find(start)
	for ; ci < len(s.chunks); ci, pos = ci+1, 0 {
		for _, id := range s.chunks[ci][pos:] {
			if !fn(id) {
				return
			}
		}
	}
}

// First and Last return the smallest and largest IDs.
func (s *idSet) First() (ID, bool) {
	if s.n == 0 {
		return ID{}, false
	}
	return s.chunks[0][0], true
}

func (s *idSet) Last() (ID, bool) {
	if s.n == 0 {
		return ID{}, false
	}
	c := s.chunks[len(s.chunks)-1]
	return c[len(c)-1], true
}

func (s *idSet) clone() idSet {
	c := idSet{n: s.n, chunks: make([][]ID, len(s.chunks))}
	for i, ch := range s.chunks {
		c.chunks[i] = append(make([]ID, 0, cap(ch)), ch...)
	}
	return c
}
