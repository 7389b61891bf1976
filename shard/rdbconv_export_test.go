package shard

import (
	"io"

	"github.com/shoal-db/shoal/proto/rdb"
)

// The RDB conversion tests drive servers through netloop/servertest, which
// imports this package, so they live in package shard_test; this file
// lends them what they need of the package's insides.

// SaveRDBForTest writes every live key of e to w as an RDB file, through
// toRDB, holding all shards while it writes each database (the snapshot
// proper belongs to the persistence code).
func SaveRDBForTest(e *Engine, w io.Writer, now int64) error {
	rw := rdb.NewWriter(w, rdb.DefaultWriterOptions())
	if err := rw.WriteHeader(); err != nil {
		return err
	}
	for d := range NumDBs {
		if err := saveDBForTest(e, rw, d, now); err != nil {
			return err
		}
	}
	return rw.Close()
}

func saveDBForTest(e *Engine, rw *rdb.Writer, d int, now int64) error {
	// Tokens in increasing shard order, as every multi-shard command takes
	// them.
	for _, s := range e.shards {
		s.tok.Lock()
		defer s.tok.Unlock()
	}
	var keys, expires uint64
	for _, s := range e.shards {
		s.dbs[d].Range(now, func([]byte, Type) bool { keys++; return true })
		expires += uint64(s.dbs[d].ExpiresLen())
	}
	if keys == 0 {
		return nil
	}
	if err := rw.SelectDB(d, keys, expires); err != nil {
		return err
	}
	var err error
	for _, s := range e.shards {
		db := s.dbs[d]
		db.Range(now, func(key []byte, _ Type) bool {
			k := string(key)
			o := db.object(db.keys.Find(key))
			// The LRU clock wraps; a key touched after now is idle 0.
			idle := max(int64(int32(lruClock(now)-o.LRU)), 0)
			en := rdb.Entry{DB: d, Key: []byte(k), ExpireMs: db.Expire([]byte(k)), LFUFreq: -1,
				LRUIdle: idle, Value: toRDB(o)}
			err = rw.WriteEntry(en)
			return err == nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}
