package shard

import (
	"math/rand"
	"testing"
)

// TestHistogramBuckets checks the bucket arithmetic: every value lands in a
// bucket whose highest value is at or above it by at most 1/16, and bucket
// boundaries at powers of two are exact (LATENCY HISTOGRAM relies on it).
func TestHistogramBuckets(t *testing.T) {
	f := func(v uint64) {
		t.Helper()
		i := histIndex(v)
		if i < 0 || i >= histBuckets {
			t.Fatalf("histIndex(%d) = %d, out of range", v, i)
		}
		hi := histHigh(i)
		if hi < v || hi-v > v/histSub {
			t.Errorf("value %d: bucket %d reaches %d", v, i, hi)
		}
		if i > 0 && histHigh(i-1) >= v {
			t.Errorf("value %d: bucket %d below reaches %d", v, i-1, histHigh(i-1))
		}
	}
	for v := uint64(0); v < 5000; v++ {
		f(v)
	}
	rng := rand.New(rand.NewSource(1))
	checked := 0
	for ; checked < 100000; checked++ {
		f(uint64(rng.Int63n(histMaxNs + 1)))
	}
	f(histMaxNs)
	if checked != 100000 {
		t.Fatalf("checked %d random values", checked)
	}
	for k := 4; k <= 30; k++ {
		b := uint64(1) << k
		if histHigh(histIndex(b)-1) != b-1 {
			t.Errorf("2^%d is not a bucket boundary", k)
		}
	}
}

func TestHistogramPercentilesAndBelow(t *testing.T) {
	var h Histogram
	for i := 0; i < 90; i++ {
		h.record(500) // 500 ns
	}
	for i := 0; i < 10; i++ {
		h.record(2_000_000) // 2 ms
	}
	h.record(-5)  // clamped to 0
	h.record(5e9) // clamped to histMaxNs
	var s LatencyHist
	s.add(&h)
	if s.Calls != 102 {
		t.Fatalf("calls %d", s.Calls)
	}
	f := func(p float64, lo, hi uint64) {
		t.Helper()
		if v := s.Percentile(p); v < lo || v > hi {
			t.Errorf("p%v = %d, want %d..%d", p, v, lo, hi)
		}
	}
	f(0, 0, 0)
	f(50, 500, 500+500/histSub)
	f(95, 2_000_000, 2_000_000+2_000_000/histSub)
	f(100, histMaxNs, histMaxNs)
	if n := s.Below(1024); n != 91 {
		t.Errorf("Below(1024) = %d, want 91", n)
	}
	if n := s.Below(1 << 30); n != 102 {
		t.Errorf("Below(2^30) = %d, want 102", n)
	}
}

func TestCountErrorPrefixes(t *testing.T) {
	e := &Engine{}
	e.CountError([]byte("-WRONGTYPE Operation against a key\r\n"))
	e.CountError([]byte("-ERR syntax error\r\n"))
	e.CountError([]byte("-NOSPACEINTHISVERYLONGERRORPREFIXTEXT\r\n"))
	total, by := e.ErrorStats()
	if total != 3 || by["ERR"] != 2 || by["WRONGTYPE"] != 1 || len(by) != 2 {
		t.Errorf("total %d, by prefix %v", total, by)
	}
	// Past 128 prefixes, Redis 7.2 keeps only ERRORSTATS_DISABLED.
	for i := 0; i < maxErrorPrefixes; i++ {
		e.CountError([]byte("-P" + string(rune('A'+i%26)) + string(rune('A'+i/26)) + " x\r\n"))
	}
	total, by = e.ErrorStats()
	if total != 3+maxErrorPrefixes || len(by) != 1 || by[errorStatsDisabled] != 1 {
		t.Errorf("after %d prefixes: total %d, %v", maxErrorPrefixes, total, by)
	}
	e.Latency.errs.reset()
	if total, by = e.ErrorStats(); total != 0 || len(by) != 0 {
		t.Errorf("after reset: %d %v", total, by)
	}
}
