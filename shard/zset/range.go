package zset

import "strings"

// ScoreRange is the min and max of ZRANGEBYSCORE and friends; an exclusive
// bound is written "(x" by the client.
type ScoreRange struct {
	Min, Max     float64
	MinEx, MaxEx bool
}

func (r *ScoreRange) gteMin(score float64) bool {
	if r.MinEx {
		return score > r.Min
	}
	return score >= r.Min
}

func (r *ScoreRange) lteMax(score float64) bool {
	if r.MaxEx {
		return score < r.Max
	}
	return score <= r.Max
}

// LexBound is one end of a ZRANGEBYLEX range: "-" and "+" sort below and
// above every string, "[v" includes v and "(v" excludes it.
type LexBound struct {
	// Inf is -1 for "-", +1 for "+", 0 when Value is the bound.
	Inf   int8
	Value string
	Ex    bool
}

// LexRange is the min and max of ZRANGEBYLEX and friends.
type LexRange struct {
	Min, Max LexBound
}

// cmpLex compares member with a bound's value, as Redis's sdscmplex does.
func cmpLex(member string, b *LexBound) int {
	if b.Inf != 0 {
		return -int(b.Inf)
	}
	return strings.Compare(member, b.Value)
}

func (r *LexRange) gteMin(member string) bool {
	c := cmpLex(member, &r.Min)
	if r.Min.Ex {
		return c > 0
	}
	return c >= 0
}

func (r *LexRange) lteMax(member string) bool {
	c := cmpLex(member, &r.Max)
	if r.Max.Ex {
		return c < 0
	}
	return c <= 0
}

// empty reports a range that no string can fall in (min above max, or
// min equal to max with an exclusive end), whatever the set holds.
func (r *LexRange) empty() bool {
	var c int
	switch {
	case r.Min.Inf == r.Max.Inf && r.Min.Inf != 0:
		// "-" against "-" (or "+" against "+") is the same bound: Redis
		// compares the shared objects by address and finds them equal.
		c = 0
	case r.Min.Inf != 0:
		c = int(r.Min.Inf)
	case r.Max.Inf != 0:
		c = -int(r.Max.Inf)
	default:
		c = strings.Compare(r.Min.Value, r.Max.Value)
	}
	return c > 0 || c == 0 && (r.Min.Ex || r.Max.Ex)
}

func (r *ScoreRange) empty() bool {
	return r.Min > r.Max || r.Min == r.Max && (r.MinEx || r.MaxEx)
}
