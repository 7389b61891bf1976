package stream

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestIDSetRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	var s idSet
	model := map[ID]bool{}
	sorted := func() []ID {
		var ids []ID
		for id := range model {
			ids = append(ids, id)
		}
		slices.SortFunc(ids, ID.Compare)
		return ids
	}
	next := uint64(0)
	for i := 0; i < 20000; i++ {
		var id ID
		if rng.IntN(3) == 0 {
			next++
			id = ID{next, 0} // mostly increasing, as deliveries are
		} else {
			id = ID{uint64(rng.IntN(int(next) + 1)), uint64(rng.IntN(2))}
		}
		switch rng.IntN(3) {
		case 0, 1:
			if got := s.Insert(id); got == model[id] {
				t.Fatalf("Insert(%v) = %v with the ID present=%v", id, got, model[id])
			}
			model[id] = true
		default:
			if got := s.Remove(id); got != model[id] {
				t.Fatalf("Remove(%v) = %v, present=%v", id, got, model[id])
			}
			delete(model, id)
		}
		if s.Len() != len(model) {
			t.Fatalf("Len %d, model %d", s.Len(), len(model))
		}
		if i%500 == 0 {
			want := sorted()
			var got []ID
			s.Ascend(ID{}, func(id ID) bool { got = append(got, id); return true })
			if !slices.Equal(got, want) {
				t.Fatalf("step %d: contents differ", i)
			}
			probe := ID{uint64(rng.IntN(int(next) + 1)), 0}
			j, _ := slices.BinarySearchFunc(want, probe, ID.Compare)
			seek, ok := s.Seek(probe)
			if ok != (j < len(want)) || ok && seek != want[j] {
				t.Fatalf("Seek(%v) = %v %v", probe, seek, ok)
			}
			for _, chunk := range s.chunks {
				if len(chunk) == 0 || len(chunk) > idChunkMax {
					t.Fatalf("chunk of %d IDs", len(chunk))
				}
			}
		}
	}
}

func TestGroupsOrderedByName(t *testing.T) {
	s := New()
	for _, name := range []string{"b", "a", "c"} {
		if s.CreateGroup(name, ID{}, InvalidEntriesRead) == nil {
			t.Fatalf("CreateGroup(%s) failed", name)
		}
	}
	if s.CreateGroup("a", ID{}, 0) != nil {
		t.Error("created a group twice")
	}
	var names []string
	for _, g := range s.Groups() {
		names = append(names, g.Name)
	}
	if fmt.Sprint(names) != "[a b c]" {
		t.Errorf("groups %v", names)
	}
	if !s.DestroyGroup([]byte("b")) || s.DestroyGroup([]byte("b")) || s.Group([]byte("b")) != nil {
		t.Error("DestroyGroup")
	}
}

func TestReadNewAndHistory(t *testing.T) {
	s := New()
	for i := 1; i <= 5; i++ {
		mustAdd(t, s, ID{uint64(i), 0}, "f", fmt.Sprint(i))
	}
	g := s.CreateGroup("g", ID{}, InvalidEntriesRead)
	c1 := g.CreateConsumer("c1", 0)
	c2 := g.CreateConsumer("c2", 0)
	if g.CreateConsumer("c1", 0) != nil {
		t.Error("created a consumer twice")
	}
	var got []ID
	n, advanced := s.ReadNew(g, c1, ID{0, 1}, 2, false, 100, func(id ID, _ [][]byte, nack *NACK) {
		got = append(got, id)
		if nack.Consumer != c1 || nack.DeliveryCount != 1 || nack.DeliveryTime != 100 {
			t.Errorf("pending entry %+v", nack)
		}
	})
	if n != 2 || !advanced || g.LastID != (ID{2, 0}) || fmt.Sprint(got) != "[1-0 2-0]" {
		t.Errorf("ReadNew: %d %v last %v %v", n, advanced, g.LastID, got)
	}
	n, _ = s.ReadNew(g, c2, ID{3, 0}, 0, true, 100, func(_ ID, _ [][]byte, nack *NACK) {
		if nack != nil {
			t.Error("NOACK read created a pending entry")
		}
	})
	if n != 3 || g.PendingLen() != 2 || g.LastID != (ID{5, 0}) {
		t.Errorf("NOACK read: %d entries, %d pending, last %v", n, g.PendingLen(), g.LastID)
	}
	// Redelivering an entry pending for another consumer moves it.
	s.ReadNew(g, c2, ID{2, 0}, 1, false, 200, func(ID, [][]byte, *NACK) {})
	if c1.PendingLen() != 1 || c2.PendingLen() != 1 || g.NACK(ID{2, 0}).Consumer != c2 {
		t.Errorf("redelivery: c1 %d c2 %d", c1.PendingLen(), c2.PendingLen())
	}
	s.Delete([]ID{{1, 0}})
	var history []string
	s.ReadHistory(g, c1, ID{}, 0, 300, func(id ID, fv [][]byte, found bool) {
		history = append(history, fmt.Sprintf("%v %v %q", id, found, fv))
	})
	if fmt.Sprint(history) != `[1-0 false []]` {
		t.Errorf("history %v", history)
	}
	s.ReadHistory(g, c2, ID{}, 0, 300, func(ID, [][]byte, bool) {})
	if nack := g.NACK(ID{2, 0}); nack.DeliveryCount != 2 || nack.DeliveryTime != 300 {
		t.Errorf("history delivery %+v", nack)
	}
	if !g.Ack(ID{2, 0}) || g.Ack(ID{2, 0}) || c2.PendingLen() != 0 {
		t.Error("Ack")
	}
	if n := g.DeleteConsumer(c1); n != 1 || g.PendingLen() != 0 || g.Consumer([]byte("c1")) != nil {
		t.Errorf("DeleteConsumer: %d, %d pending", n, g.PendingLen())
	}
}

func TestForceAssign(t *testing.T) {
	s := New()
	mustAdd(t, s, ID{1, 0}, "f", "v")
	g := s.CreateGroup("g", ID{}, InvalidEntriesRead)
	nack := g.Force(ID{1, 0}, 50)
	c := g.CreateConsumer("c", 0)
	g.Assign(ID{1, 0}, nack, c)
	if c.PendingLen() != 1 || nack.Consumer != c || nack.DeliveryCount != 1 {
		t.Errorf("forced entry %+v", nack)
	}
	if id, got, ok := g.NextPending(ID{}); !ok || id != (ID{1, 0}) || got != nack {
		t.Error("NextPending")
	}
}

// TestEntriesReadAndLag replays a scenario whose XINFO GROUPS output was
// read from redis-server 7.0.15.
func TestEntriesReadAndLag(t *testing.T) {
	s := New()
	for i := 1; i <= 10; i++ {
		mustAdd(t, s, ID{uint64(i), 0}, "f", "v")
	}
	show := func(g *Group) string {
		er, lag := "nil", "nil"
		if g.EntriesRead != InvalidEntriesRead {
			er = fmt.Sprint(g.EntriesRead)
		}
		if l, ok := s.Lag(g); ok {
			lag = fmt.Sprint(l)
		}
		return fmt.Sprintf("%s:%v:%s:%s", g.Name, g.LastID, er, lag)
	}
	check := func(want string) {
		t.Helper()
		var got []string
		for _, g := range s.Groups() {
			got = append(got, show(g))
		}
		if fmt.Sprint(got) != want {
			t.Errorf("groups\n%v\nwant\n%v", got, want)
		}
	}
	g := s.CreateGroup("g", ID{}, InvalidEntriesRead)
	s.CreateGroup("g2", s.LastID, InvalidEntriesRead)
	g3 := s.CreateGroup("g3", ID{5, 0}, InvalidEntriesRead)
	g4 := s.CreateGroup("g4", ID{5, 0}, 3)
	check("[g:0-0:nil:10 g2:10-0:nil:0 g3:5-0:nil:nil g4:5-0:3:7]")
	s.Delete([]ID{{7, 0}})
	check("[g:0-0:nil:nil g2:10-0:nil:0 g3:5-0:nil:nil g4:5-0:3:nil]")
	read := func(g *Group, count int) {
		c := g.Consumer([]byte("c"))
		if c == nil {
			c = g.CreateConsumer("c", 0)
		}
		next, _ := g.LastID.Next()
		s.ReadNew(g, c, next, count, false, 0, func(ID, [][]byte, *NACK) {})
	}
	read(g, 5)
	read(g3, 1)
	read(g4, 2)
	check("[g:5-0:nil:nil g2:10-0:nil:0 g3:6-0:nil:nil g4:8-0:nil:nil]")
	read(g, 5)
	read(g4, 0)
	check("[g:10-0:10:0 g2:10-0:nil:0 g3:6-0:nil:nil g4:10-0:10:0]")

	// An emptied stream: the counter of anything up to the last ID is the
	// number of entries added.
	e := New()
	for i := 1; i <= 10; i++ {
		mustAdd(t, e, ID{uint64(i), 0}, "f", "v")
	}
	e.Trim(TrimArgs{MaxLen: 0})
	eg := e.CreateGroup("g", ID{}, InvalidEntriesRead)
	if lag, ok := e.Lag(eg); !ok || lag != 0 {
		t.Errorf("lag on an emptied stream: %d %v", lag, ok)
	}
	mustAdd(t, e, ID{11, 0}, "f", "v")
	if lag, ok := e.Lag(eg); !ok || lag != 1 {
		t.Errorf("lag after one more entry: %d %v", lag, ok)
	}
}
