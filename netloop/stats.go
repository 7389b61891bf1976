package netloop

import (
	"os"
	"runtime"
	"runtime/metrics"
	"sort"
	"syscall"
	"time"

	"github.com/shoal-db/shoal/shard"
)

// Snapshot is a copy of the server's counters taken at one moment, in plain
// numbers, so that the Prometheus collector in cmd/shoal reads them at scrape
// time and nothing on the hot path knows about metrics. Counters are read one
// by one while the server runs: each is exact, the set is not one atomic
// picture (as with INFO).
type Snapshot struct {
	Started time.Time
	Uptime  time.Duration

	// Identity, as INFO server and replication show it.
	RunID           string
	ProcessID       int
	Port            int
	OS              string
	Role            string
	MasterReplID    string
	MaxMemoryPolicy string

	ConnectedClients    int64
	BlockedClients      int64
	MaxClients          int
	ConnectionsReceived uint64
	RejectedConnections uint64
	NetInputBytes       uint64
	NetOutputBytes      uint64
	// TotalCommands is INFO's total_commands_processed.
	TotalCommands uint64

	// UsedMemory is the Go heap in use (INFO used_memory); UsedMemoryRSS
	// the process's resident set; MaxMemory the maxmemory directive.
	UsedMemory    uint64
	UsedMemoryRSS uint64
	MaxMemory     int64

	CPUUserSeconds, CPUSysSeconds float64

	ConnectedReplicas int
	ReplOffset        int64
	// Replica is set on a replica; MasterLinkUp and MasterLastIOSeconds
	// are INFO's master_link_status (up) and master_last_io_seconds_ago.
	Replica             bool
	MasterLinkUp        bool
	MasterLastIOSeconds int64

	// Commands holds every command or subcommand that was called, failed
	// or rejected since the start or the last CONFIG RESETSTAT.
	Commands []CommandSnapshot
	// Shards is indexed by shard number.
	Shards []ShardSnapshot
	// Latency has the latency histogram of every command with recorded
	// calls (latency-tracking), since the start or CONFIG RESETSTAT.
	Latency []CommandLatency
	// Loops are the event loops that have served a connection, by id.
	Loops []LoopSnapshot
}

// LoopSnapshot is one event loop's busy time and batch sizes.
type LoopSnapshot struct {
	ID int
	// BusySeconds is the time spent handling traffic; its rate is the
	// loop's busy ratio.
	BusySeconds float64
	// BatchSizes[i] counts batches (commands parsed from one read and run
	// together) of 2^(i-1)+1 .. 2^i commands; BatchCommands is their sum.
	BatchSizes    [depthBuckets]uint64
	BatchCommands uint64
}

// BatchSizeBounds are the upper bounds of LoopSnapshot.BatchSizes' buckets.
func BatchSizeBounds() []float64 {
	out := make([]float64, depthBuckets)
	for i := range out {
		out[i] = float64(uint(1) << i)
	}
	return out
}

// CommandSnapshot is INFO commandstats for one command ("config|get" for a
// subcommand).
type CommandSnapshot struct {
	Name                          string
	Calls, Usec, Failed, Rejected uint64
}

// CommandLatency is one command's latency histogram. Below[i] counts the
// calls faster than HistogramBuckets()[i].Below ns (cumulative).
type CommandLatency struct {
	Name       string
	Calls      uint64
	SumSeconds float64
	Below      []uint64
}

// ShardSnapshot is one shard's counters and key counts.
type ShardSnapshot struct {
	Hits, Misses, ExpiredKeys uint64
	// Commands run under the shard's token; Hops are batches handed to the
	// shard goroutine because the token was busy; MultiShard are
	// multi-shard commands the shard took part in.
	Commands, Hops, MultiShard uint64
	// BusySeconds is the time the shard's token was held running commands,
	// tasks and active expiry; its rate is the shard's busy ratio.
	BusySeconds float64
	// Keys and Expiring are per database.
	Keys, Expiring [shard.NumDBs]int
}

// heapObjects is the runtime metric behind MemStats.HeapAlloc; reading it
// through runtime/metrics does not stop the world as ReadMemStats does.
const heapObjects = "/memory/classes/heap/objects:bytes"

// Snapshot reads the server's statistics; call it once Ready is closed. It
// takes every shard's token in turn, briefly, to count keys.
func (s *Server) Snapshot() Snapshot {
	now := time.Now()
	snap := Snapshot{
		Started:             s.started,
		Uptime:              now.Sub(s.started),
		RunID:               s.runID,
		ProcessID:           os.Getpid(),
		Port:                s.Config.Int("port"),
		OS:                  runtime.GOOS + " " + runtime.GOARCH,
		Role:                "master",
		MasterReplID:        s.runID,
		MaxMemoryPolicy:     s.Config.Get("maxmemory-policy"),
		ConnectedClients:    s.stats.connected.Load(),
		BlockedClients:      s.Engine.Blocked.Load(),
		MaxClients:          s.Config.Int("maxclients"),
		ConnectionsReceived: s.stats.connsReceived.Load(),
		RejectedConnections: s.stats.rejectedConns.Load(),
		NetInputBytes:       s.stats.netIn.Load(),
		NetOutputBytes:      s.stats.netOut.Load(),
		UsedMemoryRSS:       rssBytes(),
		MaxMemory:           s.Config.Int64("maxmemory"),
		ReplOffset:          s.repl.masterOffset(),
		ConnectedReplicas:   s.connectedReplicas(),
	}
	if r := s.replica; r.isReplica() {
		snap.Role, snap.Replica = "slave", true
		snap.MasterLinkUp = r.state.Load() == mlConnected
		snap.MasterLastIOSeconds = -1
		if t := r.lastIO.Load(); t != 0 && snap.MasterLinkUp {
			snap.MasterLastIOSeconds = (now.UnixMilli() - t) / 1000
		}
	}
	sample := []metrics.Sample{{Name: heapObjects}}
	metrics.Read(sample)
	if sample[0].Value.Kind() == metrics.KindUint64 {
		snap.UsedMemory = sample[0].Value.Uint64()
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		snap.CPUUserSeconds, snap.CPUSysSeconds = tv(ru.Utime), tv(ru.Stime)
	}

	t := s.Engine.Table
	for id := 0; id < t.Count(); id++ {
		calls, usec, failed, rejected := s.commandStats(id)
		if calls == 0 && failed == 0 && rejected == 0 {
			continue
		}
		snap.Commands = append(snap.Commands, CommandSnapshot{Name: t.ByID(id).Name, Calls: calls, Usec: usec, Failed: failed, Rejected: rejected})
	}
	buckets := HistogramBuckets()
	for id := 0; id < t.Count(); id++ {
		h, ok := s.Engine.LatencyHist(id)
		if !ok || h.Calls == 0 {
			continue
		}
		cl := CommandLatency{Name: t.ByID(id).Name, Calls: h.Calls, SumSeconds: float64(h.SumNs) / 1e9, Below: make([]uint64, len(buckets))}
		for i, b := range buckets {
			cl.Below[i] = h.Below(b.Below)
		}
		snap.Latency = append(snap.Latency, cl)
	}

	counts := s.Engine.KeyCounts()
	snap.Shards = make([]ShardSnapshot, s.Engine.NumShards())
	for i := range snap.Shards {
		st := &s.Engine.Shard(i).Stats
		sh := &snap.Shards[i]
		sh.Hits, sh.Misses, sh.ExpiredKeys = st.Hits.Load(), st.Misses.Load(), st.ExpiredKeys.Load()
		sh.Commands, sh.Hops, sh.MultiShard = st.Commands.Load(), st.Hops.Load(), st.MultiShard.Load()
		sh.BusySeconds = float64(st.BusyNs.Load()) / 1e9
		for d := range counts[i] {
			sh.Keys[d], sh.Expiring[d] = counts[i][d][0], counts[i][d][1]
		}
		snap.TotalCommands += sh.Commands
	}
	// Commands that never reach a shard (PING, SELECT, ...) are counted by
	// the event loops; INFO's total_commands_processed adds them the same way.
	s.mu.Lock()
	for _, ls := range s.loops {
		for i := range ls.cmds {
			snap.TotalCommands += ls.cmds[i].Calls.Load()
		}
		l := LoopSnapshot{ID: ls.id, BusySeconds: float64(ls.busyNs.Load()) / 1e9, BatchCommands: ls.depthTotal.Load()}
		for i := range l.BatchSizes {
			l.BatchSizes[i] = ls.depth[i].Load()
		}
		snap.Loops = append(snap.Loops, l)
	}
	s.mu.Unlock()
	sort.Slice(snap.Loops, func(i, j int) bool { return snap.Loops[i].ID < snap.Loops[j].ID })
	return snap
}
