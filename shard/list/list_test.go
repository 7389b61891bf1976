package list

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// check verifies the list's invariants and that it holds exactly want.
func check(t *testing.T, l *List, want []string) {
	t.Helper()
	if l.Len() != len(want) {
		t.Fatalf("Len %d, want %d", l.Len(), len(want))
	}
	total, mem := 0, 0
	var buf []byte
	for i := 0; i < l.nodes; i++ {
		nd := l.node(i)
		if nd.count == 0 {
			t.Fatalf("node %d of %d is empty", i, l.nodes)
		}
		if nd.lo < 0 || nd.hi > len(nd.mem) || nd.lo > nd.hi || len(nd.mem) != cap(nd.mem) {
			t.Fatalf("node %d: lo %d hi %d len %d cap %d", i, nd.lo, nd.hi, len(nd.mem), cap(nd.mem))
		}
		if nd.used() > NodeLimit && nd.count > 1 {
			t.Fatalf("node %d holds %d bytes in %d entries, over the limit", i, nd.used(), nd.count)
		}
		n := 0
		for p := nd.lo; p < nd.hi; n++ {
			v, next := read(nd.mem, p)
			if prev(nd.mem, next) != p {
				t.Fatalf("node %d: back-length of the entry at %d points to %d", i, p, prev(nd.mem, next))
			}
			buf = v.appendTo(buf[:0])
			if total+n >= len(want) || string(buf) != want[total+n] {
				t.Fatalf("element %d is %q, want %q", total+n, trunc([]string{string(buf)}), trunc(want[min(total+n, len(want)):min(total+n+1, len(want))]))
			}
			p = next
		}
		if n != nd.count {
			t.Fatalf("node %d counts %d entries, holds %d", i, nd.count, n)
		}
		total += n
		mem += len(nd.mem)
	}
	if total != l.n || mem != l.mem {
		t.Fatalf("list counts %d elements and %d bytes, nodes hold %d and %d", l.n, l.mem, total, mem)
	}
}

func trunc(s []string) []string {
	out := make([]string, len(s))
	for i, v := range s {
		if len(v) > 20 {
			v = fmt.Sprintf("%s…(%d)", v[:10], len(v))
		}
		out[i] = v
	}
	return out
}

func TestEncodingRoundTrip(t *testing.T) {
	f := func(v string, size int) {
		t.Helper()
		e := encode([]byte(v))
		if e.total() != size {
			t.Errorf("%q: entry size %d, want %d", trunc([]string{v}), e.total(), size)
		}
		// Surround the entry with other bytes to catch reads that stray.
		buf := append([]byte("xx"), make([]byte, e.total())...)
		buf = append(buf, "yy"...)
		e.write(buf[2:2+e.total()], []byte(v))
		got, next := read(buf, 2)
		if next != 2+e.total() || string(got.appendTo(nil)) != v || prev(buf, next) != 2 {
			t.Errorf("%q: read %q, next %d, prev %d", trunc([]string{v}), trunc([]string{string(got.appendTo(nil))}), next, prev(buf, next))
		}
	}
	f("0", 2)
	f("127", 2)
	f("128", 3)
	f("-1", 3)
	f("4095", 3)
	f("-4096", 3)
	f("4096", 4)
	f("-4097", 4)
	f(strconv.Itoa(math.MaxInt16), 4)
	f(strconv.Itoa(math.MinInt16), 4)
	f(strconv.Itoa(math.MaxInt16+1), 5)
	f(strconv.Itoa(1<<23-1), 5)
	f(strconv.Itoa(-1<<23), 5)
	f(strconv.Itoa(1<<23), 6)
	f(strconv.Itoa(math.MaxInt32), 6)
	f(strconv.Itoa(math.MinInt32), 6)
	f(strconv.Itoa(math.MaxInt32+1), 10)
	f(strconv.Itoa(math.MaxInt64), 10)
	f(strconv.Itoa(math.MinInt64), 10)
	// Not canonical integers: kept as strings.
	f("9223372036854775808", 21)
	f("-9223372036854775809", 22)
	f("01", 4)
	f("+1", 4)
	f("-0", 4)
	f(" 1", 4)
	f("1.5", 5)
	f("", 2)
	f("a", 3)
	f(strings.Repeat("a", 63), 65)
	f(strings.Repeat("a", 64), 67)
	f(strings.Repeat("a", 125), 128) // header and payload 127: one back-length byte
	f(strings.Repeat("a", 126), 130) // 128: two
	f(strings.Repeat("a", 4095), 4099)
	f(strings.Repeat("a", 4096), 4103)
	f(strings.Repeat("a", 1<<14-6), 1<<14+1) // 16383: two back-length bytes
	f(strings.Repeat("a", 1<<14-5), 1<<14+3) // 16384: three
	f(strings.Repeat("a", 1<<21), 1<<21+5+4)
}

func TestMatcher(t *testing.T) {
	f := func(stored, probe string, want bool) {
		t.Helper()
		e := encode([]byte(stored))
		buf := make([]byte, e.total())
		e.write(buf, []byte(stored))
		v, _ := read(buf, 0)
		m := newMatcher([]byte(probe))
		if got := m.eq(v); got != want {
			t.Errorf("stored %q, probe %q: %v, want %v", stored, probe, got, want)
		}
	}
	f("1", "1", true)
	f("1", "01", false)
	f("01", "1", false)
	f("01", "01", true)
	f("-5", "-5", true)
	f("abc", "abc", true)
	f("abc", "abd", false)
	f("", "", true)
	f("0", "", false)
	f("100000", "100000", true)
	f("100000", "100001", false)
}

// values returns a generator of values drawn from a small alphabet, so that
// matches happen, with every encoding represented.
func values(r *rand.Rand) func() string {
	return func() string {
		switch r.IntN(12) {
		case 0, 1:
			return strconv.Itoa(r.IntN(5))
		case 2:
			return strconv.Itoa(r.IntN(3)*1000 - 1000)
		case 3:
			return strconv.FormatInt(int64(r.IntN(3)-1)*1e12, 10)
		case 4:
			return []string{"01", "+1", "-0", "", " 2"}[r.IntN(5)]
		case 5:
			return strings.Repeat("m", 60+r.IntN(10))
		case 6:
			if r.IntN(10) == 0 {
				return strings.Repeat("L", 5000+r.IntN(6000))
			}
			return strings.Repeat("k", 300+r.IntN(3)*1000)
		default:
			return "v" + strconv.Itoa(r.IntN(8))
		}
	}
}

// TestModel runs random operations on a List and on a []string model and
// compares them after each one.
func TestModel(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) { testModel(t, seed) })
	}
}

func testModel(t *testing.T, seed uint64) {
	r := rand.New(rand.NewPCG(seed, 99))
	val := values(r)
	var l List
	var m []string
	ops := map[string]int{}
	maxNodes := 0
	// idx draws an index in Redis form, sometimes out of range.
	idx := func() int {
		n := len(m) + 2
		return r.IntN(2*n) - n
	}
	norm := func(i int) (int, bool) {
		if i < 0 {
			i += len(m)
		}
		return i, i >= 0 && i < len(m)
	}
	span := func(start, stop int) []string {
		if start < 0 {
			start += len(m)
		}
		if stop < 0 {
			stop += len(m)
		}
		start = max(start, 0)
		if start > stop || start >= len(m) {
			return nil
		}
		return m[start : min(stop, len(m)-1)+1]
	}
	const steps = 6000
	for step := 0; step < steps; step++ {
		// Favour growth early, so that lists span many nodes.
		op := r.IntN(15)
		if step < steps/3 && op > 10 {
			op = r.IntN(2)
		}
		switch op {
		case 0, 1:
			v := val()
			l.PushLeft([]byte(v))
			m = slices.Insert(m, 0, v)
			ops["pushleft"]++
		case 2, 3:
			n := 1 + r.IntN(50)
			for j := 0; j < n; j++ {
				v := val()
				l.PushRight([]byte(v))
				m = append(m, v)
			}
			ops["pushright"]++
		case 4:
			got, ok := l.PopLeft()
			if ok != (len(m) > 0) || ok && string(got) != m[0] {
				t.Fatalf("PopLeft %q %v, model %q", got, ok, trunc(m[:min(1, len(m))]))
			}
			if ok {
				m = m[1:]
			}
			ops["popleft"]++
		case 5:
			got, ok := l.PopRight()
			if ok != (len(m) > 0) || ok && string(got) != m[len(m)-1] {
				t.Fatalf("PopRight %q %v", got, ok)
			}
			if ok {
				m = m[:len(m)-1]
			}
			ops["popright"]++
		case 6:
			i := idx()
			got, ok := l.Index(i)
			j, want := norm(i)
			if ok != want || ok && string(got) != m[j] {
				t.Fatalf("Index(%d) of %d = %q %v", i, len(m), got, ok)
			}
			ops["index"]++
		case 7:
			i, v := idx(), val()
			ok := l.Set(i, []byte(v))
			j, want := norm(i)
			if ok != want {
				t.Fatalf("Set(%d) of %d = %v", i, len(m), ok)
			}
			if ok {
				m[j] = v
			}
			ops["set"]++
		case 8:
			pivot, v, after := val(), val(), r.IntN(2) == 0
			ok := l.Insert([]byte(pivot), []byte(v), after)
			j := slices.Index(m, pivot)
			if ok != (j >= 0) {
				t.Fatalf("Insert(%q) = %v, model index %d", pivot, ok, j)
			}
			if ok {
				if after {
					j++
				}
				m = slices.Insert(m, j, v)
			}
			ops["insert"]++
		case 9:
			v, count := val(), r.IntN(7)-3
			got := l.Remove([]byte(v), count)
			want := 0
			if count >= 0 {
				for j := 0; j < len(m); {
					if m[j] == v && (count == 0 || want < count) {
						m = slices.Delete(m, j, j+1)
						want++
						continue
					}
					j++
				}
			} else {
				for j := len(m) - 1; j >= 0 && want < -count; j-- {
					if m[j] == v {
						m = slices.Delete(m, j, j+1)
						want++
					}
				}
			}
			if got != want {
				t.Fatalf("Remove(%q, %d) = %d, want %d", v, count, got, want)
			}
			ops["remove"]++
		case 10:
			if r.IntN(4) != 0 { // trims shrink the list fast: keep it long
				l.PushRight([]byte("t"))
				m = append(m, "t")
				break
			}
			start, stop := idx(), idx()
			if r.IntN(3) == 0 { // the usual LTRIM: keep a window at one end
				start, stop = 0, r.IntN(len(m)+1)-1
			}
			l.Trim(start, stop)
			m = slices.Clone(span(start, stop))
			ops["trim"]++
		case 11:
			start, stop := idx(), idx()
			var got []string
			l.Range(start, stop, func(v []byte) bool {
				got = append(got, string(v))
				return true
			})
			want := span(start, stop)
			if !slices.Equal(got, want) && len(got)+len(want) > 0 || l.RangeLen(start, stop) != len(want) {
				t.Fatalf("Range(%d, %d) of %d = %d elements, want %d", start, stop, len(m), len(got), len(want))
			}
			ops["range"]++
		case 12:
			v, rank, count, maxlen := val(), r.IntN(7)-3, r.IntN(4), r.IntN(3)*r.IntN(len(m)+1)
			if rank == 0 {
				rank = 1
			}
			got := l.Pos([]byte(v), rank, count, maxlen)
			var want []int
			matches := 0
			for k := 0; k < len(m) && (maxlen == 0 || k < maxlen); k++ {
				j := k
				if rank < 0 {
					j = len(m) - 1 - k
				}
				if m[j] != v {
					continue
				}
				if matches++; matches >= max(rank, -rank) {
					want = append(want, j)
					if count != 0 && len(want) == count {
						break
					}
				}
			}
			if !slices.Equal(got, want) {
				t.Fatalf("Pos(%q, %d, %d, %d) = %v, want %v", v, rank, count, maxlen, got, want)
			}
			ops["pos"]++
		case 13:
			i, reverse := idx(), r.IntN(2) == 0
			it := l.Iter(i, reverse)
			var got []string
			for v, ok := it.Next(); ok; v, ok = it.Next() {
				got = append(got, string(v))
			}
			var want []string
			if j, ok := norm(i); ok {
				if reverse {
					want = slices.Clone(m[:j+1])
					slices.Reverse(want)
				} else {
					want = m[j:]
				}
			}
			if !slices.Equal(got, want) && len(got)+len(want) > 0 {
				t.Fatalf("Iter(%d, %v) gave %d elements, want %d", i, reverse, len(got), len(want))
			}
			ops["iter"]++
		case 14:
			c := l.Clone()
			check(t, c, m)
			c.PushLeft([]byte("clone-only"))
			ops["clone"]++
		}
		check(t, &l, m)
		maxNodes = max(maxNodes, l.nodes)
	}
	if maxNodes < 4 {
		t.Errorf("the list never spanned more than %d nodes", maxNodes)
	}
	for _, op := range []string{"pushleft", "pushright", "popleft", "popright", "index", "set", "insert", "remove", "trim", "range", "pos", "iter", "clone"} {
		if ops[op] < 50 {
			t.Errorf("only %d %s operations generated", ops[op], op)
		}
	}
	t.Logf("ops %v, final length %d in %d nodes, at most %d nodes", ops, l.Len(), l.nodes, maxNodes)
}

// TestLongListOperations drives the node-level paths (splits, merges,
// reallocation, ring growth and shrinking) on a list of thousands of nodes.
func TestLongListOperations(t *testing.T) {
	var l List
	var left, right []string
	for i := 0; i < 200000; i++ {
		v := fmt.Sprintf("e:%014d", i)
		if i%3 == 0 {
			v = strconv.Itoa(i % 7)
		}
		if i%2 == 0 {
			l.PushRight([]byte(v))
			right = append(right, v)
		} else {
			l.PushLeft([]byte(v))
			left = append(left, v)
		}
	}
	slices.Reverse(left)
	m := append(left, right...)
	check(t, &l, m)
	if l.Encoding() != "quicklist" || l.nodes < 200 {
		t.Fatalf("%d nodes, encoding %s", l.nodes, l.Encoding())
	}
	// Inserting repeatedly at one spot splits a full node many times.
	pivot := "e:00000000100001"
	at := slices.Index(m, pivot)
	for i := 0; i < 1000; i++ {
		v := strings.Repeat("x", i%40)
		if !l.Insert([]byte(pivot), []byte(v), i%2 == 0) {
			t.Fatal("pivot not found")
		}
		if i%2 == 0 {
			m = slices.Insert(m, at+1, v)
		} else {
			m = slices.Insert(m, at, v)
			at++
		}
	}
	check(t, &l, m)
	// Inserting before the first entry of a full node, again and again,
	// fills one neighbour instead of making a node per entry.
	nodes := l.nodes
	for i := 0; i < 300; i++ {
		first, _ := read(l.node(nodes/2).mem, l.node(nodes/2).lo)
		pv := first.appendTo(nil)
		at := slices.Index(m, string(pv))
		if !l.Insert(pv, []byte("edge"), false) {
			t.Fatalf("pivot %q not found", pv)
		}
		m = slices.Insert(m, at, "edge")
	}
	check(t, &l, m)
	if l.nodes > nodes+2 {
		t.Fatalf("300 inserts at a node's edge grew the list from %d to %d nodes", nodes, l.nodes)
	}
	// Growing elements in place forces splits as well.
	for i := 100; i < 120000; i += 997 {
		v := strings.Repeat("y", i%3000)
		l.Set(i, []byte(v))
		m[i] = v
	}
	check(t, &l, m)
	nodes = l.nodes
	removed := l.Remove([]byte("3"), 0) + l.Remove([]byte("0"), -5000)
	want := len(m)
	m = slices.DeleteFunc(m, func(v string) bool { return v == "3" })
	zeros := 0
	for j := len(m) - 1; j >= 0 && zeros < 5000; j-- {
		if m[j] == "0" {
			m[j] = "\x00gone"
			zeros++
		}
	}
	m = slices.DeleteFunc(m, func(v string) bool { return v == "\x00gone" })
	want -= len(m)
	if removed != want {
		t.Fatalf("removed %d, want %d", removed, want)
	}
	check(t, &l, m)
	t.Logf("%d nodes before LREM, %d after", nodes, l.nodes)
	l.Trim(1000, -1000)
	m = m[1000 : len(m)-999]
	check(t, &l, m)
	for l.Len() > 10 {
		l.PopLeft()
		l.PopRight()
		m = m[1 : len(m)-1]
	}
	check(t, &l, m)
	if l.Encoding() != "listpack" || len(l.ring) > 8 {
		t.Fatalf("%d nodes in a ring of %d, encoding %s", l.nodes, len(l.ring), l.Encoding())
	}
	l.Trim(5, 1)
	check(t, &l, nil)
	if l.Bytes() != int(unsafe.Sizeof(List{})) {
		t.Fatalf("empty list holds %d bytes", l.Bytes())
	}
}

// TestQueueReusesNode checks that a list used as a queue (RPUSH, LPOP) in
// one node moves its entries instead of growing without bound.
func TestQueueReusesNode(t *testing.T) {
	var l List
	for i := 0; i < 100; i++ {
		l.PushRight([]byte("item"))
	}
	before := l.Bytes()
	for i := 0; i < 100000; i++ {
		l.PushRight([]byte("item"))
		if v, _ := l.PopLeft(); !bytes.Equal(v, []byte("item")) {
			t.Fatalf("popped %q", v)
		}
	}
	if l.Bytes() > 2*before || l.nodes != 1 {
		t.Fatalf("queue grew from %d to %d bytes, %d nodes", before, l.Bytes(), l.nodes)
	}
}

func TestValuesAreCopied(t *testing.T) {
	var l List
	v := []byte("abc")
	l.PushRight(v)
	l.PushLeft(v)
	l.Insert(v, v, true)
	l.Set(1, v)
	copy(v, "xyz")
	check(t, &l, []string{"abc", "abc", "abc"})
	got, _ := l.Index(0)
	copy(got, "zzz")
	check(t, &l, []string{"abc", "abc", "abc"})
}

func TestEncodingName(t *testing.T) {
	var l List
	big := strings.Repeat("b", 100)
	for l.nodes < 2 {
		if l.Encoding() != "listpack" {
			t.Fatalf("one node, encoding %s", l.Encoding())
		}
		l.PushRight([]byte(big))
	}
	if l.Encoding() != "quicklist" {
		t.Fatalf("%d nodes, encoding %s", l.nodes, l.Encoding())
	}
	// The 8 KB limit is Redis's: 8192 bytes of entries of 103 bytes.
	if n := l.node(0).count; n != NodeLimit/103 {
		t.Fatalf("first node holds %d entries", n)
	}
	l.PopRight()
	if l.Encoding() != "listpack" {
		t.Fatalf("back to one node, encoding %s", l.Encoding())
	}
}

// redisListBytes is what one list of 1,000,000 16-byte elements added to
// Redis 7.0.15's used_memory (INFO memory before and after RPUSHing them
// through redis-cli --pipe; MEMORY USAGE says 18,133,136).
const redisListBytes = 18204104

// TestMemoryMillionElements measures the heap a list of 1,000,000 16-byte
// elements takes and holds it to 1.2 times Redis's cost.
func TestMemoryMillionElements(t *testing.T) {
	const n = 1000000
	elems := make([][]byte, n)
	for i := range elems {
		elems[i] = fmt.Appendf(nil, "e:%014d", i)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	l := new(List)
	for _, v := range elems {
		l.PushRight(v)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	heap := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("1M x 16 B: shoal heap %d B (%.2f B/element, Bytes() says %d), redis used_memory %d B: ratio %.3f",
		heap, float64(heap)/n, l.Bytes(), redisListBytes, float64(heap)/redisListBytes)
	if float64(heap) > 1.2*redisListBytes {
		t.Errorf("the list takes %d bytes, over 1.2 x Redis's %d", heap, redisListBytes)
	}
	if d := float64(l.Bytes()) / float64(heap); d < 0.95 || d > 1.05 {
		t.Errorf("Bytes() says %d, the heap grew by %d", l.Bytes(), heap)
	}
	runtime.KeepAlive(l)
	runtime.KeepAlive(elems)
}

func TestRangeStops(t *testing.T) {
	var l List
	for i := 0; i < 10; i++ {
		l.PushRight([]byte(strconv.Itoa(i)))
	}
	var got []string
	l.Range(2, -1, func(v []byte) bool {
		got = append(got, string(v))
		return len(got) < 3
	})
	if !slices.Equal(got, []string{"2", "3", "4"}) {
		t.Fatalf("Range visited %q", got)
	}
}
