package stream

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestParseID(t *testing.T) {
	f := func(arg string, missing uint64, strict bool, want string) {
		t.Helper()
		id, ok := ParseID([]byte(arg), missing, strict)
		got := "invalid"
		if ok {
			got = id.String()
		}
		if got != want {
			t.Errorf("ParseID(%q, %d, %v) = %s, want %s", arg, missing, strict, got, want)
		}
	}
	// Expectations checked against redis-server 7.0.15.
	f("1-2", 0, true, "1-2")
	f("5", 0, true, "5-0")
	f("5", 1<<64-1, false, "5-18446744073709551615")
	f("-", 0, false, "0-0")
	f("+", 0, false, "18446744073709551615-18446744073709551615")
	f("-", 0, true, "invalid")
	f("+", 0, true, "invalid")
	f("18446744073709551615-18446744073709551615", 0, true, "18446744073709551615-18446744073709551615")
	f("18446744073709551616", 0, true, "invalid")
	f(" +7-+3", 0, true, "7-3")
	f("8- -5", 0, true, "8-18446744073709551611")
	f("5--0", 0, true, "5-0")
	f("5--1", 0, true, "invalid")
	f("009-01", 0, true, "9-1")
	f("9-0x1", 0, true, "invalid")
	f("1-2-3", 0, true, "invalid")
	f("abc", 0, true, "invalid")
	f("", 0, true, "invalid")
	f("1-", 0, true, "invalid")
	f("-1", 0, true, "invalid")
	f("1 ", 0, true, "invalid")
	f("1-*", 0, true, "invalid")
	f("3\x00-junk", 0, true, "3-0")
	f("-\x00x", 0, false, "0-0")
	f(strings.Repeat("0", 126)+"1", 0, true, "1-0")
	f(strings.Repeat("0", 127)+"1", 0, true, "invalid")

	id, seqGiven, ok := ParseAddID([]byte("7-*"))
	if !ok || seqGiven || id != (ID{7, 0}) {
		t.Errorf("ParseAddID(7-*) = %v %v %v", id, seqGiven, ok)
	}
	if _, _, ok := ParseAddID([]byte("*")); ok {
		t.Error("ParseAddID(*) accepted")
	}
}

func TestIDNextPrev(t *testing.T) {
	if n, ok := (ID{1, 1<<64 - 1}).Next(); !ok || n != (ID{2, 0}) {
		t.Errorf("Next = %v %v", n, ok)
	}
	if _, ok := MaxID.Next(); ok {
		t.Error("MaxID.Next succeeded")
	}
	if p, ok := (ID{2, 0}).Prev(); !ok || p != (ID{1, 1<<64 - 1}) {
		t.Errorf("Prev = %v %v", p, ok)
	}
	if _, ok := (ID{}).Prev(); ok {
		t.Error("0-0.Prev succeeded")
	}
}

func fv(kv ...string) [][]byte {
	out := make([][]byte, len(kv))
	for i, s := range kv {
		out[i] = []byte(s)
	}
	return out
}

func mustAdd(t *testing.T, s *Stream, id ID, kv ...string) {
	t.Helper()
	if _, err := s.Add(fv(kv...), &id, true, 0); err != nil {
		t.Fatalf("Add %v: %v", id, err)
	}
}

func render(s *Stream, start, end ID, rev bool) string {
	var b strings.Builder
	s.Range(start, end, rev, func(id ID, fv [][]byte) bool {
		fmt.Fprintf(&b, "%v%q ", id, fv)
		return true
	})
	return strings.TrimSpace(b.String())
}

func TestAddIDs(t *testing.T) {
	s := New()
	f := func(given *ID, seqGiven bool, now uint64, want string) {
		t.Helper()
		id, err := s.Add(fv("f", "v"), given, seqGiven, now)
		got := id.String()
		if err != nil {
			got = err.Error()
		}
		if got != want {
			t.Errorf("Add(%v, %v, %d) = %s, want %s", given, seqGiven, now, got, want)
		}
	}
	f(&ID{0, 0}, false, 0, "0-1") // "0-*" on a new stream
	f(&ID{0, 0}, false, 0, "0-2")
	f(&ID{5, 0}, true, 0, "5-0")
	f(&ID{5, 0}, true, 0, ErrIDTooSmall.Error())
	f(&ID{5, 0}, false, 0, "5-1")
	f(&ID{4, 0}, false, 0, ErrIDTooSmall.Error())
	f(nil, false, 3, "5-2") // the clock went back: the sequence grows
	f(nil, false, 9, "9-0")
	f(&ID{9, 1<<64 - 1}, true, 0, "9-18446744073709551615")
	f(&ID{9, 0}, false, 0, ErrIDTooSmall.Error())
	f(nil, false, 0, "10-0")
	if s.Len() != 8 || s.EntriesAdded != 8 || s.FirstID != (ID{0, 1}) || s.LastID != (ID{10, 0}) {
		t.Errorf("len %d added %d first %v last %v", s.Len(), s.EntriesAdded, s.FirstID, s.LastID)
	}
}

func TestRangeAndFields(t *testing.T) {
	s := New()
	mustAdd(t, s, ID{1, 1}, "a", "1")
	mustAdd(t, s, ID{1, 2}, "b", "2", "c", "3")
	mustAdd(t, s, ID{2, 0}, "a", "1")
	mustAdd(t, s, ID{3, 0}, "a", "x")
	all := `1-1["a" "1"] 1-2["b" "2" "c" "3"] 2-0["a" "1"] 3-0["a" "x"]`
	if got := render(s, ID{}, MaxID, false); got != all {
		t.Errorf("range:\n%s\nwant\n%s", got, all)
	}
	if got, want := render(s, ID{1, 2}, ID{2, 0}, true), `2-0["a" "1"] 1-2["b" "2" "c" "3"]`; got != want {
		t.Errorf("rev range: %s, want %s", got, want)
	}
	if got := render(s, ID{2, 1}, ID{2, 5}, false); got != "" {
		t.Errorf("empty range: %s", got)
	}
	if got := render(s, ID{3, 0}, ID{1, 0}, false); got != "" {
		t.Errorf("inverted range: %s", got)
	}
	if !s.Exists(ID{1, 2}) || s.Exists(ID{1, 3}) {
		t.Error("Exists")
	}
}

// model is a plain sorted list of the live entries, to check Stream
// against.
type modelEntry struct {
	id ID
	fv string
}

func checkModel(t *testing.T, s *Stream, m []modelEntry, what string) {
	t.Helper()
	var got []modelEntry
	s.Range(ID{}, MaxID, false, func(id ID, fv [][]byte) bool {
		got = append(got, modelEntry{id, fmt.Sprintf("%q", fv)})
		return true
	})
	if !slices.Equal(got, m) {
		t.Fatalf("%s: stream has %d entries, model %d\n%v\n%v", what, len(got), len(m), got, m)
	}
	if s.Len() != uint64(len(m)) {
		t.Fatalf("%s: Len %d, model %d", what, s.Len(), len(m))
	}
	wantFirst := ID{}
	if len(m) > 0 {
		wantFirst = m[0].id
	}
	if s.FirstID != wantFirst {
		t.Fatalf("%s: FirstID %v, want %v", what, s.FirstID, wantFirst)
	}
	var rev []modelEntry
	s.Range(ID{}, MaxID, true, func(id ID, fv [][]byte) bool {
		rev = append(rev, modelEntry{id, fmt.Sprintf("%q", fv)})
		return true
	})
	slices.Reverse(rev)
	if !slices.Equal(rev, m) {
		t.Fatalf("%s: reverse range differs", what)
	}
	for i := range s.nodes {
		n := &s.nodes[i]
		if int(n.live)+int(n.deleted) > NodeMaxEntries {
			t.Fatalf("%s: node %d holds %d entries", what, i, n.live+n.deleted)
		}
		if i > 0 && !s.nodes[i-1].first.Less(n.first) {
			t.Fatalf("%s: nodes out of order", what)
		}
	}
}

// TestStreamRandom runs random adds, deletes and trims against the model.
func TestStreamRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	s := New()
	var m []modelEntry
	ms := uint64(1)
	ops := 0
	for round := 0; round < 4000; round++ {
		switch op := rng.IntN(10); {
		case op < 6:
			ms += uint64(rng.IntN(3))
			id := ID{ms, uint64(rng.IntN(4))}
			if !s.LastID.Less(id) {
				id, _ = s.LastID.Next()
			}
			var kv []string
			if rng.IntN(2) == 0 {
				kv = []string{"f", fmt.Sprint(rng.IntN(1000))}
			} else {
				for j := rng.IntN(3); j >= 0; j-- {
					kv = append(kv, fmt.Sprintf("k%d", j), strings.Repeat("v", rng.IntN(300)))
				}
			}
			mustAdd(t, s, id, kv...)
			m = append(m, modelEntry{id, fmt.Sprintf("%q", fv(kv...))})
		case op < 8 && len(m) > 0:
			var ids []ID
			for range 1 + rng.IntN(3) {
				if rng.IntN(4) == 0 {
					ids = append(ids, ID{ms + 1, 0})
				} else {
					ids = append(ids, m[rng.IntN(len(m))].id)
				}
			}
			want := 0
			for _, id := range slices.Compact(slices.Clone(ids)) {
				if i := slices.IndexFunc(m, func(e modelEntry) bool { return e.id == id }); i >= 0 {
					m = slices.Delete(m, i, i+1)
					want++
				}
			}
			if got := s.Delete(ids); got != want {
				t.Fatalf("Delete %v = %d, want %d", ids, got, want)
			}
		case op == 8:
			keep := int64(rng.IntN(len(m) + 1))
			approx := rng.IntN(2) == 0
			n := s.Trim(TrimArgs{MaxLen: keep, Approx: approx})
			if !approx && int64(len(m)) > keep {
				if n != int64(len(m))-keep {
					t.Fatalf("Trim MAXLEN %d removed %d of %d", keep, n, len(m))
				}
			}
			m = m[n:]
		default:
			if len(m) == 0 {
				continue
			}
			min := m[rng.IntN(len(m))].id
			n := s.Trim(TrimArgs{ByMinID: true, MinID: min})
			i := slices.IndexFunc(m, func(e modelEntry) bool { return !e.id.Less(min) })
			if int64(i) != n {
				t.Fatalf("Trim MINID %v removed %d, want %d", min, n, i)
			}
			m = m[n:]
		}
		ops++
		checkModel(t, s, m, fmt.Sprintf("round %d", round))
	}
	if ops < 3000 {
		t.Fatalf("only %d operations ran", ops)
	}
}

// TestNodeSplit checks that nodes close where Redis 7.0.15's listpacks do
// (node counts read from XINFO STREAM's radix-tree-keys).
func TestNodeSplit(t *testing.T) {
	f := func(entries int, value string, wantNodes int) {
		t.Helper()
		s := New()
		for i := 1; i <= entries; i++ {
			mustAdd(t, s, ID{uint64(i), 0}, "f", value)
		}
		if s.Nodes() != wantNodes {
			t.Errorf("%d entries of %d bytes: %d nodes, want %d", entries, len(value), s.Nodes(), wantNodes)
		}
	}
	f(250, "v", 3)
	f(100, "v", 1)
	f(101, "v", 2)
	f(10, strings.Repeat("x", 1000), 3)
	f(10, strings.Repeat("x", 5000), 10)
}

func TestApproxTrim(t *testing.T) {
	s := New()
	for i := 1; i <= 250; i++ {
		mustAdd(t, s, ID{uint64(i), 0}, "f", "v")
	}
	// Redis 7.0.15: XTRIM MAXLEN ~ 120 removes one node of 100.
	if n := s.Trim(TrimArgs{MaxLen: 120, Approx: true}); n != 100 || s.Len() != 150 {
		t.Errorf("MAXLEN ~ 120 removed %d, left %d", n, s.Len())
	}
	if n := s.Trim(TrimArgs{MaxLen: 0, Approx: true, Limit: 50}); n != 0 {
		t.Errorf("LIMIT 50 removed %d", n)
	}
	if n := s.Trim(TrimArgs{MaxLen: 0, Approx: true}); n != 150 || s.Len() != 0 || s.FirstID != (ID{}) {
		t.Errorf("MAXLEN ~ 0 removed %d, left %d, first %v", n, s.Len(), s.FirstID)
	}
	if s.LastID != (ID{250, 0}) || s.EntriesAdded != 250 {
		t.Errorf("trim changed last ID %v or entries added %d", s.LastID, s.EntriesAdded)
	}
}

func TestExactTrimKeepsTombstones(t *testing.T) {
	s := New()
	for i := 1; i <= 10; i++ {
		mustAdd(t, s, ID{uint64(i), 0}, "f", "v")
	}
	if n := s.Trim(TrimArgs{MaxLen: 7}); n != 3 {
		t.Fatalf("removed %d", n)
	}
	if got := s.Edge(true, true); got != (ID{1, 0}) {
		t.Errorf("first with tombstones %v, want 1-0", got)
	}
	if got := s.Edge(true, false); got != (ID{4, 0}) || s.FirstID != got {
		t.Errorf("first live %v, recorded %v, want 4-0", got, s.FirstID)
	}
	if !s.MaxDeletedID.IsZero() {
		t.Errorf("trimming set the max deleted ID to %v", s.MaxDeletedID)
	}
	if n := s.Trim(TrimArgs{ByMinID: true, MinID: ID{6, 0}}); n != 2 || s.FirstID != (ID{6, 0}) {
		t.Errorf("MINID 6 removed %d, first %v", n, s.FirstID)
	}
}

func TestDeleteDropsEmptyNode(t *testing.T) {
	s := New()
	for i := 1; i <= 150; i++ {
		mustAdd(t, s, ID{uint64(i), 0}, "f", "v")
	}
	var ids []ID
	for i := 101; i <= 150; i++ {
		ids = append(ids, ID{uint64(i), 0})
	}
	if n := s.Delete(ids); n != 50 || s.Nodes() != 1 {
		t.Fatalf("deleted %d, %d nodes left", n, s.Nodes())
	}
	if s.MaxDeletedID != (ID{150, 0}) {
		t.Errorf("max deleted %v", s.MaxDeletedID)
	}
	mustAdd(t, s, ID{151, 0}, "f", "v")
	if s.Nodes() != 2 {
		t.Errorf("%d nodes after adding to a full node", s.Nodes())
	}
	if n := s.Delete([]ID{{1, 0}, {1, 0}}); n != 1 || s.FirstID != (ID{2, 0}) {
		t.Errorf("deleting the first entry twice: %d, first %v", n, s.FirstID)
	}
}

// TestRaxNodes checks the radix tree node count against Redis 7.0.15's
// XINFO STREAM radix-tree-nodes.
func TestRaxNodes(t *testing.T) {
	f := func(firsts []ID, want int) {
		t.Helper()
		s := New()
		for _, id := range firsts {
			s.nodes = append(s.nodes, node{first: id})
		}
		if got := s.RaxNodes(); got != want {
			t.Errorf("%v: %d rax nodes, want %d", firsts, got, want)
		}
	}
	f(nil, 1)
	f([]ID{{1, 0}}, 2)
	f([]ID{{1, 0}, {101, 0}, {201, 0}}, 8)
	f([]ID{{1, 0}, {201, 0}}, 6)
	f([]ID{{1, 0}, {201, 0}, {100000, 1}, {100000, 101}, {100000, 201}, {100000, 301}}, 16)
	f([]ID{{100000, 101}, {100000, 201}, {100000, 301}}, 7)
}

func TestClone(t *testing.T) {
	s := New()
	mustAdd(t, s, ID{1, 0}, "f", "v")
	g := s.CreateGroup("g", ID{}, InvalidEntriesRead)
	c := g.CreateConsumer("c", 5)
	s.ReadNew(g, c, ID{}, 0, false, 10, func(ID, [][]byte, *NACK) {})
	cp := s.Clone()
	mustAdd(t, s, ID{2, 0}, "f", "v")
	s.Delete([]ID{{1, 0}})
	g.Ack(ID{1, 0})
	if cp.Len() != 1 || render(cp, ID{}, MaxID, false) != `1-0["f" "v"]` {
		t.Errorf("clone changed with the original: %s", render(cp, ID{}, MaxID, false))
	}
	cg := cp.Group([]byte("g"))
	if cg == nil || cg.PendingLen() != 1 || cg.Consumer([]byte("c")).PendingLen() != 1 {
		t.Fatal("clone lost its group state")
	}
	if cg.NACK(ID{1, 0}).Consumer != cg.Consumer([]byte("c")) {
		t.Error("cloned pending entry points to the original consumer")
	}
}
