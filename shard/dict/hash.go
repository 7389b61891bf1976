package dict

import "hash/maphash"

// hashString hashes key with hash/maphash under d's random seed: a keyed
// hash, so a client cannot choose keys that collide in a dict's buckets
// (unseeded xxhash can be inverted block by block), and faster than seeded
// xxhash on short keys. Shard routing still uses xxhash (shard.KeyHash):
// it must be the same in every process, this must not.
func (d *Dict[V]) hashString(key string) uint64 { return maphash.String(d.seed, key) }

// hashBytes is hashString for a key held in a byte slice.
func (d *Dict[V]) hashBytes(key []byte) uint64 { return maphash.Bytes(d.seed, key) }
