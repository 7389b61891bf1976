package rdb

import "strconv"

// Version is the RDB version the Writer produces: redis-server 7.0's, the
// newest a 7.0 server loads.
const Version = 10

// MaxReadVersion is the newest RDB version the Reader accepts (Redis 7.2).
const MaxReadVersion = 11

// Type is the object type byte that precedes a key in an RDB file. It names
// both the value type and its serialized encoding.
type Type byte

// Object types, as rdb.h numbers them.
const (
	TypeString           Type = 0
	TypeList             Type = 1 // linked list, before Redis 3.2
	TypeSet              Type = 2 // hashtable
	TypeZSet             Type = 3 // skiplist with scores as strings, before Redis 4.0
	TypeHash             Type = 4 // hashtable
	TypeZSet2            Type = 5 // skiplist with binary scores
	TypeModule           Type = 6 // module value, pre-GA format
	TypeModule2          Type = 7 // module value
	TypeHashZipmap       Type = 9
	TypeListZiplist      Type = 10
	TypeSetIntset        Type = 11
	TypeZSetZiplist      Type = 12
	TypeHashZiplist      Type = 13
	TypeListQuicklist    Type = 14 // quicklist of ziplists
	TypeStreamListpacks  Type = 15
	TypeHashListpack     Type = 16
	TypeZSetListpack     Type = 17
	TypeListQuicklist2   Type = 18 // quicklist of listpacks and plain nodes (7.0)
	TypeStreamListpacks2 Type = 19 // adds first id, max deleted id, entries added, entries read (7.0)
	TypeSetListpack      Type = 20 // 7.2
	TypeStreamListpacks3 Type = 21 // adds consumers' active time (7.2)
)

var typeNames = [...]string{
	TypeString:           "string",
	TypeList:             "list",
	TypeSet:              "set",
	TypeZSet:             "zset",
	TypeHash:             "hash",
	TypeZSet2:            "zset-2",
	TypeModule:           "module",
	TypeModule2:          "module-2",
	TypeHashZipmap:       "hash-zipmap",
	TypeListZiplist:      "list-ziplist",
	TypeSetIntset:        "set-intset",
	TypeZSetZiplist:      "zset-ziplist",
	TypeHashZiplist:      "hash-ziplist",
	TypeListQuicklist:    "list-quicklist",
	TypeStreamListpacks:  "stream-listpacks",
	TypeHashListpack:     "hash-listpack",
	TypeZSetListpack:     "zset-listpack",
	TypeListQuicklist2:   "list-quicklist-2",
	TypeStreamListpacks2: "stream-listpacks-2",
	TypeSetListpack:      "set-listpack",
	TypeStreamListpacks3: "stream-listpacks-3",
}

func (t Type) String() string {
	if int(t) < len(typeNames) && typeNames[t] != "" {
		return typeNames[t]
	}
	return "type-" + strconv.Itoa(int(t))
}

// Opcodes: the bytes above the object types that introduce metadata.
const (
	opFunctionPreGA = 246 // function libraries as 7.0 release candidates wrote them
	opFunction2     = 245
	opModuleAux     = 247
	opIdle          = 248
	opFreq          = 249
	opAux           = 250
	opResizeDB      = 251
	opExpireTimeMs  = 252
	opExpireTime    = 253
	opSelectDB      = 254
	opEOF           = 255
)

// Length prefixes: the two top bits of the first byte select the form.
// 00 and 01 hold 6 and 14-bit lengths in place (big-endian); 10 is one of
// the two bytes below, followed by a big-endian length; 11 (lenEnc) says a
// specially encoded string follows, its encoding in the low six bits.
const (
	len32Bit = 0x80
	len64Bit = 0x81
	lenEnc   = 3
)

// Special string encodings (the low six bits after "11").
const (
	encInt8  = 0
	encInt16 = 1
	encInt32 = 2
	encLZF   = 3
)

// Quicklist 2 node containers.
const (
	containerPlain  = 1
	containerPacked = 2
)

// Stream listpack entry flags.
const (
	streamItemDeleted    = 1
	streamItemSameFields = 2
)

// Encodings of the old ZSET type's textual scores.
const (
	dblNaN    = 253
	dblPosInf = 254
	dblNegInf = 255
)
