package shard

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
	// shard, so once it has answered no cycle deletes anything.
	if !e.ActiveExpire.Load() {
		return
	}
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
