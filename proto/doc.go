// Package proto owns the Redis wire protocol: parsing client requests
// (multibulk and inline, with Redis 7.0's limits and error texts), appending
// RESP2/RESP3 replies to an output buffer, reading any RESP value back, and the
// error reply texts that commands share.
//
// Parsing and writing are on the per-request hot path and do not allocate in
// steady state: parsed arguments alias the caller's input buffer and writers
// append to the caller's output buffer.
package proto
