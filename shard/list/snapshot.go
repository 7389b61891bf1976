package list

import "strconv"

// Values appends every element to dst, head first, and returns it, for a
// snapshot that encodes the list while its owner holds it. A string element
// aliases the list's memory and stays valid until the list changes; an
// integer element is printed into memory shared with other integers, so a
// list of a million counters costs a few allocations, not a million.
func (l *List) Values(dst [][]byte) [][]byte {
	var digits []byte
	for i := 0; i < l.nodes; i++ {
		nd := l.node(i)
		for p := nd.lo; p < nd.hi; {
			v, next := read(nd.mem, p)
			p = next
			if !v.isInt {
				// Clip the capacity so that appending to the element
				// cannot write over its neighbours.
				dst = append(dst, v.s[:len(v.s):len(v.s)])
				continue
			}
			if cap(digits)-len(digits) < 20 {
				digits = make([]byte, 0, 4096)
			}
			start := len(digits)
			digits = strconv.AppendInt(digits, v.iv, 10)
			dst = append(dst, digits[start:len(digits):len(digits)])
		}
	}
	return dst
}
