package shard

import (
	"bytes"
	"math"
	"math/bits"
	"sync"
	"sync/atomic"
	"time"
)

// Per-command latency: histograms behind LATENCY HISTOGRAM, INFO
// latencystats and the Prometheus histogram; the hook through which slow
// commands reach the slow log and the latency monitor (both kept by
// netloop); and INFO errorstats' counts by error prefix.
//
// How a command's duration is known. A part's commands share one clock
// reading (see runPart), so a command's duration is the part's elapsed time
// shared among them. While a latency consumer is on (LatencyConfig non-nil),
// commands without the fast flag in parts of more than one command get a
// clock reading of their own: they are the ones that can be slow (KEYS,
// SUNIONSTORE, DEBUG SLEEP), and a share would hide one slow command among
// many fast ones. Fast commands (GET, SET, INCR, ...) are O(1), so their
// share of what the timed ones left is their duration: a slow log threshold
// is crossed by a fast command only when the whole part was stalled (a GC
// pause, preemption), and then every command of the part shows the stall.
// The hot path pays one atomic load per part, and nothing per command
// beyond a flag test.

const (
	// histSubBits sets the histogram's precision: 16 buckets per power of
	// two, so a value is reported at most 1/16 above itself (HdrHistogram
	// with 2 significant digits, Redis's setting, is within 1%).
	histSubBits = 4
	histSub     = 1 << histSubBits
	// histMaxNs is the largest value recorded; longer durations count as
	// it. Redis's histograms stop at 1 s too.
	histMaxNs = 1<<30 - 1
	// histBuckets covers 0 .. histMaxNs.
	histBuckets = histSub + (30-histSubBits)*histSub
)

// histIndex returns the bucket of a duration in ns.
func histIndex(ns uint64) int {
	if ns < histSub {
		return int(ns)
	}
	e := bits.Len64(ns) - histSubBits - 1
	return e*histSub + int(ns>>uint(e))
}

// histHigh returns the largest value that falls in bucket i.
func histHigh(i int) uint64 {
	if i < histSub {
		return uint64(i)
	}
	e := i/histSub - 1
	lo := uint64(i%histSub+histSub) << uint(e)
	return lo + 1<<uint(e) - 1
}

// Histogram counts durations in log-linear buckets. Counters are atomics:
// the connection layer's histograms have one writer per event loop.
type Histogram struct {
	counts [histBuckets]atomic.Uint64
	sumNs  atomic.Uint64
}

func (h *Histogram) record(ns int64) {
	v := uint64(max(ns, 0))
	if v > histMaxNs {
		v = histMaxNs
	}
	h.counts[histIndex(v)].Add(1)
	h.sumNs.Add(v)
}

// LatencyHist is a histogram's counts read at one moment.
type LatencyHist struct {
	Counts [histBuckets]uint64
	Calls  uint64
	SumNs  uint64
}

func (s *LatencyHist) add(h *Histogram) {
	for i := range h.counts {
		n := h.counts[i].Load()
		s.Counts[i] += n
		s.Calls += n
	}
	s.SumNs += h.sumNs.Load()
}

// Percentile returns the duration in ns under which p percent of the calls
// fell, as HdrHistogram's value_at_percentile does: the highest value of
// the bucket holding that call.
func (s *LatencyHist) Percentile(p float64) uint64 {
	if s.Calls == 0 {
		return 0
	}
	want := uint64(math.Min(p, 100)/100*float64(s.Calls) + 0.5)
	want = max(want, 1)
	var seen uint64
	for i, n := range s.Counts {
		seen += n
		if seen >= want {
			return histHigh(i)
		}
	}
	return histMaxNs
}

// Below returns how many calls took less than ns, which must be a power of
// two of at least 16 (a bucket boundary, so the count is exact).
func (s *LatencyHist) Below(ns uint64) uint64 {
	var n uint64
	for i := 0; i < histIndex(ns); i++ {
		n += s.Counts[i]
	}
	return n
}

// SlowFunc receives a command whose duration reached the slow log or
// latency monitor threshold. It runs with the command's shards held; args
// are valid only during the call. b identifies the client (nil when the
// command did not come from a batch).
type SlowFunc func(b *Batch, cmd *Command, args [][]byte, ns int64)

// LatencyConfig says which latency consumers are on.
type LatencyConfig struct {
	// Track fills the per-command histograms (latency-tracking).
	Track bool
	// SlowNs and MonitorNs are the slow log's and the latency monitor's
	// thresholds in ns; math.MaxInt64 when off.
	SlowNs, MonitorNs int64
	Slow              SlowFunc
}

// Latency is the engine's latency and error bookkeeping.
type Latency struct {
	conf atomic.Pointer[LatencyConfig]
	once sync.Once
	// hist[owner*ncmd+id]: owners are the shards, then the connection layer.
	hist []atomic.Pointer[Histogram]
	ncmd int
	errs errorStats
}

// SetLatency switches the latency consumers; a config with nothing on
// turns recording off entirely.
func (e *Engine) SetLatency(c LatencyConfig) {
	e.initLatency()
	if !c.Track && c.SlowNs == math.MaxInt64 && c.MonitorNs == math.MaxInt64 {
		e.Latency.conf.Store(nil)
		return
	}
	e.Latency.conf.Store(&c)
}

// LatencyOn returns the latency configuration, nil when nothing records.
func (e *Engine) LatencyOn() *LatencyConfig { return e.Latency.conf.Load() }

func (e *Engine) initLatency() {
	l := &e.Latency
	l.once.Do(func() {
		l.ncmd = e.Table.Count()
		l.hist = make([]atomic.Pointer[Histogram], (int(e.n)+1)*l.ncmd)
	})
}

// record accounts one command's duration for owner, the shard whose
// statistics it updates.
func (e *Engine) record(conf *LatencyConfig, owner int, b *Batch, cmd *Command, args [][]byte, ns int64) {
	if conf.Track {
		e.histogram(owner, cmd.id).record(ns)
	}
	if ns >= conf.SlowNs || ns >= conf.MonitorNs {
		conf.Slow(b, cmd, args, ns)
	}
}

// RecordConn accounts a connection command that took ns in its histogram.
// It reports whether the command reached the slow log or latency monitor
// threshold: the connection layer, which knows the client, records it.
func (e *Engine) RecordConn(conf *LatencyConfig, cmd *Command, ns int64) bool {
	if conf.Track {
		e.histogram(int(e.n), cmd.id).record(ns)
	}
	return ns >= conf.SlowNs || ns >= conf.MonitorNs
}

func (e *Engine) histogram(owner, id int) *Histogram {
	slot := &e.Latency.hist[owner*e.Latency.ncmd+id]
	h := slot.Load()
	if h == nil {
		h = new(Histogram)
		if !slot.CompareAndSwap(nil, h) {
			h = slot.Load()
		}
	}
	return h
}

// accountPart gives each call of a part its duration (see the top of this
// file), for INFO commandstats and the latency consumers.
func (e *Engine) accountPart(s *Shard, p *part, conf *LatencyConfig, elapsed time.Duration) {
	share := int64(elapsed)
	if len(p.calls) > 1 {
		rest, shared := share, 0
		for i := range p.calls {
			if ns := p.calls[i].ns; ns != 0 {
				rest -= ns
			} else {
				shared++
			}
		}
		if shared > 0 {
			share = max(rest, 0) / int64(shared)
		}
	}
	for i := range p.calls {
		c := &p.calls[i]
		ns := share
		if c.ns != 0 {
			ns = c.ns
		}
		s.cmds[c.cmd.id].addUsec(uint64(ns / 1000))
		e.record(conf, s.id, p.b, c.cmd, c.args, ns)
	}
}

// LatencyHist sums command id's histograms over their owners; ok is false
// when the command has no recorded call.
func (e *Engine) LatencyHist(id int) (h LatencyHist, ok bool) {
	e.initLatency()
	l := &e.Latency
	for owner := 0; owner <= int(e.n); owner++ {
		if p := l.hist[owner*l.ncmd+id].Load(); p != nil {
			h.add(p)
			ok = true
		}
	}
	return h, ok
}

// ResetLatency drops every histogram (CONFIG RESETSTAT). A command running
// meanwhile may record into a histogram just dropped; that one call is lost.
func (e *Engine) ResetLatency() {
	e.initLatency()
	for i := range e.Latency.hist {
		e.Latency.hist[i].Store(nil)
	}
	e.Latency.errs.reset()
}

// maxErrorPrefixes is Redis 7.2's ERROR_STATS_NUMBER; errorStatsDisabled
// the one prefix kept once more were seen.
const (
	maxErrorPrefixes   = 128
	errorStatsDisabled = "ERRORSTATS_DISABLED"
)

// errorStats counts error replies by prefix (INFO errorstats). Errors are
// the rare path: one mutex is enough.
type errorStats struct {
	mu       sync.Mutex
	total    uint64
	byPrefix map[string]uint64
	disabled bool
}

// CountError accounts an error reply ("-PREFIX message\r\n") as Redis's
// afterErrorReply does: the prefix is the text before the first space
// within 32 bytes, else ERR.
func (e *Engine) CountError(reply []byte) {
	prefix := []byte("ERR")
	if sp := bytes.IndexByte(reply[:min(len(reply), 32)], ' '); sp > 1 && reply[0] == '-' {
		prefix = reply[1:sp]
	}
	es := &e.Latency.errs
	es.mu.Lock()
	defer es.mu.Unlock()
	es.total++
	if es.disabled {
		return
	}
	if es.byPrefix == nil {
		es.byPrefix = make(map[string]uint64)
	}
	if _, ok := es.byPrefix[string(prefix)]; !ok && len(es.byPrefix) >= maxErrorPrefixes {
		// Redis 7.2 stops keeping prefixes so that errors with varied
		// prefixes cannot grow the table without bound.
		es.byPrefix = map[string]uint64{errorStatsDisabled: 1}
		es.disabled = true
		return
	}
	es.byPrefix[string(prefix)]++
}

// ErrorStats returns the error replies since the start or CONFIG RESETSTAT:
// the total and the counts by prefix.
func (e *Engine) ErrorStats() (total uint64, byPrefix map[string]uint64) {
	es := &e.Latency.errs
	es.mu.Lock()
	defer es.mu.Unlock()
	byPrefix = make(map[string]uint64, len(es.byPrefix))
	for k, v := range es.byPrefix {
		byPrefix[k] = v
	}
	return es.total, byPrefix
}

func (es *errorStats) reset() {
	es.mu.Lock()
	es.total, es.byPrefix, es.disabled = 0, nil, false
	es.mu.Unlock()
}
