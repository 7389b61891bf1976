package stream

import (
	"fmt"
	"strconv"
	"testing"
)

func TestWalk(t *testing.T) {
	s := New()
	for i := 1; i <= 1000; i++ {
		if i%7 == 0 {
			mustAdd(t, s, ID{uint64(i), 1}, "other", strconv.Itoa(i), "x", "y")
			continue
		}
		mustAdd(t, s, ID{uint64(i), 1}, "f", strconv.Itoa(i*3))
	}
	s.Delete([]ID{{3, 1}, {500, 1}})
	s.Trim(TrimArgs{MaxLen: 900})
	if s.Nodes() < 2 {
		t.Fatalf("the test stream has %d nodes, want several", s.Nodes())
	}
	var want []string
	s.Range(ID{}, MaxID, false, func(id ID, fv [][]byte) bool {
		want = append(want, fmt.Sprintf("%v%q", id, fv))
		return true
	})
	var got [][][2][]byte
	var ids []ID
	s.Walk(func(id ID, pairs [][2][]byte) {
		ids = append(ids, id)
		got = append(got, pairs)
	})
	if len(got) != len(want) || uint64(len(got)) != s.Len() {
		t.Fatalf("Walk gave %d entries, Range %d, Len %d", len(got), len(want), s.Len())
	}
	// Checked after the walk: each entry's pairs are its own.
	for i, pairs := range got {
		var fv [][]byte
		for _, p := range pairs {
			fv = append(fv, p[0], p[1])
		}
		if g := fmt.Sprintf("%v%q", ids[i], fv); g != want[i] {
			t.Fatalf("entry %d is %s, want %s", i, g, want[i])
		}
	}
}

func TestEstimateEntriesRead(t *testing.T) {
	s := New()
	f := func(id ID, want int64) {
		t.Helper()
		if got := s.EstimateEntriesRead(id); got != want {
			t.Errorf("EstimateEntriesRead(%v) with first %v last %v maxdel %v added %d len %d = %d, want %d",
				id, s.FirstID, s.LastID, s.MaxDeletedID, s.EntriesAdded, s.Len(), got, want)
		}
	}
	f(ID{5, 0}, 0) // nothing ever added
	for i := 1; i <= 10; i++ {
		mustAdd(t, s, ID{uint64(i), 0}, "f", "v")
	}
	f(ID{10, 0}, 10)
	f(ID{11, 0}, InvalidEntriesRead)
	f(ID{1, 0}, 1)
	f(ID{0, 5}, 0)
	f(ID{5, 0}, InvalidEntriesRead) // an arbitrary ID inside the stream
	s.Trim(TrimArgs{MaxLen: 6})
	f(ID{2, 0}, 4)
	f(ID{5, 0}, 5)
	s.Delete([]ID{{7, 0}})
	f(ID{5, 0}, InvalidEntriesRead) // a deletion after the first entry
	s.Trim(TrimArgs{MaxLen: 0})
	f(ID{3, 0}, 10)
}
