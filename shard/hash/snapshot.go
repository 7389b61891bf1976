package hash

// Pairs appends every field-value pair to dst, in Range's order, and
// returns it, for a snapshot that encodes the hash while its owner holds
// it. The slices stay valid until the hash changes: the big form's alias
// its strings, and the small form's strings alias its pack while its
// integers (at most MaxListpackEntries pairs of them) get their own bytes.
func (h *Hash) Pairs(dst [][2][]byte) [][2][]byte {
	if h.table != nil {
		h.table.Range(func(f, v string) bool {
			dst = append(dst, [2][]byte{bytesOf(f), bytesOf(v)})
			return true
		})
		return dst
	}
	p := h.pack
	for off := packHeader; off < len(p); {
		voff := off + entrySize(p, off)
		next := voff + entrySize(p, voff)
		// decode views p for a string and prints an integer into buf;
		// a nil buf makes it allocate the integer's own bytes.
		f, v := decode(p, off, nil), decode(p, voff, nil)
		dst = append(dst, [2][]byte{f[:len(f):len(f)], v[:len(v):len(v)]})
		off = next
	}
	return dst
}
