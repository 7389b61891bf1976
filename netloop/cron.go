package netloop

import (
	"context"
	"time"

	"github.com/panjf2000/gnet/v2"

	"github.com/shoal-db/shoal/shard"
)

// ShoalVersion is Shoal's own version, shown in INFO server.
const ShoalVersion = "0.1.0"

// cronPeriod is how often paused connections are retried.
const cronPeriod = 10 * time.Millisecond

// addPaused remembers a connection that stopped parsing (output backlog or
// CLIENT PAUSE) so that cron wakes it again.
func (s *Server) addPaused(cn *conn) {
	s.pausedMu.Lock()
	s.paused[cn] = struct{}{}
	s.pausedMu.Unlock()
}

// wakePaused wakes every paused connection; each re-checks why it paused
// and pauses again if the reason still holds.
func (s *Server) wakePaused() {
	s.pausedMu.Lock()
	conns := s.paused
	s.paused = make(map[*conn]struct{}, len(conns))
	s.pausedMu.Unlock()
	for cn := range conns {
		_ = cn.gc.Wake(nil)
	}
}

// cron runs until stop is closed; its owner is Run.
func (s *Server) cron(stop <-chan struct{}) {
	t := time.NewTicker(cronPeriod)
	defer t.Stop()
	for n := 0; ; n++ {
		select {
		case <-t.C:
			s.wakePaused()
			if n%100 == 0 {
				s.closeIdle()
			}
			if n%10 == 0 {
				s.persist.cron(time.Now())
			}
		case <-stop:
			return
		}
	}
}

// closeIdle closes clients idle for longer than the timeout directive.
func (s *Server) closeIdle() {
	limit := s.Config.Int64("timeout")
	if limit <= 0 {
		return
	}
	now := time.Now().UnixMilli()
	for _, cn := range s.clientsSorted() {
		if now-cn.lastActive.Load() > limit*1000 {
			// Only the connection's loop knows whether it is blocked.
			_ = cn.gc.EventLoop().Execute(context.Background(), gnet.RunnableFunc(func(context.Context) error {
				cn.closeIfIdle(limit * 1000)
				return nil
			}))
		}
	}
}

// closeIfIdle runs on cn's event loop. As in Redis, clients blocked on keys
// or by CLIENT PAUSE, and subscribers, are exempt from the timeout, and
// output going out counts as activity.
func (cn *conn) closeIfIdle(limitMs int64) {
	now := time.Now().UnixMilli()
	if out := cn.gc.OutboundBuffered(); out != cn.idleOut {
		cn.idleOut = out
		cn.lastActive.Store(now)
		return
	}
	pausedByClientPause := cn.paused && cn.gc.OutboundBuffered() <= outputPause
	if cn.inflight || pausedByClientPause || cn.subscribed() || now-cn.lastActive.Load() <= limitMs {
		return
	}
	cn.s.Log.Debug("closing idle client", "id", cn.id, "addr", cn.addr)
	_ = cn.gc.Close()
}

// resetStats zeroes the counters INFO shows (CONFIG RESETSTAT). Counters
// have a single writer each; a reset racing with an increment can lose the
// reset of that one counter, which Redis tolerates too.
func (s *Server) resetStats() {
	zero := func(st *shard.CmdStats) {
		st.Calls.Store(0)
		st.Usec.Store(0)
		st.Failed.Store(0)
		st.Rejected.Store(0)
	}
	for i := 0; i < s.Engine.NumShards(); i++ {
		sh := s.Engine.Shard(i)
		for id := 0; id < s.table.Count(); id++ {
			zero(sh.CmdStats(id))
		}
		sh.Stats.Hits.Store(0)
		sh.Stats.Misses.Store(0)
		sh.Stats.ExpiredKeys.Store(0)
		sh.Stats.Commands.Store(0)
		sh.Stats.Hops.Store(0)
		sh.Stats.MultiShard.Store(0)
	}
	s.mu.Lock()
	for _, ls := range s.loops {
		for i := range ls.cmds {
			zero(&ls.cmds[i])
		}
	}
	s.mu.Unlock()
	s.stats.connsReceived.Store(0)
	s.stats.rejectedConns.Store(0)
	s.stats.netIn.Store(0)
	s.stats.netOut.Store(0)
}

// applyConfig pushes directives that live outside Config to their owners
// after CONFIG SET.
func (s *Server) applyConfig() {
	s.setLogLevel(s.Config.Get("loglevel"))
	s.Engine.Inline.Store(s.Config.Bool("shard-inline-exec"))
	s.Engine.MaxBulkLen.Store(s.Config.Int64("proto-max-bulk-len"))
	s.applyNotify()
	s.applyLatency()
	s.applyMemory()
	limits := s.Config.Limits()
	s.limits.Store(&limits)
}
