package shard

import (
	"bytes"

	"github.com/shoal-db/shoal/repl"
)

// Active expiry, per shard, adaptive like Redis's activeExpireCycle: sample
// keys with a TTL in each database and keep sampling while more than a
// quarter of a sample was expired, within a time budget per cycle so that a
// shard never stalls its clients for long.

const (
	expireSamples   = 20
	expireBudgetMS  = 25  // per cycle of 100 ms: Redis's 25% CPU ceiling
	expireStaleFrac = 4   // continue while more than 1/4 of a sample expired
	expireCycleMS   = 100 // runShard's ticker
)

func (e *Engine) activeExpireCycle(s *Shard) {
	// Checked again under the token: DEBUG SET-ACTIVE-EXPIRE 0 holds every
	// shard, so once it has answered no cycle deletes anything. A replica
	// deletes only what its master tells it to.
	if !e.ActiveExpire.Load() || e.ReplicaMode.Load() {
		return
	}
	// Redis journals each key the cycle deletes as its own DEL.
	defer s.journalExpired()
	start := e.Clock()
	// Successive cycles start at successive databases (Redis keeps a
	// cursor instead), so a database full of expired keys that uses up the
	// budget cannot starve the ones after it.
	first := int(uint64(start/expireCycleMS) % NumDBs)
	for i := range NumDBs {
		db := s.dbs[(first+i)%NumDBs]
		for db.ExpiresLen() > 0 {
			now := e.Clock()
			if now-start > expireBudgetMS {
				return
			}
			sampled, expired := db.activeExpire(now, expireSamples)
			if sampled == 0 || expired*expireStaleFrac <= sampled {
				break
			}
		}
	}
}

// Expiry's write effect (DESIGN.md invariant 6): Redis propagates the
// deletion of an expired key as DEL (UNLINK under lazyfree-lazy-expire,
// which Shoal does not have) in the key's database, and a key found expired
// by a command goes ahead of the command's own effect, in the same MULTI …
// EXEC unit. The deletion happens deep in a lookup that knows nothing of the
// command, so it waits on the shard until the command holding the shard
// takes it (Ctx.takeExpired) or, outside commands, is journaled alone.

// expiredKey is the DEL of a key that expired while journal generation gen
// was on.
type expiredKey struct {
	gen    uint64
	effect repl.Effect
}

// propagateExpired records the deletion of key, just expired in db.
func (db *DB) propagateExpired(key []byte) {
	s := db.sh
	j := s.e.Journal
	if !j.On() {
		return
	}
	s.expired = append(s.expired, expiredKey{gen: j.Gen(), effect: repl.Effect{
		DB: db.index(), Args: [][]byte{[]byte("DEL"), bytes.Clone(key)}}})
}

// takeExpired moves the deletions waiting on s into fn, dropping those from
// an earlier period of the journal: a reader that joined since starts from
// a state in which the keys are already gone, and they may exist again.
func (s *Shard) takeExpired(fn func(repl.Effect)) {
	if len(s.expired) == 0 {
		return
	}
	gen := s.e.Journal.Gen()
	for _, x := range s.expired {
		if x.gen == gen {
			fn(x.effect)
		}
	}
	clear(s.expired)
	s.expired = s.expired[:0]
}

// journalExpired journals the deletions waiting on s, each as its own unit,
// as Redis propagates the keys its expiry cycle deletes.
func (s *Shard) journalExpired() {
	s.takeExpired(func(ef repl.Effect) {
		s.e.Journal.Append([]repl.Effect{ef})
	})
}
