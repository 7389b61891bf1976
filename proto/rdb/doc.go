// Package rdb owns the RDB snapshot format of redis-server: a streaming
// Reader for every file Redis 7.0 and 7.2 write (RDB versions 1 to 11, every
// object encoding from zipmap to listpack streams with consumer groups), and
// a Writer of version 10 files that redis-server 7.0 loads and
// redis-check-rdb accepts.
//
// Values are neutral: String, List, Set, ZSet, Hash and Stream hold plain
// byte slices and numbers, whatever encoding the file used, so the package
// knows nothing about the keyspace that loads or saves them.
//
// Reading is a pull loop:
//
//	r := rdb.NewReader(f)
//	for {
//		e, err := r.Next()
//		if err == io.EOF {
//			break // the trailer was read and its checksum verified
//		}
//		if err != nil {
//			return err // an *rdb.Error naming the byte offset
//		}
//		load(e.DB, e.Key, e.ExpireMs, e.Value)
//	}
//
// Writing mirrors redis-server's rdbSave:
//
//	w := rdb.NewWriter(f, rdb.DefaultWriterOptions())
//	w.WriteHeader()
//	w.SelectDB(0, keys, expires)
//	w.WriteEntry(rdb.Entry{Key: k, ExpireMs: -1, LRUIdle: -1, LFUFreq: -1, Value: rdb.String{B: v}})
//	w.Close()
//
// The Reader never panics and never allocates more than a constant factor
// of the input it has actually consumed, whatever lengths the input claims:
// it is safe on untrusted input such as a master's replication stream. It
// validates what redis-server validates with sanitize-dump-payload yes
// (listpack, ziplist and intset structure, stream node counts, PEL
// consistency) and also refuses duplicate members, NaN scores and
// out-of-order stream IDs, so a loader can trust every value it returns.
// What the Reader cannot load (module values, module AUX data) is an error
// naming the key and module; what a loader may skip (function libraries,
// empty collections, which Redis drops too) goes to Reader.Warn.
package rdb
