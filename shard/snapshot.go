package shard

// KeyCounts returns, per shard and database, the number of keys and the
// number of keys with a TTL, for metrics. Key counts live in the shards'
// data, so each shard's token is taken in turn, one at a time: a shard is
// held only while its 16 counts are read, and holding one token at a time
// cannot deadlock with commands that take several in increasing order.
// A shard busy with a long command (DEBUG SLEEP) delays the caller.
func (e *Engine) KeyCounts() [][NumDBs][2]int {
	out := make([][NumDBs][2]int, len(e.shards))
	for i, s := range e.shards {
		s.tok.Lock()
		for d, db := range s.dbs {
			out[i][d] = [2]int{db.Len(), db.ExpiresLen()}
		}
		s.tok.Unlock()
	}
	return out
}
