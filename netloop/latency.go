package netloop

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/shoal-db/shoal/proto"
	"github.com/shoal-db/shoal/shard"
)

// latencyTSLen is how many samples an event keeps (Redis's LATENCY_TS_LEN).
const latencyTSLen = 160

type latencySample struct{ unix, ms int64 }

// latencySeries is one event's samples: at most one per second, the worst.
type latencySeries struct {
	samples [latencyTSLen]latencySample
	idx     int
	max     int64
}

// latencyMonitor is LATENCY's store of events ("command", "fast-command").
type latencyMonitor struct {
	mu     sync.Mutex
	events map[string]*latencySeries
	order  []string // first-seen order, for LATEST and DOCTOR
}

// add records a spike as Redis's latencyAddSample does.
func (m *latencyMonitor) add(event string, ms, now int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ts := m.events[event]
	if ts == nil {
		if m.events == nil {
			m.events = make(map[string]*latencySeries)
		}
		ts = &latencySeries{}
		m.events[event] = ts
		m.order = append(m.order, event)
	}
	ts.max = max(ts.max, ms)
	prev := &ts.samples[(ts.idx+latencyTSLen-1)%latencyTSLen]
	if prev.unix == now {
		prev.ms = max(prev.ms, ms)
		return
	}
	ts.samples[ts.idx] = latencySample{unix: now, ms: ms}
	ts.idx = (ts.idx + 1) % latencyTSLen
}

// history returns an event's samples, oldest first, or none for an unknown
// event (event names are case-sensitive, as in Redis).
func (m *latencyMonitor) history(event string) []latencySample {
	for _, ev := range m.snapshot() {
		if ev.name == event {
			return ev.samples
		}
	}
	return nil
}

type latestEvent struct {
	name         string
	last         latencySample
	allTimeMaxMs int64
	samples      []latencySample // oldest first
}

// snapshot copies every event, in first-seen order.
func (m *latencyMonitor) snapshot() []latestEvent {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]latestEvent, 0, len(m.order))
	for _, name := range m.order {
		ts := m.events[name]
		ev := latestEvent{name: name, last: ts.samples[(ts.idx+latencyTSLen-1)%latencyTSLen], allTimeMaxMs: ts.max}
		for j := 0; j < latencyTSLen; j++ {
			if smp := ts.samples[(ts.idx+j)%latencyTSLen]; smp.unix != 0 {
				ev.samples = append(ev.samples, smp)
			}
		}
		out = append(out, ev)
	}
	return out
}

// reset drops the named events (case-insensitively), or all when none is
// named, and returns how many were dropped.
func (m *latencyMonitor) reset(names [][]byte) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	kept := m.order[:0]
	for _, ev := range m.order {
		drop := len(names) == 0
		for _, want := range names {
			drop = drop || strings.EqualFold(ev, string(want))
		}
		if drop {
			delete(m.events, ev)
			n++
		} else {
			kept = append(kept, ev)
		}
	}
	m.order = kept
	return n
}

func (s *Server) registerLatency(t *shard.Table) {
	sub := func(name string, arity int, summary string, run func(*shard.Ctx)) *shard.Command {
		return &shard.Command{Name: name, Arity: arity, Flags: shard.FlagAdmin | shard.FlagNoScript | shard.FlagLoading | shard.FlagStale,
			Group: "server", Since: "2.8.13", Summary: summary, Complexity: "O(1)", ACL: []string{"admin", "slow", "dangerous"}, Run: run}
	}
	histogram := sub("histogram", -2, "Returns the cumulative distribution of latencies of a subset or all commands.", s.cmdLatencyHistogram)
	histogram.Since, histogram.Complexity = "7.0.0", "O(N) where N is the number of commands with latency information being retrieved."
	help := sub("help", 2, "Returns helpful text about the different subcommands.", cmdLatencyHelp)
	help.Flags, help.ACL = shard.FlagLoading|shard.FlagStale, []string{"slow"}
	t.Add(&shard.Command{Name: "latency", Arity: -2, Group: "server", Since: "2.8.13", Summary: "A container for latency diagnostics commands.",
		Complexity: "Depends on subcommand.", ACL: []string{"slow"}, Run: cmdLatencyUnknown,
		Subcommands: []*shard.Command{
			sub("doctor", 2, "Returns a human-readable latency analysis report.", s.cmdLatencyDoctor),
			histogram,
			sub("history", 3, "Returns timestamp-latency samples for an event.", s.cmdLatencyHistory),
			sub("latest", 2, "Returns the latest latency samples for all events.", s.cmdLatencyLatest),
			sub("reset", -2, "Resets the latency data for one or more events.", s.cmdLatencyReset),
			help,
		}})
}

func cmdLatencyUnknown(c *shard.Ctx) { c.Error(proto.UnknownSubcommand(c.Args[1], "latency")) }

func (s *Server) cmdLatencyLatest(c *shard.Ctx) {
	evs := s.lat.mon.snapshot()
	c.Array(len(evs))
	for _, ev := range evs {
		c.Array(4)
		c.BulkString(ev.name)
		c.Int(ev.last.unix)
		c.Int(ev.last.ms)
		c.Int(ev.allTimeMaxMs)
	}
}

func (s *Server) cmdLatencyHistory(c *shard.Ctx) {
	samples := s.lat.mon.history(string(c.Args[2]))
	c.Array(len(samples))
	for _, smp := range samples {
		c.Array(2)
		c.Int(smp.unix)
		c.Int(smp.ms)
	}
}

func (s *Server) cmdLatencyReset(c *shard.Ctx) {
	c.Int(int64(s.lat.mon.reset(c.Args[2:])))
}

func cmdLatencyHelp(c *shard.Ctx) {
	helpReply(c, "LATENCY", []string{
		"DOCTOR",
		"    Return a human readable latency analysis report.",
		"HISTORY <event>",
		"    Return time-latency samples for the <event> class.",
		"LATEST",
		"    Return the latest latency samples for all events.",
		"RESET [<event> ...]",
		"    Reset latency data of one or more <event> classes.",
		"    (default: reset all data for all event classes)",
		"HISTOGRAM [COMMAND ...]",
		"    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
		"    If no commands are specified then all histograms are replied.",
	})
}

// cmdLatencyHistogram answers with Redis 7's shape: a map from command name
// to {calls, histogram_usec}, the latter a map from a bucket's upper bound
// in µs to the calls at or under it, for the buckets that added calls.
func (s *Server) cmdLatencyHistogram(c *shard.Ctx) {
	e := c.Engine()
	var cmds []*shard.Command
	if len(c.Args) == 2 {
		for id := 0; id < e.Table.Count(); id++ {
			cmds = append(cmds, e.Table.ByID(id))
		}
	} else {
		for _, name := range c.Args[2:] {
			cmd := lookupFull(e.Table, name)
			if cmd == nil {
				continue
			}
			cmds = append(cmds, cmd)
			cmds = append(cmds, cmd.Subcommands...)
		}
	}
	type row struct {
		name string
		h    shard.LatencyHist
	}
	var rows []row
	for _, cmd := range cmds {
		if h, ok := e.LatencyHist(cmd.ID()); ok && h.Calls > 0 {
			rows = append(rows, row{cmd.Name, h})
		}
	}
	c.Map(len(rows))
	for _, r := range rows {
		c.BulkString(r.name)
		c.Map(2)
		c.BulkString("calls")
		c.Int(int64(r.h.Calls))
		c.BulkString("histogram_usec")
		var labels, counts []int64
		var prev uint64
		for _, b := range HistogramBuckets() {
			if n := r.h.Below(b.Below); n > prev {
				labels, counts = append(labels, b.LabelUsec), append(counts, int64(n))
				prev = n
			}
		}
		c.Map(len(labels))
		for i := range labels {
			c.Int(labels[i])
			c.Int(counts[i])
		}
	}
}

// HistogramBucket is one bucket of LATENCY HISTOGRAM and of the Prometheus
// histogram: the calls that took less than Below ns. LabelUsec is the
// label Redis gives the same bucket: HdrHistogram's highest value
// equivalent to Below at two significant digits, in µs. (Redis's bucket
// also holds calls up to that value, 0.8% above Below.)
type HistogramBucket struct {
	Below     uint64
	LabelUsec int64
}

// HistogramBuckets lists the buckets: powers of two from 1024 ns, as Redis
// iterates its histograms, up to the 1 s the histograms hold.
func HistogramBuckets() []HistogramBucket {
	out := make([]HistogramBucket, 0, 21)
	for k := 0; k <= 20; k++ {
		below := uint64(1024) << uint(k)
		out = append(out, HistogramBucket{Below: below, LabelUsec: int64(below+(8<<uint(k))-1) / 1000})
	}
	return out
}

func (s *Server) cmdLatencyDoctor(c *shard.Ctx) {
	c.Verbatim([]byte(s.latencyReport(time.Now().Unix())))
}

// latencyReport is Redis's createLatencyReport for the events Shoal
// records (command, fast-command).
func (s *Server) latencyReport(now int64) string {
	evs := s.lat.mon.snapshot()
	threshold := s.Config.Int64("latency-monitor-threshold")
	if len(evs) == 0 && threshold == 0 {
		return "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n"
	}
	if len(evs) == 0 {
		return "Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n"
	}
	var b strings.Builder
	b.WriteString("Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n")
	slowlogUs := s.Config.Int64("slowlog-log-slower-than")
	var slowlogEnable, slowlogTune, commands, scheduler bool
	for i, ev := range evs {
		var sum, minT int64
		for j, smp := range ev.samples {
			sum += smp.ms
			if j == 0 || smp.unix < minT {
				minT = smp.unix
			}
		}
		n := int64(len(ev.samples))
		avg, period := int64(0), int64(0)
		if n > 0 {
			avg = sum / n
			period = max(now-minT, 1)
		}
		var mad int64
		for _, smp := range ev.samples {
			d := avg - smp.ms
			mad += max(d, -d)
		}
		if n > 0 {
			mad /= n
		}
		fmt.Fprintf(&b, "%d. %s: %d latency spikes (average %dms, mean deviation %dms, period %.2f sec). Worst all time event %dms.\n",
			i+1, ev.name, n, avg, mad, float64(period)/float64(n), ev.allTimeMaxMs)
		switch ev.name {
		case "command":
			if slowlogUs < 0 {
				slowlogEnable = true
			} else if slowlogUs/1000 > threshold {
				slowlogTune = true
			}
			commands = true
		case "fast-command":
			scheduler = true
		}
	}
	b.WriteString("\nI have a few advices for you:\n\n")
	if slowlogEnable {
		fmt.Fprintf(&b, "- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than %d'. If the Slow log is disabled Redis is not able to log slow commands execution for you.\n", threshold*1000)
	}
	if slowlogTune {
		fmt.Fprintf(&b, "- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than %d'.\n", threshold*1000)
	}
	if commands {
		b.WriteString("- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n")
	}
	if scheduler {
		b.WriteString("- The system is slow to execute Redis code paths not containing system calls. This usually means the system does not provide Redis CPU time to run for long periods. You should try to:\n" +
			"  1) Lower the system load.\n" +
			"  2) Use a computer / VM just for Redis if you are running other software in the same system.\n" +
			"  3) Check if you have a \"noisy neighbour\" problem.\n" +
			"  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic latency in your system.\n" +
			"  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you are using Jemalloc. However this may create fragmentation problems.\n")
	}
	if commands {
		b.WriteString("- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n")
	}
	return b.String()
}

// latencyStatsInfo writes INFO latencystats: for each command with
// recorded calls, the percentiles of latency-tracking-info-percentiles.
func (s *Server) latencyStatsInfo(w func(k string, v any)) {
	var pcts []float64
	for _, f := range strings.Fields(s.Config.Get("latency-tracking-info-percentiles")) {
		if p, err := strconv.ParseFloat(f, 64); err == nil {
			pcts = append(pcts, p)
		}
	}
	t := s.Engine.Table
	for id := 0; id < t.Count(); id++ {
		h, ok := s.Engine.LatencyHist(id)
		if !ok || h.Calls == 0 {
			continue
		}
		parts := make([]string, len(pcts))
		for i, p := range pcts {
			parts[i] = fmt.Sprintf("p%s=%.3f", strconv.FormatFloat(p, 'f', -1, 64), float64(h.Percentile(p))/1000)
		}
		w("latency_percentiles_usec_"+t.ByID(id).Name, strings.Join(parts, ","))
	}
}

// errorStatsInfo writes INFO errorstats, prefixes in byte order as Redis's
// radix tree lists them.
func (s *Server) errorStatsInfo(w func(k string, v any)) {
	_, byPrefix := s.Engine.ErrorStats()
	names := make([]string, 0, len(byPrefix))
	for k := range byPrefix {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		w("errorstat_"+k, "count="+strconv.FormatUint(byPrefix[k], 10))
	}
}

// normalizePercentiles checks latency-tracking-info-percentiles and
// writes each number as Redis shows it (50.0 → 50).
func normalizePercentiles(v string) (string, error) {
	fields := strings.Fields(v)
	for i, f := range fields {
		p, err := strconv.ParseFloat(f, 64)
		if err != nil {
			//lint:ignore ST1005 Redis's text, which CONFIG SET shows
			return "", errors.New("Invalid latency-tracking-info-percentiles parameters")
		}
		if p < 0 || p > 100 {
			return "", errors.New("latency-tracking-info-percentiles parameters should sit between [0.0,100.0]")
		}
		fields[i] = strconv.FormatFloat(p, 'f', -1, 64)
	}
	return strings.Join(fields, " "), nil
}
