package netloop

import (
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shoal-db/shoal/shard"
)

// MONITOR. A monitoring connection receives a line for every command the
// server runs, in Redis 7.0's format:
//
//	+1700000000.123456 [0 127.0.0.1:50000] "SET" "key" "value"
//
// Lines are built by the connection that ran the command, once for all
// monitors, and appended to each monitor's outbox (pubsub.go), whose event
// loop writes them. With no monitor, a batch pays one atomic load (parse
// copies it into conn.monFeed) and each command one test of that bool.
//
// What shows, as in Redis 7.0: commands that passed the checks before
// execution (unknown commands, wrong arity, NOAUTH and the like do not
// show), except admin commands (CONFIG, DEBUG, SHUTDOWN, MONITOR, ...);
// AUTH's and HELLO AUTH's secrets read "(redacted)". A transaction shows
// MULTI when it arrives, then at EXEC its queued commands, in order, and
// EXEC; a transaction aborted by a queue-time error shows only EXEC.
// Differences from Redis: a line is fed when the command is handed to its
// shard, not after it ran (blocking commands show when they block, as in
// Redis), and a transaction that WATCH aborts still shows its commands.

// connMonitor is MONITOR's connection command id, far above the ids of
// conncmds.go so that they can grow.
const connMonitor = 1000

// monitorRegistry holds the monitoring connections.
type monitorRegistry struct {
	n   atomic.Int32 // len(set), read once per batch
	mu  sync.RWMutex
	set map[*conn]struct{}
}

func registerMonitor(t *shard.Table) {
	t.Add(&shard.Command{Name: "monitor", Arity: 1, Kind: shard.KindConn, ConnID: connMonitor,
		Flags: shard.FlagAdmin | shard.FlagNoScript | shard.FlagLoading | shard.FlagStale,
		Group: "server", Since: "1.0.0", Summary: "Listens for all requests received by the server in real-time.",
		Complexity: "", ACL: []string{"admin", "slow", "dangerous"}})
}

// monitorCommand answers MONITOR. It reports whether the batch must end:
// the monitor's +OK must leave before any line, and lines are written
// between batches.
func (cn *conn) monitorCommand(cmd *shard.Command) (accepted, last bool) {
	if cn.tx.active {
		// Redis queues MONITOR and fails it inside EXEC's reply; a
		// connection command queued here would run in EXEC, where MONITOR
		// cannot, so the transaction is refused at EXEC (EXECABORT).
		cn.queueError("ERR MONITOR isn't allowed for DENY BLOCKING client")
		return true, false
	}
	if cn.monitoring {
		// Redis ignores a repeated MONITOR without a reply.
		return true, false
	}
	if cn.batch.HasShardWork() {
		return false, true
	}
	m := &cn.s.monitors
	m.mu.Lock()
	if m.set == nil {
		m.set = make(map[*conn]struct{})
	}
	m.set[cn] = struct{}{}
	m.n.Store(int32(len(m.set)))
	m.mu.Unlock()
	cn.monitoring = true
	cn.loop.cmds[cmd.ID()].Record(0, false)
	cn.mu.Lock()
	cn.flags = "O"
	cn.mu.Unlock()
	cn.ok()
	return true, true
}

// stopMonitor ends monitor mode (RESET, disconnect).
func (cn *conn) stopMonitor() {
	if !cn.monitoring {
		return
	}
	cn.monitoring = false
	m := &cn.s.monitors
	m.mu.Lock()
	delete(m.set, cn)
	m.n.Store(int32(len(m.set)))
	m.mu.Unlock()
	cn.mu.Lock()
	cn.flags = "N"
	cn.mu.Unlock()
}

// monitorRefuses answers a command that a monitoring connection may not
// run: Redis treats monitors as replicas, which cannot touch the keyspace.
func (cn *conn) monitorRefuses(cmd *shard.Command) bool {
	if !cn.monitoring || cmd.Flags&(shard.FlagWrite|shard.FlagReadonly|shard.FlagMayReplicate) == 0 {
		return false
	}
	cn.reject(cmd, "ERR Replica can't interact with the keyspace")
	return true
}

// shownToMonitors reports whether Redis feeds cmd to monitors.
func shownToMonitors(cmd *shard.Command) bool {
	return cmd.Flags&(shard.FlagAdmin|shard.FlagSkipMonitor) == 0
}

// feedMonitors sends one command to every monitor. db is the database the
// command runs in.
func (cn *conn) feedMonitors(cmd *shard.Command, args [][]byte, db int) {
	if !shownToMonitors(cmd) {
		return
	}
	line := cn.monitorLine(nil, time.Now(), args, db)
	cn.s.monitors.deliver(line)
}

// monitorLine appends the monitor line for args to dst.
func (cn *conn) monitorLine(dst []byte, now time.Time, args [][]byte, db int) []byte {
	us := now.UnixMicro()
	dst = append(dst, '+')
	dst = strconv.AppendInt(dst, us/1e6, 10)
	dst = append(dst, '.')
	frac := us % 1e6
	for d := int64(100000); d > 1 && frac < d; d /= 10 {
		dst = append(dst, '0')
	}
	dst = strconv.AppendInt(dst, frac, 10)
	dst = append(dst, " ["...)
	dst = strconv.AppendInt(dst, int64(db), 10)
	dst = append(dst, ' ')
	dst = append(dst, cn.addr...)
	dst = append(dst, ']')
	redact := redacted(args)
	for i, a := range args {
		dst = append(dst, ' ')
		if redact(i) {
			dst = append(dst, `"(redacted)"`...)
			continue
		}
		dst = appendRepr(dst, a)
	}
	return append(dst, "\r\n"...)
}

// redacted returns which arguments Redis 7.0 hides from monitors: the
// secrets of AUTH and HELLO ... AUTH.
func redacted(args [][]byte) func(i int) bool {
	switch {
	case eqFold(args[0], "auth"):
		return func(i int) bool { return i > 0 }
	case eqFold(args[0], "hello"):
		for j := 2; j+2 < len(args); j++ {
			if eqFold(args[j], "auth") {
				return func(i int) bool { return i == j+1 || i == j+2 }
			}
		}
	}
	return func(int) bool { return false }
}

// appendRepr quotes b as Redis's sdscatrepr does.
func appendRepr(dst, b []byte) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for _, ch := range b {
		switch ch {
		case '\\', '"':
			dst = append(dst, '\\', ch)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		case '\a':
			dst = append(dst, '\\', 'a')
		case '\b':
			dst = append(dst, '\\', 'b')
		default:
			if ch >= 0x20 && ch < 0x7f {
				dst = append(dst, ch)
			} else {
				dst = append(dst, '\\', 'x', hex[ch>>4], hex[ch&15])
			}
		}
	}
	return append(dst, '"')
}

// execMonitored runs EXEC and, once it is accepted, shows its queued
// commands and itself, as Redis does after running them.
func (cn *conn) execMonitored(cmd *shard.Command, args [][]byte) (accepted, last bool) {
	var lines []byte
	if cn.tx.active && !cn.tx.failed {
		now := time.Now()
		db := cn.db
		for _, c := range cn.tx.queue {
			// A line shows the database after its command, as Redis
			// feeds monitors once a command ran.
			if c.Cmd.ConnID == connSelect {
				if n, ok := shard.ParseInt(c.Args[1]); ok && n >= 0 && n < shard.NumDBs {
					db = int(n)
				}
			}
			if shownToMonitors(c.Cmd) {
				lines = cn.monitorLine(lines, now, c.Args, db)
			}
		}
	}
	accepted, last = cn.exec()
	if !accepted {
		return false, last
	}
	lines = cn.monitorLine(lines, time.Now(), args, cn.db)
	if shownToMonitors(cmd) {
		cn.s.monitors.deliver(lines)
	}
	return true, last
}

// deliver appends line to every monitor's outbox.
func (m *monitorRegistry) deliver(line []byte) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	for c := range m.set {
		c.deliverMonitor(line)
	}
}

// deliverMonitor queues line for a monitor and wakes its loop. A monitor
// is a normal client for client-output-buffer-limit, as in Redis: past the
// normal class's hard limit it is closed (the soft limit is applied by
// checkNormalLimit when the loop writes).
func (c *conn) deliverMonitor(line []byte) {
	hard, _, _ := c.s.Config.normalLimits()
	c.queueOutput(line, hard, "normal")
}
