package stream

// Walk calls fn for every live entry in ascending order, for a snapshot
// that encodes the stream while its owner holds it. pairs is fn's to keep;
// its fields and values alias the stream's nodes and stay valid until the
// stream changes.
func (s *Stream) Walk(fn func(id ID, pairs [][2][]byte)) {
	// Entries take their pairs from shared slabs: one allocation for many
	// entries rather than one each, sized by the entries left so that a
	// small stream allocates little.
	var slab [][2][]byte
	left := s.length
	s.scan(ID{}, MaxID, false, false, true, func(id ID, fv [][]byte) bool {
		n := len(fv) / 2
		if cap(slab)-len(slab) < n {
			slab = make([][2][]byte, 0, max(n, int(min(left*uint64(n), 1024))))
		}
		left--
		pairs := slab[len(slab) : len(slab)+n : len(slab)+n]
		slab = slab[:len(slab)+n]
		for i := range pairs {
			f, v := fv[2*i], fv[2*i+1]
			pairs[i] = [2][]byte{f[:len(f):len(f)], v[:len(v):len(v)]}
		}
		fn(id, pairs)
		return true
	})
}

// EstimateEntriesRead is the logical read counter a group whose last
// delivered ID is id would have, or InvalidEntriesRead when deletions make
// it unknowable: what Redis 7.0 gives the groups of a stream loaded from a
// file that predates the counter (streamEstimateDistanceFromFirstEverEntry).
func (s *Stream) EstimateEntriesRead(id ID) int64 { return s.entriesReadAt(id) }
