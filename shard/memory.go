package shard

// MEMORY USAGE and the keyspace's share of MEMORY STATS. The size of a key
// and its value is the figure the memory accounting charges (DB.usage,
// evict.go, built on each value package's O(1) Bytes method), so MEMORY
// USAGE agrees with used_memory and maxmemory, and nothing is sampled.

// MemoryUsage answers MEMORY USAGE key [SAMPLES count]. SAMPLES is checked
// as Redis checks it; the size is exact whatever it says, because every
// value keeps its own size. An expired key not yet reclaimed still counts,
// as in Redis, which looks the key up without expiring it.
func MemoryUsage(c *Ctx) {
	for j := 3; j < len(c.Args); j++ {
		if !eqFold(c.Args[j], "samples") || j+1 >= len(c.Args) {
			c.Syntax()
			return
		}
		n, ok := ParseInt(c.Args[j+1])
		if !ok {
			c.NotInt()
			return
		}
		if n < 0 {
			c.Syntax()
			return
		}
		j++
	}
	key := c.Args[2]
	db := c.DB(key)
	r := db.keys.Find(key)
	if r == 0 {
		c.Null()
		return
	}
	c.Int(db.usage(r))
}

// TableBytes is the memory the database's tables take beyond their live
// records: bucket arrays and free slots of the keyspace and of the TTL table
// (MEMORY STATS' overhead.hashtable.main and .expires). The caller holds
// the shard.
func (db *DB) TableBytes() (main, expires int) {
	return int(db.keys.Bytes() - db.keys.RecordBytes()), int(db.expires.Bytes() - db.expires.RecordBytes())
}
