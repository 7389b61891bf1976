package rdb

import "hash/crc64"

// jonesTable is the table of the reflected Jones polynomial that Redis's
// crc64.c uses for RDB trailers and DUMP payloads.
var jonesTable = crc64.MakeTable(0x95ac9329ac4bc9b5)

// crc64Jones continues Redis's crc64(crc, p): no initial or final inversion.
// Go's crc64.Update inverts on entry and exit, so inverting around it gives
// the raw CRC while keeping Go's sliced table implementation.
func crc64Jones(crc uint64, p []byte) uint64 {
	return ^crc64.Update(^crc, jonesTable, p)
}
