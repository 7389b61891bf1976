package set

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
)

// model is what a Set must behave like, with the form Redis would have
// chosen: an intset until a member is not an integer or there are more
// than MaxIntsetEntries.
type model struct {
	members map[string]bool
	big     bool
}

func newModel() *model { return &model{members: map[string]bool{}} }

func (m *model) add(s string) bool {
	if m.members[s] {
		return false
	}
	m.members[s] = true
	n, err := strconv.ParseInt(s, 10, 64)
	m.big = m.big || err != nil || strconv.FormatInt(n, 10) != s || len(m.members) > MaxIntsetEntries
	return true
}

func (m *model) remove(s string) bool {
	ok := m.members[s]
	delete(m.members, s)
	return ok
}

func check(t *testing.T, s *Set, m *model) {
	t.Helper()
	want := "intset"
	if m.big {
		want = "hashtable"
	}
	if s.Encoding() != want || s.Len() != len(m.members) {
		t.Fatalf("set is %s with %d members, want %s with %d", s.Encoding(), s.Len(), want, len(m.members))
	}
	var got []string
	s.Range(func(b []byte) bool { got = append(got, string(b)); return true })
	if !m.big {
		// An intset lists its members in numeric order, as Redis does.
		nums := make([]int64, len(got))
		for i, g := range got {
			nums[i], _ = strconv.ParseInt(g, 10, 64)
		}
		if !slices.IsSorted(nums) {
			t.Fatalf("intset out of order: %v", got)
		}
	}
	slices.Sort(got)
	want2 := make([]string, 0, len(m.members))
	for k := range m.members {
		want2 = append(want2, k)
		if !s.Has([]byte(k)) {
			t.Fatalf("Has(%q) = false", k)
		}
	}
	slices.Sort(want2)
	if !slices.Equal(got, want2) {
		t.Fatalf("members %q, want %q", got, want2)
	}
}

var ints = []int64{0, 1, -1, math.MaxInt16, math.MinInt16, math.MaxInt16 + 1, math.MinInt16 - 1,
	math.MaxInt32, math.MinInt32, math.MaxInt32 + 1, math.MinInt32 - 1, math.MaxInt64, math.MinInt64}

func TestSetIntsetWidens(t *testing.T) {
	// Every order of insertion across the widths ends sorted.
	rng := rand.New(rand.NewPCG(5, 6))
	for round := range 50 {
		s, m := new(Set), newModel()
		for _, i := range rng.Perm(len(ints)) {
			str := strconv.FormatInt(ints[i], 10)
			if s.Add([]byte(str)) != m.add(str) {
				t.Fatalf("round %d: Add(%s) disagrees", round, str)
			}
			check(t, s, m)
		}
		for _, i := range rng.Perm(len(ints)) {
			str := strconv.FormatInt(ints[i], 10)
			if !s.Remove([]byte(str)) {
				t.Fatalf("round %d: Remove(%s) failed", round, str)
			}
			m.remove(str)
			check(t, s, m)
		}
		if s.ints != nil {
			t.Fatalf("empty intset keeps %d bytes", len(s.ints))
		}
	}
	// Only the widest member decides the width.
	s := new(Set)
	for i := range 100 {
		s.Add([]byte(strconv.Itoa(i)))
	}
	if len(s.ints) != 1+100*2 {
		t.Fatalf("100 small members take %d bytes", len(s.ints))
	}
	s.Add([]byte("70000"))
	if len(s.ints) != 1+101*4 || !s.Has([]byte("99")) || s.Has([]byte("-70000")) {
		t.Fatalf("widening gave %d bytes", len(s.ints))
	}
}

func TestSetConversions(t *testing.T) {
	f := func(name string, members []string, big bool) {
		t.Helper()
		s, m := new(Set), newModel()
		for _, x := range members {
			s.Add([]byte(x))
			m.add(x)
		}
		if m.big != big {
			t.Fatalf("%s: model says big=%v", name, m.big)
		}
		check(t, s, m)
	}
	seq := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = strconv.Itoa(i * 7)
		}
		return out
	}
	f("512 integers", seq(512), false)
	f("513 integers", seq(513), true)
	f("a string", []string{"1", "2", "a"}, true)
	f("a leading zero", []string{"1", "01"}, true)
	f("minus zero", []string{"-0"}, true)
	f("past int64", []string{"9223372036854775808"}, true)
	f("plus sign", []string{"+5"}, true)
	f("empty string", []string{""}, true)
	f("int64 limits", []string{"9223372036854775807", "-9223372036854775808"}, false)

	// A hashtable stays one when the cause of the conversion goes.
	s := new(Set)
	s.Add([]byte("1"))
	s.Add([]byte("x"))
	s.Remove([]byte("x"))
	if s.Encoding() != "hashtable" || !s.Has([]byte("1")) {
		t.Fatalf("after removing the string: %s", s.Encoding())
	}
}

func TestSetRandomOps(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	ops, bigs := 0, 0
	for round := range 30 {
		s, m := new(Set), newModel()
		for range 1500 {
			var x string
			switch r := rng.IntN(20); {
			case r == 0 && round%3 == 0:
				x = fmt.Sprintf("s%d", rng.IntN(50))
			case r < 10:
				x = strconv.FormatInt(ints[rng.IntN(len(ints))]-int64(rng.IntN(3)), 10)
			default:
				x = strconv.Itoa(rng.IntN(40 * (round + 1)))
			}
			switch rng.IntN(5) {
			case 0, 1:
				if s.Remove([]byte(x)) != m.remove(x) {
					t.Fatalf("Remove(%q) disagrees", x)
				}
			case 2:
				if s.Has([]byte(x)) != m.members[x] {
					t.Fatalf("Has(%q) disagrees", x)
				}
			default:
				if s.Add([]byte(x)) != m.add(x) {
					t.Fatalf("Add(%q) disagrees", x)
				}
			}
			ops++
		}
		check(t, s, m)
		if m.big {
			bigs++
		}
	}
	if ops != 30*1500 || bigs < 10 || bigs > 25 {
		t.Fatalf("%d operations, %d of 30 sets big", ops, bigs)
	}
}

func TestSetPopSampleScanClone(t *testing.T) {
	for _, members := range [][]string{
		{"1", "2", "3", "-4", "100000"},
		func() []string {
			var out []string
			for i := range 2000 {
				out = append(out, fmt.Sprint("m", i))
			}
			return out
		}(),
	} {
		s := new(Set)
		for _, x := range members {
			s.Add([]byte(x))
		}
		n := len(members)
		enc := s.Encoding()
		for _, count := range []int{1, 2, n / 4, n - 1, n, n + 5} {
			seen := map[string]bool{}
			s.Sample(count, true, func(b []byte) {
				if seen[string(b)] || !s.Has(b) {
					t.Fatalf("%s count=%d: %q repeated or foreign", enc, count, b)
				}
				seen[string(b)] = true
			})
			if len(seen) != min(count, n) {
				t.Fatalf("%s count=%d: %d distinct", enc, count, len(seen))
			}
			got := 0
			s.Sample(count, false, func(b []byte) {
				if !s.Has(b) {
					t.Fatalf("%s: sampled %q", enc, b)
				}
				got++
			})
			if got != count {
				t.Fatalf("%s count=%d: %d repeated draws", enc, count, got)
			}
		}
		seen := map[string]bool{}
		for cursor := s.Scan(0, func(b []byte) { seen[string(b)] = true }); cursor != 0; {
			cursor = s.Scan(cursor, func(b []byte) { seen[string(b)] = true })
		}
		if len(seen) != n {
			t.Fatalf("%s: scan saw %d of %d", enc, len(seen), n)
		}
		c := s.Clone()
		if c.Encoding() != enc || c.Len() != n {
			t.Fatalf("clone is %s/%d", c.Encoding(), c.Len())
		}
		var buf [20]byte
		popped := map[string]bool{}
		for s.Len() > 0 {
			b := s.Pop(buf[:])
			if popped[string(b)] || s.Has(b) || !c.Has(b) {
				t.Fatalf("%s: popped %q twice or it stayed", enc, b)
			}
			popped[string(b)] = true
		}
		if len(popped) != n || c.Len() != n {
			t.Fatalf("%s: popped %d of %d, clone has %d", enc, len(popped), n, c.Len())
		}
	}
}
