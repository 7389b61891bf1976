// Package shard owns the data: N shards, each holding its slice of the
// keyspace (16 databases), the command table, and the command families that
// run against the keyspace.
//
// A shard's data is touched by exactly one goroutine at a time. The shard's
// ownership token (a mutex used only through TryLock on the hot path) decides
// who that is: the event loop that decoded a batch runs it inline when the
// shard is idle, otherwise the batch is handed to the shard's own goroutine.
// Commands whose keys live on several shards take the tokens of all their
// shards in increasing shard order, which gives every multi-shard command one
// place in a global order without a deadlock (see docs/ARCHITECTURE.md).
package shard
