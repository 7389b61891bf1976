package shard

import (
	"fmt"

	"github.com/shoal-db/shoal/shard/keytab"
)

// CheckMemoryForTest holds every shard and compares what the accounting
// says each database's keys cost with a walk over every key that
// recomputes it from scratch. It returns the accounted total, and an error
// naming the first database whose count drifted.
func CheckMemoryForTest(e *Engine) (int64, error) {
	for _, s := range e.shards {
		s.tok.Lock()
	}
	defer func() {
		for _, s := range e.shards {
			s.tok.Unlock()
		}
	}()
	var total int64
	for _, s := range e.shards {
		s.settle()
		var sum int64
		for d, db := range s.dbs {
			var n int64
			db.keys.Range(func(r keytab.Ref) bool {
				n += db.usage(r)
				return true
			})
			db.expires.Range(func(r keytab.Ref) bool {
				n += ttlCost(db.expires.Size(r))
				return true
			})
			if n != db.used {
				return 0, fmt.Errorf("shard %d db %d: accounted %d bytes, recounted %d", s.id, d, db.used, n)
			}
			sum += n
		}
		if got := s.mem.used.Load(); got != sum {
			return 0, fmt.Errorf("shard %d: accounted %d bytes, its databases %d", s.id, got, sum)
		}
		total += sum
	}
	return total, nil
}

// ObjectSizeForTest is unsafe.Sizeof(Object{}), which must not grow.
func ObjectSizeForTest() uintptr { return objectSize }

// SetTableReserveForTest sets how many pages short of keytab.MaxPages a
// table stops taking keys, and returns the function that restores it. Call
// it before starting a server and restore after the server stopped.
func SetTableReserveForTest(n int) (restore func()) {
	old := tableReserve
	tableReserve = n
	return func() { tableReserve = old }
}
