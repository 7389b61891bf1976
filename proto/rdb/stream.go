package rdb

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
)

// A stream (t_stream.c) is saved as its radix tree of listpack nodes, each
// keyed by its master ID (16 bytes, big-endian ms then seq), followed by
// the stream's metadata and its consumer groups.
//
// A node's listpack starts with a master entry:
//
//	count | deleted | master field count | field... | 0
//
// then holds entries, each an ID relative to the master ID and its fields:
//
//	flags | ms-diff | seq-diff | value... | lp-count              (SAMEFIELDS)
//	flags | ms-diff | seq-diff | n | field | value ... | lp-count
//
// where lp-count is the number of elements before it in the entry, so the
// node can be walked backwards.

func (r *Reader) readStream(t Type, key []byte) (Value, error) {
	nodes, err := r.readLen()
	if err != nil {
		return nil, err
	}
	var s Stream
	for ; nodes > 0; nodes-- {
		at := r.in.offset()
		nodeKey, err := r.readString()
		if err != nil {
			return nil, err
		}
		if len(nodeKey) != 16 {
			return nil, r.errorf(at, key, "stream node key of %d bytes, want 16", len(nodeKey))
		}
		master := idFromBytes(nodeKey)
		at = r.in.offset()
		blob, err := r.readString()
		if err != nil {
			return nil, err
		}
		elems, err := decodeListpack(blob)
		if err == nil {
			if len(elems) == 0 {
				return nil, r.errorf(at, key, "empty listpack in stream node %d-%d", master.Ms, master.Seq)
			}
			s.Entries, err = decodeStreamNode(s.Entries, master, elems)
		}
		if err != nil {
			return nil, r.errorf(at, key, "stream node %d-%d: %v", master.Ms, master.Seq, err)
		}
	}
	at := r.in.offset()
	var length uint64
	ids := []*uint64{&length, &s.LastID.Ms, &s.LastID.Seq}
	if t >= TypeStreamListpacks2 {
		ids = append(ids, &s.FirstID.Ms, &s.FirstID.Seq, &s.MaxDeletedID.Ms, &s.MaxDeletedID.Seq, &s.EntriesAdded)
	}
	for _, p := range ids {
		if *p, err = r.readLen(); err != nil {
			return nil, err
		}
	}
	if length != uint64(len(s.Entries)) {
		return nil, r.errorf(at, key, "stream length %d, but %d entries", length, len(s.Entries))
	}
	if n := len(s.Entries); n > 0 && s.LastID.Less(s.Entries[n-1].ID) {
		return nil, r.errorf(at, key, "stream last ID %d-%d is below entry %d-%d",
			s.LastID.Ms, s.LastID.Seq, s.Entries[n-1].ID.Ms, s.Entries[n-1].ID.Seq)
	}
	if t == TypeStreamListpacks {
		s.EntriesAdded = length
		if len(s.Entries) > 0 {
			s.FirstID = s.Entries[0].ID
		}
	}
	ngroups, err := r.readLen()
	if err != nil {
		return nil, err
	}
	s.Groups = make([]StreamGroup, 0, min(ngroups, maxPrealloc))
	for ; ngroups > 0; ngroups-- {
		g, err := r.readGroup(t, key)
		if err != nil {
			return nil, err
		}
		s.Groups = append(s.Groups, g)
	}
	if i := findDuplicate(len(s.Groups), func(i int) []byte { return s.Groups[i].Name }); i >= 0 {
		return nil, r.errorf(at, key, "duplicate consumer group %q", s.Groups[i].Name)
	}
	return s, nil
}

func idFromBytes(b []byte) StreamID {
	return StreamID{Ms: binary.BigEndian.Uint64(b), Seq: binary.BigEndian.Uint64(b[8:])}
}

func appendID(dst []byte, id StreamID) []byte {
	dst = binary.BigEndian.AppendUint64(dst, id.Ms)
	return binary.BigEndian.AppendUint64(dst, id.Seq)
}

// decodeStreamNode appends the live entries of one node to dst.
func decodeStreamNode(dst []StreamEntry, master StreamID, elems []lpElem) ([]StreamEntry, error) {
	p := 0
	nextInt := func(what string) (int64, error) {
		if p >= len(elems) {
			return 0, fmt.Errorf("missing %s", what)
		}
		v, ok := elems[p].int()
		if !ok {
			return 0, fmt.Errorf("%s is not an integer", what)
		}
		p++
		return v, nil
	}
	count, err := nextInt("entry count")
	if err != nil {
		return nil, err
	}
	deleted, err := nextInt("deleted count")
	if err != nil {
		return nil, err
	}
	nfields, err := nextInt("master field count")
	if err != nil {
		return nil, err
	}
	if nfields < 0 || nfields > int64(len(elems)-p) {
		return nil, fmt.Errorf("master field count %d", nfields)
	}
	masterFields := elemBytes(nil, elems[p:p+int(nfields)])
	p += int(nfields)
	if term, err := nextInt("master entry terminator"); err != nil || term != 0 {
		return nil, fmt.Errorf("bad master entry terminator")
	}
	var live, dead int64
	for p < len(elems) {
		start := p
		flags, err := nextInt("entry flags")
		if err != nil {
			return nil, err
		}
		msDiff, err := nextInt("entry ID")
		if err != nil {
			return nil, err
		}
		seqDiff, err := nextInt("entry ID")
		if err != nil {
			return nil, err
		}
		id := StreamID{Ms: master.Ms + uint64(msDiff), Seq: master.Seq + uint64(seqDiff)}
		var fields [][2][]byte
		if flags&streamItemSameFields != 0 {
			if int64(len(elems)-p) < nfields {
				return nil, fmt.Errorf("entry %d-%d: missing values", id.Ms, id.Seq)
			}
			fields = make([][2][]byte, nfields)
			for i := range fields {
				fields[i] = [2][]byte{masterFields[i], elems[p].bytes()}
				p++
			}
		} else {
			n, err := nextInt("entry field count")
			if err != nil {
				return nil, err
			}
			if n < 0 || n > int64(len(elems)-p)/2 {
				return nil, fmt.Errorf("entry %d-%d: field count %d", id.Ms, id.Seq, n)
			}
			fields = make([][2][]byte, n)
			for i := range fields {
				fields[i] = [2][]byte{elems[p].bytes(), elems[p+1].bytes()}
				p += 2
			}
		}
		lpCount, err := nextInt("entry element count")
		if err != nil {
			return nil, err
		}
		if lpCount != int64(p-1-start) {
			return nil, fmt.Errorf("entry %d-%d: element count %d, want %d", id.Ms, id.Seq, lpCount, p-1-start)
		}
		if flags&streamItemDeleted != 0 {
			dead++
			continue
		}
		live++
		if n := len(dst); n > 0 && !dst[n-1].ID.Less(id) {
			return nil, fmt.Errorf("entry %d-%d is not above %d-%d", id.Ms, id.Seq, dst[n-1].ID.Ms, dst[n-1].ID.Seq)
		}
		dst = append(dst, StreamEntry{ID: id, Fields: fields})
	}
	if live != count || dead != deleted {
		return nil, fmt.Errorf("master entry counts %d live and %d deleted, found %d and %d", count, deleted, live, dead)
	}
	return dst, nil
}

func (r *Reader) readGroup(t Type, key []byte) (StreamGroup, error) {
	g := StreamGroup{EntriesRead: -1}
	at := r.in.offset()
	var err error
	if g.Name, err = r.readString(); err != nil {
		return g, err
	}
	for _, p := range []*uint64{&g.LastID.Ms, &g.LastID.Seq} {
		if *p, err = r.readLen(); err != nil {
			return g, err
		}
	}
	if t >= TypeStreamListpacks2 {
		n, err := r.readLen()
		if err != nil {
			return g, err
		}
		g.EntriesRead = int64(n) // -1 (unknown) is saved as 2^64-1
	}
	npel, err := r.readLen()
	if err != nil {
		return g, err
	}
	g.PEL = make([]StreamPending, 0, min(npel, maxPrealloc))
	for ; npel > 0; npel-- {
		pat := r.in.offset()
		b, err := r.in.next(24)
		if err != nil {
			return g, r.fail(pat, key, err, "reading pending entry")
		}
		p := StreamPending{ID: idFromBytes(b), DeliveryTime: int64(binary.LittleEndian.Uint64(b[16:]))}
		if p.DeliveryCount, err = r.readLen(); err != nil {
			return g, err
		}
		if n := len(g.PEL); n > 0 && !g.PEL[n-1].ID.Less(p.ID) {
			return g, r.errorf(pat, key, "group %q: pending entry %d-%d out of order", g.Name, p.ID.Ms, p.ID.Seq)
		}
		g.PEL = append(g.PEL, p)
	}
	ncons, err := r.readLen()
	if err != nil {
		return g, err
	}
	g.Consumers = make([]StreamConsumer, 0, min(ncons, maxPrealloc))
	for ; ncons > 0; ncons-- {
		c := StreamConsumer{ActiveTime: -1}
		if c.Name, err = r.readString(); err != nil {
			return g, err
		}
		times := []*int64{&c.SeenTime}
		if t >= TypeStreamListpacks3 {
			times = append(times, &c.ActiveTime)
		}
		for _, tp := range times {
			tat := r.in.offset()
			b, err := r.in.next(8)
			if err != nil {
				return g, r.fail(tat, key, err, "reading consumer time")
			}
			*tp = int64(binary.LittleEndian.Uint64(b))
		}
		n, err := r.readLen()
		if err != nil {
			return g, err
		}
		for ; n > 0; n-- {
			pat := r.in.offset()
			b, err := r.in.next(16)
			if err != nil {
				return g, r.fail(pat, key, err, "reading consumer pending entry")
			}
			id := idFromBytes(b)
			i, found := slices.BinarySearchFunc(g.PEL, id, func(p StreamPending, id StreamID) int {
				switch {
				case p.ID.Less(id):
					return -1
				case id.Less(p.ID):
					return 1
				}
				return 0
			})
			if !found {
				return g, r.errorf(pat, key, "group %q consumer %q: pending entry %d-%d is not in the group's PEL", g.Name, c.Name, id.Ms, id.Seq)
			}
			if g.PEL[i].Consumer != nil {
				return g, r.errorf(pat, key, "group %q: pending entry %d-%d has two consumers", g.Name, id.Ms, id.Seq)
			}
			g.PEL[i].Consumer = c.Name
		}
		g.Consumers = append(g.Consumers, c)
	}
	if i := findDuplicate(len(g.Consumers), func(i int) []byte { return g.Consumers[i].Name }); i >= 0 {
		return g, r.errorf(at, key, "group %q: duplicate consumer %q", g.Name, g.Consumers[i].Name)
	}
	for _, p := range g.PEL {
		if p.Consumer == nil {
			return g, r.errorf(at, key, "group %q: pending entry %d-%d has no consumer", g.Name, p.ID.Ms, p.ID.Seq)
		}
	}
	return g, nil
}

// writeStream writes s as STREAM_LISTPACKS_2, Redis 7.0's form, after
// checking what redis-server would refuse to load or would load broken.
func (w *Writer) writeStream(key []byte, s Stream) error {
	for i := 1; i < len(s.Entries); i++ {
		if !s.Entries[i-1].ID.Less(s.Entries[i].ID) {
			id := s.Entries[i].ID
			return fmt.Errorf("rdb: key %q: stream entry %d-%d is not above the previous one", key, id.Ms, id.Seq)
		}
	}
	if i := findDuplicate(len(s.Groups), func(i int) []byte { return s.Groups[i].Name }); i >= 0 {
		return fmt.Errorf("rdb: key %q: duplicate consumer group %q", key, s.Groups[i].Name)
	}
	pels := make([][]StreamPending, len(s.Groups))
	owned := make([]map[string][]StreamID, len(s.Groups)) // each consumer's pending IDs, ascending
	for gi, g := range s.Groups {
		pel := g.PEL
		if !slices.IsSortedFunc(pel, comparePending) {
			pel = slices.SortedFunc(slices.Values(pel), comparePending)
		}
		owned[gi] = make(map[string][]StreamID, len(g.Consumers))
		for _, c := range g.Consumers {
			if _, dup := owned[gi][string(c.Name)]; dup {
				return fmt.Errorf("rdb: key %q: group %q: duplicate consumer %q", key, g.Name, c.Name)
			}
			owned[gi][string(c.Name)] = nil
		}
		for i, p := range pel {
			if i > 0 && !pel[i-1].ID.Less(p.ID) {
				return fmt.Errorf("rdb: key %q: group %q: duplicate pending entry %d-%d", key, g.Name, p.ID.Ms, p.ID.Seq)
			}
			ids, ok := owned[gi][string(p.Consumer)]
			if !ok {
				return fmt.Errorf("rdb: key %q: group %q: pending entry %d-%d names unknown consumer %q", key, g.Name, p.ID.Ms, p.ID.Seq, p.Consumer)
			}
			owned[gi][string(p.Consumer)] = append(ids, p.ID)
		}
		pels[gi] = pel
	}

	w.writeType(TypeStreamListpacks2, key)
	nodes := w.streamNodes(s.Entries)
	w.writeLen(uint64(len(nodes)))
	for _, n := range nodes {
		w.writeString(appendID(nil, n.master))
		w.writeString(n.lp)
	}
	for _, v := range []uint64{uint64(len(s.Entries)), s.LastID.Ms, s.LastID.Seq, s.FirstID.Ms, s.FirstID.Seq,
		s.MaxDeletedID.Ms, s.MaxDeletedID.Seq, s.EntriesAdded, uint64(len(s.Groups))} {
		w.writeLen(v)
	}
	for gi, g := range s.Groups {
		w.writeString(g.Name)
		w.writeLen(g.LastID.Ms)
		w.writeLen(g.LastID.Seq)
		w.writeLen(uint64(g.EntriesRead))
		w.writeLen(uint64(len(pels[gi])))
		for _, p := range pels[gi] {
			w.writeID(p.ID)
			w.writeInt64LE(p.DeliveryTime)
			w.writeLen(p.DeliveryCount)
		}
		w.writeLen(uint64(len(g.Consumers)))
		for _, c := range g.Consumers {
			w.writeString(c.Name)
			w.writeInt64LE(c.SeenTime)
			ids := owned[gi][string(c.Name)]
			w.writeLen(uint64(len(ids)))
			for _, id := range ids {
				w.writeID(id)
			}
		}
	}
	return nil
}

func comparePending(a, b StreamPending) int {
	switch {
	case a.ID.Less(b.ID):
		return -1
	case b.ID.Less(a.ID):
		return 1
	}
	return 0
}

type streamNode struct {
	master StreamID
	lp     []byte
}

// streamNodes packs entries into listpack nodes as XADD fills them: a node
// is closed when it reaches stream-node-max-entries entries or
// stream-node-max-bytes bytes (0 disables either limit).
func (w *Writer) streamNodes(entries []StreamEntry) []streamNode {
	var nodes []streamNode
	var body *listpackWriter // the node's entries, after its master entry
	var master StreamID
	var masterFields [][]byte
	var count int
	closeNode := func() {
		lp := newListpackWriter()
		lp.appendInt(int64(count))
		lp.appendInt(0)
		lp.appendInt(int64(len(masterFields)))
		for _, f := range masterFields {
			lp.appendBytes(f)
		}
		lp.appendInt(0)
		lp.b = append(lp.b, body.b[lpHeaderSize:]...)
		lp.count += body.count
		nodes = append(nodes, streamNode{master: master, lp: lp.finish()})
		body = nil
	}
	maxBytes, maxEntries := w.opts.StreamNodeMaxBytes, w.opts.StreamNodeMaxEntries
	for _, e := range entries {
		if body != nil && ((maxEntries > 0 && count >= maxEntries) || (maxBytes > 0 && body.size()+streamEntrySize(e) >= maxBytes)) {
			closeNode()
		}
		if body == nil {
			body, master, count = newListpackWriter(), e.ID, 0
			masterFields = masterFields[:0]
			for _, f := range e.Fields {
				masterFields = append(masterFields, f[0])
			}
		}
		same := len(e.Fields) == len(masterFields)
		for i := 0; same && i < len(e.Fields); i++ {
			same = bytes.Equal(e.Fields[i][0], masterFields[i])
		}
		start := body.count
		if same {
			body.appendInt(streamItemSameFields)
		} else {
			body.appendInt(0)
		}
		body.appendInt(int64(e.ID.Ms - master.Ms))
		body.appendInt(int64(e.ID.Seq - master.Seq))
		if same {
			for _, f := range e.Fields {
				body.appendBytes(f[1])
			}
		} else {
			body.appendInt(int64(len(e.Fields)))
			for _, f := range e.Fields {
				body.appendBytes(f[0])
				body.appendBytes(f[1])
			}
		}
		body.appendInt(int64(body.count - start))
		count++
	}
	if body != nil {
		closeNode()
	}
	return nodes
}

// streamEntrySize estimates an entry's listpack bytes, as XADD weighs a
// new entry against stream-node-max-bytes.
func streamEntrySize(e StreamEntry) int {
	n := 0
	for _, f := range e.Fields {
		n += len(f[0]) + len(f[1])
	}
	return min(n, math.MaxInt32)
}
