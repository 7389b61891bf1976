package proto

import (
	"math"
	"strconv"
)

// The Append functions append one reply (or the header of an aggregate
// reply, whose elements follow) to dst and return the extended buffer, like
// strconv.AppendInt. Functions taking resp3 pick the RESP3 type or its RESP2
// stand-in, as Redis does for clients that did not say HELLO 3.

// AppendSimple appends a simple string reply. s must not contain CR or LF.
func AppendSimple(dst []byte, s string) []byte {
	dst = append(dst, '+')
	dst = append(dst, s...)
	return append(dst, '\r', '\n')
}

// AppendError appends an error reply. msg starts with its code ("ERR syntax
// error", "WRONGTYPE ..."). CR and LF in msg, which often echoes client
// input, become spaces as in Redis, so the reply cannot break the framing.
func AppendError(dst []byte, msg string) []byte {
	dst = append(dst, '-')
	start := len(dst)
	dst = append(dst, msg...)
	for i := start; i < len(dst); i++ {
		if dst[i] == '\r' || dst[i] == '\n' {
			dst[i] = ' '
		}
	}
	return append(dst, '\r', '\n')
}

// AppendInt appends an integer reply.
func AppendInt(dst []byte, n int64) []byte {
	dst = append(dst, ':')
	dst = strconv.AppendInt(dst, n, 10)
	return append(dst, '\r', '\n')
}

// AppendBulk appends a bulk string reply.
func AppendBulk(dst, b []byte) []byte {
	dst = appendBulkHeader(dst, len(b))
	dst = append(dst, b...)
	return append(dst, '\r', '\n')
}

// AppendBulkString appends a bulk string reply.
func AppendBulkString(dst []byte, s string) []byte {
	dst = appendBulkHeader(dst, len(s))
	dst = append(dst, s...)
	return append(dst, '\r', '\n')
}

// AppendBulkInt appends the decimal text of n as a bulk string reply.
func AppendBulkInt(dst []byte, n int64) []byte {
	var digits [20]byte
	d := strconv.AppendInt(digits[:0], n, 10)
	dst = appendBulkHeader(dst, len(d))
	dst = append(dst, d...)
	return append(dst, '\r', '\n')
}

// AppendNull appends a null bulk string.
func AppendNull(dst []byte, resp3 bool) []byte {
	if resp3 {
		return append(dst, "_\r\n"...)
	}
	return append(dst, "$-1\r\n"...)
}

// AppendNullArray appends a null array.
func AppendNullArray(dst []byte, resp3 bool) []byte {
	if resp3 {
		return append(dst, "_\r\n"...)
	}
	return append(dst, "*-1\r\n"...)
}

// AppendArrayLen appends the header of an array of n elements.
func AppendArrayLen(dst []byte, n int) []byte {
	if uint(n) < headerCache {
		return append(dst, arrayHeaders[n]...)
	}
	return appendLen(dst, '*', n)
}

// AppendMapLen appends the header of a map of n key-value pairs, which RESP2
// sends as a flat array of 2n elements.
func AppendMapLen(dst []byte, n int, resp3 bool) []byte {
	if resp3 {
		return appendLen(dst, '%', n)
	}
	return AppendArrayLen(dst, 2*n)
}

// AppendSetLen appends the header of a set of n elements.
func AppendSetLen(dst []byte, n int, resp3 bool) []byte {
	if resp3 {
		return appendLen(dst, '~', n)
	}
	return AppendArrayLen(dst, n)
}

// AppendPushLen appends the header of an out-of-band push message of n
// elements (pub/sub messages, invalidations).
func AppendPushLen(dst []byte, n int, resp3 bool) []byte {
	if resp3 {
		return appendLen(dst, '>', n)
	}
	return AppendArrayLen(dst, n)
}

// AppendDouble appends a double reply; RESP2 has no double type and gets the
// same text as a bulk string.
func AppendDouble(dst []byte, f float64, resp3 bool) []byte {
	if resp3 {
		dst = append(dst, ',')
		dst = FormatDouble(dst, f)
		return append(dst, '\r', '\n')
	}
	var text [32]byte
	t := FormatDouble(text[:0], f)
	dst = appendBulkHeader(dst, len(t))
	dst = append(dst, t...)
	return append(dst, '\r', '\n')
}

// FormatDouble appends f as Redis 7.0 prints doubles: "inf" and "-inf" spelt
// out, everything else as C's "%.17g" (which is what strconv's 'g' format with
// 17 digits produces, exponent style included: 1e+20, 1.0000000000000001e-05).
func FormatDouble(dst []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	case math.IsNaN(f):
		// Commands refuse to produce NaN; should one slip through, this is
		// glibc's spelling (less the sign it gives negative NaNs).
		return append(dst, "nan"...)
	}
	return strconv.AppendFloat(dst, f, 'g', 17, 64)
}

// AppendBool appends a boolean, which RESP2 sends as the integer 1 or 0.
func AppendBool(dst []byte, b bool, resp3 bool) []byte {
	switch {
	case resp3 && b:
		return append(dst, "#t\r\n"...)
	case resp3:
		return append(dst, "#f\r\n"...)
	case b:
		return append(dst, ":1\r\n"...)
	default:
		return append(dst, ":0\r\n"...)
	}
}

// AppendVerbatim appends a verbatim string: b tagged with a three-letter
// format such as "txt" or "mkd". Like Redis, a shorter format is padded with
// spaces and a longer one cut. RESP2 gets b as a plain bulk string.
func AppendVerbatim(dst []byte, format string, b []byte, resp3 bool) []byte {
	if !resp3 {
		return AppendBulk(dst, b)
	}
	dst = appendLen(dst, '=', len(b)+4)
	for i := range 3 {
		if i < len(format) {
			dst = append(dst, format[i])
		} else {
			dst = append(dst, ' ')
		}
	}
	dst = append(dst, ':')
	dst = append(dst, b...)
	return append(dst, '\r', '\n')
}

func appendBulkHeader(dst []byte, n int) []byte {
	if uint(n) < headerCache {
		return append(dst, bulkHeaders[n]...)
	}
	return appendLen(dst, '$', n)
}

func appendLen(dst []byte, kind byte, n int) []byte {
	dst = append(dst, kind)
	dst = strconv.AppendInt(dst, int64(n), 10)
	return append(dst, '\r', '\n')
}

// headerCache is how many "*N\r\n" and "$N\r\n" headers are preformatted:
// replies to typical keys, values and small aggregates then copy one short
// string instead of formatting a number (see writer_timing_test.go).
const headerCache = 1024

var arrayHeaders, bulkHeaders = makeHeaders('*'), makeHeaders('$')

func makeHeaders(kind byte) []string {
	h := make([]string, headerCache)
	for n := range h {
		h[n] = string(appendLen(nil, kind, n))
	}
	return h
}
