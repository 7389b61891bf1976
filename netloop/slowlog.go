package netloop

import (
	"context"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/shoal-db/shoal/proto"
	"github.com/shoal-db/shoal/shard"
)

// The slow log (SLOWLOG) and the latency monitor (LATENCY, latency.go) are
// fed by the engine's latency hook: a command whose duration reached
// slowlog-log-slower-than or latency-monitor-threshold reaches slowCommand,
// on whichever goroutine ran it. How durations are measured, and what that
// costs, is described in shard/latency.go.

// latencyState is what the server keeps for SLOWLOG and LATENCY.
type latencyState struct {
	slow slowlog
	mon  latencyMonitor
}

// Redis's limits on what one slow log entry keeps
// (SLOWLOG_ENTRY_MAX_ARGC, SLOWLOG_ENTRY_MAX_STRING).
const (
	slowlogMaxArgs = 32
	slowlogMaxLen  = 128
)

type slowEntry struct {
	id, unix, usec int64
	args           [][]byte
	addr, name     string
}

// slowlog holds the newest slowlog-max-len entries; oldest first from off.
type slowlog struct {
	mu      sync.Mutex
	entries []slowEntry
	off     int
	nextID  int64
}

// push adds an entry and trims the log to maxLen, as Redis does on every
// push (a smaller slowlog-max-len takes effect at the next entry).
func (l *slowlog) push(e slowEntry, maxLen int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e.id = l.nextID
	l.nextID++
	l.entries = append(l.entries, e)
	for len(l.entries)-l.off > maxLen {
		l.entries[l.off] = slowEntry{}
		l.off++
	}
	// Dropping from the front leaves room behind off: reclaim it once it
	// is half the slice, so a push costs O(1) amortized.
	if l.off > 0 && l.off >= len(l.entries)/2 {
		n := copy(l.entries, l.entries[l.off:])
		clear(l.entries[n:])
		l.entries = l.entries[:n]
		l.off = 0
	}
}

// newest returns up to n entries, newest first.
func (l *slowlog) newest(n int) []slowEntry {
	l.mu.Lock()
	defer l.mu.Unlock()
	live := l.entries[l.off:]
	n = min(n, len(live))
	out := make([]slowEntry, n)
	for i := range out {
		out[i] = live[len(live)-1-i]
	}
	return out
}

func (l *slowlog) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.entries) - l.off
}

func (l *slowlog) reset() {
	l.mu.Lock()
	l.entries, l.off = nil, 0
	l.mu.Unlock()
}

// applyLatency pushes the latency directives to the engine; called at
// start-up and after CONFIG SET.
func (s *Server) applyLatency() {
	c := shard.LatencyConfig{Track: s.Config.Bool("latency-tracking"), SlowNs: math.MaxInt64, MonitorNs: math.MaxInt64, Slow: s.slowFromBatch}
	if us := s.Config.Int64("slowlog-log-slower-than"); us >= 0 {
		c.SlowNs = satMul(us, 1000)
	}
	if ms := s.Config.Int64("latency-monitor-threshold"); ms > 0 {
		c.MonitorNs = satMul(ms, 1e6)
	}
	s.Engine.SetLatency(c)
}

func satMul(a, b int64) int64 {
	if a > math.MaxInt64/b {
		return math.MaxInt64
	}
	return a * b
}

// slowFromBatch is the engine's hook: it finds the client that sent the
// command. Scanning the clients is fine on this path: only commands over a
// threshold take it.
func (s *Server) slowFromBatch(b *shard.Batch, cmd *shard.Command, args [][]byte, ns int64) {
	var from *conn
	if b != nil {
		s.mu.Lock()
		for _, cn := range s.clients {
			if cn.batch == b {
				from = cn
				break
			}
		}
		s.mu.Unlock()
	}
	s.slowCommand(from, cmd, args, ns)
}

// slowCommand records a command that reached a threshold. from is nil when
// the client has gone.
func (s *Server) slowCommand(from *conn, cmd *shard.Command, args [][]byte, ns int64) {
	conf := s.Engine.LatencyOn()
	if conf == nil {
		return
	}
	// EXEC is skip_slowlog in Redis because Redis logs the commands it
	// runs one by one; Shoal times the transaction as a whole, so EXEC is
	// the entry.
	if ns >= conf.SlowNs && (cmd.Flags&shard.FlagSkipSlowlog == 0 || shard.IsExec(cmd)) {
		e := slowEntry{unix: time.Now().Unix(), usec: ns / 1000, args: slowArgs(cmd, args)}
		if from != nil {
			from.mu.Lock()
			e.addr, e.name = from.addr, from.name
			from.mu.Unlock()
		}
		s.lat.slow.push(e, s.Config.Int("slowlog-max-len"))
		// At loglevel verbose: a slow command is worth a line when
		// investigating, and too frequent for notice under load.
		s.Log.Log(context.Background(), slogLevel("verbose"), "slow command",
			"command", cmd.Name, "usec", e.usec, "client", e.addr, "name", e.name)
	}
	if ns >= conf.MonitorNs {
		event := "command"
		if cmd.Flags&shard.FlagFast != 0 {
			event = "fast-command"
		}
		s.lat.mon.add(event, ns/1e6, time.Now().Unix())
	}
}

var redactedArg = []byte("(redacted)")

// slowArgs copies what the slow log keeps of a command's arguments:
// secrets redacted as Redis 7 does, at most 32 arguments (the last one
// saying how many more there were) of at most 128 bytes each.
func slowArgs(cmd *shard.Command, args [][]byte) [][]byte {
	secret := make([]bool, len(args))
	switch cmd.Name {
	case "auth":
		for i := 1; i < len(args); i++ {
			secret[i] = true
		}
	case "hello":
		for i := 2; i < len(args); i++ {
			if eqFold(args[i], "auth") && i+2 < len(args) {
				secret[i+1], secret[i+2] = true, true
				i += 2
			}
		}
	case "config|set":
		for i := 2; i+1 < len(args); i += 2 {
			switch strings.ToLower(string(args[i])) {
			case "requirepass", "masterauth", "masteruser":
				secret[i+1] = true
			}
		}
	}
	n := min(len(args), slowlogMaxArgs)
	out := make([][]byte, n)
	for i := range out {
		a := args[i]
		switch {
		case n != len(args) && i == n-1:
			out[i] = []byte("... (" + strconv.Itoa(len(args)-n+1) + " more arguments)")
		case secret[i]:
			out[i] = redactedArg
		case len(a) > slowlogMaxLen:
			out[i] = append(append([]byte(nil), a[:slowlogMaxLen]...), "... ("+strconv.Itoa(len(a)-slowlogMaxLen)+" more bytes)"...)
		default:
			out[i] = append([]byte(nil), a...)
		}
	}
	return out
}

func (s *Server) registerSlowlog(t *shard.Table) {
	sub := func(name string, arity int, flags shard.Flags, summary string, run func(*shard.Ctx)) *shard.Command {
		return &shard.Command{Name: name, Arity: arity, Flags: flags, Group: "server", Since: "2.2.12", Summary: summary,
			Complexity: "O(1)", ACL: []string{"admin", "slow", "dangerous"}, Run: run}
	}
	admin := shard.FlagAdmin | shard.FlagLoading | shard.FlagStale
	help := sub("help", 2, shard.FlagLoading|shard.FlagStale, "Show helpful text about the different subcommands", s.cmdSlowlogHelp)
	help.Since, help.ACL = "6.2.0", []string{"slow"}
	t.Add(&shard.Command{Name: "slowlog", Arity: -2, Group: "server", Since: "2.2.12", Summary: "A container for slow log commands",
		Complexity: "Depends on subcommand.", ACL: []string{"slow"}, Run: cmdSlowlogUnknown,
		Subcommands: []*shard.Command{
			sub("get", -2, admin, "Get the slow log's entries", s.cmdSlowlogGet),
			sub("len", 2, admin, "Get the slow log's length", s.cmdSlowlogLen),
			sub("reset", 2, admin, "Clear all entries from the slow log", s.cmdSlowlogReset),
			help,
		}})
}

func cmdSlowlogUnknown(c *shard.Ctx) {
	c.Error(proto.UnknownSubcommand(c.Args[1], "slowlog"))
}

func (s *Server) cmdSlowlogGet(c *shard.Ctx) {
	if len(c.Args) > 3 {
		c.Error("ERR unknown subcommand or wrong number of arguments for '" + string(c.Args[1]) + "'. Try SLOWLOG HELP.")
		return
	}
	count := 10
	if len(c.Args) == 3 {
		n, ok := shard.ParseInt(c.Args[2])
		if !ok || n < -1 {
			c.Error("ERR count should be greater than or equal to -1")
			return
		}
		count = int(min(n, math.MaxInt32))
		if n == -1 {
			count = math.MaxInt32
		}
	}
	entries := s.lat.slow.newest(count)
	c.Array(len(entries))
	for _, e := range entries {
		c.Array(6)
		c.Int(e.id)
		c.Int(e.unix)
		c.Int(e.usec)
		c.Array(len(e.args))
		for _, a := range e.args {
			c.Bulk(a)
		}
		c.BulkString(e.addr)
		c.BulkString(e.name)
	}
}

func (s *Server) cmdSlowlogLen(c *shard.Ctx) { c.Int(int64(s.lat.slow.len())) }

func (s *Server) cmdSlowlogReset(c *shard.Ctx) {
	s.lat.slow.reset()
	c.OK()
}

func (s *Server) cmdSlowlogHelp(c *shard.Ctx) {
	helpReply(c, "SLOWLOG", []string{
		"GET [<count>]",
		"    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
		"    Entries are made of:",
		"    id, timestamp, time in microseconds, arguments array, client IP and port,",
		"    client name",
		"LEN",
		"    Return the length of the slowlog.",
		"RESET",
		"    Reset the slowlog.",
	})
}

// helpReply answers a container's HELP from a shard, in Redis's layout.
func helpReply(c *shard.Ctx, container string, lines []string) {
	c.Array(len(lines) + 3)
	c.Simple(container + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
	for _, l := range lines {
		c.Simple(l)
	}
	c.Simple("HELP")
	c.Simple("    Prints this help.")
}
