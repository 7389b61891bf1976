package hash

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// model is what a Hash must behave like: a map plus the insertion order
// that the small form keeps, and whether Redis would have converted it to
// a hashtable by now.
type model struct {
	vals  map[string]string
	order []string
	big   bool
}

func (m *model) set(f, v string) bool {
	_, ok := m.vals[f]
	if !ok {
		m.order = append(m.order, f)
	}
	m.vals[f] = v
	m.big = m.big || len(m.vals) > MaxListpackEntries || len(f) > MaxListpackValue || len(v) > MaxListpackValue
	return !ok
}

func (m *model) del(f string) bool {
	if _, ok := m.vals[f]; !ok {
		return false
	}
	delete(m.vals, f)
	m.order = slices.DeleteFunc(m.order, func(s string) bool { return s == f })
	return true
}

func pairs(h *Hash) [][2]string {
	var out [][2]string
	h.Range(func(f, v []byte) bool {
		out = append(out, [2]string{string(f), string(v)})
		return true
	})
	return out
}

// check compares h with m: every pair, the order while small, and the form
// Redis would have chosen.
func check(t *testing.T, h *Hash, m *model) {
	t.Helper()
	big := m.big
	if h.Len() != len(m.vals) {
		t.Fatalf("Len %d, want %d", h.Len(), len(m.vals))
	}
	wantEnc := "listpack"
	if big {
		wantEnc = "hashtable"
	}
	if h.Encoding() != wantEnc {
		t.Fatalf("Encoding %s, want %s", h.Encoding(), wantEnc)
	}
	got := pairs(h)
	if !big {
		want := make([][2]string, len(m.order))
		for i, f := range m.order {
			want[i] = [2]string{f, m.vals[f]}
		}
		if !slices.Equal(got, want) {
			t.Fatalf("pairs %q, want %q", got, want)
		}
	} else if len(got) != len(m.vals) {
		t.Fatalf("Range gave %d pairs, want %d", len(got), len(m.vals))
	}
	var buf [20]byte
	for f, v := range m.vals {
		g, ok := h.Get([]byte(f), buf[:])
		if !ok || string(g) != v || !h.Has([]byte(f)) {
			t.Fatalf("Get(%q) = %q %v, want %q", f, g, ok, v)
		}
	}
}

// Strings that are integers to string2ll and strings that only look like
// one, at every width of the integer encoding.
var tricky = []string{
	"0", "1", "62", "63", "-1", "127", "128", "-128", "-129", "255", "256", "32767", "32768", "-32768",
	"8388607", "8388608", "2147483647", "2147483648", "-2147483649", "140737488355327", "36028797018963968",
	"9223372036854775807", "-9223372036854775808", "9223372036854775808", "-9223372036854775809",
	"99999999999999999999", "01", "-0", "+1", "1.0", " 1", "1 ", "", "-", "0x10", "1e3", "\x00",
	strings.Repeat("x", 64), strings.Repeat("9", 64),
}

func TestHashIntegerEncodingRoundTrips(t *testing.T) {
	h := new(Hash)
	m := &model{vals: map[string]string{}}
	for i, s := range tricky {
		h.Set([]byte(s), []byte(tricky[len(tricky)-1-i]))
		m.set(s, tricky[len(tricky)-1-i])
	}
	check(t, h, m)
	for _, s := range tricky {
		if !h.Delete([]byte(s)) || h.Has([]byte(s)) {
			t.Fatalf("Delete(%q) failed", s)
		}
		m.del(s)
		check(t, h, m)
	}
	if h.Len() != 0 || h.pack != nil {
		t.Fatalf("empty hash keeps %d bytes", len(h.pack))
	}
}

func TestHashParseIntMatchesString2ll(t *testing.T) {
	for _, s := range tricky {
		v, ok := parseInt([]byte(s))
		n, err := strconv.ParseInt(s, 10, 64)
		want := err == nil && strconv.FormatInt(n, 10) == s
		if ok != want || (ok && v != n) {
			t.Errorf("parseInt(%q) = %d %v, want %d %v", s, v, ok, n, want)
		}
	}
}

func TestHashConversions(t *testing.T) {
	f := func(name string, build func(h *Hash, m *model), big bool) {
		t.Helper()
		h, m := new(Hash), &model{vals: map[string]string{}}
		build(h, m)
		if m.big != big {
			t.Fatalf("%s: the model says big=%v", name, m.big)
		}
		check(t, h, m)
	}
	fill := func(n int) func(h *Hash, m *model) {
		return func(h *Hash, m *model) {
			for i := range n {
				f, v := fmt.Sprintf("f%d", i), strconv.Itoa(i*1000)
				h.Set([]byte(f), []byte(v))
				m.set(f, v)
			}
		}
	}
	f("512 pairs stay small", fill(512), false)
	f("513 pairs convert", fill(513), true)
	long := strings.Repeat("v", 65)
	f("64-byte value stays small", func(h *Hash, m *model) {
		h.Set([]byte("a"), []byte(long[:64]))
		m.set("a", long[:64])
	}, false)
	f("65-byte value converts", func(h *Hash, m *model) {
		h.Set([]byte("a"), []byte("1"))
		h.Set([]byte("b"), []byte(long))
		m.set("a", "1")
		m.set("b", long)
	}, true)
	f("65-byte field converts", func(h *Hash, m *model) {
		h.Set([]byte(long), []byte("x"))
		m.set(long, "x")
	}, true)
	f("a big hash stays big when it shrinks", func(h *Hash, m *model) {
		fill(600)(h, m)
		for i := 1; i < 600; i++ {
			h.Delete(fmt.Appendf(nil, "f%d", i))
			m.del(fmt.Sprintf("f%d", i))
		}
	}, true)
}

// TestHashRandomOps runs random operations against the model in both forms.
func TestHashRandomOps(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	ops, bigs := 0, 0
	for round := range 40 {
		h, m := new(Hash), &model{vals: map[string]string{}}
		nfields := 20 + round*25 // later rounds outgrow the small form
		for range 1500 {
			f := strconv.Itoa(rng.IntN(nfields))
			if rng.IntN(3) == 0 {
				f = "f" + f
			}
			switch rng.IntN(4) {
			case 0:
				if h.Delete([]byte(f)) != m.del(f) {
					t.Fatalf("Delete(%q) disagrees", f)
				}
			default:
				v := tricky[rng.IntN(len(tricky))]
				if round%10 == 9 && rng.IntN(50) == 0 {
					v = strings.Repeat("L", 65+rng.IntN(10))
				}
				if h.Set([]byte(f), []byte(v)) != m.set(f, v) {
					t.Fatalf("Set(%q) disagrees", f)
				}
			}
			ops++
		}
		check(t, h, m)
		if m.big {
			bigs++
		}
	}
	if ops != 40*1500 || bigs < 10 || bigs > 30 {
		t.Fatalf("ran %d operations, %d of 40 hashes big", ops, bigs)
	}
}

func TestHashSample(t *testing.T) {
	for _, n := range []int{1, 5, 100, 1000} {
		h := new(Hash)
		for i := range n {
			h.Set(fmt.Appendf(nil, "f%d", i), fmt.Appendf(nil, "%d", i))
		}
		for _, count := range []int{1, 2, n / 2, n - 1, n, n + 3} {
			if count <= 0 {
				continue
			}
			seen := map[string]bool{}
			got := 0
			h.Sample(count, true, func(f, v []byte) {
				if seen[string(f)] {
					t.Fatalf("n=%d count=%d: %q twice", n, count, f)
				}
				if "f"+string(v) != string(f) {
					t.Fatalf("pair %q %q", f, v)
				}
				seen[string(f)] = true
				got++
			})
			if got != min(count, n) {
				t.Fatalf("n=%d count=%d unique: %d pairs", n, count, got)
			}
			got = 0
			h.Sample(count, false, func(f, v []byte) {
				if "f"+string(v) != string(f) {
					t.Fatalf("pair %q %q", f, v)
				}
				got++
			})
			if got != count {
				t.Fatalf("n=%d count=%d repeated: %d pairs", n, count, got)
			}
		}
	}
	// Every field of a small hash comes up.
	h := new(Hash)
	for i := range 8 {
		h.Set(fmt.Appendf(nil, "%d", i), []byte("v"))
	}
	hits := map[string]int{}
	h.Sample(800, false, func(f, _ []byte) { hits[string(f)]++ })
	if len(hits) != 8 {
		t.Fatalf("800 draws from 8 fields hit %v", hits)
	}
}

func TestHashScanAndClone(t *testing.T) {
	for _, n := range []int{10, 1000} {
		h := new(Hash)
		for i := range n {
			h.Set(fmt.Appendf(nil, "f%d", i), fmt.Appendf(nil, "v%d", i))
		}
		seen := map[string]string{}
		cursor, calls := uint64(0), 0
		for {
			cursor = h.Scan(cursor, func(f, v []byte) { seen[string(f)] = string(v) })
			calls++
			if cursor == 0 {
				break
			}
		}
		if len(seen) != n || (n == 10 && calls != 1) {
			t.Fatalf("n=%d: scan saw %d fields in %d calls", n, len(seen), calls)
		}
		c := h.Clone()
		c.Set([]byte("f0"), []byte("changed"))
		c.Delete([]byte("f1"))
		var buf [20]byte
		if v, _ := h.Get([]byte("f0"), buf[:]); string(v) != "v0" || !h.Has([]byte("f1")) {
			t.Fatalf("n=%d: changing the clone changed the original", n)
		}
		if c.Encoding() != h.Encoding() || c.Len() != n-1 {
			t.Fatalf("n=%d: clone %s/%d, original %s", n, c.Encoding(), c.Len(), h.Encoding())
		}
	}
}

// TestHashSetDoesNotAllocate checks the small form's hot path: updating an
// existing field in place and reading it back cost no allocation.
func TestHashSetDoesNotAllocate(t *testing.T) {
	h := new(Hash)
	for i := range 10 {
		h.Set(fmt.Appendf(nil, "field%d", i), []byte("12345"))
	}
	f, v := []byte("field7"), []byte("54321")
	var buf [20]byte
	allocs := testing.AllocsPerRun(100, func() {
		h.Set(f, v)
		h.Get(f, buf[:])
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per update", allocs)
	}
}
