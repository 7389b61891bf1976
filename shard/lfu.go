package shard

import "math/rand/v2"

// LFU under an LFU maxmemory-policy, as Redis keeps it: Object.LRU holds
// the minutes clock of the last decrement in its upper 24 bits and a
// logarithmic access counter in its low 8 bits. An access first decays the
// counter by one per lfu-decay-time minutes elapsed, then increments it
// with probability 1/((counter-LFU_INIT_VAL)*lfu-log-factor+1), so that
// 255 stands for about a million accesses at the default factor of 10.

// lfuInitVal is Redis's LFU_INIT_VAL: new keys start there so that they
// are not evicted before they had a chance to be read.
const lfuInitVal = 5

// lfuMinutes is the LFU clock: unix minutes, 24 bits.
func lfuMinutes(ms int64) uint32 { return uint32(ms/60000) & 0xffffff }

// lfuNew is the LFU field of a key stored at time ms.
func lfuNew(ms int64) uint32 { return lfuMinutes(ms)<<8 | lfuInitVal }

// lfuDecay returns the counter of field lru decayed to time now (Redis's
// LFUDecrAndReturn).
func (s *Shard) lfuDecay(lru uint32, now int64) uint8 {
	counter := lru & 0xff
	period := s.evictCfg().LFUDecayTime
	if period <= 0 {
		return uint8(counter)
	}
	elapsed := (lfuMinutes(now) - lru>>8) & 0xffffff
	if n := elapsed / uint32(period); n > 0 {
		if n >= counter {
			return 0
		}
		counter -= n
	}
	return uint8(counter)
}

// lfuTouch returns field lru after an access at time now (Redis's
// updateLFU).
func (s *Shard) lfuTouch(lru uint32, now int64) uint32 {
	counter := s.lfuDecay(lru, now)
	if counter < 255 {
		base := float64(counter) - lfuInitVal
		if base < 0 {
			base = 0
		}
		if rand.Float64() < 1/(base*float64(s.evictCfg().LFULogFactor)+1) {
			counter++
		}
	}
	return lfuMinutes(now)<<8 | uint32(counter)
}

// LFUFreq is OBJECT FREQ's answer for o: its counter decayed to now.
func (db *DB) LFUFreq(o *Object, now int64) int { return int(db.sh.lfuDecay(o.LRU, now)) }

// LFUMode reports whether an LFU policy is in force.
func (e *Engine) LFUMode() bool { return e.lfuMode.Load() }
