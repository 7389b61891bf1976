package dict

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"testing"
)

// checkInvariants verifies the table structure: every entry sits in the
// bucket its hash selects, migrated buckets are empty, the used counts match,
// and no key is stored twice.
func checkInvariants[V any](t *testing.T, d *Dict[V]) {
	t.Helper()
	if !d.rehashing() && d.tables[1] != nil {
		t.Fatalf("second table present while not rehashing")
	}
	seen := map[string]bool{}
	for ti, tab := range d.tables {
		if tab == nil {
			continue
		}
		if len(tab)&(len(tab)-1) != 0 || len(tab) < minSize {
			t.Fatalf("table %d has size %d", ti, len(tab))
		}
		n := 0
		for i, e := range tab {
			if ti == 0 && i < d.rehashIdx && e != nil {
				t.Fatalf("migrated bucket %d not empty", i)
			}
			for ; e != nil; e = e.next {
				if want := int(d.hashString(e.key) & uint64(len(tab)-1)); want != i {
					t.Fatalf("key %q in bucket %d of table %d, want %d", e.key, i, ti, want)
				}
				if seen[e.key] {
					t.Fatalf("key %q stored twice", e.key)
				}
				seen[e.key] = true
				n++
			}
		}
		if n != d.used[ti] {
			t.Fatalf("table %d holds %d entries, used says %d", ti, n, d.used[ti])
		}
	}
}

// checkContents verifies d holds exactly model, through lookups and Range.
func checkContents(t *testing.T, d *Dict[int], model map[string]int) {
	t.Helper()
	checkInvariants(t, d)
	if d.Len() != len(model) {
		t.Fatalf("Len = %d, model has %d", d.Len(), len(model))
	}
	for k, want := range model {
		if got, ok := d.Get(k); !ok || got != want {
			t.Fatalf("Get(%q) = %d, %v; want %d, true", k, got, ok, want)
		}
	}
	ranged := map[string]int{}
	d.Range(func(k string, v int) bool {
		if _, dup := ranged[k]; dup {
			t.Fatalf("Range returned %q twice", k)
		}
		ranged[k] = v
		return true
	})
	if !maps.Equal(ranged, model) {
		t.Fatalf("Range returned %d elements differing from the model's %d", len(ranged), len(model))
	}
}

// fillUntilRehashing sets keys prefix0, prefix1, ... to 0, 1, ..., at least
// atLeast of them and then until a resize is in progress, and returns how
// many it set.
func fillUntilRehashing(t *testing.T, d *Dict[int], prefix string, atLeast int) int {
	t.Helper()
	for i := 0; ; i++ {
		d.Set(fmt.Sprintf("%s%d", prefix, i), i)
		if i+1 >= atLeast && d.rehashing() {
			return i + 1
		}
		if i > 1<<20 {
			t.Fatal("no resize started")
		}
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

func TestModel(t *testing.T) {
	const (
		ops      = 100_000
		batch    = 250
		phaseLen = 10_000
		keySpace = 8192
	)
	rng := rand.New(rand.NewPCG(1, 2))
	d := New[int](0)
	model := map[string]int{}
	present := &modelKeys{pos: map[string]int{}}
	var grows, shrinks, opsWhileRehashing, clears int

	randomKey := func() string { return fmt.Sprintf("k%d", rng.IntN(keySpace)) }
	// pick returns a present key most of the time so deletes keep succeeding
	// as the dict empties.
	pick := func() string {
		if len(present.keys) > 0 && rng.IntN(5) > 0 {
			return present.keys[rng.IntN(len(present.keys))]
		}
		return randomKey()
	}
	set := func(k string, v int) {
		_, had := model[k]
		if added := d.Set(k, v); added == had {
			t.Fatalf("Set(%q) added = %v, key was present: %v", k, added, had)
		}
		model[k] = v
		present.add(k)
	}
	del := func(k string, bytes bool) {
		var got int
		var ok bool
		if bytes {
			got, ok = d.DeleteBytes([]byte(k))
		} else {
			got, ok = d.Delete(k)
		}
		want, had := model[k]
		if ok != had || got != want {
			t.Fatalf("Delete(%q) = %d, %v; want %d, %v", k, got, ok, want, had)
		}
		delete(model, k)
		present.remove(k)
	}

	for op := range ops {
		// Alternate phases that fill and drain the dict, so it grows and
		// shrinks repeatedly and many ops land mid-resize.
		growing := op/phaseLen%2 == 0
		if d.rehashing() {
			opsWhileRehashing++
		}
		size := len(d.tables[0])
		if d.rehashing() {
			size = len(d.tables[1])
		}

		r := rng.IntN(100)
		setPct, delPct := 30, 20
		if growing {
			setPct, delPct = 60, 10
		} else if len(model) > 0 {
			setPct, delPct = 10, 60
		}
		switch {
		case r < setPct:
			set(randomKey(), rng.Int())
		case r < setPct+delPct:
			del(pick(), rng.IntN(4) == 0)
		case r < setPct+delPct+10:
			k := pick()
			got, ok := d.Get(k)
			if want, had := model[k]; ok != had || got != want {
				t.Fatalf("Get(%q) = %d, %v; want %d, %v", k, got, ok, want, had)
			}
		case r < setPct+delPct+15:
			k := pick()
			got, ok := d.GetBytes([]byte(k))
			if want, had := model[k]; ok != had || got != want {
				t.Fatalf("GetBytes(%q) = %d, %v; want %d, %v", k, got, ok, want, had)
			}
		case r < setPct+delPct+20:
			k := pick()
			p := d.Ref([]byte(k))
			if _, had := model[k]; had != (p != nil) {
				t.Fatalf("Ref(%q) = %p, key present: %v", k, p, had)
			}
			if p != nil {
				*p++
				model[k]++
			}
		case r < setPct+delPct+24:
			k, v, ok := d.Random()
			if want, had := model[k]; ok != (len(model) > 0) || ok && (!had || v != want) {
				t.Fatalf("Random() = %q, %d, %v; model has %d keys", k, v, ok, len(model))
			}
		case r < setPct+delPct+28:
			d.Sample(5, func(k string, v int) {
				if want, had := model[k]; !had || v != want {
					t.Fatalf("Sample returned %q=%d, model has %d, %v", k, v, want, had)
				}
			})
		case r >= 98 && rng.IntN(500) == 0:
			d.Clear()
			clear(model)
			present = &modelKeys{pos: map[string]int{}}
			clears++
		}

		newSize := len(d.tables[0])
		if d.rehashing() {
			newSize = len(d.tables[1])
		}
		switch {
		case newSize > size && size > 0:
			grows++
		case newSize < size && newSize > 0:
			shrinks++
		}
		if (op+1)%batch == 0 {
			checkContents(t, d, model)
		}
	}
	checkContents(t, d, model)
	t.Logf("grows=%d shrinks=%d opsWhileRehashing=%d clears=%d", grows, shrinks, opsWhileRehashing, clears)
	if grows < 10 || shrinks < 10 || opsWhileRehashing < 1000 || clears == 0 {
		t.Fatalf("ops did not exercise resizing enough: grows=%d shrinks=%d opsWhileRehashing=%d clears=%d",
			grows, shrinks, opsWhileRehashing, clears)
	}
}

func TestScanReturnsEveryStableKey(t *testing.T) {
	var scansWhileRehashing, grows, shrinks int
	for round := range 20 {
		rng := rand.New(rand.NewPCG(uint64(round), 7))
		d := New[int](0)
		stable := map[string]bool{}
		for i := range 50 + rng.IntN(500) {
			k := fmt.Sprintf("s%d", i)
			d.Set(k, i)
			stable[k] = true
		}
		var volatile []string
		seen := map[string]bool{}
		growCalls, shrinkCalls := 10+rng.IntN(40), 10+rng.IntN(40)
		cursor, calls := uint64(0), 0
		for {
			if d.rehashing() {
				scansWhileRehashing++
			}
			cursor = d.Scan(cursor, func(k string, _ int) { seen[k] = true })
			if cursor == 0 {
				break
			}
			if calls++; calls > 1<<20 {
				t.Fatalf("round %d: scan did not finish", round)
			}

			// Between calls, insert enough to force growth, then delete
			// enough to force shrinking, churning some keys all along.
			before := len(d.tables[0])
			if d.rehashing() {
				before = len(d.tables[1])
			}
			switch {
			case calls <= growCalls:
				for range 100 {
					k := fmt.Sprintf("v%d", rng.Int())
					d.Set(k, 0)
					volatile = append(volatile, k)
				}
			case calls <= growCalls+shrinkCalls && len(volatile) > 0:
				n := min(len(volatile), 1+len(volatile)/(growCalls+shrinkCalls-calls+1))
				for _, k := range volatile[len(volatile)-n:] {
					d.Delete(k)
				}
				volatile = volatile[:len(volatile)-n]
			default:
				k := fmt.Sprintf("c%d", rng.IntN(100))
				if rng.IntN(2) == 0 {
					d.Set(k, 0)
				} else {
					d.Delete(k)
				}
			}
			after := len(d.tables[0])
			if d.rehashing() {
				after = len(d.tables[1])
			}
			if after > before {
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
	}
	t.Logf("grows=%d shrinks=%d scansWhileRehashing=%d", grows, shrinks, scansWhileRehashing)
	if grows < 20 || shrinks < 10 || scansWhileRehashing < 100 {
		t.Fatalf("scans did not overlap resizing enough: grows=%d shrinks=%d scansWhileRehashing=%d",
			grows, shrinks, scansWhileRehashing)
	}
}

func TestScanOfEmptyDict(t *testing.T) {
	d := New[int](16)
	if next := d.Scan(0, func(k string, _ int) { t.Fatalf("Scan returned %q", k) }); next != 0 {
		t.Fatalf("Scan of an empty dict returned cursor %d", next)
	}
}

func TestScanOfUnchangedDictReturnsEachKeyOnce(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(d *Dict[int]) // leaves d unchanged or mid-resize
	}{
		{"stable", func(*Dict[int]) {}},
		{"growing", func(d *Dict[int]) { fillUntilRehashing(t, d, "g", 0) }},
		{"shrinking", func(d *Dict[int]) {
			for i := 0; !d.rehashing(); i++ {
				d.Delete(fmt.Sprintf("k%d", i))
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := New[int](0)
			for i := range 1000 {
				d.Set(fmt.Sprintf("k%d", i), i)
			}
			for d.rehashing() {
				d.Get("")
			}
			tc.setup(d)
			want := d.Len()
			seen := map[string]bool{}
			cursor := uint64(0)
			for {
				cursor = d.Scan(cursor, func(k string, _ int) {
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

func TestDeleteCurrentDuringIteration(t *testing.T) {
	for _, tc := range []struct {
		name string
		// iterate calls visit for every element, letting it delete its key.
		iterate func(d *Dict[int], visit func(k string))
	}{
		{"Range", func(d *Dict[int], visit func(string)) {
			d.Range(func(k string, _ int) bool { visit(k); return true })
		}},
		{"Scan", func(d *Dict[int], visit func(string)) {
			for c := d.Scan(0, func(k string, _ int) { visit(k) }); c != 0; {
				c = d.Scan(c, func(k string, _ int) { visit(k) })
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := New[int](0)
			n := fillUntilRehashing(t, d, "k", 1000)
			visited := map[string]bool{}
			tc.iterate(d, func(k string) {
				if visited[k] {
					t.Fatalf("%q visited twice", k)
				}
				visited[k] = true
				if v, _ := d.Get(k); v%2 == 0 {
					d.Delete(k)
				}
			})
			if len(visited) != n {
				t.Fatalf("visited %d of %d keys", len(visited), n)
			}
			if d.Len() != n/2 {
				t.Fatalf("Len = %d after deleting even values, want %d", d.Len(), n/2)
			}
			checkInvariants(t, d)
		})
	}
}

func TestRangeStops(t *testing.T) {
	d := New[int](0)
	for i := range 100 {
		d.Set(fmt.Sprint(i), i)
	}
	calls := 0
	d.Range(func(string, int) bool { calls++; return calls < 10 })
	if calls != 10 {
		t.Fatalf("Range made %d calls after fn returned false on the 10th", calls)
	}
}

func TestRandomAndSampleReturnPresentKeys(t *testing.T) {
	d := New[int](0)
	if _, _, ok := d.Random(); ok {
		t.Fatal("Random on an empty dict reported ok")
	}
	d.Sample(10, func(k string, _ int) { t.Fatalf("Sample on an empty dict returned %q", k) })

	// Dense enough that sampling always finds something, and large enough
	// that the resize outlasts the first draws.
	n := fillUntilRehashing(t, d, "k", 1000)
	for i := 0; i < n; i += 3 {
		d.Delete(fmt.Sprintf("k%d", i))
	}
	rehashingDraws := 0
	for range 1000 {
		if d.rehashing() {
			rehashingDraws++
		}
		k, v, ok := d.Random()
		if got, present := d.Get(k); !ok || !present || got != v {
			t.Fatalf("Random() = %q, %d, %v; Get says %d, %v", k, v, ok, got, present)
		}
		sampled := 0
		d.Sample(20, func(k string, v int) {
			sampled++
			if got, present := d.Get(k); !present || got != v {
				t.Fatalf("Sample returned %q=%d; Get says %d, %v", k, v, got, present)
			}
		})
		if sampled == 0 || sampled > 20 {
			t.Fatalf("Sample(20) returned %d elements of %d", sampled, d.Len())
		}
	}
	if rehashingDraws == 0 {
		t.Fatal("no draw happened during a resize")
	}

	// A large table with one key is too sparse for sampling to find it in
	// its step budget, so Random falls back to probing buckets.
	sparse := New[int](1 << 16)
	sparse.Set("only", 1)
	for range 100 {
		if k, v, ok := sparse.Random(); k != "only" || v != 1 || !ok {
			t.Fatalf("Random() on a sparse dict = %q, %d, %v", k, v, ok)
		}
	}
}

// randomEntry is Random's fallback, which sampling rarely needs, so it is
// tested directly.
func TestRandomEntry(t *testing.T) {
	dense := New[int](0)
	keys := []string{"a", "b", "c", "d"}
	for i, k := range keys {
		dense.Set(k, i)
	}
	hits := map[string]int{}
	for range 1000 {
		hits[dense.randomEntry().key]++
	}
	for _, k := range keys {
		if hits[k] == 0 {
			t.Fatalf("1000 draws never returned %q: %v", k, hits)
		}
	}

	// A large table emptied down to a few keys shrinks a bucket at a time.
	sparse := New[int](1 << 12)
	for i := range 20 {
		sparse.Set(fmt.Sprint(i), i)
	}
	sparse.Delete("0")
	rehashingDraws := 0
	for range 100 {
		if sparse.rehashing() {
			rehashingDraws++
		}
		e := sparse.randomEntry()
		if v, ok := sparse.Get(e.key); !ok || v != e.val {
			t.Fatalf("randomEntry returned %q=%d; Get says %d, %v", e.key, e.val, v, ok)
		}
	}
	if rehashingDraws == 0 {
		t.Fatal("no draw happened during a resize")
	}
}

func TestRandomHitsEveryKey(t *testing.T) {
	d := New[int](0)
	keys := []string{"a", "b", "c", "d"}
	for i, k := range keys {
		d.Set(k, i)
	}
	hits := map[string]int{}
	for range 1000 {
		k, _, _ := d.Random()
		hits[k]++
	}
	for _, k := range keys {
		if hits[k] == 0 {
			t.Fatalf("1000 draws never returned %q: %v", k, hits)
		}
	}
}

func TestSampleCallbackMayDeleteCurrent(t *testing.T) {
	d := New[int](0)
	n := fillUntilRehashing(t, d, "k", 1000)
	deleted := 0
	d.Sample(50, func(k string, _ int) {
		if _, ok := d.Delete(k); ok {
			deleted++
		}
	})
	if deleted == 0 || d.Len() != n-deleted {
		t.Fatalf("deleted %d of %d keys, Len = %d", deleted, n, d.Len())
	}
	checkInvariants(t, d)
}

func TestLookupsDoNotAllocate(t *testing.T) {
	d := New[int](0)
	fillUntilRehashing(t, d, "k", 1000)
	hit, miss := []byte("k1"), []byte("absent")
	for _, tc := range []struct {
		name string
		f    func()
	}{
		{"GetBytes hit", func() { d.GetBytes(hit) }},
		{"GetBytes miss", func() { d.GetBytes(miss) }},
		{"Ref", func() { *d.Ref(hit)++ }},
		{"Random", func() { d.Random() }},
	} {
		if allocs := testing.AllocsPerRun(100, tc.f); allocs != 0 {
			t.Errorf("%s: %v allocs per run, want 0", tc.name, allocs)
		}
	}
}

func TestClearAndBytes(t *testing.T) {
	d := New[string](0)
	if d.Bytes() != 0 {
		t.Fatalf("empty dict Bytes = %d", d.Bytes())
	}
	for i := range 1000 {
		d.Set(fmt.Sprint(i), "v")
	}
	if b := d.Bytes(); b < 1000*40 {
		t.Fatalf("Bytes = %d for 1000 entries", b)
	}
	d.Clear()
	if d.Len() != 0 || d.Bytes() != 0 {
		t.Fatalf("after Clear: Len = %d, Bytes = %d", d.Len(), d.Bytes())
	}
	if _, ok := d.Get("1"); ok {
		t.Fatal("Get found a key after Clear")
	}
	if !d.Set("1", "w") || d.Len() != 1 {
		t.Fatal("Set after Clear did not add")
	}
}

func TestSizeHintAvoidsResize(t *testing.T) {
	d := New[int](1000)
	for i := range 1000 {
		d.Set(fmt.Sprint(i), i)
		if d.rehashing() {
			t.Fatalf("resize started at %d elements despite a hint of 1000", i+1)
		}
	}
}
