package stream

import (
	"sort"
	"strings"
)

// InvalidEntriesRead marks a group's entries-read counter as unknown
// (Redis's SCG_INVALID_ENTRIES_READ).
const InvalidEntriesRead = -1

// NACK is a pending entry: delivered to a consumer and not acknowledged.
type NACK struct {
	DeliveryTime  int64 // unix ms of the last delivery
	DeliveryCount int64
	// Consumer owns the entry; nil only briefly while XCLAIM FORCE creates
	// the entry before assigning it.
	Consumer *Consumer
}

// Consumer is a member of a consumer group with its own pending list.
type Consumer struct {
	Name     string
	SeenTime int64 // unix ms of its last read or claim
	pel      idSet
}

// PendingLen is the number of entries pending for the consumer.
func (c *Consumer) PendingLen() int { return c.pel.Len() }

// AscendPending calls fn for the consumer's pending IDs from start on, in
// order, until fn returns false; fn must not change the pending lists.
func (c *Consumer) AscendPending(start ID, fn func(id ID) bool) { c.pel.Ascend(start, fn) }

// Group is a consumer group.
type Group struct {
	Name   string
	LastID ID // last delivered ID
	// EntriesRead is the logical number of entries the group has read, or
	// InvalidEntriesRead.
	EntriesRead int64
	pel         map[ID]*NACK
	order       idSet // the keys of pel, in order
	consumers   []*Consumer
}

// Group returns the consumer group called name, or nil.
func (s *Stream) Group(name []byte) *Group {
	i, ok := s.findGroup(string(name))
	if !ok {
		return nil
	}
	return s.groups[i]
}

func (s *Stream) findGroup(name string) (int, bool) {
	i := sort.Search(len(s.groups), func(i int) bool { return s.groups[i].Name >= name })
	return i, i < len(s.groups) && s.groups[i].Name == name
}

// Groups returns the consumer groups ordered by name; the caller must not
// change the slice.
func (s *Stream) Groups() []*Group { return s.groups }

// CreateGroup adds a group and returns it, or nil when the name is taken.
func (s *Stream) CreateGroup(name string, last ID, entriesRead int64) *Group {
	i, ok := s.findGroup(name)
	if ok {
		return nil
	}
	g := &Group{Name: name, LastID: last, EntriesRead: entriesRead, pel: make(map[ID]*NACK)}
	s.groups = append(s.groups, nil)
	copy(s.groups[i+1:], s.groups[i:])
	s.groups[i] = g
	return g
}

// DestroyGroup removes the group called name and reports whether it
// existed.
func (s *Stream) DestroyGroup(name []byte) bool {
	i, ok := s.findGroup(string(name))
	if ok {
		s.groups = append(s.groups[:i], s.groups[i+1:]...)
	}
	return ok
}

// Consumers returns the group's consumers ordered by name; the caller must
// not change the slice.
func (g *Group) Consumers() []*Consumer { return g.consumers }

func (g *Group) findConsumer(name string) (int, bool) {
	i := sort.Search(len(g.consumers), func(i int) bool { return strings.Compare(g.consumers[i].Name, name) >= 0 })
	return i, i < len(g.consumers) && g.consumers[i].Name == name
}

// Consumer returns the consumer called name, or nil.
func (g *Group) Consumer(name []byte) *Consumer {
	i, ok := g.findConsumer(string(name))
	if !ok {
		return nil
	}
	return g.consumers[i]
}

// CreateConsumer adds a consumer seen at now and returns it, or nil when
// the name is taken.
func (g *Group) CreateConsumer(name string, now int64) *Consumer {
	i, ok := g.findConsumer(name)
	if ok {
		return nil
	}
	c := &Consumer{Name: name, SeenTime: now}
	g.consumers = append(g.consumers, nil)
	copy(g.consumers[i+1:], g.consumers[i:])
	g.consumers[i] = c
	return c
}

// DeleteConsumer removes c and its pending entries, and returns how many
// entries were pending for it.
func (g *Group) DeleteConsumer(c *Consumer) int {
	n := c.pel.Len()
	c.pel.Ascend(ID{}, func(id ID) bool {
		delete(g.pel, id)
		g.order.Remove(id)
		return true
	})
	if i, ok := g.findConsumer(c.Name); ok {
		g.consumers = append(g.consumers[:i], g.consumers[i+1:]...)
	}
	return n
}

// PendingLen is the number of entries in the group's pending list.
func (g *Group) PendingLen() int { return len(g.pel) }

// NACK returns the pending entry id, or nil.
func (g *Group) NACK(id ID) *NACK { return g.pel[id] }

// FirstPending and LastPending return the smallest and largest pending IDs.
func (g *Group) FirstPending() (ID, bool) { return g.order.First() }

func (g *Group) LastPending() (ID, bool) { return g.order.Last() }

// NextPending returns the first pending entry with an ID at least from.
func (g *Group) NextPending(from ID) (ID, *NACK, bool) {
	id, ok := g.order.Seek(from)
	if !ok {
		return ID{}, nil, false
	}
	return id, g.pel[id], true
}

// AscendPending calls fn for the pending entries from start on, in order,
// until fn returns false; fn must not change the pending lists.
func (g *Group) AscendPending(start ID, fn func(id ID, nack *NACK) bool) {
	g.order.Ascend(start, func(id ID) bool { return fn(id, g.pel[id]) })
}

// Ack removes id from the pending lists and reports whether it was there.
func (g *Group) Ack(id ID) bool {
	nack, ok := g.pel[id]
	if !ok {
		return false
	}
	delete(g.pel, id)
	g.order.Remove(id)
	if nack.Consumer != nil {
		nack.Consumer.pel.Remove(id)
	}
	return true
}

// Force adds a pending entry owned by no consumer yet, delivered once at
// now, as XCLAIM FORCE does; Assign then gives it an owner.
func (g *Group) Force(id ID, now int64) *NACK {
	nack := &NACK{DeliveryTime: now, DeliveryCount: 1}
	g.pel[id] = nack
	g.order.Insert(id)
	return nack
}

// Assign makes c the owner of pending entry id.
func (g *Group) Assign(id ID, nack *NACK, c *Consumer) {
	if nack.Consumer == c {
		return
	}
	if nack.Consumer != nil {
		nack.Consumer.pel.Remove(id)
	}
	c.pel.Insert(id)
	nack.Consumer = c
}

// deliver records that id was delivered to c at now: a new pending entry,
// or one taken over from its previous owner with its count reset, as
// XREADGROUP does.
func (g *Group) deliver(id ID, c *Consumer, now int64) *NACK {
	nack, ok := g.pel[id]
	if !ok {
		nack = &NACK{}
		g.pel[id] = nack
		g.order.Insert(id)
	}
	g.Assign(id, nack, c)
	nack.DeliveryTime = now
	nack.DeliveryCount = 1
	return nack
}

func (g *Group) clone() *Group {
	c := &Group{Name: g.Name, LastID: g.LastID, EntriesRead: g.EntriesRead,
		pel: make(map[ID]*NACK, len(g.pel)), order: g.order.clone(), consumers: make([]*Consumer, len(g.consumers))}
	owners := make(map[*Consumer]*Consumer, len(g.consumers))
	for i, old := range g.consumers {
		nc := &Consumer{Name: old.Name, SeenTime: old.SeenTime, pel: old.pel.clone()}
		c.consumers[i] = nc
		owners[old] = nc
	}
	for id, nack := range g.pel {
		c.pel[id] = &NACK{DeliveryTime: nack.DeliveryTime, DeliveryCount: nack.DeliveryCount, Consumer: owners[nack.Consumer]}
	}
	return c
}

// ReadNew delivers to consumer c of group g the live entries from start
// on, at most count of them (0 for all), as XREADGROUP with ">" does: the
// group's last ID and entries-read counter advance and, unless noack, each
// entry becomes pending for c. fn gets each entry after those changes,
// with its pending entry (nil with noack). ReadNew returns how many
// entries it delivered and whether the group's last ID moved.
func (s *Stream) ReadNew(g *Group, c *Consumer, start ID, count int, noack bool, now int64,
	fn func(id ID, fv [][]byte, nack *NACK)) (n int, advanced bool) {
	s.Range(start, MaxID, false, func(id ID, fv [][]byte) bool {
		if g.LastID.Less(id) {
			if g.EntriesRead != InvalidEntriesRead && !s.tombstonesFrom(id) {
				g.EntriesRead++
			} else if s.EntriesAdded != 0 {
				g.EntriesRead = s.entriesReadAt(id)
			}
			g.LastID = id
			advanced = true
		}
		var nack *NACK
		if !noack {
			nack = g.deliver(id, c, now)
		}
		fn(id, fv, nack)
		n++
		return count == 0 || n < count
	})
	return n, advanced
}

// ReadHistory replays consumer c's pending entries from start on, at most
// count of them (0 for all), as XREADGROUP with an ID does: fn gets each
// entry's fields and values, or found false for an entry deleted since it
// was delivered. A replayed entry counts one more delivery, at now.
func (s *Stream) ReadHistory(g *Group, c *Consumer, start ID, count int, now int64,
	fn func(id ID, fv [][]byte, found bool)) int {
	var ids []ID
	c.pel.Ascend(start, func(id ID) bool {
		ids = append(ids, id)
		return count == 0 || len(ids) < count
	})
	for _, id := range ids {
		if s.Get(id, func(fv [][]byte) { fn(id, fv, true) }) {
			nack := g.pel[id]
			nack.DeliveryTime = now
			nack.DeliveryCount++
		} else {
			fn(id, nil, false)
		}
	}
	return len(ids)
}

// tombstonesFrom reports whether an entry deleted by XDEL may lie at or
// after start (Redis's streamRangeHasTombstones with no end).
func (s *Stream) tombstonesFrom(start ID) bool {
	if s.length == 0 || s.MaxDeletedID.IsZero() || s.MaxDeletedID.Less(s.FirstID) {
		return false
	}
	return !s.MaxDeletedID.Less(start)
}

// entriesReadAt returns the logical read counter of id: the number of
// entries added up to it, or InvalidEntriesRead when deletions make it
// unknowable (Redis's streamEstimateDistanceFromFirstEverEntry).
func (s *Stream) entriesReadAt(id ID) int64 {
	added := int64(s.EntriesAdded)
	if added == 0 {
		return 0
	}
	cmpLast := id.Compare(s.LastID)
	if s.length == 0 && cmpLast < 1 {
		return added
	}
	switch {
	case cmpLast == 0:
		return added
	case cmpLast > 0:
		return InvalidEntriesRead
	}
	if s.MaxDeletedID.IsZero() || s.MaxDeletedID.Less(s.FirstID) {
		switch id.Compare(s.FirstID) {
		case -1:
			return added - int64(s.length)
		case 0:
			return added - int64(s.length) + 1
		}
	}
	return InvalidEntriesRead
}

// Lag is the number of entries the group has yet to read, when it can be
// known (XINFO's lag).
func (s *Stream) Lag(g *Group) (int64, bool) {
	added := int64(s.EntriesAdded)
	if added == 0 {
		return 0, true
	}
	if g.EntriesRead != InvalidEntriesRead && !s.tombstonesFrom(g.LastID) {
		return added - g.EntriesRead, true
	}
	if read := s.entriesReadAt(g.LastID); read != InvalidEntriesRead {
		return added - read, true
	}
	return 0, false
}
