package rdb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"time"
)

// WriterOptions are the redis.conf settings that shape a saved file.
// DefaultWriterOptions returns Redis 7.0's defaults; every other value
// still gives a file Redis loads.
type WriterOptions struct {
	Compression bool // rdbcompression: LZF-compress strings over 20 bytes when it saves space
	Checksum    bool // rdbchecksum: a CRC64 trailer instead of zeros

	RedisVersion string // the redis-ver AUX field
	CTime        int64  // the ctime AUX field, Unix seconds; 0 means now
	UsedMem      int64  // the used-mem AUX field
	AOFBase      bool   // the aof-base AUX field: the file is the base of a multi-part AOF

	// Sizes up to which collections are saved in their compact encodings,
	// as the same-named directives.
	HashMaxListpackEntries int
	HashMaxListpackValue   int
	ZSetMaxListpackEntries int
	ZSetMaxListpackValue   int
	SetMaxIntsetEntries    int
	// ListMaxListpackSize is list-max-listpack-size: -1 to -5 cap each
	// quicklist node at 4, 8, 16, 32 or 64 KiB; a positive value caps its
	// element count (each node still holds at least one element).
	ListMaxListpackSize  int
	StreamNodeMaxBytes   int // 0: no limit
	StreamNodeMaxEntries int // 0: no limit

	// plainThreshold, when set, replaces packedThreshold so that tests
	// reach PLAIN nodes without gigabyte elements.
	plainThreshold int
}

// DefaultWriterOptions returns the options of a default redis-server 7.0.
func DefaultWriterOptions() WriterOptions {
	return WriterOptions{
		Compression:            true,
		Checksum:               true,
		RedisVersion:           "7.0.0",
		HashMaxListpackEntries: 512,
		HashMaxListpackValue:   64,
		ZSetMaxListpackEntries: 128,
		ZSetMaxListpackValue:   64,
		SetMaxIntsetEntries:    512,
		ListMaxListpackSize:    -2,
		StreamNodeMaxBytes:     4096,
		StreamNodeMaxEntries:   100,
	}
}

// packedThreshold is the element size from which a list element gets a
// PLAIN quicklist node of its own (quicklist.c's packed_threshold).
const packedThreshold = 1 << 30

// Writer writes an RDB file in version 10, the format of redis-server 7.0.
// Call WriteHeader, then SelectDB and the database's WriteEntry calls for
// each non-empty database, then Close. The first error sticks: every later
// call returns it.
type Writer struct {
	dst     io.Writer
	opts    WriterOptions
	buf     []byte
	crc     uint64
	db      int // selected database, -1 before SelectDB
	err     error
	scratch []byte
	lzf     lzfCompressor
	lzfOut  []byte
}

// NewWriter returns a Writer to dst. It buffers; Close flushes (and does not
// close dst).
func NewWriter(dst io.Writer, opts WriterOptions) *Writer {
	return &Writer{dst: dst, opts: opts, buf: make([]byte, 0, bufSize), db: -1}
}

// WriteHeader writes the magic and the AUX fields redis-server 7.0 writes.
func (w *Writer) WriteHeader() error {
	w.write([]byte("REDIS0010"))
	ctime := w.opts.CTime
	if ctime == 0 {
		ctime = time.Now().Unix()
	}
	w.writeAux("redis-ver", w.opts.RedisVersion)
	w.writeAux("redis-bits", "64")
	w.writeAux("ctime", strconv.FormatInt(ctime, 10))
	w.writeAux("used-mem", strconv.FormatInt(w.opts.UsedMem, 10))
	aofBase := "0"
	if w.opts.AOFBase {
		aofBase = "1"
	}
	w.writeAux("aof-base", aofBase)
	return w.flushIfFull()
}

// WriteAux writes one more AUX field, such as repl-id and repl-offset for
// a replication snapshot.
func (w *Writer) WriteAux(key, value string) error {
	w.writeAux(key, value)
	return w.flushIfFull()
}

func (w *Writer) writeAux(key, value string) {
	w.writeByte(opAux)
	w.writeString([]byte(key))
	w.writeString([]byte(value))
}

// SelectDB starts database db, which holds size keys of which expires have
// a TTL (the RESIZEDB hint Redis presizes its tables with).
func (w *Writer) SelectDB(db int, size, expires uint64) error {
	if w.err != nil {
		return w.err
	}
	if db < 0 || db > math.MaxInt32 {
		w.err = fmt.Errorf("rdb: database index %d out of range", db)
		return w.err
	}
	w.db = db
	w.writeByte(opSelectDB)
	w.writeLen(uint64(db))
	w.writeByte(opResizeDB)
	w.writeLen(size)
	w.writeLen(expires)
	return w.flushIfFull()
}

// WriteEntry writes one key in the database last selected (e.DB must name
// it). ExpireMs -1 and a negative LRUIdle or LFUFreq are left out. Empty
// lists, sets, sorted sets and hashes are refused: Redis has no such keys.
func (w *Writer) WriteEntry(e Entry) error {
	if w.err != nil {
		return w.err
	}
	if err := w.writeEntry(e); err != nil {
		w.err = err
		return err
	}
	return w.flushIfFull()
}

func (w *Writer) writeEntry(e Entry) error {
	switch {
	case w.db < 0:
		return errors.New("rdb: WriteEntry before SelectDB")
	case e.DB != w.db:
		return fmt.Errorf("rdb: key %q of database %d written in database %d", e.Key, e.DB, w.db)
	case e.LFUFreq > 255:
		return fmt.Errorf("rdb: key %q: LFU frequency %d out of range", e.Key, e.LFUFreq)
	}
	if e.ExpireMs != -1 {
		w.writeByte(opExpireTimeMs)
		w.writeInt64LE(e.ExpireMs)
	}
	if e.LRUIdle >= 0 {
		w.writeByte(opIdle)
		w.writeLen(uint64(e.LRUIdle))
	}
	if e.LFUFreq >= 0 {
		w.writeByte(opFreq)
		w.writeByte(byte(e.LFUFreq))
	}
	switch v := e.Value.(type) {
	case String:
		w.writeType(TypeString, e.Key)
		w.writeString(v.B)
	case List:
		if len(v.Elems) == 0 {
			return fmt.Errorf("rdb: key %q: empty list", e.Key)
		}
		w.writeList(e.Key, v.Elems)
	case Set:
		if len(v.Members) == 0 {
			return fmt.Errorf("rdb: key %q: empty set", e.Key)
		}
		return w.writeSet(e.Key, v.Members)
	case ZSet:
		if len(v.Members) == 0 {
			return fmt.Errorf("rdb: key %q: empty sorted set", e.Key)
		}
		return w.writeZSet(e.Key, v.Members)
	case Hash:
		if len(v.Fields) == 0 {
			return fmt.Errorf("rdb: key %q: empty hash", e.Key)
		}
		return w.writeHash(e.Key, v.Fields)
	case Stream:
		return w.writeStream(e.Key, v)
	default:
		return fmt.Errorf("rdb: key %q: unsupported value %T", e.Key, e.Value)
	}
	return nil
}

// Flush writes what the Writer buffers to dst. A Writer that is flushed
// instead of closed encodes fragments: a snapshot's shards each encode
// their keys with one, starting each fragment with SelectDB, and the file's
// Writer copies the fragments in with WriteFragment.
func (w *Writer) Flush() error {
	w.flush()
	return w.err
}

// WriteFragment copies bytes that another Writer produced with SelectDB and
// WriteEntry calls. The fragment selects its own database, so the Writer
// forgets its selection: WriteEntry needs a SelectDB again.
func (w *Writer) WriteFragment(b []byte) error {
	if w.err != nil {
		return w.err
	}
	w.write(b)
	w.db = -1
	return w.flushIfFull()
}

// Close writes the EOF opcode and the checksum (zeros without
// Options.Checksum) and flushes.
func (w *Writer) Close() error {
	if w.err != nil {
		return w.err
	}
	w.writeByte(opEOF)
	var sum uint64
	if w.opts.Checksum {
		sum = crc64Jones(w.crc, w.buf)
	}
	w.buf = binary.LittleEndian.AppendUint64(w.buf, sum)
	w.flush()
	if w.err == nil {
		w.err = errors.New("rdb: Writer is closed")
		return nil
	}
	return w.err
}

// writeList writes a QUICKLIST_2 of listpack nodes, split as
// list-max-listpack-size splits them; huge elements get PLAIN nodes.
func (w *Writer) writeList(key []byte, elems [][]byte) {
	maxBytes, maxCount := 8192, math.MaxInt // fill >= 0 keeps quicklist's 8 KiB safety limit
	switch fill := w.opts.ListMaxListpackSize; {
	case fill < 0:
		maxBytes = 4096 << (min(-fill, 5) - 1)
	default:
		maxCount = max(fill, 1)
	}
	type node struct {
		plain bool
		b     []byte
	}
	plainFrom := packedThreshold
	if w.opts.plainThreshold > 0 {
		plainFrom = w.opts.plainThreshold
	}
	var nodes []node
	var lp *listpackWriter
	for _, el := range elems {
		if len(el) >= plainFrom {
			if lp != nil {
				nodes = append(nodes, node{b: lp.finish()})
				lp = nil
			}
			nodes = append(nodes, node{plain: true, b: el})
			continue
		}
		if lp != nil && (lp.count >= maxCount || lp.size()+lpElemSize(el) > maxBytes) {
			nodes = append(nodes, node{b: lp.finish()})
			lp = nil
		}
		if lp == nil {
			lp = newListpackWriter()
		}
		lp.appendBytes(el)
	}
	if lp != nil {
		nodes = append(nodes, node{b: lp.finish()})
	}
	w.writeType(TypeListQuicklist2, key)
	w.writeLen(uint64(len(nodes)))
	for _, n := range nodes {
		if n.plain {
			w.writeLen(containerPlain)
		} else {
			w.writeLen(containerPacked)
		}
		w.writeString(n.b)
	}
}

// writeSet writes an intset when every member is an integer and there are
// at most set-max-intset-entries of them, else the hashtable form.
func (w *Writer) writeSet(key []byte, members [][]byte) error {
	if len(members) <= w.opts.SetMaxIntsetEntries {
		ints := make([]int64, 0, len(members))
		for _, m := range members {
			v, ok := parseInt(m)
			if !ok {
				break
			}
			ints = append(ints, v)
		}
		if len(ints) == len(members) {
			slices.Sort(ints)
			for i := 1; i < len(ints); i++ {
				if ints[i] == ints[i-1] {
					return fmt.Errorf("rdb: key %q: duplicate set member %d", key, ints[i])
				}
			}
			w.writeType(TypeSetIntset, key)
			w.writeString(appendIntset(nil, ints))
			return nil
		}
	}
	if i := findDuplicate(len(members), func(i int) []byte { return members[i] }); i >= 0 {
		return fmt.Errorf("rdb: key %q: duplicate set member %q", key, members[i])
	}
	w.writeType(TypeSet, key)
	w.writeLen(uint64(len(members)))
	for _, m := range members {
		w.writeString(m)
	}
	return nil
}

// writeZSet writes a ZSET_LISTPACK (ascending, as Redis keeps it) when the
// set is small, else a ZSET_2 from the greatest score down, which Redis
// loads in O(1) per member.
func (w *Writer) writeZSet(key []byte, members []ZMember) error {
	small := len(members) <= w.opts.ZSetMaxListpackEntries
	for _, m := range members {
		if math.IsNaN(m.Score) {
			return fmt.Errorf("rdb: key %q: member %q has a NaN score", key, m.Member)
		}
		small = small && len(m.Member) <= w.opts.ZSetMaxListpackValue
	}
	if !slices.IsSortedFunc(members, compareZMember) {
		rev := slices.Clone(members)
		slices.Reverse(rev)
		if slices.IsSortedFunc(rev, compareZMember) {
			members = rev
		} else {
			members = slices.SortedFunc(slices.Values(members), compareZMember)
		}
	}
	if i := findDuplicate(len(members), func(i int) []byte { return members[i].Member }); i >= 0 {
		return fmt.Errorf("rdb: key %q: duplicate sorted set member %q", key, members[i].Member)
	}
	if small {
		lp := newListpackWriter()
		for _, m := range members {
			lp.appendBytes(m.Member)
			w.scratch = formatScore(w.scratch[:0], m.Score)
			lp.appendBytes(w.scratch)
		}
		w.writeType(TypeZSetListpack, key)
		w.writeString(lp.finish())
		return nil
	}
	w.writeType(TypeZSet2, key)
	w.writeLen(uint64(len(members)))
	for i := len(members) - 1; i >= 0; i-- {
		w.writeString(members[i].Member)
		w.writeInt64LE(int64(math.Float64bits(members[i].Score)))
	}
	return nil
}

// compareZMember orders as a sorted set does: by score, then member bytes.
func compareZMember(a, b ZMember) int {
	switch {
	case a.Score < b.Score:
		return -1
	case a.Score > b.Score:
		return 1
	}
	return bytes.Compare(a.Member, b.Member)
}

// formatScore writes a score as d2string does: integral values within
// ±LLONG_MAX/2 in decimal, so that lpAppend stores them as integers, and
// others with 17 significant digits.
func formatScore(dst []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	case f == 0 && math.Signbit(f):
		return append(dst, "-0"...)
	case f == math.Trunc(f) && math.Abs(f) <= math.MaxInt64/2:
		return strconv.AppendInt(dst, int64(f), 10)
	}
	return strconv.AppendFloat(dst, f, 'g', 17, 64)
}

// writeHash writes a HASH_LISTPACK when the hash is small, else the
// hashtable form.
func (w *Writer) writeHash(key []byte, fields [][2][]byte) error {
	if i := findDuplicate(len(fields), func(i int) []byte { return fields[i][0] }); i >= 0 {
		return fmt.Errorf("rdb: key %q: duplicate hash field %q", key, fields[i][0])
	}
	small := len(fields) <= w.opts.HashMaxListpackEntries
	for i := 0; small && i < len(fields); i++ {
		small = len(fields[i][0]) <= w.opts.HashMaxListpackValue && len(fields[i][1]) <= w.opts.HashMaxListpackValue
	}
	if small {
		lp := newListpackWriter()
		for _, f := range fields {
			lp.appendBytes(f[0])
			lp.appendBytes(f[1])
		}
		w.writeType(TypeHashListpack, key)
		w.writeString(lp.finish())
		return nil
	}
	w.writeType(TypeHash, key)
	w.writeLen(uint64(len(fields)))
	for _, f := range fields {
		w.writeString(f[0])
		w.writeString(f[1])
	}
	return nil
}

func (w *Writer) writeType(t Type, key []byte) {
	w.writeByte(byte(t))
	w.writeString(key)
}

// bufSize is how much the Writer buffers; longer strings bypass the buffer.
const bufSize = 64 << 10

func (w *Writer) write(b []byte) {
	if len(b) < bufSize {
		w.buf = append(w.buf, b...)
		return
	}
	w.flush()
	if w.err != nil {
		return
	}
	w.crc = crc64Jones(w.crc, b)
	if _, err := w.dst.Write(b); err != nil {
		w.err = fmt.Errorf("rdb: %w", err)
	}
}

func (w *Writer) writeID(id StreamID) {
	w.buf = appendID(w.buf, id)
}

func (w *Writer) writeByte(c byte) { w.buf = append(w.buf, c) }

func (w *Writer) writeInt64LE(v int64) {
	w.buf = binary.LittleEndian.AppendUint64(w.buf, uint64(v))
}

// writeLen writes a length in the shortest of the 6, 14, 32 and 64-bit forms.
func (w *Writer) writeLen(n uint64) {
	switch {
	case n < 1<<6:
		w.buf = append(w.buf, byte(n))
	case n < 1<<14:
		w.buf = append(w.buf, 0x40|byte(n>>8), byte(n))
	case n <= math.MaxUint32:
		w.buf = append(w.buf, len32Bit)
		w.buf = binary.BigEndian.AppendUint32(w.buf, uint32(n))
	default:
		w.buf = append(w.buf, len64Bit)
		w.buf = binary.BigEndian.AppendUint64(w.buf, n)
	}
}

// writeString writes b as rdbSaveRawString does: as an integer when it is
// one that fits 32 bits, LZF-compressed when that saves at least 4 bytes of
// a string over 20, else raw.
func (w *Writer) writeString(b []byte) {
	if len(b) <= 11 {
		if v, ok := parseInt(b); ok && v >= math.MinInt32 && v <= math.MaxInt32 {
			switch {
			case v >= math.MinInt8 && v <= math.MaxInt8:
				w.buf = append(w.buf, lenEnc<<6|encInt8, byte(v))
			case v >= math.MinInt16 && v <= math.MaxInt16:
				w.buf = append(w.buf, lenEnc<<6|encInt16)
				w.buf = binary.LittleEndian.AppendUint16(w.buf, uint16(v))
			default:
				w.buf = append(w.buf, lenEnc<<6|encInt32)
				w.buf = binary.LittleEndian.AppendUint32(w.buf, uint32(v))
			}
			return
		}
	}
	if w.opts.Compression && len(b) > 20 {
		c, ok := w.lzf.compress(w.lzfOut, b, len(b)-4)
		// The output buffer is kept whether or not compression paid off:
		// incompressible values would otherwise cost an allocation each.
		w.lzfOut = c[:0]
		if ok {
			w.buf = append(w.buf, lenEnc<<6|encLZF)
			w.writeLen(uint64(len(c)))
			w.writeLen(uint64(len(b)))
			w.write(c)
			return
		}
	}
	w.writeLen(uint64(len(b)))
	w.write(b)
}

func (w *Writer) flushIfFull() error {
	if len(w.buf) >= bufSize {
		w.flush()
	}
	return w.err
}

func (w *Writer) flush() {
	if w.err != nil {
		return
	}
	w.crc = crc64Jones(w.crc, w.buf)
	if _, err := w.dst.Write(w.buf); err != nil {
		w.err = fmt.Errorf("rdb: %w", err)
	}
	w.buf = w.buf[:0]
}
