package shard

import (
	"errors"
	"math"
	"strconv"

	"github.com/shoal-db/shoal/shard/zset"
)

// Scores, weights and score ranges are parsed the way Redis 7.0 parses them:
// with C's strtod, whose grammar (leading white space, hexadecimal floats,
// "infinity", "nan(...)") differs from strconv's, wrapped in the checks of
// getDoubleFromObject (scores) or zslParseRange (range bounds).

func strtodSpace(ch byte) bool { return ch == ' ' || ch >= '\t' && ch <= '\r' }

func strtodHexDigit(ch byte) bool {
	return ch >= '0' && ch <= '9' || ch|0x20 >= 'a' && ch|0x20 <= 'f'
}

func strtodPrefix(b []byte, word string) bool {
	return len(b) >= len(word) && eqFold(b[:len(word)], word)
}

// cStrtod reads a number at the start of b as glibc's strtod does and
// returns it with the number of bytes used (0 when b does not start with a
// number). erange reports a finite number too large (the result is then
// ±Inf) or too small but not zero (the result is then 0).
func cStrtod(b []byte) (v float64, n int, erange bool) {
	i := 0
	for i < len(b) && strtodSpace(b[i]) {
		i++
	}
	neg := false
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		neg = b[i] == '-'
		i++
	}
	rest := b[i:]
	switch {
	case strtodPrefix(rest, "infinity"):
		v, n = math.Inf(1), i+8
	case strtodPrefix(rest, "inf"):
		v, n = math.Inf(1), i+3
	case strtodPrefix(rest, "nan"):
		v, n = math.NaN(), i+3
		// An optional "(chars)" belongs to the NaN only when it is closed.
		if j := n; j < len(b) && b[j] == '(' {
			for j++; j < len(b) && (b[j] == '_' || b[j] >= '0' && b[j] <= '9' || b[j]|0x20 >= 'a' && b[j]|0x20 <= 'z'); j++ {
			}
			if j < len(b) && b[j] == ')' {
				n = j + 1
			}
		}
	case len(rest) > 2 && rest[0] == '0' && rest[1]|0x20 == 'x':
		v, n, erange = strtodHex(b, i)
	default:
		v, n, erange = strtodDec(b, i)
	}
	if n == 0 {
		return 0, 0, false
	}
	if neg {
		v = -v
	}
	return v, n, erange
}

// strtodDec reads the decimal number starting at b[i].
func strtodDec(b []byte, i int) (float64, int, bool) {
	start := i
	digits, nonzero := 0, false
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		digits++
		nonzero = nonzero || b[i] != '0'
	}
	if i < len(b) && b[i] == '.' {
		for i++; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
			digits++
			nonzero = nonzero || b[i] != '0'
		}
	}
	if digits == 0 {
		return 0, 0, false
	}
	i = strtodExponent(b, i, 'e')
	return strtodFinish(string(b[start:i]), i, nonzero)
}

// strtodHex reads the hexadecimal number "0x…" starting at b[i].
func strtodHex(b []byte, i int) (float64, int, bool) {
	j := i + 2
	mant := j
	digits, nonzero := 0, false
	for ; j < len(b) && strtodHexDigit(b[j]); j++ {
		digits++
		nonzero = nonzero || b[j] != '0'
	}
	if j < len(b) && b[j] == '.' {
		for j++; j < len(b) && strtodHexDigit(b[j]); j++ {
			digits++
			nonzero = nonzero || b[j] != '0'
		}
	}
	if digits == 0 {
		// "0x" without hex digits is the number 0 followed by "x…".
		return 0, i + 1, false
	}
	end := strtodExponent(b, j, 'p')
	text := "0x" + string(b[mant:j])
	if end > j {
		text += string(b[j:end])
	} else {
		// strconv requires the binary exponent that C makes optional.
		text += "p0"
	}
	return strtodFinish(text, end, nonzero)
}

// strtodExponent returns where an exponent (marker e or p) starting at b[i]
// ends, or i when there is no complete one.
func strtodExponent(b []byte, i int, marker byte) int {
	if i >= len(b) || b[i]|0x20 != marker {
		return i
	}
	j := i + 1
	if j < len(b) && (b[j] == '+' || b[j] == '-') {
		j++
	}
	if j >= len(b) || b[j] < '0' || b[j] > '9' {
		return i
	}
	for j < len(b) && b[j] >= '0' && b[j] <= '9' {
		j++
	}
	return j
}

func strtodFinish(text string, n int, nonzero bool) (float64, int, bool) {
	v, err := strconv.ParseFloat(text, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		panic("BUG: strtod built an unparsable number " + strconv.Quote(text))
	}
	return v, n, err != nil || v == 0 && nonzero
}

// parseScore parses a score, increment or weight as Redis's
// getDoubleFromObject does: the whole argument is one number, with no
// leading space, not NaN, and neither overflowing nor underflowing to zero.
func parseScore(b []byte) (float64, bool) {
	if len(b) == 0 || strtodSpace(b[0]) {
		return 0, false
	}
	v, n, erange := cStrtod(b)
	if n != len(b) || erange || math.IsNaN(v) {
		return 0, false
	}
	return v, true
}

// parseScoreBound parses one end of a score range as zslParseRange does: a
// '(' makes it exclusive, and strtod must stop at the end of the argument
// as a C string (so leading spaces pass, and so does an empty number).
func parseScoreBound(b []byte) (v float64, ex, ok bool) {
	if len(b) > 0 && b[0] == '(' {
		ex = true
		b = b[1:]
	}
	v, n, _ := cStrtod(b)
	if n < len(b) && b[n] != 0 || math.IsNaN(v) {
		return 0, false, false
	}
	return v, ex, true
}

// parseScoreRange parses the min and max of ZRANGEBYSCORE and friends,
// replying Redis's error when they are not valid.
func parseScoreRange(c *Ctx, min, max []byte) (zset.ScoreRange, bool) {
	var r zset.ScoreRange
	var okMin, okMax bool
	r.Min, r.MinEx, okMin = parseScoreBound(min)
	r.Max, r.MaxEx, okMax = parseScoreBound(max)
	if !okMin || !okMax {
		c.Error("ERR min or max is not a float")
		return r, false
	}
	return r, true
}

// parseLexBound parses one end of a lex range: "-", "+", "[value" or
// "(value". Like Redis it looks at "-" and "+" as C strings.
func parseLexBound(b []byte) (zset.LexBound, bool) {
	if len(b) == 0 {
		return zset.LexBound{}, false
	}
	switch b[0] {
	case '+', '-':
		if len(b) > 1 && b[1] != 0 {
			return zset.LexBound{}, false
		}
		inf := int8(1)
		if b[0] == '-' {
			inf = -1
		}
		return zset.LexBound{Inf: inf, Ex: true}, true
	case '(':
		return zset.LexBound{Value: string(b[1:]), Ex: true}, true
	case '[':
		return zset.LexBound{Value: string(b[1:])}, true
	}
	return zset.LexBound{}, false
}

// parseLexRange parses the min and max of ZRANGEBYLEX and friends, replying
// Redis's error when they are not valid.
func parseLexRange(c *Ctx, min, max []byte) (zset.LexRange, bool) {
	lo, okMin := parseLexBound(min)
	hi, okMax := parseLexBound(max)
	if !okMin || !okMax {
		c.Error("ERR min or max not valid string range item")
		return zset.LexRange{}, false
	}
	return zset.LexRange{Min: lo, Max: hi}, true
}
