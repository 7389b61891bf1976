package stream

import (
	"encoding/binary"
	"errors"
	"slices"
	"sort"
	"unsafe"
)

// Stream is a stream value: its entries, the counters Redis 7.0 keeps
// beside them, and its consumer groups.
type Stream struct {
	// nodes are ordered by first ID; an index over them is a binary
	// search, as Redis seeks its radix tree.
	nodes  []node
	length uint64
	// LastID is the ID of the last entry ever added (or set by XSETID).
	LastID ID
	// FirstID is the ID of the first live entry, 0-0 when empty.
	FirstID ID
	// MaxDeletedID is the largest ID removed by XDEL.
	MaxDeletedID ID
	// EntriesAdded counts every entry ever added.
	EntriesAdded uint64
	groups       []*Group // ordered by name
	// dataBytes is the capacity of the nodes' data, for Bytes.
	dataBytes int
}

// Per-item costs that Bytes estimates rather than measures: a pending
// entry (its NACK, its slot in the group's map and ID sets), and the fixed
// part of a group or a consumer.
const (
	pendingCost  = 96
	groupCost    = 128
	consumerCost = 64
)

// Bytes is the memory the stream holds, for memory accounting: O(1) for
// the entries, O(groups + consumers) for the consumer groups.
func (s *Stream) Bytes() int {
	n := int(unsafe.Sizeof(*s)) + cap(s.nodes)*int(unsafe.Sizeof(node{})) + s.dataBytes
	for _, g := range s.groups {
		n += groupCost + len(g.Name) + len(g.pel)*pendingCost
		for _, c := range g.consumers {
			n += consumerCost + len(c.Name)
		}
	}
	return n
}

// New returns an empty stream.
func New() *Stream { return &Stream{} }

// Len is the number of live entries.
func (s *Stream) Len() uint64 { return s.length }

// Nodes is the number of nodes (XINFO's radix-tree-keys).
func (s *Stream) Nodes() int { return len(s.nodes) }

// Errors of Add.
var (
	// ErrIDTooSmall: the ID is not greater than the stream's last ID.
	ErrIDTooSmall = errors.New("stream: ID equal or smaller than the top item")
	// ErrTooLarge: the fields and values exceed what one node may hold.
	ErrTooLarge = errors.New("stream: elements too large")
)

// Add appends an entry with fv's fields and values (alternating) and
// returns its ID, chosen as Redis's streamAppendItem does: with given nil
// the next ID after LastID at time nowMs; with seqGiven false the given
// milliseconds and the next free sequence; otherwise given itself. The
// caller checks first that LastID is not MaxID.
func (s *Stream) Add(fv [][]byte, given *ID, seqGiven bool, nowMs uint64) (ID, error) {
	var id ID
	switch {
	case given == nil:
		if nowMs > s.LastID.Ms {
			id = ID{nowMs, 0}
		} else {
			id, _ = s.LastID.Next()
		}
	case seqGiven:
		id = *given
	case given.Ms == s.LastID.Ms:
		next, ok := s.LastID.Next()
		if !ok || next.Ms != given.Ms {
			return ID{}, ErrIDTooSmall
		}
		id = next
	default:
		id = ID{given.Ms, 0}
	}
	if id.Compare(s.LastID) <= 0 {
		return ID{}, ErrIDTooSmall
	}
	elemBytes := 0
	for _, b := range fv {
		elemBytes += len(b)
	}
	if elemBytes > maxEntryBytes {
		return ID{}, ErrTooLarge
	}
	if k := len(s.nodes); k == 0 || s.nodes[k-1].full(elemBytes) {
		if k > 0 {
			last := &s.nodes[k-1]
			s.dataBytes -= cap(last.data)
			last.shrink()
			s.dataBytes += cap(last.data)
		}
		s.nodes = append(s.nodes, newNode(id, fv))
	}
	last := &s.nodes[len(s.nodes)-1]
	before := cap(last.data)
	last.append(id, fv)
	s.dataBytes += cap(last.data) - before
	s.length++
	s.EntriesAdded++
	s.LastID = id
	if s.length == 1 {
		s.FirstID = id
	}
	return id, nil
}

// seekNode returns the index of the last node whose first ID is at most
// id, or -1.
func (s *Stream) seekNode(id ID) int {
	return sort.Search(len(s.nodes), func(i int) bool { return id.Less(s.nodes[i].first) }) - 1
}

// scan visits the entries with start <= ID <= end in ascending order, or
// descending with rev, skipping deleted ones unless tombstones is set,
// until fn returns false. fv (fields and values, alternating; only when
// fields is set) is valid during the call only.
func (s *Stream) scan(start, end ID, rev, tombstones, fields bool, fn func(id ID, fv [][]byte) bool) {
	if end.Less(start) {
		return
	}
	var master, fv [][]byte
	emit := func(n *node, id ID, flags byte, body int) bool {
		if flags&flagDeleted != 0 && !tombstones {
			return true
		}
		fv = fv[:0]
		if fields {
			fv, _ = n.body(body, flags, true, master, fv)
		}
		return fn(id, fv)
	}
	if !rev {
		for i := max(s.seekNode(start), 0); i < len(s.nodes); i++ {
			n := &s.nodes[i]
			if end.Less(n.first) {
				return
			}
			master = n.masterFields(master[:0])
			for off := int(n.start); off < len(n.data); {
				id, flags, body := n.header(off)
				_, off = n.body(body, flags, false, nil, nil)
				if id.Less(start) {
					continue
				}
				if end.Less(id) {
					return
				}
				if !emit(n, id, flags, body) {
					return
				}
			}
		}
		return
	}
	var offs []int
	for i := s.seekNode(end); i >= 0; i-- {
		n := &s.nodes[i]
		master = n.masterFields(master[:0])
		offs = offs[:0]
		for off := int(n.start); off < len(n.data); {
			offs = append(offs, off)
			_, flags, body := n.header(off)
			_, off = n.body(body, flags, false, nil, nil)
		}
		for j := len(offs) - 1; j >= 0; j-- {
			id, flags, body := n.header(offs[j])
			if end.Less(id) {
				continue
			}
			if id.Less(start) {
				return
			}
			if !emit(n, id, flags, body) {
				return
			}
		}
	}
}

// Range calls fn for the live entries with start <= ID <= end, in
// ascending order or descending with rev, until fn returns false. fv holds
// the entry's fields and values, alternating; it and its bytes are valid
// only during the call.
func (s *Stream) Range(start, end ID, rev bool, fn func(id ID, fv [][]byte) bool) {
	s.scan(start, end, rev, false, true, fn)
}

// Get calls fn with the fields and values of entry id and reports whether
// the entry exists.
func (s *Stream) Get(id ID, fn func(fv [][]byte)) bool {
	found := false
	s.scan(id, id, false, false, true, func(_ ID, fv [][]byte) bool {
		found = true
		fn(fv)
		return false
	})
	return found
}

// Exists reports whether entry id exists (and is not deleted).
func (s *Stream) Exists(id ID) bool {
	found := false
	s.scan(id, id, false, false, false, func(ID, [][]byte) bool {
		found = true
		return false
	})
	return found
}

// Edge returns the first (or last) entry's ID, counting deleted entries
// still stored when tombstones is set, as Redis's streamGetEdgeID: MaxID
// for the first and 0-0 for the last when there is none.
func (s *Stream) Edge(first, tombstones bool) ID {
	edge := ID{}
	if first {
		edge = MaxID
	}
	s.scan(ID{}, MaxID, !first, tombstones, false, func(id ID, _ [][]byte) bool {
		edge = id
		return false
	})
	return edge
}

// Delete removes the entries with the given IDs, as XDEL does, and returns
// how many existed. A node left without live entries is dropped.
func (s *Stream) Delete(ids []ID) int {
	deleted := 0
	firstEntry := false
	for _, id := range ids {
		if !s.deleteOne(id) {
			continue
		}
		if id == s.FirstID {
			firstEntry = true
		}
		if s.MaxDeletedID.Less(id) {
			s.MaxDeletedID = id
		}
		deleted++
	}
	if deleted > 0 {
		switch {
		case s.length == 0:
			s.FirstID = ID{}
		case firstEntry:
			s.FirstID = s.Edge(true, false)
		}
	}
	return deleted
}

func (s *Stream) deleteOne(id ID) bool {
	i := s.seekNode(id)
	if i < 0 {
		return false
	}
	n := &s.nodes[i]
	for off := int(n.start); off < len(n.data); {
		eid, flags, body := n.header(off)
		if eid == id {
			if !n.markDeleted(off) {
				return false
			}
			s.length--
			if n.live == 0 {
				s.dataBytes -= cap(n.data)
				s.nodes = slices.Delete(s.nodes, i, i+1)
			}
			return true
		}
		if id.Less(eid) {
			return false
		}
		_, off = n.body(body, flags, false, nil, nil)
	}
	return false
}

// TrimArgs says how to trim: to MaxLen entries, or (ByMinID) dropping the
// entries before MinID; Approx trims only whole nodes; Limit (0 for none)
// caps the entries removed.
type TrimArgs struct {
	ByMinID bool
	MaxLen  int64
	MinID   ID
	Approx  bool
	Limit   int64
}

// Trim removes entries from the head as Redis's streamTrim does and
// returns how many it removed. Exact trimming flags the entries of the
// last node it reaches deleted; whole nodes go at once.
func (s *Stream) Trim(a TrimArgs) int64 {
	var deleted int64
	drop := 0
	for drop < len(s.nodes) {
		if !a.ByMinID && s.length <= uint64(a.MaxLen) {
			break
		}
		n := &s.nodes[drop]
		entries := int64(n.live)
		if a.Limit != 0 && deleted+entries > a.Limit {
			break
		}
		var remove bool
		if a.ByMinID {
			remove = n.lastID().Less(a.MinID)
		} else {
			remove = s.length-uint64(entries) >= uint64(a.MaxLen)
		}
		if remove {
			s.length -= uint64(entries)
			deleted += entries
			drop++
			continue
		}
		if a.Approx {
			break
		}
		for off := int(n.start); off < len(n.data); {
			id, flags, body := n.header(off)
			if a.ByMinID && !id.Less(a.MinID) || !a.ByMinID && s.length <= uint64(a.MaxLen) {
				break
			}
			if n.markDeleted(off) {
				s.length--
				deleted++
			}
			_, off = n.body(body, flags, false, nil, nil)
		}
		break
	}
	if drop > 0 {
		for i := range s.nodes[:drop] {
			s.dataBytes -= cap(s.nodes[i].data)
		}
		clear(s.nodes[:drop])
		s.nodes = s.nodes[drop:]
	}
	if s.length == 0 {
		s.FirstID = ID{}
	} else {
		s.FirstID = s.Edge(true, false)
	}
	return deleted
}

// RaxNodes is the number of nodes Redis's radix tree would have for the
// node keys (XINFO's radix-tree-nodes): the keys are the nodes' first IDs
// as 16 big-endian bytes, and the tree is the compressed trie rax builds,
// one node for each run of single-child bytes, each branching point and
// each leaf.
func (s *Stream) RaxNodes() int {
	if len(s.nodes) == 0 {
		return 1
	}
	keys := make([][16]byte, len(s.nodes))
	for i := range s.nodes {
		binary.BigEndian.PutUint64(keys[i][:8], s.nodes[i].first.Ms)
		binary.BigEndian.PutUint64(keys[i][8:], s.nodes[i].first.Seq)
	}
	return raxCount(keys, 0)
}

// raxCount counts the trie nodes for sorted distinct keys that share
// their first d bytes, from the node reached after those bytes.
func raxCount(keys [][16]byte, d int) int {
	if d == 16 {
		return 1
	}
	if len(keys) == 1 {
		return 2 // a compressed node with the rest of the key, then the leaf
	}
	count := 0
	first, last := &keys[0], &keys[len(keys)-1]
	common := 0
	for d+common < 16 && first[d+common] == last[d+common] {
		common++
	}
	if common > 0 {
		count++
		d += common
	}
	count++ // the branching node
	for i := 0; i < len(keys); {
		j := i + 1
		for j < len(keys) && keys[j][d] == keys[i][d] {
			j++
		}
		count += raxCount(keys[i:j], d+1)
		i = j
	}
	return count
}

// Clone returns a deep copy, consumer groups included.
func (s *Stream) Clone() *Stream {
	c := *s
	c.nodes = make([]node, len(s.nodes))
	c.dataBytes = 0
	for i, n := range s.nodes {
		n.data = append([]byte(nil), n.data...)
		c.nodes[i] = n
		c.dataBytes += cap(n.data)
	}
	c.groups = make([]*Group, len(s.groups))
	for i, g := range s.groups {
		c.groups[i] = g.clone()
	}
	return &c
}
