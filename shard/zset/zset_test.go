package zset

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// model is the obvious sorted set: a map, sorted on demand.
type model map[string]float64

func (m model) sorted() []entry {
	out := make([]entry, 0, len(m))
	for k, v := range m {
		out = append(out, entry{member: k, score: v})
	}
	slices.SortFunc(out, func(a, b entry) int {
		switch {
		case a.before(b.score, b.member):
			return -1
		case b.before(a.score, a.member):
			return 1
		}
		return 0
	})
	return out
}

func elements(s *Set, lo, hi int, rev bool) []entry {
	var out []entry
	s.Range(lo, hi, rev, func(m []byte, score float64) {
		out = append(out, entry{member: string(m), score: score})
	})
	return out
}

// check verifies the structure's invariants and that s holds exactly want.
func check(t *testing.T, s *Set, want []entry) {
	t.Helper()
	if s.Len() != len(want) {
		t.Fatalf("Len %d, want %d", s.Len(), len(want))
	}
	got := elements(s, 0, s.Len(), false)
	if !slices.Equal(got, want) {
		t.Fatalf("elements differ:\n got %v\nwant %v", got, want)
	}
	back := elements(s, 0, s.Len(), true)
	slices.Reverse(back)
	if !slices.Equal(back, want) {
		t.Fatalf("reverse walk differs:\n got %v\nwant %v", back, want)
	}
	if s.big == nil {
		if s.n > MaxListpackEntries {
			t.Fatalf("small form holds %d elements", s.n)
		}
		return
	}
	if s.big.dict.Len() != len(want) {
		t.Fatalf("dict holds %d, want %d", s.big.dict.Len(), len(want))
	}
	tr := &s.big.tree
	if tr.height == 0 {
		if tr.n > 0 && (tr.rootLeaf != tr.head || tr.rootLeaf != tr.tail) {
			t.Fatal("root leaf is not the only leaf")
		}
		return
	}
	var leaves []*leaf
	var walk func(n *inner, h int, lo, hi *entry) int
	walk = func(n *inner, h int, lo, hi *entry) int {
		if n.n == 0 {
			t.Fatal("empty inner node")
		}
		total := 0
		for i := 0; i < n.n; i++ {
			clo, chi := lo, hi
			if i > 0 {
				clo = &n.seps[i]
			}
			if i+1 < n.n {
				chi = &n.seps[i+1]
			}
			var c int
			if h == 1 {
				l := n.leaves[i]
				if l.n == 0 {
					t.Fatal("empty leaf")
				}
				for j := 0; j < l.n; j++ {
					e := &l.ents[j]
					if clo != nil && e.before(clo.score, clo.member) || chi != nil && !e.before(chi.score, chi.member) {
						t.Fatalf("entry %v outside its separators", *e)
					}
				}
				leaves = append(leaves, l)
				c = l.n
			} else {
				c = walk(n.inners[i], h-1, clo, chi)
			}
			if c != n.counts[i] {
				t.Fatalf("count %d, child holds %d", n.counts[i], c)
			}
			total += c
		}
		return total
	}
	if n := walk(tr.root, tr.height, nil, nil); n != tr.n {
		t.Fatalf("tree counts %d, n %d", n, tr.n)
	}
	if tr.head != leaves[0] || tr.tail != leaves[len(leaves)-1] {
		t.Fatal("head or tail is wrong")
	}
	for i, l := range leaves {
		if i > 0 && l.prev != leaves[i-1] || i+1 < len(leaves) && l.next != leaves[i+1] {
			t.Fatal("leaf links are wrong")
		}
	}
}

func randScore(r *rand.Rand) float64 {
	switch r.IntN(20) {
	case 0:
		return math.Inf(1)
	case 1:
		return math.Inf(-1)
	case 2:
		return math.Copysign(0, -1)
	}
	return float64(r.IntN(40)-20) / 4
}

func randMember(r *rand.Rand, space int) []byte {
	m := fmt.Sprintf("m%d", r.IntN(space))
	if r.IntN(50) == 0 {
		m += strings.Repeat("x", MaxListpackValue)
	}
	return []byte(m)
}

// TestZSetRandomOps runs random operations against the model, in sets that
// stay small, cross the conversion and grow to several tree levels.
func TestZSetRandomOps(t *testing.T) {
	ops := 0
	for _, space := range []int{20, 150, 5000} {
		r := rand.New(rand.NewPCG(uint64(space), 7))
		s := New(0)
		m := model{}
		steps := 6000
		if space == 5000 {
			steps = 40000
		}
		for step := 0; step < steps; step++ {
			ops++
			member := randMember(r, space)
			k := string(member)
			old, present := m[k]
			switch op := r.IntN(100); {
			case op < 45:
				score := randScore(r)
				if present {
					s.Update(member, old, score)
				} else {
					s.Add(member, score)
				}
				m[k] = score
			case op < 60:
				if s.Delete(member) != present {
					t.Fatalf("Delete(%s) = %v", k, !present)
				}
				delete(m, k)
			case op < 70:
				score, ok := s.Score(member)
				if ok != present || ok && score != old {
					t.Fatalf("Score(%s) = %v %v, want %v %v", k, score, ok, old, present)
				}
			case op < 80:
				want := m.sorted()
				rank, score, ok := s.Rank(member)
				if ok != present {
					t.Fatalf("Rank(%s) ok = %v", k, ok)
				}
				if ok && (want[rank].member != k || score != old) {
					t.Fatalf("Rank(%s) = %d %v", k, rank, score)
				}
			case op < 88:
				want := m.sorted()
				rng := ScoreRange{Min: randScore(r), Max: randScore(r), MinEx: r.IntN(2) == 0, MaxEx: r.IntN(2) == 0}
				lo, hi := s.ScoreRanks(rng)
				var in []entry
				for _, e := range want {
					if rng.gteMin(e.score) && rng.lteMax(e.score) {
						in = append(in, e)
					}
				}
				if max(hi-lo, 0) != len(in) || len(in) > 0 && !slices.Equal(want[lo:hi], in) {
					t.Fatalf("ScoreRanks(%+v) = %d %d, want %v", rng, lo, hi, in)
				}
			case op < 92 && len(m) > 0:
				want := m.sorted()
				lo := r.IntN(len(want))
				hi := lo + r.IntN(min(len(want)-lo, 200)+1)
				rev := r.IntN(2) == 0
				w := slices.Clone(want[lo:hi])
				if rev {
					slices.Reverse(w)
				}
				if got := elements(s, lo, hi, rev); !slices.Equal(got, w) {
					t.Fatalf("Range(%d, %d, %v) = %v, want %v", lo, hi, rev, got, w)
				}
			case op < 94 && len(m) > 0:
				want := m.sorted()
				lo := r.IntN(len(want))
				hi := lo + r.IntN(min(len(want)-lo, 30)+1)
				s.DeleteRange(lo, hi)
				for _, e := range want[lo:hi] {
					delete(m, e.member)
				}
			case op < 95 && len(m) > 0:
				got, score := s.Random()
				if v, ok := m[string(got)]; !ok || v != score {
					t.Fatalf("Random() = %s %v", got, score)
				}
			case op < 96:
				c := s.Clone()
				if c.Encoding() != s.Encoding() {
					t.Fatalf("clone encoding %s, want %s", c.Encoding(), s.Encoding())
				}
				check(t, c, m.sorted())
				c.Add([]byte("only-in-clone"), 1)
				if _, ok := s.Score([]byte("only-in-clone")); ok {
					t.Fatal("clone shares structure with the original")
				}
			default:
				check(t, s, m.sorted())
			}
			if s.Len() != len(m) {
				t.Fatalf("step %d: Len %d, want %d", step, s.Len(), len(m))
			}
		}
		check(t, s, m.sorted())
	}
	if ops != 52000 {
		t.Fatalf("ran %d operations", ops)
	}
}

// TestZSetLexRanks checks lex ranges on sets whose elements share a score,
// the case the lex commands are defined for, in both forms.
func TestZSetLexRanks(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	bound := func() LexBound {
		switch r.IntN(8) {
		case 0:
			return LexBound{Inf: -1, Ex: true}
		case 1:
			return LexBound{Inf: 1, Ex: true}
		}
		return LexBound{Value: fmt.Sprintf("m%d", r.IntN(300)), Ex: r.IntN(2) == 0}
	}
	cases := 0
	for _, n := range []int{0, 1, 50, 128, 129, 1000} {
		s := New(0)
		m := model{}
		for i := 0; i < n; i++ {
			k := fmt.Sprintf("m%d", r.IntN(300))
			if _, ok := m[k]; !ok {
				s.Add([]byte(k), 0)
				m[k] = 0
			}
		}
		want := m.sorted()
		for range 300 {
			rng := LexRange{Min: bound(), Max: bound()}
			var in []entry
			for _, e := range want {
				if rng.gteMin(e.member) && rng.lteMax(e.member) && !rng.empty() {
					in = append(in, e)
				}
			}
			for _, rev := range []bool{false, true} {
				cases++
				lo, hi := s.LexRanks(rng, rev)
				if max(hi-lo, 0) != len(in) || len(in) > 0 && !slices.Equal(want[lo:hi], in) {
					t.Fatalf("n=%d LexRanks(%+v, %v) = %d %d, want %v", n, rng, rev, lo, hi, in)
				}
			}
		}
	}
	if cases != 3600 {
		t.Fatalf("ran %d cases", cases)
	}
}

// TestZSetEncoding follows Redis's conversions between the two forms.
func TestZSetEncoding(t *testing.T) {
	f := func(s *Set, want string) {
		t.Helper()
		if got := s.Encoding(); got != want {
			t.Fatalf("encoding %s, want %s", got, want)
		}
	}
	long := []byte(strings.Repeat("x", MaxListpackValue+1))
	f(New(MaxListpackValue), "listpack")
	f(New(MaxListpackValue+1), "skiplist")

	s := New(0)
	for i := range MaxListpackEntries {
		s.Add(fmt.Appendf(nil, "m%d", i), float64(i))
	}
	f(s, "listpack")
	s.Add([]byte("one more"), 0)
	f(s, "skiplist")
	s.DeleteRange(0, s.Len()-1)
	f(s, "skiplist") // never back, as in Redis
	check(t, s, []entry{{member: "m127", score: 127}})

	s = New(0)
	s.Add([]byte("a"), 1)
	s.Add(long, 2)
	f(s, "skiplist") // a member too long for the small form
	s.Delete(long)
	f(s, "skiplist")
	check(t, s, []entry{{member: "a", score: 1}})
}

// TestZSetScan checks that a full ZSCAN-style iteration returns every
// element at least once while the set grows and shrinks under it.
func TestZSetScan(t *testing.T) {
	s := New(0)
	for i := range 1000 {
		s.Add(fmt.Appendf(nil, "m%d", i), float64(i))
	}
	seen := map[string]bool{}
	steps := 0
	cursor := uint64(0)
	for {
		cursor = s.Scan(cursor, func(m []byte, score float64) {
			if fmt.Sprintf("m%d", int(score)) != string(m) {
				t.Fatalf("member %s has score %v", m, score)
			}
			seen[string(m)] = true
		})
		steps++
		// Churn on elements outside the stable ones [0, 500).
		s.Add(fmt.Appendf(nil, "m%d", 1000+steps), float64(1000+steps))
		s.Delete(fmt.Appendf(nil, "m%d", 500+steps))
		if cursor == 0 {
			break
		}
	}
	for i := range 500 {
		if !seen[fmt.Sprintf("m%d", i)] {
			t.Fatalf("m%d never returned", i)
		}
	}
	if steps < 2 {
		t.Fatalf("big form scanned in %d steps", steps)
	}

	small := New(0)
	small.Add([]byte("a"), 1)
	small.Add([]byte("b"), 2)
	var got []string
	if c := small.Scan(12345, func(m []byte, _ float64) { got = append(got, string(m)) }); c != 0 || !slices.Equal(got, []string{"a", "b"}) {
		t.Fatalf("small Scan = %d %v", c, got)
	}
}

// TestZSetMemory bounds the heap a big set holds per element: Redis 7.0
// holds 110 bytes per element (used_memory) for members like these.
func TestZSetMemory(t *testing.T) {
	const n = 200_000
	perElement := heapPerElement(n, func(i int) float64 { return rand.Float64() * 1e6 })
	t.Logf("%.1f bytes per element (random scores)", perElement)
	if perElement > 1.2*110 {
		t.Fatalf("%.1f bytes per element, over 1.2x Redis", perElement)
	}
}

// heapPerElement builds a set of n members "member:<i>" with the given
// scores and returns the heap it holds per element.
func heapPerElement(n int, score func(i int) float64) float64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s := New(0)
	buf := make([]byte, 0, 32)
	for i := range n {
		buf = fmt.Appendf(buf[:0], "member:%d", i)
		s.Add(buf, score(i))
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(s)
	return float64(after.HeapAlloc-before.HeapAlloc) / float64(n)
}
