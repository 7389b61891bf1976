package keytab

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"maps"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
)

// checkInvariants verifies the table structure: every record sits in the
// bucket its hash selects, migrated buckets are empty, the used counts match,
// no key is stored twice, kinds and side-slice indexes are valid, the record
// byte count matches the live records, and the arena's bookkeeping (free
// lists, bump pointers, released pages) agrees with them.
func checkInvariants[V any](t *testing.T, tab *Table[V]) {
	t.Helper()
	if tab.pauses != 0 {
		t.Fatalf("pauses = %d outside any iteration", tab.pauses)
	}
	if tab.rehashing() != (tab.buckets[1] != nil) {
		t.Fatalf("rehashIdx = %d but second array has %d buckets", tab.rehashIdx, len(tab.buckets[1]))
	}
	seen := map[string]bool{}
	live := map[Ref]bool{}
	valIdx := map[uint32]bool{}
	var recBytes int64
	for ti, b := range tab.buckets {
		if b == nil {
			continue
		}
		if len(b)&(len(b)-1) != 0 || len(b) < minSize {
			t.Fatalf("array %d has %d buckets", ti, len(b))
		}
		mask := uint64(len(b) - 1)
		n := 0
		for i, r := range b {
			if ti == 0 && i < tab.rehashIdx && r != 0 {
				t.Fatalf("migrated bucket %d not empty", i)
			}
			for ; r != 0; r = tab.next(r) {
				checkRef(t, &tab.a, r)
				if live[r] {
					t.Fatalf("record %#x linked twice (cycle or shared chain)", r)
				}
				live[r] = true
				if k := tab.Kind(r); k != Str && k != Int && k != Val {
					t.Fatalf("record %#x has kind %d", r, k)
				}
				key := string(tab.Key(r))
				if want := maphash.Bytes(tab.seed, []byte(key)) & mask; want != uint64(i) {
					t.Fatalf("key %q in bucket %d of array %d, want %d", key, i, ti, want)
				}
				if seen[key] {
					t.Fatalf("key %q stored twice", key)
				}
				seen[key] = true
				recBytes += int64(tab.Size(r))
				if tab.Kind(r) == Val {
					idx := valIndex(tab, r)
					if int(idx) >= len(tab.vals) || valIdx[idx] {
						t.Fatalf("key %q has side index %d (len %d, taken: %v)", key, idx, len(tab.vals), valIdx[idx])
					}
					valIdx[idx] = true
				}
				n++
			}
		}
		if n != tab.used[ti] {
			t.Fatalf("array %d holds %d records, used says %d", ti, n, tab.used[ti])
		}
	}
	if recBytes != tab.RecordBytes() {
		t.Fatalf("live records take %d bytes, RecordBytes says %d", recBytes, tab.RecordBytes())
	}
	// A freed side-slice entry must hold no reference, and every entry is
	// either a live record's or free.
	freeIdx := map[uint32]bool{}
	for _, i := range tab.freeVals {
		if int(i) >= len(tab.vals) || valIdx[i] || freeIdx[i] {
			t.Fatalf("free side index %d invalid, live or listed twice", i)
		}
		freeIdx[i] = true
		if !reflect.ValueOf(&tab.vals[i]).Elem().IsZero() {
			t.Fatalf("free side entry %d not zeroed", i)
		}
	}
	if len(valIdx)+len(freeIdx) != len(tab.vals) {
		t.Fatalf("side slice has %d entries: %d live, %d free", len(tab.vals), len(valIdx), len(freeIdx))
	}
	checkArena(t, &tab.a, live)
}

// checkRef fails unless r names a slot inside a present page.
func checkRef(t *testing.T, a *arena, r Ref) {
	t.Helper()
	p := r.page()
	if p < 0 || p >= len(a.pages) || a.pages[p] == nil {
		t.Fatalf("ref %#x names page %d of %d (or a released one)", r, p, len(a.pages))
	}
	if r.off()+hdrSize > len(a.pages[p]) {
		t.Fatalf("ref %#x: offset %d past page of %d bytes", r, r.off(), len(a.pages[p]))
	}
}

// checkArena verifies that live records and free slots tile each classed page
// by one class without overlapping, that free lists hold only freed slots,
// that bump pointers lie past every handed-out slot, and that released pages
// are exactly the nil ones.
func checkArena(t *testing.T, a *arena, live map[Ref]bool) {
	t.Helper()
	pageClass := map[int]int{}
	maxOff := map[int]int{} // end of the highest slot handed out per page
	note := func(r Ref, cls int, what string) {
		p, off := r.page(), r.off()
		if c, ok := pageClass[p]; ok && c != cls {
			t.Fatalf("%s %#x of class %d in a page of class %d", what, r, cls, c)
		}
		pageClass[p] = cls
		if cls == dedicated {
			if off != 0 {
				t.Fatalf("dedicated %s %#x at offset %d", what, r, off)
			}
			return
		}
		if size := classSizes[cls]; off%size != 0 || off+size > len(a.pages[p]) {
			t.Fatalf("%s %#x: offset %d not a slot of class size %d", what, r, off, size)
		}
		maxOff[p] = max(maxOff[p], off+classSizes[cls])
	}
	for r := range live {
		cls := int(a.pages[r.page()][r.off()+9])
		if cls != dedicated && cls >= len(classSizes) {
			t.Fatalf("record %#x has class %d", r, cls)
		}
		if cls == dedicated && len(a.record(r)) <= maxClassed {
			t.Fatalf("record %#x of %d bytes has a page of its own", r, len(a.record(r)))
		}
		note(r, cls, "record")
	}
	free := map[Ref]bool{}
	for cls, r := range a.free {
		for ; r != 0; r = Ref(binary.LittleEndian.Uint32(a.pages[r.page()][r.off():])) {
			checkRef(t, a, r)
			if live[r] || free[r] {
				t.Fatalf("free slot %#x of class %d is live or on a free list twice", r, cls)
			}
			free[r] = true
			b := a.pages[r.page()][r.off():]
			if int(b[9]) != cls || b[8]&kindMask != 0 {
				t.Fatalf("free slot %#x on list %d has class %d, kind %d", r, cls, b[9], b[8]&kindMask)
			}
			note(r, cls, "free slot")
		}
	}
	for cls, r := range a.next {
		if r == 0 {
			continue
		}
		checkRef(t, a, r)
		p := r.page()
		if c, ok := pageClass[p]; ok && c != cls {
			t.Fatalf("class %d bumps in page %d of class %d", cls, p, c)
		}
		if r.off() < maxOff[p] || r.off()+classSizes[cls] > pageSize {
			t.Fatalf("class %d bumps at offset %d of page %d, slots in use up to %d", cls, r.off(), p, maxOff[p])
		}
	}
	released := map[int]bool{}
	for _, p := range a.freePages {
		if p < 0 || p >= len(a.pages) || a.pages[p] != nil || released[p] {
			t.Fatalf("released page %d invalid, present or listed twice", p)
		}
		released[p] = true
	}
	for p, b := range a.pages {
		if b == nil && !released[p] {
			t.Fatalf("page %d is nil but not on the released list", p)
		}
	}
	if held := a.held(); held < a.bytes {
		t.Fatalf("pages hold %d bytes, less than the %d records take", held, a.bytes)
	}
}

func valIndex[V any](tab *Table[V], r Ref) uint32 {
	return binary.LittleEndian.Uint32(tab.value(r))
}

// peek finds key without the rehash step Find takes, so a test can look
// before it acts without changing the table.
func peek[V any](tab *Table[V], key string) Ref {
	r, _, _ := tab.locate(maphash.Bytes(tab.seed, []byte(key)), []byte(key))
	return r
}

// mval is the model's copy of a value, with the side-slice value as an int.
type mval struct {
	kind  Kind
	str   string
	i     int64
	val   int
	flags Flag
	lru   uint32
}

// codec converts the model's int to the table's V and back.
type codec[V any] struct {
	to   func(int) V
	from func(V) int
}

var (
	intCodec = codec[int]{func(i int) int { return i }, func(v int) int { return v }}
	ptrCodec = codec[*int]{func(i int) *int { return &i }, func(p *int) int { return *p }}
)

func (c codec[V]) value(m mval) *Value[V] {
	v := &Value[V]{Kind: m.kind, Int: m.i, Flags: m.flags, LRU: m.lru}
	switch m.kind {
	case Str:
		v.Str = []byte(m.str)
	case Val:
		v.Val = c.to(m.val)
	}
	return v
}

// checkRecord verifies that r holds key and m.
func checkRecord[V any](t *testing.T, tab *Table[V], c codec[V], r Ref, key string, m mval) {
	t.Helper()
	if r == 0 {
		t.Fatalf("key %q: no record", key)
	}
	if got := string(tab.Key(r)); got != key {
		t.Fatalf("record %#x has key %q, want %q", r, got, key)
	}
	if k := tab.Kind(r); k != m.kind {
		t.Fatalf("key %q: kind %d, want %d", key, k, m.kind)
	}
	switch m.kind {
	case Str:
		if got := tab.Str(r); string(got) != m.str {
			t.Fatalf("key %q: Str of %d bytes differs from the model's %d", key, len(got), len(m.str))
		}
	case Int:
		if got := tab.Int(r); got != m.i {
			t.Fatalf("key %q: Int = %d, want %d", key, got, m.i)
		}
	case Val:
		if got := c.from(tab.Val(r)); got != m.val {
			t.Fatalf("key %q: Val = %d, want %d", key, got, m.val)
		}
	}
	if f := tab.Flags(r); f != m.flags {
		t.Fatalf("key %q: flags %#x, want %#x", key, f, m.flags)
	}
	if l := tab.LRU(r); l != m.lru {
		t.Fatalf("key %q: LRU %d, want %d", key, l, m.lru)
	}
	if size, want := tab.Size(r), RecordSize([]byte(key), c.value(m)); size != want {
		t.Fatalf("key %q: Size = %d, RecordSize = %d", key, size, want)
	}
}

// checkContents verifies tab holds exactly model, through lookups and Range.
func checkContents[V any](t *testing.T, tab *Table[V], c codec[V], model map[string]mval) {
	t.Helper()
	checkInvariants(t, tab)
	if tab.Len() != len(model) {
		t.Fatalf("Len = %d, model has %d", tab.Len(), len(model))
	}
	for k, m := range model {
		checkRecord(t, tab, c, tab.Find([]byte(k)), k, m)
	}
	ranged := map[string]bool{}
	tab.Range(func(r Ref) bool {
		k := string(tab.Key(r))
		if ranged[k] {
			t.Fatalf("Range returned %q twice", k)
		}
		ranged[k] = true
		checkRecord(t, tab, c, r, k, model[k])
		return true
	})
	if len(ranged) != len(model) {
		t.Fatalf("Range returned %d records, model has %d", len(ranged), len(model))
	}
}

// modelKeys tracks the model's keys in a slice so that a present key can be
// picked at random in constant time and deterministically.
type modelKeys struct {
	keys []string
	pos  map[string]int
}

func (m *modelKeys) add(k string) {
	if _, ok := m.pos[k]; !ok {
		m.pos[k] = len(m.keys)
		m.keys = append(m.keys, k)
	}
}

func (m *modelKeys) remove(k string) {
	i, ok := m.pos[k]
	if !ok {
		return
	}
	last := m.keys[len(m.keys)-1]
	m.keys[i] = last
	m.pos[last] = i
	m.keys = m.keys[:len(m.keys)-1]
	delete(m.pos, k)
}

// strPool is the source of string values: slices of it at random offsets
// differ from one another without generating bytes one by one.
var strPool = func() []byte {
	b := make([]byte, 70_000)
	rng := rand.New(rand.NewPCG(5, 6))
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}()

func poolStr(rng *rand.Rand, n int) string {
	off := rng.IntN(len(strPool) - n + 1)
	return string(strPool[off : off+n])
}

// randomStr is mostly short enough for shared pages, and now and then big
// enough for a page of its own.
func randomStr(rng *rand.Rand) string {
	if rng.IntN(200) == 0 {
		return poolStr(rng, 5000+rng.IntN(65_001))
	}
	return poolStr(rng, rng.IntN(301))
}

func randomValue(rng *rand.Rand) mval {
	m := mval{kind: Kind(1 + rng.IntN(3)), flags: Flag(rng.IntN(64)) << 2, lru: rng.Uint32()}
	switch m.kind {
	case Str:
		m.str = randomStr(rng)
	case Int:
		m.i = int64(rng.Uint64())
	case Val:
		m.val = rng.Int()
	}
	return m
}

// nearValue returns a value of m's kind and about its size, which usually
// keeps the record's class, so that Put rewrites it in place.
func nearValue(rng *rand.Rand, m mval) mval {
	n := mval{kind: m.kind, flags: Flag(rng.IntN(64)) << 2, lru: rng.Uint32()}
	switch m.kind {
	case Str:
		n.str = poolStr(rng, max(0, len(m.str)+rng.IntN(3)-1))
	case Int:
		n.i = int64(rng.Uint64())
	case Val:
		n.val = rng.Int()
	}
	return n
}

func TestModel(t *testing.T) {
	t.Run("ptr", func(t *testing.T) { testModel(t, 1, 100_000, ptrCodec) })
	t.Run("int", func(t *testing.T) { testModel(t, 2, 40_000, intCodec) })
}

func testModel[V any](t *testing.T, seed uint64, ops int, c codec[V]) {
	const (
		batch    = 250
		keySpace = 8192
	)
	phaseLen := ops / 10
	rng := rand.New(rand.NewPCG(seed, 2))
	tab := New[V]()
	model := map[string]mval{}
	present := &modelKeys{pos: map[string]int{}}
	var grows, shrinks, opsWhileRehashing, clears, inPlace, moved, dedicatedPuts int

	randomKey := func() string { return fmt.Sprintf("k%d", rng.IntN(keySpace)) }
	// pick returns a present key most of the time so that deletes and
	// lookups keep hitting as the table empties.
	pick := func() string {
		if len(present.keys) > 0 && rng.IntN(5) > 0 {
			return present.keys[rng.IntN(len(present.keys))]
		}
		return randomKey()
	}
	put := func(k string, m mval) {
		old := peek(tab, k)
		oldSize := 0
		if old != 0 {
			oldSize = tab.Size(old)
		}
		v := c.value(m)
		newSize := RecordSize([]byte(k), v)
		var r Ref
		added := old == 0
		if old != 0 && rng.IntN(2) == 0 {
			// Replace is Put for a key whose record the caller holds.
			r = tab.Replace(old, []byte(k), v)
		} else {
			r, added = tab.Put([]byte(k), v)
		}
		_, had := model[k]
		if added == had || had != (old != 0) {
			t.Fatalf("Put(%q) added = %v, key was present: %v", k, added, had)
		}
		// Put must have copied the string.
		for i := range v.Str {
			v.Str[i] ^= 0xff
		}
		if newSize > maxClassed {
			dedicatedPuts++
		}
		if old != 0 {
			if oldSize == newSize && newSize <= maxClassed {
				if r != old {
					t.Fatalf("Put(%q) moved a record of unchanged class %d bytes", k, newSize)
				}
				inPlace++
			} else {
				if r == old {
					t.Fatalf("Put(%q) kept a %d-byte slot for a %d-byte record", k, oldSize, newSize)
				}
				moved++
			}
		}
		model[k] = m
		present.add(k)
		checkRecord(t, tab, c, r, k, m)
	}
	del := func(k string) {
		_, had := model[k]
		if ok := tab.Delete([]byte(k)); ok != had {
			t.Fatalf("Delete(%q) = %v, key was present: %v", k, ok, had)
		}
		delete(model, k)
		present.remove(k)
	}
	size := func() int {
		if tab.rehashing() {
			return len(tab.buckets[1])
		}
		return len(tab.buckets[0])
	}

	for op := range ops {
		// Alternate phases that fill and drain the table, so that it grows
		// and shrinks repeatedly and many ops land mid-resize.
		growing := op/phaseLen%2 == 0
		if tab.rehashing() {
			opsWhileRehashing++
		}
		before := size()

		r := rng.IntN(100)
		putPct, delPct := 25, 20
		if growing {
			putPct, delPct = 50, 10
		} else if len(model) > 0 {
			putPct, delPct = 8, 55
		}
		switch {
		case r < putPct:
			put(randomKey(), randomValue(rng))
		case r < putPct+delPct:
			del(pick())
		case r < putPct+delPct+8:
			if k := pick(); model[k].kind != 0 {
				put(k, nearValue(rng, model[k]))
			}
		case r < putPct+delPct+16:
			k := pick()
			ref := tab.Find([]byte(k))
			if m, had := model[k]; had {
				checkRecord(t, tab, c, ref, k, m)
			} else if ref != 0 {
				t.Fatalf("Find(%q) = %#x for an absent key", k, ref)
			}
		case r < putPct+delPct+22:
			k := pick()
			ref := tab.Find([]byte(k))
			if ref == 0 {
				break
			}
			m := model[k]
			if rng.IntN(2) == 0 {
				m.lru = rng.Uint32()
				tab.SetLRU(ref, m.lru)
			} else {
				f, on := Flag(0x04)<<rng.IntN(6), rng.IntN(2) == 0
				tab.SetFlag(ref, f, on)
				if on {
					m.flags |= f
				} else {
					m.flags &^= f
				}
			}
			model[k] = m
			checkRecord(t, tab, c, ref, k, m)
		case r < putPct+delPct+25:
			ref := tab.Random()
			if (ref != 0) != (len(model) > 0) {
				t.Fatalf("Random() = %#x with %d keys", ref, len(model))
			}
			if ref != 0 {
				k := string(tab.Key(ref))
				m, had := model[k]
				if !had {
					t.Fatalf("Random returned absent key %q", k)
				}
				checkRecord(t, tab, c, ref, k, m)
			}
		case r < putPct+delPct+28:
			tab.Sample(5, func(ref Ref) {
				k := string(tab.Key(ref))
				m, had := model[k]
				if !had {
					t.Fatalf("Sample returned absent key %q", k)
				}
				checkRecord(t, tab, c, ref, k, m)
			})
		case r >= 98 && rng.IntN(500) == 0:
			tab.Clear()
			clear(model)
			present = &modelKeys{pos: map[string]int{}}
			clears++
		}

		switch after := size(); {
		case after > before && before > 0:
			grows++
		case after < before && after > 0:
			shrinks++
		}
		if (op+1)%batch == 0 {
			checkContents(t, tab, c, model)
		}
	}
	checkContents(t, tab, c, model)
	t.Logf("grows=%d shrinks=%d opsWhileRehashing=%d clears=%d inPlace=%d moved=%d dedicated=%d",
		grows, shrinks, opsWhileRehashing, clears, inPlace, moved, dedicatedPuts)
	if grows < 10 || shrinks < 10 || opsWhileRehashing < 1000 || clears == 0 ||
		inPlace < 500 || moved < 500 || dedicatedPuts < 20 {
		t.Fatalf("ops did not exercise the table enough: grows=%d shrinks=%d opsWhileRehashing=%d clears=%d inPlace=%d moved=%d dedicated=%d",
			grows, shrinks, opsWhileRehashing, clears, inPlace, moved, dedicatedPuts)
	}
}

func TestClasses(t *testing.T) {
	for i, s := range classSizes {
		if s%8 != 0 || i > 0 && s <= classSizes[i-1] {
			t.Fatalf("class %d has size %d after %v", i, s, classSizes[:i])
		}
	}
	if last := classSizes[len(classSizes)-1]; last != maxClassed || len(classSizes) >= dedicated {
		t.Fatalf("%d classes up to %d", len(classSizes), last)
	}
	for n := 1; n <= maxClassed; n++ {
		cls := classOf(n)
		if classSizes[cls] < n || cls > 0 && classSizes[cls-1] >= n {
			t.Fatalf("classOf(%d) = %d of size %d", n, cls, classSizes[cls])
		}
		// The smallest record (header, key length, index) is 15 bytes.
		// Steps of 8 bytes waste at most 7; past them a class wastes at
		// most a fifth of its slot.
		if waste := classSizes[cls] - n; n >= 15 && waste > 7 && 5*waste > classSizes[cls] {
			t.Fatalf("a %d-byte record wastes more than a fifth of a %d-byte slot", n, classSizes[cls])
		}
	}
	if classOf(maxClassed+1) != dedicated {
		t.Fatal("a record past the largest class shares a page")
	}
	for _, pr := range [][2]int{{0, 0}, {0, pageSize - 8}, {MaxPages - 1, 0}, {MaxPages - 1, pageSize - 8}} {
		r := makeRef(pr[0], pr[1])
		if r == 0 || r.page() != pr[0] || r.off() != pr[1] {
			t.Fatalf("makeRef(%d, %d) = %#x, reads back page %d offset %d", pr[0], pr[1], r, r.page(), r.off())
		}
	}
}

func TestKindsAndFlags(t *testing.T) {
	tab := New[string]()
	// Flags overlapping the kind bits must not change the kind.
	r, added := tab.Put([]byte("s"), &Value[string]{Kind: Str, Str: []byte("hello"), Flags: 0xff, LRU: 7})
	if !added || tab.Kind(r) != Str || tab.Flags(r) != 0xff&^kindMask || string(tab.Str(r)) != "hello" || tab.LRU(r) != 7 {
		t.Fatalf("Str record: kind %d flags %#x str %q lru %d", tab.Kind(r), tab.Flags(r), tab.Str(r), tab.LRU(r))
	}
	r, _ = tab.Put([]byte("i"), &Value[string]{Kind: Int, Int: -1 << 63, Flags: Raw})
	if tab.Kind(r) != Int || tab.Int(r) != -1<<63 || tab.Flags(r) != Raw {
		t.Fatalf("Int record: kind %d int %d flags %#x", tab.Kind(r), tab.Int(r), tab.Flags(r))
	}
	r, _ = tab.Put([]byte(""), &Value[string]{Kind: Val, Val: "side", Flags: Snap})
	if tab.Kind(r) != Val || tab.Val(r) != "side" || tab.Flags(r) != Snap || len(tab.Key(r)) != 0 {
		t.Fatalf("Val record under the empty key: kind %d val %q flags %#x", tab.Kind(r), tab.Val(r), tab.Flags(r))
	}
	tab.SetFlag(r, Raw, true)
	tab.SetFlag(r, Snap, false)
	tab.SetLRU(r, 1<<32-1)
	if tab.Kind(r) != Val || tab.Flags(r) != Raw || tab.LRU(r) != 1<<32-1 || tab.Val(r) != "side" {
		t.Fatalf("after SetFlag/SetLRU: kind %d flags %#x lru %d", tab.Kind(r), tab.Flags(r), tab.LRU(r))
	}
	// Flags and LRU set on a record survive its moves between bucket
	// arrays, but Put takes them from the new Value.
	for i := 0; i < 1000 || tab.rehashing(); i++ {
		tab.Put(fmt.Appendf(nil, "x%d", i), &Value[string]{Kind: Int})
	}
	if r = tab.Find(nil); tab.Flags(r) != Raw || tab.LRU(r) != 1<<32-1 {
		t.Fatalf("after resizes: flags %#x lru %d", tab.Flags(r), tab.LRU(r))
	}
	if r, _ = tab.Put(nil, &Value[string]{Kind: Val, Val: "again"}); tab.Flags(r) != 0 || tab.LRU(r) != 0 {
		t.Fatalf("Put kept flags %#x lru %d", tab.Flags(r), tab.LRU(r))
	}
	checkInvariants(t, tab)
}

// strOfRecord returns a string that, under a key of keyLen bytes, makes a
// record of exactly n bytes.
func strOfRecord(keyLen, n int) []byte {
	for l := n - hdrSize - uvarintLen(keyLen) - keyLen - 1; l >= 0; l-- {
		if hdrSize+uvarintLen(keyLen)+keyLen+uvarintLen(l)+l == n {
			return make([]byte, l)
		}
	}
	panic(fmt.Sprintf("no string makes a %d-byte record", n))
}

func TestFreeSlotsAreReused(t *testing.T) {
	const n = 20_000
	tab := New[int]()
	// Keys of one length and 16-byte values: every record in one class.
	v := &Value[int]{Kind: Str, Str: make([]byte, 16)}
	for i := range n {
		tab.Put(fmt.Appendf(nil, "a%06d", i), v)
	}
	pages, recBytes := len(tab.a.pages), tab.RecordBytes()
	if want := int64(n * RecordSize([]byte("a000000"), v)); recBytes != want {
		t.Fatalf("RecordBytes = %d, want %d", recBytes, want)
	}
	// Half, interleaved, then all: the free list must hand every slot back.
	for i := 0; i < n; i += 2 {
		tab.Delete(fmt.Appendf(nil, "a%06d", i))
	}
	for i := 0; i < n; i += 2 {
		tab.Put(fmt.Appendf(nil, "b%06d", i), v)
	}
	checkInvariants(t, tab)
	if len(tab.a.pages) != pages || tab.RecordBytes() != recBytes {
		t.Fatalf("after replacing half: %d pages (was %d), %d record bytes (was %d)",
			len(tab.a.pages), pages, tab.RecordBytes(), recBytes)
	}
	tab.Range(func(r Ref) bool { tab.Delete(tab.Key(r)); return true })
	if tab.Len() != 0 || tab.RecordBytes() != 0 {
		t.Fatalf("after deleting all: Len = %d, RecordBytes = %d", tab.Len(), tab.RecordBytes())
	}
	checkInvariants(t, tab)
	for i := range n {
		tab.Put(fmt.Appendf(nil, "c%06d", i), v)
	}
	checkInvariants(t, tab)
	if len(tab.a.pages) != pages || tab.RecordBytes() != recBytes {
		t.Fatalf("after refilling: %d pages (was %d), %d record bytes (was %d)",
			len(tab.a.pages), pages, tab.RecordBytes(), recBytes)
	}

	// Moving records between classes frees the slots they leave: moving
	// everything up a class and back down again reuses them.
	big := &Value[int]{Kind: Str, Str: make([]byte, 40)}
	for range 2 {
		for i := range n {
			tab.Put(fmt.Appendf(nil, "c%06d", i), big)
		}
		for i := range n {
			tab.Put(fmt.Appendf(nil, "c%06d", i), v)
		}
	}
	checkInvariants(t, tab)
	if want := pages + n*RecordSize([]byte("c000000"), big)/pageSize + 1; len(tab.a.pages) > want || tab.RecordBytes() != recBytes {
		t.Fatalf("after moving between classes: %d pages (want at most %d), %d record bytes (was %d)",
			len(tab.a.pages), want, tab.RecordBytes(), recBytes)
	}
}

func TestDedicatedPagesAreReleased(t *testing.T) {
	tab := New[int]()
	for i := range 100 {
		tab.Put(fmt.Appendf(nil, "small%d", i), &Value[int]{Kind: Int, Int: int64(i)})
	}
	small := tab.RecordBytes()
	big := &Value[int]{Kind: Str, Str: bytes.Repeat([]byte("x"), 70_000)}
	r, _ := tab.Put([]byte("big"), big)
	p := r.page()
	if tab.Size(r) != RecordSize([]byte("big"), big) || len(tab.a.pages[p]) != tab.Size(r) || r.off() != 0 {
		t.Fatalf("big record: size %d, page of %d, offset %d", tab.Size(r), len(tab.a.pages[p]), r.off())
	}
	if tab.RecordBytes() != small+int64(tab.Size(r)) {
		t.Fatalf("RecordBytes = %d, want %d", tab.RecordBytes(), small+int64(tab.Size(r)))
	}
	held := tab.Bytes()
	tab.Delete([]byte("big"))
	if tab.a.pages[p] != nil || tab.RecordBytes() != small || tab.Bytes() > held-70_000 {
		t.Fatalf("after Delete: page present %v, RecordBytes %d, Bytes %d (was %d)",
			tab.a.pages[p] != nil, tab.RecordBytes(), tab.Bytes(), held)
	}
	checkInvariants(t, tab)

	// The released index is reused before the page list grows.
	pages := len(tab.a.pages)
	if r, _ = tab.Put([]byte("big2"), big); r.page() != p || len(tab.a.pages) != pages {
		t.Fatalf("second big record on page %d of %d, want page %d", r.page(), len(tab.a.pages), p)
	}
	// Replaced by a small value, the record leaves its page.
	if r, _ = tab.Put([]byte("big2"), &Value[int]{Kind: Int}); r.page() == p || tab.a.pages[p] != nil {
		t.Fatalf("small value kept page %d (present: %v)", p, tab.a.pages[p] != nil)
	}
	checkInvariants(t, tab)

	// Replaced by another big value, the record moves to a new page and the
	// old one is released.
	r, _ = tab.Put([]byte("big3"), big)
	bigger := &Value[int]{Kind: Str, Str: bytes.Repeat([]byte("y"), 100_000)}
	r2, _ := tab.Put([]byte("big3"), bigger)
	if r2.page() == r.page() || tab.a.pages[r.page()] != nil || string(tab.Str(r2)) != string(bigger.Str) {
		t.Fatalf("big replaced by bigger: pages %d -> %d, old present %v", r.page(), r2.page(), tab.a.pages[r.page()] != nil)
	}
	// A record just past the largest class.
	edge := &Value[int]{Kind: Str, Str: strOfRecord(len("edge"), maxClassed+1)}
	if r, _ = tab.Put([]byte("edge"), edge); tab.Size(r) != maxClassed+1 || tab.a.record(r)[9] != dedicated {
		t.Fatalf("edge record: size %d class %d", tab.Size(r), tab.a.record(r)[9])
	}
	edge.Str = strOfRecord(len("edge"), maxClassed)
	if r, _ = tab.Put([]byte("edge"), edge); tab.Size(r) != maxClassed || tab.a.record(r)[9] == dedicated {
		t.Fatalf("largest classed record: size %d class %d", tab.Size(r), tab.a.record(r)[9])
	}
	checkInvariants(t, tab)
	tab.Delete([]byte("big2"))
	tab.Delete([]byte("big3"))
	tab.Delete([]byte("edge"))
	if tab.RecordBytes() != small {
		t.Fatalf("RecordBytes = %d after deleting the big records, want %d", tab.RecordBytes(), small)
	}
	checkInvariants(t, tab)
}

func TestValSideSlice(t *testing.T) {
	tab := New[*int]()
	a, b := new(int), new(int)
	r, _ := tab.Put([]byte("a"), &Value[*int]{Kind: Val, Val: a})
	i := valIndex(tab, r)
	if tab.Val(r) != a || tab.vals[i] != a {
		t.Fatal("Val does not read back")
	}
	// Replaced by a Str, the entry is dropped.
	tab.Put([]byte("a"), &Value[*int]{Kind: Str, Str: []byte("s")})
	if tab.vals[i] != nil || !slices.Equal(tab.freeVals, []uint32{i}) {
		t.Fatalf("replaced Val still referenced: vals %v, free %v", tab.vals, tab.freeVals)
	}
	// The free index is reused.
	r, _ = tab.Put([]byte("b"), &Value[*int]{Kind: Val, Val: b})
	if valIndex(tab, r) != i || len(tab.vals) != 1 || len(tab.freeVals) != 0 {
		t.Fatalf("second Val at index %d of %d, free %v", valIndex(tab, r), len(tab.vals), tab.freeVals)
	}
	// Replaced by another Val, in place: only the new value is referenced.
	r, _ = tab.Put([]byte("b"), &Value[*int]{Kind: Val, Val: a})
	if tab.Val(r) != a || len(tab.vals) != 1 || tab.vals[0] != a {
		t.Fatalf("Val replaced by Val: vals %v", tab.vals)
	}
	// Replaced by an Int, the entry is dropped again.
	tab.Put([]byte("b"), &Value[*int]{Kind: Int, Int: 1})
	if tab.vals[0] != nil {
		t.Fatal("Val replaced by Int still referenced")
	}
	tab.Put([]byte("c"), &Value[*int]{Kind: Val, Val: b})
	tab.Delete([]byte("c"))
	for j, v := range tab.vals {
		if v != nil {
			t.Fatalf("deleted Val still referenced at %d", j)
		}
	}
	checkInvariants(t, tab)

	// Churn: the side slice does not grow past the most Vals held at once.
	for round := range 3 {
		for j := range 100 {
			tab.Put(fmt.Appendf(nil, "v%d", j), &Value[*int]{Kind: Val, Val: new(int)})
		}
		for j := range 100 {
			if round%2 == 0 {
				tab.Delete(fmt.Appendf(nil, "v%d", j))
			} else {
				tab.Put(fmt.Appendf(nil, "v%d", j), &Value[*int]{Kind: Str})
			}
		}
		checkInvariants(t, tab)
		if len(tab.vals) != 100 {
			t.Fatalf("round %d: side slice has %d entries for at most 100 Vals", round, len(tab.vals))
		}
	}
	for j, v := range tab.vals {
		if v != nil {
			t.Fatalf("entry %d still referenced with no Val record", j)
		}
	}
}

// fillUntilRehashing puts prefix0, prefix1, ... as Ints 0, 1, ..., at least
// atLeast of them and then until a resize is in progress, and returns how
// many it put.
func fillUntilRehashing[V any](t *testing.T, tab *Table[V], prefix string, atLeast int) int {
	t.Helper()
	for i := 0; ; i++ {
		tab.Put(fmt.Appendf(nil, "%s%d", prefix, i), &Value[V]{Kind: Int, Int: int64(i)})
		if i+1 >= atLeast && tab.rehashing() {
			return i + 1
		}
		if i > 1<<20 {
			t.Fatal("no resize started")
		}
	}
}

func TestScanReturnsEveryStableKey(t *testing.T) {
	var scansWhileRehashing, grows, shrinks, moves int
	for round := range 20 {
		rng := rand.New(rand.NewPCG(uint64(round), 7))
		tab := New[int]()
		stable := map[string]bool{}
		var stableKeys []string
		for i := range 50 + rng.IntN(500) {
			k := fmt.Sprintf("s%d", i)
			tab.Put([]byte(k), &Value[int]{Kind: Int, Int: int64(i)})
			stable[k] = true
			stableKeys = append(stableKeys, k)
		}
		var volatile []string
		seen := map[string]bool{}
		growCalls, shrinkCalls := 10+rng.IntN(40), 10+rng.IntN(40)
		cursor, calls := uint64(0), 0
		size := func() int {
			if tab.rehashing() {
				return len(tab.buckets[1])
			}
			return len(tab.buckets[0])
		}
		for {
			if tab.rehashing() {
				scansWhileRehashing++
			}
			cursor = tab.Scan(cursor, func(r Ref) { seen[string(tab.Key(r))] = true })
			if cursor == 0 {
				break
			}
			if calls++; calls > 1<<20 {
				t.Fatalf("round %d: scan did not finish", round)
			}

			// Between calls, insert enough to force growth, then delete
			// enough to force shrinking, churning some keys all along, and
			// move stable keys to other slots by changing their values.
			before := size()
			switch {
			case calls <= growCalls:
				for range 100 {
					k := fmt.Sprintf("v%d", rng.Int())
					tab.Put([]byte(k), &Value[int]{Kind: Int})
					volatile = append(volatile, k)
				}
			case calls <= growCalls+shrinkCalls && len(volatile) > 0:
				n := min(len(volatile), 1+len(volatile)/(growCalls+shrinkCalls-calls+1))
				for _, k := range volatile[len(volatile)-n:] {
					tab.Delete([]byte(k))
				}
				volatile = volatile[:len(volatile)-n]
			default:
				k := fmt.Sprintf("c%d", rng.IntN(100))
				if rng.IntN(2) == 0 {
					tab.Put([]byte(k), &Value[int]{Kind: Int})
				} else {
					tab.Delete([]byte(k))
				}
			}
			for range 3 {
				k := stableKeys[rng.IntN(len(stableKeys))]
				tab.Put([]byte(k), &Value[int]{Kind: Str, Str: []byte(poolStr(rng, rng.IntN(300)))})
				moves++
			}
			if after := size(); after > before {
				grows++
			} else if after < before {
				shrinks++
			}
		}
		for k := range stable {
			if !seen[k] {
				t.Fatalf("round %d: Scan never returned stable key %q", round, k)
			}
		}
		checkInvariants(t, tab)
	}
	t.Logf("grows=%d shrinks=%d scansWhileRehashing=%d moves=%d", grows, shrinks, scansWhileRehashing, moves)
	if grows < 20 || shrinks < 10 || scansWhileRehashing < 100 {
		t.Fatalf("scans did not overlap resizing enough: grows=%d shrinks=%d scansWhileRehashing=%d",
			grows, shrinks, scansWhileRehashing)
	}
}

func TestScanOfEmptyTable(t *testing.T) {
	tab := New[int]()
	if next := tab.Scan(0, func(r Ref) { t.Fatalf("Scan returned %#x", r) }); next != 0 {
		t.Fatalf("Scan of a new table returned cursor %d", next)
	}
	tab.Put([]byte("k"), &Value[int]{Kind: Int})
	tab.Delete([]byte("k"))
	if next := tab.Scan(0, func(r Ref) { t.Fatalf("Scan returned %#x", r) }); next != 0 {
		t.Fatalf("Scan of an emptied table returned cursor %d", next)
	}
}

func TestScanOfUnchangedTableReturnsEachKeyOnce(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(tab *Table[int]) // leaves tab unchanged or mid-resize
	}{
		{"stable", func(*Table[int]) {}},
		{"growing", func(tab *Table[int]) { fillUntilRehashing(t, tab, "g", 0) }},
		{"shrinking", func(tab *Table[int]) {
			for i := 0; !tab.rehashing(); i++ {
				tab.Delete(fmt.Appendf(nil, "k%d", i))
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tab := New[int]()
			for i := range 1000 {
				tab.Put(fmt.Appendf(nil, "k%d", i), &Value[int]{Kind: Int, Int: int64(i)})
			}
			for tab.rehashing() {
				tab.Find(nil)
			}
			tc.setup(tab)
			want := tab.Len()
			seen := map[string]bool{}
			cursor := uint64(0)
			for {
				cursor = tab.Scan(cursor, func(r Ref) {
					k := string(tab.Key(r))
					if seen[k] {
						t.Fatalf("Scan returned %q twice", k)
					}
					seen[k] = true
				})
				if cursor == 0 {
					break
				}
			}
			if len(seen) != want {
				t.Fatalf("Scan returned %d keys, want %d", len(seen), want)
			}
		})
	}
}

// iterators run visit on every record through Range and through a full
// Scan, letting visit change the table as their callbacks may.
var iterators = []struct {
	name    string
	iterate func(tab *Table[int], visit func(r Ref))
}{
	{"Range", func(tab *Table[int], visit func(Ref)) {
		tab.Range(func(r Ref) bool { visit(r); return true })
	}},
	{"Scan", func(tab *Table[int], visit func(Ref)) {
		for c := tab.Scan(0, visit); c != 0; {
			c = tab.Scan(c, visit)
		}
	}},
}

func TestChangeCurrentDuringIteration(t *testing.T) {
	c := intCodec
	for _, it := range iterators {
		t.Run(it.name, func(t *testing.T) {
			tab := New[int]()
			n := fillUntilRehashing(t, tab, "k", 1000)
			visited := map[string]bool{}
			want := map[string]mval{}
			it.iterate(tab, func(r Ref) {
				// The callback passes keys and strings aliasing the pages,
				// as a caller holding only the Ref would.
				key := tab.Key(r)
				k := string(key)
				if visited[k] {
					t.Fatalf("%q visited twice", k)
				}
				visited[k] = true
				if tab.Kind(r) != Int {
					t.Fatalf("%q visited after its value changed to kind %d", k, tab.Kind(r))
				}
				i := tab.Int(r)
				var m mval
				switch i % 5 {
				case 0:
					if !tab.Delete(key) {
						t.Fatalf("Delete(%q) of the current record failed", k)
					}
					return
				case 1: // another class: the record moves
					m = mval{kind: Str, str: poolStr(rand.New(rand.NewPCG(uint64(i), 0)), 100+int(i%200))}
				case 2: // same class: rewritten in place
					m = mval{kind: Int, i: i + 1, flags: Raw}
				case 3: // a page of its own
					if i%25 == 3 {
						m = mval{kind: Str, str: string(bytes.Repeat([]byte{'b'}, 5000))}
					} else {
						m = mval{kind: Val, val: int(i)}
					}
				case 4:
					want[k] = mval{kind: Int, i: i}
					return
				}
				v := c.value(m)
				inPlace := tab.Size(r) == RecordSize(key, v)
				nr, added := tab.Put(key, v)
				if added || inPlace != (nr == r) {
					t.Fatalf("Put(%q) during iteration: added %v, moved %v", k, added, nr != r)
				}
				if i%5 == 1 || i%5 == 2 {
					if inPlace != (i%5 == 2) {
						t.Fatalf("Put(%q): case %d, in place %v", k, i%5, inPlace)
					}
				}
				want[k] = m
				// The key and the string taken from the record itself.
				if m.kind == Str {
					classed := tab.Size(nr) <= maxClassed
					if r2, _ := tab.Put(tab.Key(nr), &Value[int]{Kind: Str, Str: tab.Str(nr)}); (r2 == nr) != classed {
						t.Fatalf("Put(%q) of its own string: moved %v", k, r2 != nr)
					}
				}
			})
			if len(visited) != n {
				t.Fatalf("visited %d of %d keys", len(visited), n)
			}
			checkContents(t, tab, c, want)
		})
	}
}

func TestRangeStops(t *testing.T) {
	tab := New[int]()
	for i := range 100 {
		tab.Put(fmt.Append(nil, i), &Value[int]{Kind: Int})
	}
	calls := 0
	tab.Range(func(Ref) bool { calls++; return calls < 10 })
	if calls != 10 {
		t.Fatalf("Range made %d calls after fn returned false on the 10th", calls)
	}
	checkInvariants(t, tab)
}

// A callback that clears the table and stops the iteration at once is the
// least a caller may expect to get away with (Dict allows it): the table must
// come out usable, its resizes still making progress.
func TestClearInsideCallback(t *testing.T) {
	for _, it := range []struct {
		name string
		run  func(tab *Table[int])
	}{
		{"Range", func(tab *Table[int]) { tab.Range(func(Ref) bool { tab.Clear(); return false }) }},
		{"Sample", func(tab *Table[int]) {
			done := false
			tab.Sample(1, func(Ref) {
				if !done {
					tab.Clear()
					done = true
				}
			})
		}},
	} {
		t.Run(it.name, func(t *testing.T) {
			tab := New[int]()
			for i := range 100 {
				tab.Put(fmt.Append(nil, i), &Value[int]{Kind: Int})
			}
			it.run(tab)
			if tab.Len() != 0 || tab.pauses != 0 {
				t.Fatalf("after Clear in a callback: Len = %d, pauses = %d", tab.Len(), tab.pauses)
			}
			for i := range 10_000 {
				tab.Put(fmt.Append(nil, i), &Value[int]{Kind: Int})
			}
			for range 10_000 {
				tab.Find(nil)
			}
			if tab.rehashing() || len(tab.buckets[0]) < 8192 {
				t.Fatalf("10000 keys in %d buckets, rehashing %v", len(tab.buckets[0]), tab.rehashing())
			}
		})
	}
}

func TestRandomAndSampleReturnPresentKeys(t *testing.T) {
	tab := New[int]()
	if r := tab.Random(); r != 0 {
		t.Fatalf("Random on an empty table = %#x", r)
	}
	tab.Sample(10, func(r Ref) { t.Fatalf("Sample on an empty table returned %#x", r) })

	// Dense enough that sampling always finds something, and large enough
	// that the resize outlasts the first draws.
	n := fillUntilRehashing(t, tab, "k", 1000)
	for i := 0; i < n; i += 3 {
		tab.Delete(fmt.Appendf(nil, "k%d", i))
	}
	present := func(r Ref) bool {
		return r != 0 && tab.Kind(r) == Int && peek(tab, string(tab.Key(r))) == r
	}
	rehashingDraws := 0
	for range 1000 {
		if tab.rehashing() {
			rehashingDraws++
		}
		if r := tab.Random(); !present(r) {
			t.Fatalf("Random() = %#x, not a present record", r)
		}
		sampled := 0
		tab.Sample(20, func(r Ref) {
			sampled++
			if !present(r) {
				t.Fatalf("Sample returned %#x, not a present record", r)
			}
		})
		if sampled == 0 || sampled > 20 {
			t.Fatalf("Sample(20) returned %d records of %d", sampled, tab.Len())
		}
	}
	if rehashingDraws == 0 {
		t.Fatal("no draw happened during a resize")
	}

	// A large table emptied down to one key is too sparse for sampling to
	// find it in its step budget, so Random falls back to probing buckets.
	sparse := New[int]()
	for i := range 1 << 14 {
		sparse.Put(fmt.Append(nil, i), &Value[int]{Kind: Int})
	}
	for sparse.rehashing() {
		sparse.Find(nil)
	}
	sparse.Range(func(r Ref) bool {
		if string(sparse.Key(r)) != "0" {
			sparse.Delete(sparse.Key(r))
		}
		return true
	})
	for range 100 {
		if r := sparse.Random(); string(sparse.Key(r)) != "0" {
			t.Fatalf("Random() on a sparse table = %#x", r)
		}
	}
	checkInvariants(t, sparse)
}

// randomRecord is Random's fallback, which sampling rarely needs, so it is
// tested directly.
func TestRandomRecord(t *testing.T) {
	dense := New[int]()
	keys := []string{"a", "b", "c", "d"}
	for _, k := range keys {
		dense.Put([]byte(k), &Value[int]{Kind: Int})
	}
	hits := map[string]int{}
	for range 1000 {
		hits[string(dense.Key(dense.randomRecord()))]++
	}
	for _, k := range keys {
		if hits[k] == 0 {
			t.Fatalf("1000 draws never returned %q: %v", k, hits)
		}
	}

	// A large table emptied down to a few keys shrinks a bucket at a time.
	sparse := New[int]()
	for i := range 4096 {
		sparse.Put(fmt.Append(nil, i), &Value[int]{Kind: Int, Int: int64(i)})
	}
	for sparse.rehashing() {
		sparse.Find(nil)
	}
	// Deleted inside Range, where no bucket migrates, so that the shrink
	// this starts is still in progress when the draws begin.
	sparse.Range(func(r Ref) bool {
		if sparse.Int(r) >= 20 {
			sparse.Delete(sparse.Key(r))
		}
		return true
	})
	rehashingDraws := 0
	for range 100 {
		if sparse.rehashing() {
			rehashingDraws++
		}
		r := sparse.randomRecord()
		if peek(sparse, string(sparse.Key(r))) != r {
			t.Fatalf("randomRecord returned %#x, not a present record", r)
		}
	}
	if rehashingDraws == 0 {
		t.Fatal("no draw happened during a resize")
	}
}

func TestRandomHitsEveryKey(t *testing.T) {
	tab := New[int]()
	keys := []string{"a", "b", "c", "d", "e", "f", "g"}
	for _, k := range keys {
		tab.Put([]byte(k), &Value[int]{Kind: Int})
	}
	hits := map[string]int{}
	for range 1000 {
		hits[string(tab.Key(tab.Random()))]++
	}
	for _, k := range keys {
		if hits[k] == 0 {
			t.Fatalf("1000 draws never returned %q: %v", k, hits)
		}
	}
}

func TestSampleCallbackMayChangeCurrent(t *testing.T) {
	tab := New[int]()
	n := fillUntilRehashing(t, tab, "k", 1000)
	deleted, moved := 0, 0
	seen := map[string]bool{}
	tab.Sample(50, func(r Ref) {
		k := string(tab.Key(r))
		if tab.Kind(r) == 0 || peek(tab, k) != r {
			t.Fatalf("Sample returned %#x, not a present record", r)
		}
		if seen[k] {
			return
		}
		seen[k] = true
		if len(seen)%2 == 0 {
			if tab.Delete(tab.Key(r)) {
				deleted++
			}
		} else {
			tab.Put(tab.Key(r), &Value[int]{Kind: Str, Str: make([]byte, 200)})
			moved++
		}
	})
	if deleted == 0 || moved == 0 || tab.Len() != n-deleted {
		t.Fatalf("deleted %d, moved %d of %d keys, Len = %d", deleted, moved, n, tab.Len())
	}
	checkInvariants(t, tab)
}

func TestLookupsDoNotAllocate(t *testing.T) {
	tab := New[int]()
	fillUntilRehashing(t, tab, "k", 1000)
	hit, miss := []byte("k1"), []byte("absent")
	v := &Value[int]{Kind: Int, Int: 5}
	var sink int64
	for _, tc := range []struct {
		name string
		f    func()
	}{
		{"Find hit", func() { sink += tab.Int(tab.Find(hit)) + int64(len(tab.Key(tab.Find(hit)))) }},
		{"Find miss", func() { sink += int64(tab.Find(miss)) }},
		{"Put in place", func() { tab.Put(hit, v) }},
		{"Random", func() { sink += int64(tab.Random()) }},
	} {
		if allocs := testing.AllocsPerRun(100, tc.f); allocs != 0 {
			t.Errorf("%s: %v allocs per run, want 0", tc.name, allocs)
		}
	}
	_ = sink
}

func TestClearAndBytes(t *testing.T) {
	tab := New[string]()
	if tab.Bytes() != 0 || tab.RecordBytes() != 0 {
		t.Fatalf("empty table: Bytes = %d, RecordBytes = %d", tab.Bytes(), tab.RecordBytes())
	}
	for i := range 1000 {
		tab.Put(fmt.Append(nil, i), &Value[string]{Kind: Str, Str: []byte("v")})
		tab.Put(fmt.Appendf(nil, "v%d", i), &Value[string]{Kind: Val, Val: "x"})
	}
	buckets := int64(4 * (len(tab.buckets[0]) + len(tab.buckets[1])))
	if b := tab.Bytes(); b < tab.RecordBytes()+buckets || tab.RecordBytes() < 2000*16 {
		t.Fatalf("Bytes = %d, RecordBytes = %d, buckets take %d", b, tab.RecordBytes(), buckets)
	}
	tab.Clear()
	if tab.Len() != 0 || tab.Bytes() != 0 || tab.RecordBytes() != 0 || tab.rehashing() {
		t.Fatalf("after Clear: Len = %d, Bytes = %d, RecordBytes = %d", tab.Len(), tab.Bytes(), tab.RecordBytes())
	}
	if tab.Find([]byte("1")) != 0 {
		t.Fatal("Find found a key after Clear")
	}
	if _, added := tab.Put([]byte("1"), &Value[string]{Kind: Int}); !added || tab.Len() != 1 {
		t.Fatal("Put after Clear did not add")
	}
	checkInvariants(t, tab)
}

func TestKeysAreCompared(t *testing.T) {
	// Keys that are prefixes of one another, and one with a long key, in a
	// table small enough that they share buckets.
	tab := New[int]()
	keys := []string{"", "a", "aa", "aaa", "ab", string(bytes.Repeat([]byte("k"), 300)), string(bytes.Repeat([]byte("k"), 5000))}
	for i, k := range keys {
		if _, added := tab.Put([]byte(k), &Value[int]{Kind: Int, Int: int64(i)}); !added {
			t.Fatalf("Put(%.8q) did not add", k)
		}
	}
	for i, k := range keys {
		if r := tab.Find([]byte(k)); r == 0 || tab.Int(r) != int64(i) || string(tab.Key(r)) != k {
			t.Fatalf("Find(%.8q) = %#x", k, r)
		}
	}
	got, want := map[string]bool{}, map[string]bool{}
	for _, k := range keys {
		want[k] = true
	}
	tab.Range(func(r Ref) bool { got[string(tab.Key(r))] = true; return true })
	if !maps.Equal(got, want) {
		t.Fatalf("Range returned %d keys, want %d", len(got), len(want))
	}
	checkInvariants(t, tab)
}

func TestPageLimit(t *testing.T) {
	a := newArena()
	// Placeholders for pages already taken: only the count matters here.
	a.pages = make([][]byte, MaxPages-1)
	r, b := a.alloc(100)
	if r.page() != MaxPages-1 || r.off() != 0 || len(b) != classSizes[classOf(100)] {
		t.Fatalf("last page: ref %#x on page %d, slot of %d bytes", r, r.page(), len(b))
	}
	defer func() {
		if recover() == nil {
			t.Fatal("a page past the limit was added")
		}
	}()
	a.alloc(maxClassed + 1)
}
