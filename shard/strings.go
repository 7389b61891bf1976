package shard

import (
	"fmt"
	"math"
	"math/big"
	"slices"
	"strconv"

	"github.com/shoal-db/shoal/proto"
	"github.com/shoal-db/shoal/shard/keytab"
)

// Handlers in this file change a string's bytes in place (APPEND, SETRANGE,
// INCR), which is safe because a stored Object and its Str are owned by one
// key alone: whoever copies a value to another key must copy Str too. A
// string kept in its key's record is looked up as a copy, which the handler
// stores back with DB.StringChanged.

func registerStrings(t *Table) {
	str := func(c *Command) *Command {
		c.Group = "string"
		if c.Since == "" {
			c.Since = "1.0.0"
		}
		return c
	}
	wr := FlagWrite | FlagDenyOOM
	one := KeySpec{First: 1, Last: 1, Step: 1}
	readFast := []string{"read", "string", "fast"}
	readSlow := []string{"read", "string", "slow"}
	writeFast := []string{"write", "string", "fast"}
	writeSlow := []string{"write", "string", "slow"}
	rangeComplexity := "O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings."

	t.Add(str(&Command{Name: "get", Arity: 2, Flags: FlagReadonly | FlagFast, Keys: one, Run: cmdGet,
		Summary: "Get the value of a key", Complexity: "O(1)", ACL: readFast}))
	t.Add(str(&Command{Name: "set", Arity: -3, Flags: wr, Keys: one, Run: cmdSet,
		Summary: "Set the string value of a key", Complexity: "O(1)", ACL: writeSlow}))
	t.Add(str(&Command{Name: "setnx", Arity: 3, Flags: wr | FlagFast, Keys: one, Run: cmdSetNX,
		Summary: "Set the value of a key, only if the key does not exist", Complexity: "O(1)", ACL: writeFast}))
	t.Add(str(&Command{Name: "setex", Arity: 4, Flags: wr, Keys: one, Run: func(c *Ctx) { setEx(c, optEX) }, Since: "2.0.0",
		Summary: "Set the value and expiration of a key", Complexity: "O(1)", ACL: writeSlow}))
	t.Add(str(&Command{Name: "psetex", Arity: 4, Flags: wr, Keys: one, Run: func(c *Ctx) { setEx(c, optPX) }, Since: "2.6.0",
		Summary: "Set the value and expiration in milliseconds of a key", Complexity: "O(1)", ACL: writeSlow}))
	t.Add(str(&Command{Name: "getset", Arity: 3, Flags: wr | FlagFast, Keys: one, Run: cmdGetSet,
		Summary: "Set the string value of a key and return its old value", Complexity: "O(1)", ACL: writeFast}))
	t.Add(str(&Command{Name: "getdel", Arity: 2, Flags: FlagWrite | FlagFast, Keys: one, Run: cmdGetDel, Since: "6.2.0",
		Summary: "Get the value of a key and delete the key", Complexity: "O(1)", ACL: writeFast}))
	t.Add(str(&Command{Name: "getex", Arity: -2, Flags: FlagWrite | FlagFast, Keys: one, Run: cmdGetEx, Since: "6.2.0",
		Summary: "Get the value of a key and optionally set its expiration", Complexity: "O(1)", ACL: writeFast}))
	t.Add(str(&Command{Name: "mget", Arity: -2, Flags: FlagReadonly | FlagFast, Keys: KeySpec{First: 1, Last: -1, Step: 1}, Run: cmdMGet,
		Summary: "Get the values of all the given keys", Complexity: "O(N) where N is the number of keys to retrieve.", ACL: readFast}))
	t.Add(str(&Command{Name: "mset", Arity: -3, Flags: wr, Keys: KeySpec{First: 1, Last: -1, Step: 2}, Run: cmdMSet, Since: "1.0.1",
		Summary: "Set multiple keys to multiple values", Complexity: "O(N) where N is the number of keys to set.", ACL: writeSlow}))
	t.Add(str(&Command{Name: "msetnx", Arity: -3, Flags: wr, Keys: KeySpec{First: 1, Last: -1, Step: 2}, Run: cmdMSetNX, Since: "1.0.1",
		Summary: "Set multiple keys to multiple values, only if none of the keys exist", Complexity: "O(N) where N is the number of keys to set.", ACL: writeSlow}))
	incr := func(name string, arity int, run func(*Ctx), summary, since string) {
		t.Add(str(&Command{Name: name, Arity: arity, Flags: wr | FlagFast, Keys: one, Run: run, Summary: summary, Since: since,
			Complexity: "O(1)", ACL: writeFast}))
	}
	incr("incr", 2, func(c *Ctx) { incrBy(c, 1) }, "Increment the integer value of a key by one", "")
	incr("decr", 2, func(c *Ctx) { incrBy(c, -1) }, "Decrement the integer value of a key by one", "")
	incr("incrby", 3, func(c *Ctx) { incrByArg(c, false) }, "Increment the integer value of a key by the given amount", "")
	incr("decrby", 3, func(c *Ctx) { incrByArg(c, true) }, "Decrement the integer value of a key by the given number", "")
	incr("incrbyfloat", 3, cmdIncrByFloat, "Increment the float value of a key by the given amount", "2.6.0")
	t.Add(str(&Command{Name: "append", Arity: 3, Flags: wr | FlagFast, Keys: one, Run: cmdAppend, Since: "2.0.0",
		Summary:    "Append a value to a key",
		Complexity: "O(1). The amortized time complexity is O(1) assuming the appended value is small and the already present value is of any size, since the dynamic string library used by Redis will double the free space available on every reallocation.",
		ACL:        writeFast}))
	t.Add(str(&Command{Name: "strlen", Arity: 2, Flags: FlagReadonly | FlagFast, Keys: one, Run: cmdStrlen, Since: "2.2.0",
		Summary: "Get the length of the value stored in a key", Complexity: "O(1)", ACL: readFast}))
	t.Add(str(&Command{Name: "getrange", Arity: 4, Flags: FlagReadonly, Keys: one, Run: cmdGetRange, Since: "2.4.0",
		Summary: "Get a substring of the string stored at a key", Complexity: rangeComplexity, ACL: readSlow}))
	t.Add(str(&Command{Name: "substr", Arity: 4, Flags: FlagReadonly, Keys: one, Run: cmdGetRange,
		Summary: "Get a substring of the string stored at a key", Complexity: rangeComplexity, ACL: readSlow}))
	t.Add(str(&Command{Name: "setrange", Arity: 4, Flags: wr, Keys: one, Run: cmdSetRange, Since: "2.2.0",
		Summary:    "Overwrite part of a string at key starting at the specified offset",
		Complexity: "O(1), not counting the time taken to copy the new string in place. Usually, this string is very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M being the length of the value argument.",
		ACL:        writeSlow}))
	t.Add(str(&Command{Name: "lcs", Arity: -3, Flags: FlagReadonly, Keys: KeySpec{First: 1, Last: 2, Step: 1}, Run: cmdLCS, Since: "7.0.0",
		Summary: "Find longest common substring", Complexity: "O(N*M) where N and M are the lengths of s1 and s2, respectively", ACL: readSlow}))
}

// stringOf returns the bytes of string value o; ok=false means a WRONGTYPE
// reply was written.
func stringOf(c *Ctx, o *Object) ([]byte, bool) {
	if o.Type != TypeString {
		c.WrongType()
		return nil, false
	}
	return o.Str, true
}

// fitsString reports whether a string of size bytes may grow by add bytes,
// writing Redis's error when it may not. Written so that it cannot overflow
// whatever offset a client sends.
func fitsString(c *Ctx, size int64, add int) bool {
	// proto-max-bulk-len is the largest string APPEND and SETRANGE may build.
	maxStringLen := c.e.MaxBulkLen.Load()
	if int64(add) > maxStringLen || size > maxStringLen-int64(add) {
		c.Error("ERR string exceeds maximum allowed size (proto-max-bulk-len)")
		return false
	}
	return true
}

func newString(v []byte) *Object {
	return &Object{Type: TypeString, Str: append([]byte(nil), v...)}
}

func cmdGet(c *Ctx) {
	var buf [20]byte
	s, t, found := c.DB(c.Args[1]).lookupString(c.Args[1], c.Now, buf[:0])
	switch {
	case !found:
		c.Null()
	case t != TypeString:
		c.WrongType()
	default:
		c.Bulk(s)
	}
}

// strFlags are the options of SET and GETEX.
type strFlags uint16

const (
	optNX strFlags = 1 << iota
	optXX
	optGet
	optKeepTTL
	optPersist
	optEX
	optPX
	optEXAT
	optPXAT

	optExpire = optEX | optPX | optEXAT | optPXAT
)

// strOptions are parsed SET or GETEX options. Like Redis, the parser only
// remembers the argument of the last EX/PX/EXAT/PXAT ("EX 0 EX 5" is
// accepted); the command validates it later, at the point Redis does.
type strOptions struct {
	flags  strFlags
	unit   strFlags // which of optExpire expire belongs to
	expire []byte
}

// cStringArg is b as a C string: Redis compares option names with strcasecmp
// and friends, which stop at the first NUL byte.
func cStringArg(b []byte) []byte {
	if i := slices.Index(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}

// parseStrOptions parses the options of SET (set=true) or GETEX with the
// compatibility rules of Redis's parseExtendedStringArgumentsOrReply:
// repeating an option is allowed, combining exclusive ones is a syntax
// error.
func parseStrOptions(c *Ctx, args [][]byte, set bool) (strOptions, bool) {
	var o strOptions
	for i := 0; i < len(args); i++ {
		a := cStringArg(args[i])
		f := o.flags
		var unit strFlags
		switch {
		case set && eqFold(a, "nx") && f&optXX == 0:
			o.flags |= optNX
			continue
		case set && eqFold(a, "xx") && f&optNX == 0:
			o.flags |= optXX
			continue
		case set && eqFold(a, "get"):
			o.flags |= optGet
			continue
		case set && eqFold(a, "keepttl") && f&(optPersist|optExpire) == 0:
			o.flags |= optKeepTTL
			continue
		case !set && eqFold(a, "persist") && f&(optKeepTTL|optExpire) == 0:
			o.flags |= optPersist
			continue
		case eqFold(a, "ex"):
			unit = optEX
		case eqFold(a, "px"):
			unit = optPX
		case eqFold(a, "exat"):
			unit = optEXAT
		case eqFold(a, "pxat"):
			unit = optPXAT
		}
		if unit == 0 || i+1 == len(args) || f&(optKeepTTL|optPersist|optExpire&^unit) != 0 {
			c.Syntax()
			return o, false
		}
		i++
		o.flags |= unit
		o.unit = unit
		o.expire = args[i]
	}
	return o, true
}

// deadline converts the argument of an EX, PX, EXAT or PXAT option (unit)
// into a unix ms deadline, replying with Redis's error when it is not a
// positive integer or the deadline overflows.
func deadline(c *Ctx, arg []byte, unit strFlags) (int64, bool) {
	v, ok := ParseInt(arg)
	if !ok {
		c.NotInt()
		return 0, false
	}
	seconds := unit&(optEX|optEXAT) != 0
	if v <= 0 || (seconds && v > math.MaxInt64/1000) {
		c.Error(fmt.Sprintf(proto.ErrInvalidExpire, c.cmdName()))
		return 0, false
	}
	if seconds {
		v *= 1000
	}
	if unit&(optEX|optPX) != 0 {
		if v > math.MaxInt64-c.Now {
			c.Error(fmt.Sprintf(proto.ErrInvalidExpire, c.cmdName()))
			return 0, false
		}
		v += c.Now
	}
	return v, true
}

func cmdSet(c *Ctx) {
	opt, ok := parseStrOptions(c, c.Args[3:], true)
	if !ok {
		return
	}
	var at int64
	if opt.expire != nil {
		if at, ok = deadline(c, opt.expire, opt.unit); !ok {
			return
		}
	}
	setGeneric(c, c.Args[1], c.Args[2], opt.flags, at)
}

// setGeneric is SET with parsed flags (NX, XX, GET, KEEPTTL) and a deadline
// (0 for none), shared by SET, SETEX, PSETEX and GETSET.
func setGeneric(c *Ctx, key, val []byte, flags strFlags, at int64) {
	db := c.DB(key)
	get := flags&optGet != 0
	var old *Object
	var r keytab.Ref
	exists := false
	if get {
		// GET reads the key as GET does, hit and miss statistics included.
		old = db.Lookup(key, c.Now)
		if old != nil && old.Type != TypeString {
			c.WrongType()
			return
		}
		exists = old != nil
	} else {
		r = db.findRef(key, c.Now)
		exists = r != 0
	}
	if (flags&optNX != 0 && exists) || (flags&optXX != 0 && !exists) {
		if get {
			replyOld(c, old)
		} else {
			c.Null()
		}
		c.NoPropagate()
		return
	}
	if get {
		// Before the old bytes may be overwritten in place.
		replyOld(c, old)
	}
	db.SetString(key, val, flags&optKeepTTL != 0, r)
	c.Notify(NotifyString, "set", key)
	if at != 0 {
		db.SetExpire(key, at)
		c.Notify(NotifyGeneric, "expire", key)
	}
	if !get {
		c.OK()
	}
	propagateSet(c, key, val, flags, at)
}

// propagateSet records SET's effect as Redis 7.0's setGenericCommand
// rewrites it: with a deadline, "SET key value PXAT <unix ms>" whatever the
// other options; otherwise the command without its GET options, GETSET as
// SET.
func propagateSet(c *Ctx, key, val []byte, flags strFlags, at int64) {
	if at == 0 && flags&optGet == 0 || !journaling(c) {
		return // a plain SET is journaled as itself, at no cost here
	}
	switch {
	case at != 0:
		c.Propagate([]byte("SET"), key, val, []byte("PXAT"), strconv.AppendInt(nil, at, 10))
	case eqFold(c.Args[0], "getset"):
		c.Propagate([]byte("SET"), key, val)
	default:
		args := c.Args[:3:3]
		for _, a := range c.Args[3:] {
			if !eqFold(cStringArg(a), "get") {
				args = append(args, a)
			}
		}
		c.Propagate(args...)
	}
}

func replyOld(c *Ctx, old *Object) {
	if old == nil {
		c.Null()
		return
	}
	c.Bulk(old.Str)
}

func cmdSetNX(c *Ctx) {
	key := c.Args[1]
	db := c.DB(key)
	if db.exists(key, c.Now) {
		c.Int(0)
		c.NoPropagate()
		return
	}
	db.SetString(key, c.Args[2], false, 0)
	c.Notify(NotifyString, "set", key)
	c.Int(1)
}

// setEx is SETEX (unit optEX) and PSETEX (unit optPX).
func setEx(c *Ctx, unit strFlags) {
	at, ok := deadline(c, c.Args[2], unit)
	if !ok {
		return
	}
	setGeneric(c, c.Args[1], c.Args[3], 0, at)
}

func cmdGetSet(c *Ctx) {
	setGeneric(c, c.Args[1], c.Args[2], optGet, 0)
}

func cmdGetDel(c *Ctx) {
	key := c.Args[1]
	db := c.DB(key)
	o := db.Lookup(key, c.Now)
	if o == nil {
		c.Null()
		c.NoPropagate()
		return
	}
	s, ok := stringOf(c, o)
	if !ok {
		return
	}
	c.Bulk(s)
	db.Delete(key, c.Now)
	c.Notify(NotifyGeneric, "del", key)
	c.Propagate([]byte("DEL"), key)
}

func cmdGetEx(c *Ctx) {
	opt, ok := parseStrOptions(c, c.Args[2:], false)
	if !ok {
		return
	}
	key := c.Args[1]
	db := c.DB(key)
	o := db.Lookup(key, c.Now)
	if o == nil {
		c.Null()
		c.NoPropagate()
		return
	}
	s, ok := stringOf(c, o)
	if !ok {
		return
	}
	// Unlike SET, GETEX validates the expire time only once it knows the
	// key is a string: "GETEX missing EX 0" answers nil, not an error.
	var at int64
	if opt.expire != nil {
		if at, ok = deadline(c, opt.expire, opt.unit); !ok {
			return
		}
	}
	c.Bulk(s)
	// The effects are Redis 7.0's getexCommand rewrites.
	switch {
	case opt.unit&(optEXAT|optPXAT) != 0 && at <= c.Now:
		db.Delete(key, c.Now)
		c.Notify(NotifyGeneric, "del", key)
		c.Propagate([]byte("DEL"), key)
	case opt.expire != nil:
		db.SetExpire(key, at)
		c.Notify(NotifyGeneric, "expire", key)
		if journaling(c) {
			c.Propagate([]byte("PEXPIREAT"), key, strconv.AppendInt(nil, at, 10))
		}
	case opt.flags&optPersist != 0 && db.Persist(key):
		c.Notify(NotifyGeneric, "persist", key)
		c.Propagate([]byte("PERSIST"), key)
	default:
		c.NoPropagate()
	}
}

func cmdMGet(c *Ctx) {
	keys := c.Args[1:]
	c.Array(len(keys))
	var buf [20]byte
	for _, k := range keys {
		s, t, found := c.DB(k).lookupString(k, c.Now, buf[:0])
		if !found || t != TypeString {
			c.Null()
			continue
		}
		c.Bulk(s)
	}
}

func cmdMSet(c *Ctx) {
	if len(c.Args)%2 != 1 {
		c.WrongArity()
		return
	}
	for i := 1; i < len(c.Args); i += 2 {
		k := c.Args[i]
		db := c.DB(k)
		// Like Redis's setKey, look the key up first: an expired one is
		// deleted (and its DEL journaled) before it is replaced.
		db.SetString(k, c.Args[i+1], false, db.findRef(k, c.Now))
		c.Notify(NotifyString, "set", k)
	}
	c.OK()
}

func cmdMSetNX(c *Ctx) {
	if len(c.Args)%2 != 1 {
		c.WrongArity()
		return
	}
	for i := 1; i < len(c.Args); i += 2 {
		k := c.Args[i]
		if c.DB(k).exists(k, c.Now) {
			c.Int(0)
			c.NoPropagate()
			return
		}
	}
	for i := 1; i < len(c.Args); i += 2 {
		k := c.Args[i]
		c.DB(k).SetString(k, c.Args[i+1], false, 0)
		c.Notify(NotifyString, "set", k)
	}
	c.Int(1)
}

func incrByArg(c *Ctx, negate bool) {
	d, ok := ParseInt(c.Args[2])
	if !ok {
		c.NotInt()
		return
	}
	if negate {
		if d == math.MinInt64 {
			c.Error("ERR decrement would overflow")
			return
		}
		d = -d
	}
	incrBy(c, d)
}

// addOverflows reports whether cur+d overflows an int64.
func addOverflows(cur, d int64) bool {
	return (d > 0 && cur > math.MaxInt64-d) || (d < 0 && cur < math.MinInt64-d)
}

func incrBy(c *Ctx, d int64) {
	key := c.Args[1]
	db := c.DB(key)
	if r := db.findRef(key, c.Now); r != 0 && db.keys.Kind(r) == keytab.Int {
		// A counter kept as an integer in its record changes there.
		cur := db.keys.Int(r)
		if addOverflows(cur, d) {
			c.Error(proto.ErrOverflow)
			return
		}
		db.preserve(key)
		db.access(r, c.Now)
		db.keys.SetInt(r, cur+d)
		c.Notify(NotifyString, "incrby", key)
		c.Int(cur + d)
		return
	}
	o := db.Peek(key, c.Now)
	var cur int64
	if o != nil {
		if o.Type != TypeString {
			c.WrongType()
			return
		}
		v, ok := ParseInt(o.Str)
		if !ok {
			c.NotInt()
			return
		}
		cur = v
	}
	if addOverflows(cur, d) {
		c.Error(proto.ErrOverflow)
		return
	}
	cur += d
	if o != nil && !o.Raw {
		o.Str = strconv.AppendInt(o.Str[:0], cur, 10)
		db.StringChanged(key, o)
	} else {
		// Redis replaces a raw string by a new integer-encoded one.
		db.SetKeepTTL(key, &Object{Type: TypeString, Str: strconv.AppendInt(nil, cur, 10)})
	}
	c.Notify(NotifyString, "incrby", key)
	c.Int(cur)
}

func cmdIncrByFloat(c *Ctx) {
	key := c.Args[1]
	db := c.DB(key)
	o := db.Peek(key, c.Now)
	cur := new(big.Float).SetPrec(ldPrec)
	if o != nil {
		s, ok := stringOf(c, o)
		if !ok {
			return
		}
		if cur, ok = ldParse(s); !ok {
			c.Error(proto.ErrNotFloat)
			return
		}
	}
	incr, ok := ldParse(c.Args[2])
	if !ok {
		c.Error(proto.ErrNotFloat)
		return
	}
	// Checking the operands first also keeps big.Float from panicking on
	// inf + -inf.
	if cur.IsInf() || incr.IsInf() || cur.Add(cur, incr).MantExp(nil) > ldMaxExp {
		c.Error("ERR increment would produce NaN or Infinity")
		return
	}
	s := ldFormat(cur)
	db.SetKeepTTL(key, &Object{Type: TypeString, Str: s})
	c.Notify(NotifyString, "incrbyfloat", key)
	c.Bulk(s)
	// The result, not the increment: replicas and AOF replays must not
	// redo floating-point arithmetic that may round differently.
	c.Propagate([]byte("SET"), key, s, []byte("KEEPTTL"))
}

// Redis 7.0 computes INCRBYFLOAT in C's long double, which on x86-64 is the
// x87 80-bit format (64-bit mantissa, 15-bit exponent), and prints the sum
// with "%.17Lf". float64 prints other digits (0.1 added three times gives
// 0.30000000000000004 where Redis says 0.3) and cannot hold 1e400, which
// Redis accepts, so the format is emulated with math/big.
const (
	ldPrec = 64
	// Exponents as big.Float.MantExp reports them, |x| = m·2^exp with
	// 0.5 <= m < 1: the largest finite value is (1-2^-64)·2^16384, the
	// smallest normal one 2^-16382 and the smallest subnormal one 2^-16445.
	ldMaxExp       = 16384
	ldMinNormalExp = -16381
	ldSubnormalLSB = 16445
	// maxLongDoubleChars is Redis's MAX_LONG_DOUBLE_CHARS: string2ld rejects
	// input of this length or more.
	maxLongDoubleChars = 5 * 1024
)

// ldParse parses b as Redis's string2ld does (strtold over the
// whole string, no leading space, no NaN, no overflow to infinity, no
// underflow to zero) and rounds it to long double.
func ldParse(b []byte) (*big.Float, bool) {
	if len(b) == 0 || len(b) >= maxLongDoubleChars || ldIsSpace(b[0]) {
		return nil, false
	}
	neg := b[0] == '-'
	if b[0] == '-' || b[0] == '+' {
		b = b[1:]
	}
	f := new(big.Float).SetPrec(ldPrec)
	var ok bool
	switch {
	case eqFold(b, "inf") || eqFold(b, "infinity"):
		// strtold returns HUGE_VALL without ERANGE here, so Redis accepts it.
		return f.SetInf(neg), true
	case len(b) > 2 && b[0] == '0' && b[1]|0x20 == 'x':
		ok = ldParseHex(f, b[2:])
	default:
		ok = ldParseDec(f, b)
	}
	if !ok || !ldFit(f) {
		return nil, false
	}
	if neg {
		f.Neg(f)
	}
	return f, true
}

func ldIsSpace(ch byte) bool {
	return ch == ' ' || ('\t' <= ch && ch <= '\r')
}

// ldScanDigits returns the digits of a mantissa with an optional point (the
// point removed), how many came after the point, and the rest of b.
func ldScanDigits(b []byte, isDigit func(byte) bool) (digits []byte, frac int, rest []byte) {
	dot := false
	i := 0
	for ; i < len(b); i++ {
		switch ch := b[i]; {
		case isDigit(ch):
			digits = append(digits, ch)
			if dot {
				frac++
			}
		case ch == '.' && !dot:
			dot = true
		default:
			return digits, frac, b[i:]
		}
	}
	return digits, frac, nil
}

// ldScanExponent parses the exponent after 'e' or 'p': an optional sign and
// at least one decimal digit, saturating far beyond any finite long double.
func ldScanExponent(b []byte) (int, bool) {
	neg := false
	if len(b) > 0 && (b[0] == '+' || b[0] == '-') {
		neg = b[0] == '-'
		b = b[1:]
	}
	if len(b) == 0 {
		return 0, false
	}
	e := 0
	for _, ch := range b {
		if ch < '0' || ch > '9' {
			return 0, false
		}
		if e < 1e9 {
			e = e*10 + int(ch-'0')
		}
	}
	if neg {
		e = -e
	}
	return e, true
}

func ldIsDecDigit(ch byte) bool { return '0' <= ch && ch <= '9' }

func ldIsHexDigit(ch byte) bool {
	return ldIsDecDigit(ch) || ('a' <= ch|0x20 && ch|0x20 <= 'f')
}

// ldParseDec sets f to the decimal literal b, correctly rounded.
func ldParseDec(f *big.Float, b []byte) bool {
	digits, frac, rest := ldScanDigits(b, ldIsDecDigit)
	if len(digits) == 0 {
		return false
	}
	exp := 0
	if len(rest) > 0 {
		var ok bool
		if rest[0]|0x20 != 'e' {
			return false
		}
		if exp, ok = ldScanExponent(rest[1:]); !ok {
			return false
		}
	}
	for len(digits) > 0 && digits[0] == '0' {
		digits = digits[1:]
	}
	if len(digits) == 0 {
		f.SetInt64(0)
		return true
	}
	exp -= frac
	// The value lies in [10^mag, 10^(mag+1)): settle what is certainly out
	// of range before computing powers of ten.
	mag := len(digits) - 1 + exp
	if mag >= 4933 || mag < -4952 {
		return false
	}
	m, _ := new(big.Int).SetString(string(digits), 10)
	ten := big.NewInt(10)
	if exp >= 0 {
		f.SetInt(m.Mul(m, ten.Exp(ten, big.NewInt(int64(exp)), nil)))
	} else {
		f.SetRat(new(big.Rat).SetFrac(m, ten.Exp(ten, big.NewInt(int64(-exp)), nil)))
	}
	return true
}

// ldParseHex sets f to the hexadecimal literal b (after "0x"), as
// strtold reads C99 hex floats.
func ldParseHex(f *big.Float, b []byte) bool {
	digits, frac, rest := ldScanDigits(b, ldIsHexDigit)
	if len(digits) == 0 {
		return false
	}
	exp := 0
	if len(rest) > 0 {
		var ok bool
		if rest[0]|0x20 != 'p' {
			return false
		}
		if exp, ok = ldScanExponent(rest[1:]); !ok {
			return false
		}
	}
	m, _ := new(big.Int).SetString(string(digits), 16)
	if m.Sign() == 0 {
		f.SetInt64(0)
		return true
	}
	exp -= 4 * frac
	if top := m.BitLen() + exp; top > ldMaxExp+1 || top < -ldSubnormalLSB-1 {
		return false
	}
	f.SetInt(m)
	f.SetMantExp(f, exp)
	return true
}

// ldFit applies long double's range to f, already rounded to 64
// bits: it reports false on overflow and on underflow to zero (strtold's
// ERANGE cases, which Redis rejects) and rounds subnormals to their
// narrower precision.
func ldFit(f *big.Float) bool {
	if f.Sign() == 0 {
		return true
	}
	exp := f.MantExp(nil)
	if exp > ldMaxExp {
		return false
	}
	if exp >= ldMinNormalExp {
		return true
	}
	bits := exp + ldSubnormalLSB
	switch {
	case bits > 0:
		f.SetPrec(uint(bits))
		f.SetPrec(ldPrec)
		return true
	case bits == 0:
		// In [2^-16446, 2^-16445): the exact half rounds to zero (even),
		// anything above to the smallest subnormal.
		mant := new(big.Float)
		f.MantExp(mant)
		if mant.Cmp(big.NewFloat(0.5)) == 0 || mant.Cmp(big.NewFloat(-0.5)) == 0 {
			return false
		}
		f.SetMantExp(big.NewFloat(float64(mant.Sign())), -ldSubnormalLSB)
		return true
	}
	return false
}

// ldFormat is Redis's ld2string in LD_STR_HUMAN mode: "%.17Lf"
// without trailing zeros, and "-0" written as "0".
func ldFormat(f *big.Float) []byte {
	b := f.Append(nil, 'f', 17)
	for b[len(b)-1] == '0' {
		b = b[:len(b)-1]
	}
	if b[len(b)-1] == '.' {
		b = b[:len(b)-1]
	}
	if string(b) == "-0" {
		b = b[1:]
	}
	return b
}

func cmdAppend(c *Ctx) {
	key, val := c.Args[1], c.Args[2]
	db := c.DB(key)
	o := db.Peek(key, c.Now)
	if o == nil {
		db.SetString(key, val, false, 0)
		c.Notify(NotifyString, "append", key)
		c.Int(int64(len(val)))
		return
	}
	s, ok := stringOf(c, o)
	if !ok || !fitsString(c, int64(len(s)), len(val)) {
		return
	}
	o.Str = append(s, val...)
	o.Raw = true
	db.StringChanged(key, o)
	c.Notify(NotifyString, "append", key)
	c.Int(int64(len(o.Str)))
}

func cmdStrlen(c *Ctx) {
	o := c.DB(c.Args[1]).Lookup(c.Args[1], c.Now)
	if o == nil {
		c.Int(0)
		return
	}
	if s, ok := stringOf(c, o); ok {
		c.Int(int64(len(s)))
	}
}

// cmdGetRange is GETRANGE and SUBSTR, with Redis's index rules: negative
// indexes count from the end, both are clamped into the string, and a
// start after the end gives the empty string.
func cmdGetRange(c *Ctx) {
	start, ok := ParseInt(c.Args[2])
	if !ok {
		c.NotInt()
		return
	}
	end, ok := ParseInt(c.Args[3])
	if !ok {
		c.NotInt()
		return
	}
	o := c.DB(c.Args[1]).Lookup(c.Args[1], c.Now)
	if o == nil {
		c.Bulk(nil)
		return
	}
	s, ok := stringOf(c, o)
	if !ok {
		return
	}
	n := int64(len(s))
	if start < 0 && end < 0 && start > end {
		c.Bulk(nil)
		return
	}
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	start, end = max(start, 0), max(end, 0)
	if end >= n {
		end = n - 1
	}
	if start > end || n == 0 {
		c.Bulk(nil)
		return
	}
	c.Bulk(s[start : end+1])
}

func cmdSetRange(c *Ctx) {
	key, val := c.Args[1], c.Args[3]
	off, ok := ParseInt(c.Args[2])
	if !ok {
		c.NotInt()
		return
	}
	if off < 0 {
		c.Error("ERR offset is out of range")
		return
	}
	db := c.DB(key)
	o := db.Peek(key, c.Now)
	if o == nil {
		// Writing nothing to a missing key creates nothing.
		if len(val) == 0 {
			c.Int(0)
			c.NoPropagate()
			return
		}
		if !fitsString(c, off, len(val)) {
			return
		}
		s := make([]byte, int(off)+len(val))
		copy(s[off:], val)
		db.Set(key, &Object{Type: TypeString, Raw: true, Str: s})
		c.Notify(NotifyString, "setrange", key)
		c.Int(int64(len(s)))
		return
	}
	s, ok := stringOf(c, o)
	if !ok {
		return
	}
	if len(val) == 0 {
		c.Int(int64(len(s)))
		c.NoPropagate()
		return
	}
	if !fitsString(c, off, len(val)) {
		return
	}
	if need := int(off) + len(val); need > len(s) {
		n := len(s)
		s = slices.Grow(s, need-n)[:need]
		// The capacity may hold bytes of an older, longer value.
		clear(s[n:])
	}
	copy(s[off:], val)
	o.Str = s
	o.Raw = true
	db.StringChanged(key, o)
	c.Notify(NotifyString, "setrange", key)
	c.Int(int64(len(s)))
}

// lcsRange is one match of LCS IDX: a[a0..a1] equals b[b0..b1].
type lcsRange struct{ a0, a1, b0, b1 int }

func cmdLCS(c *Ctx) {
	ka, kb := c.Args[1], c.Args[2]
	oa := c.DB(ka).Lookup(ka, c.Now)
	ob := c.DB(kb).Lookup(kb, c.Now)
	if (oa != nil && oa.Type != TypeString) || (ob != nil && ob.Type != TypeString) {
		c.Error("ERR The specified keys must contain string values")
		return
	}
	var a, b []byte
	if oa != nil {
		a = oa.Str
	}
	if ob != nil {
		b = ob.Str
	}
	var getLen, getIdx, withMatchLen bool
	var minMatchLen int64
	for j := 3; j < len(c.Args); j++ {
		opt := cStringArg(c.Args[j])
		switch {
		case eqFold(opt, "idx"):
			getIdx = true
		case eqFold(opt, "len"):
			getLen = true
		case eqFold(opt, "withmatchlen"):
			withMatchLen = true
		case eqFold(opt, "minmatchlen") && j+1 < len(c.Args):
			v, ok := ParseInt(c.Args[j+1])
			if !ok {
				c.NotInt()
				return
			}
			minMatchLen = max(v, 0)
			j++
		default:
			c.Syntax()
			return
		}
	}
	if getLen && getIdx {
		c.Error("ERR If you want both the length and indexes, please just use IDX.")
		return
	}
	alen, blen := len(a), len(b)
	if uint64(alen+1)*uint64(blen+1)*4 > uint64(c.e.MaxBulkLen.Load()) {
		c.Error("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len")
		return
	}
	// tbl[i*w+j] is the LCS length of a[:i] and b[:j].
	w := blen + 1
	tbl := make([]uint32, (alen+1)*w)
	for i := 1; i <= alen; i++ {
		for j := 1; j <= blen; j++ {
			if a[i-1] == b[j-1] {
				tbl[i*w+j] = tbl[(i-1)*w+j-1] + 1
			} else {
				tbl[i*w+j] = max(tbl[(i-1)*w+j], tbl[i*w+j-1])
			}
		}
	}
	total := tbl[alen*w+blen]
	if getLen {
		c.Int(int64(total))
		return
	}
	// Walk back from the end as Redis does, so that IDX lists the same
	// ranges in the same order (last match first).
	result := make([]byte, total)
	var ranges []lcsRange
	idx := total
	cur := lcsRange{a0: alen} // a0 == alen: no range open
	for i, j := alen, blen; i > 0 && j > 0; {
		emit := false
		if a[i-1] == b[j-1] {
			result[idx-1] = a[i-1]
			switch {
			case cur.a0 == alen:
				cur = lcsRange{i - 1, i - 1, j - 1, j - 1}
			case cur.a0 == i && cur.b0 == j:
				cur.a0--
				cur.b0--
			default:
				emit = true
			}
			if cur.a0 == 0 || cur.b0 == 0 {
				emit = true
			}
			idx--
			i--
			j--
		} else {
			if tbl[(i-1)*w+j] > tbl[i*w+j-1] {
				i--
			} else {
				j--
			}
			emit = cur.a0 != alen
		}
		if emit {
			if n := int64(cur.a1 - cur.a0 + 1); getIdx && (minMatchLen == 0 || n >= minMatchLen) {
				ranges = append(ranges, cur)
			}
			cur.a0 = alen
		}
	}
	if !getIdx {
		c.Bulk(result)
		return
	}
	c.Map(2)
	c.BulkString("matches")
	c.Array(len(ranges))
	for _, r := range ranges {
		if withMatchLen {
			c.Array(3)
		} else {
			c.Array(2)
		}
		c.Array(2)
		c.Int(int64(r.a0))
		c.Int(int64(r.a1))
		c.Array(2)
		c.Int(int64(r.b0))
		c.Int(int64(r.b1))
		if withMatchLen {
			c.Int(int64(r.a1 - r.a0 + 1))
		}
	}
	c.BulkString("len")
	c.Int(int64(total))
}
