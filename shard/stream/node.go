package stream

import "encoding/binary"

// Entries live in nodes of up to NodeMaxEntries entries (deleted ones
// included), each one byte slice, as Redis keeps them in listpacks under a
// radix tree keyed by each listpack's first ID. Like Redis, a node starts
// with a "master" list of field names, those of its first entry; an entry
// with the same field names stores only its values. IDs are stored as
// deltas from the node's first ID. The layout of data:
//
//	master:  uvarint(nfields) { uvarint(len) name }
//	entry:   flags  uvarint(ms - first.Ms)  uvarint(seq')
//	         [uvarint(nfields)]  { [uvarint(len) field]  uvarint(len) value }
//
// where seq' is seq - first.Seq when the milliseconds equal the node's
// (never negative then) and seq itself otherwise, and the bracketed parts
// are absent when flagSameFields is set. Deleting an entry only sets
// flagDeleted; a node whose live entries are all deleted by XDEL is
// dropped, as Redis drops the listpack.
//
// A node is closed to new entries where Redis closes its listpack, so that
// the node count (XINFO's radix-tree-keys) and approximate trimming, which
// removes whole nodes, give the same results as Redis: lpBytes follows
// the size the listpack would have (listpack.go).

const (
	flagDeleted    = 1 << 0
	flagSameFields = 1 << 1
)

// Redis's defaults for stream-node-max-bytes and stream-node-max-entries.
const (
	NodeMaxBytes   = 4096
	NodeMaxEntries = 100
	// maxEntryBytes is Redis's STREAM_LISTPACK_MAX_SIZE: the fields and
	// values of one entry may not add up to more.
	maxEntryBytes = 1 << 30
)

type node struct {
	first   ID // the ID of the first entry added, deleted or not
	data    []byte
	start   uint32 // offset of the first entry (after the master fields)
	nfields uint32 // number of master fields
	live    uint16 // entries not deleted
	deleted uint16 // entries flagged deleted
	lpBytes uint32 // size of the equivalent Redis listpack
}

// newNode starts a node whose master fields are those of fv (alternating
// fields and values).
func newNode(first ID, fv [][]byte) node {
	n := node{first: first}
	size := len(fv) / 2 * binary.MaxVarintLen64
	for i := 0; i < len(fv); i += 2 {
		size += len(fv[i])
	}
	n.data = make([]byte, 0, size+64)
	n.data = binary.AppendUvarint(n.data, uint64(len(fv)/2))
	lp := lpHeaderBytes + lpIntSize(1) + lpIntSize(0) + lpIntSize(int64(len(fv)/2)) + lpIntSize(0)
	for i := 0; i < len(fv); i += 2 {
		n.data = binary.AppendUvarint(n.data, uint64(len(fv[i])))
		n.data = append(n.data, fv[i]...)
		lp += lpElemSize(fv[i])
	}
	n.start = uint32(len(n.data))
	n.nfields = uint32(len(fv) / 2)
	n.lpBytes = uint32(lp)
	return n
}

// sameFields reports whether fv has exactly the node's master fields.
func (n *node) sameFields(fv [][]byte) bool {
	if int(n.nfields) != len(fv)/2 {
		return false
	}
	_, k := binary.Uvarint(n.data)
	d := n.data[k:]
	for i := 0; i < len(fv); i += 2 {
		l, k := binary.Uvarint(d)
		d = d[k:]
		if string(d[:l]) != string(fv[i]) {
			return false
		}
		d = d[l:]
	}
	return true
}

// append adds an entry, which must sort after every entry of the node.
func (n *node) append(id ID, fv [][]byte) {
	flags := byte(0)
	same := n.sameFields(fv)
	if same {
		flags = flagSameFields
	}
	msDelta := id.Ms - n.first.Ms
	seq := id.Seq
	if msDelta == 0 {
		seq -= n.first.Seq
	}
	n.data = append(n.data, flags)
	n.data = binary.AppendUvarint(n.data, msDelta)
	n.data = binary.AppendUvarint(n.data, seq)
	// Redis stores the deltas as int64 and counts the fields it writes.
	lp := lpIntSize(int64(flags)) + lpIntSize(int64(msDelta)) + lpIntSize(int64(id.Seq-n.first.Seq))
	nfields := int64(len(fv) / 2)
	lpCount := nfields + 3
	if !same {
		n.data = binary.AppendUvarint(n.data, uint64(nfields))
		lp += lpIntSize(nfields)
		lpCount += nfields + 1
	}
	for i := 0; i < len(fv); i += 2 {
		if !same {
			n.data = binary.AppendUvarint(n.data, uint64(len(fv[i])))
			n.data = append(n.data, fv[i]...)
			lp += lpElemSize(fv[i])
		}
		n.data = binary.AppendUvarint(n.data, uint64(len(fv[i+1])))
		n.data = append(n.data, fv[i+1]...)
		lp += lpElemSize(fv[i+1])
	}
	lp += lpIntSize(lpCount)
	n.lpBytes += uint32(lp)
	n.live++
}

// full reports whether an entry whose fields and values take elemBytes
// must go to a new node, by Redis's rule.
func (n *node) full(elemBytes int) bool {
	return int(n.lpBytes)+elemBytes >= NodeMaxBytes || int(n.live)+int(n.deleted) >= NodeMaxEntries
}

// shrink drops the spare capacity of a node that takes no more entries.
func (n *node) shrink() {
	if cap(n.data) > len(n.data) {
		n.data = append([]byte(nil), n.data...)
	}
}

// masterFields appends the node's master field names to dst.
func (n *node) masterFields(dst [][]byte) [][]byte {
	_, k := binary.Uvarint(n.data)
	d := n.data[k:]
	for range n.nfields {
		l, k := binary.Uvarint(d)
		dst = append(dst, d[k:k+int(l)])
		d = d[k+int(l):]
	}
	return dst
}

// header decodes the entry at offset off: its ID, its flags and the
// offset of its body (fields and values).
func (n *node) header(off int) (id ID, flags byte, body int) {
	d := n.data
	flags = d[off]
	off++
	msDelta, k := binary.Uvarint(d[off:])
	off += k
	seq, k := binary.Uvarint(d[off:])
	off += k
	id = ID{n.first.Ms + msDelta, seq}
	if msDelta == 0 {
		id.Seq += n.first.Seq
	}
	return id, flags, off
}

// body appends the fields and values of the entry whose body starts at
// off to fv (they alias the node's bytes) and returns fv and the offset of
// the next entry. master holds the node's master fields; when want is
// false the body is only skipped.
func (n *node) body(off int, flags byte, want bool, master, fv [][]byte) ([][]byte, int) {
	d := n.data
	next := func() []byte {
		l, k := binary.Uvarint(d[off:])
		b := d[off+k : off+k+int(l)]
		off += k + int(l)
		return b
	}
	if flags&flagSameFields != 0 {
		for i := range int(n.nfields) {
			v := next()
			if want {
				fv = append(fv, master[i], v)
			}
		}
		return fv, off
	}
	cnt, k := binary.Uvarint(d[off:])
	off += k
	for range cnt {
		f := next()
		v := next()
		if want {
			fv = append(fv, f, v)
		}
	}
	return fv, off
}

// markDeleted flags the entry at off deleted; it reports whether it was
// live.
func (n *node) markDeleted(off int) bool {
	if n.data[off]&flagDeleted != 0 {
		return false
	}
	n.data[off] |= flagDeleted
	n.live--
	n.deleted++
	return true
}

// lastID returns the ID of the node's last entry, deleted or not.
func (n *node) lastID() ID {
	var id ID
	for off := int(n.start); off < len(n.data); {
		var flags byte
		id, flags, off = n.header(off)
		_, off = n.body(off, flags, false, nil, nil)
	}
	return id
}
