package rdb

// Entry is one key of an RDB file.
type Entry struct {
	DB       int // database index (the last SELECTDB); the Writer checks it against SelectDB
	Key      []byte
	ExpireMs int64 // absolute Unix time in milliseconds, -1 when the key has no TTL (as in Redis, where -1 in a file also means none)
	LRUIdle  int64 // seconds since last access (IDLE opcode), -1 when absent
	LFUFreq  int   // LFU logarithmic counter 0..255 (FREQ opcode), -1 when absent
	Value    Value
	// Encoding is the object type the Reader found. The Writer ignores it
	// and chooses the encoding redis-server 7.0 would.
	Encoding Type
}

// Value is one of String, List, Set, ZSet, Hash or Stream.
type Value interface{ rdbValue() }

// String is a string value.
type String struct{ B []byte }

// List is a list value, head first.
type List struct{ Elems [][]byte }

// Set is a set value. Members are distinct, in file order.
type Set struct{ Members [][]byte }

// ZSet is a sorted set value. Members are distinct and their scores are not
// NaN. The Reader keeps file order, which is ascending for listpack and
// ziplist encodings and descending for the skiplist encodings Redis 4.0 and
// later write; the Writer accepts any order.
type ZSet struct{ Members []ZMember }

// ZMember is one member of a sorted set.
type ZMember struct {
	Member []byte
	Score  float64
}

// Hash is a hash value: distinct fields with their values, in file order.
type Hash struct{ Fields [][2][]byte }

// Stream is a stream value.
type Stream struct {
	Entries []StreamEntry // ascending IDs; deleted entries are not included
	// LastID is the top ID ever generated, the floor for XADD's next ID.
	LastID StreamID
	// FirstID is the first live entry's ID (0-0 when empty). MaxDeletedID is
	// the greatest ID ever deleted and EntriesAdded the count of entries ever
	// added. Files older than STREAM_LISTPACKS_2 lack them; the Reader then
	// derives them as redis-server 7.0 does on load (FirstID from the first
	// entry, MaxDeletedID 0-0, EntriesAdded = len(Entries)).
	FirstID      StreamID
	MaxDeletedID StreamID
	EntriesAdded uint64
	Groups       []StreamGroup
}

// StreamID is a stream entry ID.
type StreamID struct{ Ms, Seq uint64 }

// Less reports whether id sorts before o.
func (id StreamID) Less(o StreamID) bool {
	return id.Ms < o.Ms || (id.Ms == o.Ms && id.Seq < o.Seq)
}

// StreamEntry is one stream entry.
type StreamEntry struct {
	ID     StreamID
	Fields [][2][]byte // field/value pairs in insertion order
}

// StreamGroup is a consumer group.
type StreamGroup struct {
	Name   []byte
	LastID StreamID // last delivered ID
	// EntriesRead is the group's logical read counter, -1 when unknown (and
	// always for STREAM_LISTPACKS files, which predate it: the loader should
	// estimate it as XINFO does).
	EntriesRead int64
	PEL         []StreamPending // ascending IDs
	Consumers   []StreamConsumer
}

// StreamPending is an entry of a group's pending entries list.
type StreamPending struct {
	ID            StreamID
	DeliveryTime  int64 // Unix ms of the last delivery
	DeliveryCount uint64
	Consumer      []byte // name of the consumer that owns it, one of the group's Consumers
}

// StreamConsumer is a consumer of a group. The entries it owns are the
// group's PEL entries that name it.
type StreamConsumer struct {
	Name     []byte
	SeenTime int64 // Unix ms of the last interaction
	// ActiveTime is the Unix ms of the last successful interaction, from
	// STREAM_LISTPACKS_3 (Redis 7.2) files; -1 in older files, where Redis
	// 7.2 takes SeenTime for it.
	ActiveTime int64
}

func (String) rdbValue() {}
func (List) rdbValue()   {}
func (Set) rdbValue()    {}
func (ZSet) rdbValue()   {}
func (Hash) rdbValue()   {}
func (Stream) rdbValue() {}
