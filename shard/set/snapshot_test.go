package set

import (
	"strconv"
	"testing"
)

func TestMembers(t *testing.T) {
	for _, tc := range []struct {
		n    int
		ints bool
	}{{1, true}, {MaxIntsetEntries, true}, {MaxIntsetEntries + 1, true}, {10, false}, {2000, false}} {
		var s Set
		for i := range tc.n {
			m := strconv.Itoa(i*65537 - 1000)
			if !tc.ints {
				m = "m" + m
			}
			s.Add([]byte(m))
		}
		var order []string
		s.Range(func(m []byte) bool { order = append(order, string(m)); return true })
		got := s.Members(nil)
		if len(got) != tc.n || len(order) != tc.n {
			t.Fatalf("%+v: Members returned %d members, Range %d", tc, len(got), len(order))
		}
		// Checked after all were produced: no member shares scratch memory.
		for i, m := range got {
			if string(m) != order[i] {
				t.Fatalf("%+v: member %d is %q, Range gives %q", tc, i, m, order[i])
			}
		}
	}
}
