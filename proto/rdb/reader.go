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
)

// Error is a failure to read an RDB file: where, in which key, and why.
type Error struct {
	Offset int64  // byte offset in the file where the faulty item starts
	Key    []byte // the key being read, nil outside a key
	Msg    string
	Err    error // the cause: io.ErrUnexpectedEOF, ErrChecksum, or the source's error
}

func (e *Error) Error() string {
	if e.Key != nil {
		return fmt.Sprintf("rdb: offset %d: key %q: %s", e.Offset, e.Key, e.Msg)
	}
	return fmt.Sprintf("rdb: offset %d: %s", e.Offset, e.Msg)
}

func (e *Error) Unwrap() error { return e.Err }

// ErrChecksum reports a CRC64 trailer that does not match the file.
var ErrChecksum = errors.New("rdb: checksum mismatch")

// Reader decodes an RDB file from an io.Reader, one key at a time.
//
// It reads ahead from the source into a buffer; after the trailer, Buffered
// returns what it read beyond, so a replica can resume its protocol stream
// there.
type Reader struct {
	// Warn, when set before the first Next, receives notes about what the
	// Reader skipped: function libraries, empty keys. Each names the offset.
	Warn func(offset int64, msg string)
	// IgnoreChecksum skips the trailer check, as redis-server does with
	// "rdbchecksum no".
	IgnoreChecksum bool

	in      input
	version int
	aux     map[string]string
	sizes   map[int]DBSize
	db      int
	err     error // sticky: io.EOF after the trailer, or the first failure
}

// DBSize is a RESIZEDB hint: how many keys and keys with a TTL a database
// has, for presizing.
type DBSize struct{ Keys, Expires uint64 }

// NewReader returns a Reader of src. Nothing is read until the first Next.
func NewReader(src io.Reader) *Reader {
	return &Reader{
		in:      input{src: src, buf: make([]byte, 0, 64<<10)},
		version: -1,
		aux:     map[string]string{},
		sizes:   map[int]DBSize{},
	}
}

// Version returns the file's RDB version, or -1 before the first Next.
func (r *Reader) Version() int { return r.version }

// Aux returns the AUX fields read so far (redis-ver, ctime, repl-id, ...).
// Redis writes them all before the first key.
func (r *Reader) Aux() map[string]string { return r.aux }

// Sizes returns the RESIZEDB hints read so far, by database.
func (r *Reader) Sizes() map[int]DBSize { return r.sizes }

// Offset returns how many bytes of the file have been consumed.
func (r *Reader) Offset() int64 { return r.in.offset() }

// Buffered returns input read from the source but not consumed. After Next
// returned io.EOF it is whatever followed the RDB trailer.
func (r *Reader) Buffered() []byte { return r.in.buf[r.in.r:] }

// Next returns the next key. At the end of the file it verifies the
// checksum and returns io.EOF. Any other error is an *Error; the Reader then
// stays failed. The Entry's slices are the caller's: the Reader never
// reuses them.
func (r *Reader) Next() (Entry, error) {
	if r.err != nil {
		return Entry{}, r.err
	}
	e, err := r.next()
	if err != nil {
		r.err = err
	}
	return e, err
}

func (r *Reader) next() (Entry, error) {
	if r.version < 0 {
		if err := r.readHeader(); err != nil {
			return Entry{}, err
		}
	}
	e := Entry{DB: r.db, ExpireMs: -1, LRUIdle: -1, LFUFreq: -1}
	for {
		at := r.in.offset()
		op, err := r.in.byte()
		if err != nil {
			return Entry{}, r.fail(at, nil, err, "reading opcode")
		}
		switch op {
		case opEOF:
			return Entry{}, r.readTrailer()
		case opSelectDB:
			db, err := r.readLen()
			if err != nil {
				return Entry{}, err
			}
			if db > math.MaxInt32 {
				return Entry{}, r.errorf(at, nil, "database index %d out of range", db)
			}
			r.db, e.DB = int(db), int(db)
		case opResizeDB:
			keys, err := r.readLen()
			if err != nil {
				return Entry{}, err
			}
			expires, err := r.readLen()
			if err != nil {
				return Entry{}, err
			}
			r.sizes[r.db] = DBSize{Keys: keys, Expires: expires}
		case opAux:
			k, err := r.readString()
			if err != nil {
				return Entry{}, err
			}
			v, err := r.readString()
			if err != nil {
				return Entry{}, err
			}
			r.aux[string(k)] = string(v)
		case opExpireTimeMs:
			b, err := r.in.next(8)
			if err != nil {
				return Entry{}, r.fail(at, nil, err, "reading expire time")
			}
			e.ExpireMs = int64(binary.LittleEndian.Uint64(b))
		case opExpireTime:
			b, err := r.in.next(4)
			if err != nil {
				return Entry{}, r.fail(at, nil, err, "reading expire time")
			}
			e.ExpireMs = int64(int32(binary.LittleEndian.Uint32(b))) * 1000
		case opIdle:
			idle, err := r.readLen()
			if err != nil {
				return Entry{}, err
			}
			if idle > math.MaxInt64 {
				return Entry{}, r.errorf(at, nil, "idle time %d out of range", idle)
			}
			e.LRUIdle = int64(idle)
		case opFreq:
			b, err := r.in.byte()
			if err != nil {
				return Entry{}, r.fail(at, nil, err, "reading LFU frequency")
			}
			e.LFUFreq = int(b)
		case opFunction2:
			code, err := r.readString()
			if err != nil {
				return Entry{}, err
			}
			r.warn(at, fmt.Sprintf("skipped function library %s", libraryName(code)))
		case opFunctionPreGA:
			return Entry{}, r.errorf(at, nil, "function library in the Redis 7.0 release candidate format is not supported")
		case opModuleAux:
			id, err := r.readLen()
			if err != nil {
				return Entry{}, err
			}
			return Entry{}, r.errorf(at, nil, "module auxiliary data of module %s cannot be loaded without the module", moduleName(id))
		default:
			key, err := r.readString()
			if err != nil {
				return Entry{}, err
			}
			e.Key = key
			e.Encoding = Type(op)
			v, err := r.readObject(Type(op), key, at)
			if err != nil {
				return Entry{}, err
			}
			if v == nil {
				r.warn(at, fmt.Sprintf("skipped empty key %q", key))
				e = Entry{DB: r.db, ExpireMs: -1, LRUIdle: -1, LFUFreq: -1}
				continue
			}
			e.Value = v
			return e, nil
		}
	}
}

func (r *Reader) readHeader() error {
	b, err := r.in.next(9)
	if err != nil {
		return r.fail(0, nil, err, "reading header")
	}
	if !bytes.HasPrefix(b, []byte("REDIS")) {
		return r.errorf(0, nil, "not an RDB file (magic %q)", b[:5])
	}
	v, err := strconv.Atoi(string(b[5:9]))
	if err != nil || v < 1 {
		return r.errorf(5, nil, "bad RDB version %q", b[5:9])
	}
	if v > MaxReadVersion {
		return r.errorf(5, nil, "RDB version %d is newer than %d, the newest supported", v, MaxReadVersion)
	}
	r.version = v
	return nil
}

// readTrailer checks the CRC64 that follows the EOF opcode (version 5 and
// later). A zero checksum means the writer had rdbchecksum off.
func (r *Reader) readTrailer() error {
	if r.version < 5 {
		return io.EOF
	}
	sum := r.in.sum()
	at := r.in.offset()
	b, err := r.in.next(8)
	if err != nil {
		return r.fail(at, nil, err, "reading checksum")
	}
	want := binary.LittleEndian.Uint64(b)
	if want != 0 && !r.IgnoreChecksum && want != sum {
		return &Error{Offset: at, Msg: fmt.Sprintf("checksum is %016x, file says %016x", sum, want), Err: ErrChecksum}
	}
	return io.EOF
}

func (r *Reader) warn(at int64, msg string) {
	if r.Warn != nil {
		r.Warn(at, msg)
	}
}

func (r *Reader) errorf(at int64, key []byte, format string, args ...any) error {
	return &Error{Offset: at, Key: key, Msg: fmt.Sprintf(format, args...)}
}

// fail wraps an input error; a clean end of input mid-file is truncation.
func (r *Reader) fail(at int64, key []byte, err error, what string) error {
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	var re *Error
	if errors.As(err, &re) {
		return err
	}
	return &Error{Offset: at, Key: key, Msg: what + ": " + err.Error(), Err: err}
}

// readLen reads a length prefix that must not be a special encoding.
func (r *Reader) readLen() (uint64, error) {
	at := r.in.offset()
	n, enc, err := r.readLenOrEnc()
	if err != nil {
		return 0, err
	}
	if enc {
		return 0, r.errorf(at, nil, "encoded value where a length was expected")
	}
	return n, nil
}

// readLenOrEnc reads a length prefix; enc reports the "11" form, whose n is
// then the string encoding.
func (r *Reader) readLenOrEnc() (n uint64, enc bool, err error) {
	at := r.in.offset()
	c, err := r.in.byte()
	if err != nil {
		return 0, false, r.fail(at, nil, err, "reading length")
	}
	switch c >> 6 {
	case 0:
		return uint64(c & 0x3F), false, nil
	case 1:
		d, err := r.in.byte()
		if err != nil {
			return 0, false, r.fail(at, nil, err, "reading length")
		}
		return uint64(c&0x3F)<<8 | uint64(d), false, nil
	case 3:
		return uint64(c & 0x3F), true, nil
	}
	switch c {
	case len32Bit:
		b, err := r.in.next(4)
		if err != nil {
			return 0, false, r.fail(at, nil, err, "reading length")
		}
		return uint64(binary.BigEndian.Uint32(b)), false, nil
	case len64Bit:
		b, err := r.in.next(8)
		if err != nil {
			return 0, false, r.fail(at, nil, err, "reading length")
		}
		return binary.BigEndian.Uint64(b), false, nil
	}
	return 0, false, r.errorf(at, nil, "unknown length encoding 0x%02x", c)
}

// readString reads a string in any of its forms: raw, integer or LZF.
func (r *Reader) readString() ([]byte, error) {
	at := r.in.offset()
	n, enc, err := r.readLenOrEnc()
	if err != nil {
		return nil, err
	}
	if !enc {
		b, err := r.in.read(n)
		if err != nil {
			return nil, r.fail(at, nil, err, fmt.Sprintf("reading string of %d bytes", n))
		}
		return b, nil
	}
	switch n {
	case encInt8, encInt16, encInt32:
		size := 1 << n
		b, err := r.in.next(size)
		if err != nil {
			return nil, r.fail(at, nil, err, "reading integer string")
		}
		var v int64
		switch size {
		case 1:
			v = int64(int8(b[0]))
		case 2:
			v = int64(int16(binary.LittleEndian.Uint16(b)))
		default:
			v = int64(int32(binary.LittleEndian.Uint32(b)))
		}
		return strconv.AppendInt(nil, v, 10), nil
	case encLZF:
		clen, err := r.readLen()
		if err != nil {
			return nil, err
		}
		ulen, err := r.readLen()
		if err != nil {
			return nil, err
		}
		if clen == 0 || ulen == 0 || ulen/lzfMaxRatio > clen {
			return nil, r.errorf(at, nil, "LZF string of %d bytes cannot expand to %d", clen, ulen)
		}
		c, err := r.in.read(clen)
		if err != nil {
			return nil, r.fail(at, nil, err, fmt.Sprintf("reading LZF string of %d bytes", clen))
		}
		out, err := lzfDecompress(c, int(ulen))
		if err != nil {
			return nil, r.errorf(at, nil, "LZF string of %d bytes: %v", clen, err)
		}
		return out, nil
	}
	return nil, r.errorf(at, nil, "unknown string encoding %d", n)
}

// libraryName names a function library by its "#!lua name=..." shebang.
func libraryName(code []byte) string {
	line, _, _ := bytes.Cut(code, []byte("\n"))
	for _, f := range bytes.Fields(line) {
		if name, ok := bytes.CutPrefix(f, []byte("name=")); ok {
			return strconv.Quote(string(name))
		}
	}
	return fmt.Sprintf("(%d bytes)", len(code))
}

// moduleName decodes a module type ID: nine characters of 6 bits from the
// charset below, then a 10-bit encoding version.
func moduleName(id uint64) string {
	const charset = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	var name [9]byte
	v := id >> 10
	for i := 8; i >= 0; i-- {
		name[i] = charset[v&63]
		v >>= 6
	}
	return fmt.Sprintf("%q (encoding version %d)", name[:], id&1023)
}

// input is a buffered source that counts offsets, keeps a running CRC64 of
// what was consumed, and allocates strings only as their bytes arrive.
type input struct {
	src   io.Reader
	buf   []byte // buf[r:] is read ahead, not consumed
	r     int
	base  int64 // file offset of buf[0]
	crc   uint64
	crcAt int // buf[:crcAt] is in crc
	err   error
}

func (in *input) offset() int64 { return in.base + int64(in.r) }

// sum returns the CRC64 of everything consumed so far.
func (in *input) sum() uint64 {
	in.crc = crc64Jones(in.crc, in.buf[in.crcAt:in.r])
	in.crcAt = in.r
	return in.crc
}

// fill makes at least n bytes available (n <= cap(buf)).
func (in *input) fill(n int) error {
	if len(in.buf)-in.r >= n {
		return nil
	}
	in.sum()
	rest := copy(in.buf[:cap(in.buf)], in.buf[in.r:])
	in.buf = in.buf[:rest]
	in.base += int64(in.r)
	in.r, in.crcAt = 0, 0
	for empty := 0; len(in.buf) < n; {
		if in.err != nil {
			return in.err
		}
		m, err := in.src.Read(in.buf[len(in.buf):cap(in.buf)])
		in.buf = in.buf[:len(in.buf)+m]
		if err != nil {
			in.err = err
		}
		// As bufio does: a source that keeps returning nothing is broken.
		if empty++; m > 0 {
			empty = 0
		} else if empty == 100 {
			in.err = io.ErrNoProgress
		}
	}
	return nil
}

func (in *input) byte() (byte, error) {
	if err := in.fill(1); err != nil {
		return 0, err
	}
	in.r++
	return in.buf[in.r-1], nil
}

// next consumes n bytes (n <= cap(buf)); the slice is valid until the next call.
func (in *input) next(n int) ([]byte, error) {
	if err := in.fill(n); err != nil {
		return nil, err
	}
	in.r += n
	return in.buf[in.r-n : in.r], nil
}

// read consumes n bytes into a new slice. Memory grows with the bytes that
// actually arrive, so a huge claimed length in a short input fails at the
// end of the input instead of allocating it.
func (in *input) read(n uint64) ([]byte, error) {
	if n <= uint64(len(in.buf)-in.r) || n <= 1<<16 {
		if err := in.fill(int(min(n, uint64(cap(in.buf))))); err != nil {
			return nil, err
		}
		if n <= uint64(len(in.buf)-in.r) {
			b := make([]byte, n)
			in.r += copy(b, in.buf[in.r:])
			return b, nil
		}
	}
	if n > math.MaxInt {
		return nil, fmt.Errorf("length %d out of range", n)
	}
	out := make([]byte, 0, min(n, 1<<20))
	for uint64(len(out)) < n {
		if err := in.fill(1); err != nil {
			return nil, err
		}
		if len(out) == cap(out) {
			out = slices.Grow(out, int(min(n-uint64(len(out)), uint64(len(out)))))
		}
		take := min(n-uint64(len(out)), uint64(len(in.buf)-in.r))
		out = append(out, in.buf[in.r:in.r+int(take)]...)
		in.r += int(take)
	}
	return out, nil
}
