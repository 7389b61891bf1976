package shard

import (
	"fmt"
	"math"

	"github.com/shoal-db/shoal/proto/rdb"
	"github.com/shoal-db/shoal/shard/hash"
	"github.com/shoal-db/shoal/shard/list"
	"github.com/shoal-db/shoal/shard/set"
	"github.com/shoal-db/shoal/shard/stream"
)

// Conversions between stored values and proto/rdb's neutral values, for
// RDB snapshots, AOF base files and replication full syncs.

// toRDB returns o's value for the RDB writer. It may alias o's memory: use
// it only while the shard's token is held and before o changes (the
// snapshot encodes it at once).
func toRDB(o *Object) rdb.Value {
	switch o.Type {
	case TypeString:
		return rdb.String{B: o.Str}
	case TypeList:
		return rdb.List{Elems: listOf(o).Values(make([][]byte, 0, listOf(o).Len()))}
	case TypeSet:
		s := setOf(o)
		return rdb.Set{Members: s.Members(make([][]byte, 0, s.Len()))}
	case TypeZSet:
		zs := o.Val.(*sortedSet)
		members := make([]rdb.ZMember, 0, zs.Len())
		zs.Elements(func(m []byte, score float64) {
			members = append(members, rdb.ZMember{Member: m, Score: score})
		})
		return rdb.ZSet{Members: members}
	case TypeHash:
		h := o.Val.(hashValue).Hash
		return rdb.Hash{Fields: h.Pairs(make([][2][]byte, 0, h.Len()))}
	case TypeStream:
		return streamToRDB(streamOf(o))
	}
	panic("BUG: toRDB of an object of type " + o.Type.String())
}

func streamToRDB(s *stream.Stream) rdb.Stream {
	out := rdb.Stream{
		Entries:      make([]rdb.StreamEntry, 0, s.Len()),
		LastID:       rdb.StreamID(s.LastID),
		FirstID:      rdb.StreamID(s.FirstID),
		MaxDeletedID: rdb.StreamID(s.MaxDeletedID),
		EntriesAdded: s.EntriesAdded,
		Groups:       make([]rdb.StreamGroup, 0, len(s.Groups())),
	}
	s.Walk(func(id stream.ID, pairs [][2][]byte) {
		out.Entries = append(out.Entries, rdb.StreamEntry{ID: rdb.StreamID(id), Fields: pairs})
	})
	for _, g := range s.Groups() {
		rg := rdb.StreamGroup{
			Name:        []byte(g.Name),
			LastID:      rdb.StreamID(g.LastID),
			EntriesRead: g.EntriesRead,
			PEL:         make([]rdb.StreamPending, 0, g.PendingLen()),
			Consumers:   make([]rdb.StreamConsumer, 0, len(g.Consumers())),
		}
		// One name per consumer, shared by the PEL entries it owns.
		names := make(map[*stream.Consumer][]byte, len(g.Consumers()))
		for _, c := range g.Consumers() {
			name := []byte(c.Name)
			names[c] = name
			// Shoal keeps Redis 7.0's consumers, which have no active
			// time; the version 10 files it writes have none either.
			rg.Consumers = append(rg.Consumers, rdb.StreamConsumer{Name: name, SeenTime: c.SeenTime, ActiveTime: -1})
		}
		g.AscendPending(stream.ID{}, func(id stream.ID, nack *stream.NACK) bool {
			name, ok := names[nack.Consumer]
			if !ok {
				panic(fmt.Sprintf("BUG: pending entry %v of group %q has no consumer of the group", id, g.Name))
			}
			rg.PEL = append(rg.PEL, rdb.StreamPending{ID: rdb.StreamID(id), DeliveryTime: nack.DeliveryTime,
				DeliveryCount: uint64(nack.DeliveryCount), Consumer: name})
			return true
		})
		out.Groups = append(out.Groups, rg)
	}
	return out
}

// fromRDB builds a stored value from a loaded one; it may keep v's slices
// (the reader hands them over). Collections are built through their
// packages' insert paths, so they take the form (packed or table) that
// commands would have given them, as Redis converts loaded values to the
// encodings its settings call for.
func fromRDB(v rdb.Value) (*Object, error) {
	switch v := v.(type) {
	case rdb.String:
		return &Object{Type: TypeString, Str: v.B}, nil
	case rdb.List:
		if len(v.Elems) == 0 {
			return nil, errEmpty("list")
		}
		l := new(list.List)
		for _, e := range v.Elems {
			l.PushRight(e)
		}
		return &Object{Type: TypeList, Val: listValue{l}}, nil
	case rdb.Set:
		if len(v.Members) == 0 {
			return nil, errEmpty("set")
		}
		s := new(set.Set)
		for _, m := range v.Members {
			if !s.Add(m) {
				return nil, fmt.Errorf("duplicate set member %q", m)
			}
		}
		return &Object{Type: TypeSet, Val: setValue{s}}, nil
	case rdb.ZSet:
		if len(v.Members) == 0 {
			return nil, errEmpty("sorted set")
		}
		zs := newSortedSet(len(v.Members[0].Member))
		for _, m := range v.Members {
			if math.IsNaN(m.Score) {
				return nil, fmt.Errorf("sorted set member %q has a NaN score", m.Member)
			}
			if _, dup := zs.Score(m.Member); dup {
				return nil, fmt.Errorf("duplicate sorted set member %q", m.Member)
			}
			zs.Add(m.Member, m.Score)
		}
		return &Object{Type: TypeZSet, Val: zs}, nil
	case rdb.Hash:
		if len(v.Fields) == 0 {
			return nil, errEmpty("hash")
		}
		h := new(hash.Hash)
		for _, f := range v.Fields {
			if !h.Set(f[0], f[1]) {
				return nil, fmt.Errorf("duplicate hash field %q", f[0])
			}
		}
		return &Object{Type: TypeHash, Val: hashValue{h}}, nil
	case rdb.Stream:
		s, err := streamFromRDB(v)
		if err != nil {
			return nil, err
		}
		return &Object{Type: TypeStream, Val: streamValue{s}}, nil
	}
	return nil, fmt.Errorf("unsupported value %T", v)
}

// errEmpty refuses an empty collection: Redis has no such keys, and a
// stored one would break every command that assumes a key holds elements.
func errEmpty(what string) error { return fmt.Errorf("empty %s", what) }

func streamFromRDB(v rdb.Stream) (*stream.Stream, error) {
	s := stream.New()
	var fv [][]byte
	for _, e := range v.Entries {
		fv = fv[:0]
		for _, p := range e.Fields {
			fv = append(fv, p[0], p[1])
		}
		id := stream.ID(e.ID)
		if _, err := s.Add(fv, &id, true, 0); err != nil {
			return nil, fmt.Errorf("stream entry %v: %w", id, err)
		}
	}
	if n := len(v.Entries); n > 0 && stream.ID(v.LastID).Less(stream.ID(v.Entries[n-1].ID)) {
		return nil, fmt.Errorf("stream last ID %v is below its last entry %v", stream.ID(v.LastID), stream.ID(v.Entries[n-1].ID))
	}
	// The counters come from the file, as Redis keeps them, not from the
	// entries that happen to be left.
	s.LastID = stream.ID(v.LastID)
	s.FirstID = stream.ID(v.FirstID)
	s.MaxDeletedID = stream.ID(v.MaxDeletedID)
	s.EntriesAdded = v.EntriesAdded
	for _, rg := range v.Groups {
		g := s.CreateGroup(string(rg.Name), stream.ID(rg.LastID), rg.EntriesRead)
		if g == nil {
			return nil, fmt.Errorf("duplicate consumer group %q", rg.Name)
		}
		for _, rc := range rg.Consumers {
			if g.CreateConsumer(string(rc.Name), rc.SeenTime) == nil {
				return nil, fmt.Errorf("group %q: duplicate consumer %q", rg.Name, rc.Name)
			}
		}
		for _, p := range rg.PEL {
			id := stream.ID(p.ID)
			if g.NACK(id) != nil {
				return nil, fmt.Errorf("group %q: duplicate pending entry %v", rg.Name, id)
			}
			c := g.Consumer(p.Consumer)
			if c == nil {
				return nil, fmt.Errorf("group %q: pending entry %v names unknown consumer %q", rg.Name, id, p.Consumer)
			}
			nack := g.Force(id, p.DeliveryTime)
			nack.DeliveryCount = int64(p.DeliveryCount)
			g.Assign(id, nack, c)
		}
	}
	return s, nil
}

// LoadEntry stores one loaded key in its shard and database, with its TTL
// (en.ExpireMs, -1 none) and, as Redis's objectSetLRUOrLFU, its idle time
// (en.LRUIdle seconds, -1 unknown) under an LRU clock or its LFU counter
// (en.LFUFreq, -1 unknown) under an LFU maxmemory-policy. A key already
// expired at now (unix ms) is skipped (loaded false) unless keepExpired: a
// replica loads them and waits for its master's DEL, a master does not, as
// Redis's rdbLoad. It runs while nothing else uses the engine (start-up,
// DEBUG RELOAD, a replica's full sync) but takes the shard's token anyway.
// A key already present is an error naming it.
func (e *Engine) LoadEntry(en rdb.Entry, now int64, keepExpired bool) (loaded bool, err error) {
	if en.DB < 0 || en.DB >= NumDBs {
		return false, fmt.Errorf("key %q is in database %d, but there are %d databases", en.Key, en.DB, NumDBs)
	}
	// Shoal counts a key dead from its deadline on (DB.expireIfNeeded).
	if en.ExpireMs != -1 && en.ExpireMs <= now && !keepExpired {
		return false, nil
	}
	o, err := fromRDB(en.Value)
	if err != nil {
		return false, fmt.Errorf("key %q: %w", en.Key, err)
	}
	if en.Encoding == rdb.TypeStreamListpacks {
		// Files older than Redis 7.0 have no read counters: Redis 7.0
		// estimates them on load, once the stream's entries are in.
		s := streamOf(o)
		for _, g := range s.Groups() {
			g.EntriesRead = s.EstimateEntriesRead(g.LastID)
		}
	}
	sh := e.shards[e.ShardOf(en.Key)]
	sh.tok.Lock()
	defer sh.tok.Unlock()
	db := sh.dbs[en.DB]
	if db.keys.Find(en.Key) != 0 {
		return false, fmt.Errorf("RDB has duplicated key '%s' in DB %d", en.Key, en.DB)
	}
	// Stored as any new key is, so that memory accounting and a running
	// snapshot see it; Set stamps its clock with db.clock.
	db.clock = now
	db.Set(en.Key, o)
	if en.ExpireMs != -1 {
		db.SetExpire(en.Key, en.ExpireMs)
	}
	r := db.keys.Find(en.Key)
	if e.LFUMode() {
		if en.LFUFreq >= 0 {
			db.keys.SetLRU(r, lfuMinutes(now)<<8|uint32(en.LFUFreq))
		}
	} else if en.LRUIdle >= 0 {
		db.keys.SetLRU(r, lruClock(now)-uint32(en.LRUIdle))
	}
	return true, nil
}
