package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"runtime"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/shoal-db/shoal/netloop"
	"github.com/shoal-db/shoal/shard"
)

// Metric names and labels follow oliver006/redis_exporter where the meaning
// is the same, so existing Redis dashboards and alerts work on Shoal; what
// only Shoal has is named shoal_*.
var (
	descUp              = desc("redis_up", "1 when the server answered this scrape; the metrics are served in-process, so a failed scrape (Prometheus's up == 0) is the down signal.")
	descStartTime       = desc("redis_start_time_seconds", "Start time of the server since the Unix epoch in seconds.")
	descUptime          = desc("redis_uptime_in_seconds", "Seconds since the server started.")
	descConnected       = desc("redis_connected_clients", "Client connections open now.")
	descBlocked         = desc("redis_blocked_clients", "Clients blocked on keys (BLPOP and the like).")
	descMaxClients      = desc("redis_config_maxclients", "The maxclients directive.")
	descConnsReceived   = desc("redis_connections_received_total", "Connections accepted or refused since the start.")
	descConnsRejected   = desc("redis_rejected_connections_total", "Connections refused because of maxclients or protected mode.")
	descNetIn           = desc("redis_net_input_bytes_total", "Bytes read from clients.")
	descNetOut          = desc("redis_net_output_bytes_total", "Bytes written to clients.")
	descCmdsProcessed   = desc("redis_commands_processed_total", "Commands processed (INFO total_commands_processed).")
	descCmdCalls        = desc("redis_commands_total", "Calls per command (INFO commandstats calls).", "cmd")
	descCmdDuration     = desc("redis_commands_duration_seconds_total", "Seconds spent executing each command (INFO commandstats usec).", "cmd")
	descCmdFailed       = desc("redis_commands_failed_calls_total", "Calls per command that replied with an error.", "cmd")
	descCmdRejected     = desc("redis_commands_rejected_calls_total", "Calls per command refused before running (wrong arity, NOAUTH, ...), as Redis counts them.", "cmd")
	descHits            = desc("redis_keyspace_hits_total", "Key lookups that found the key.")
	descMisses          = desc("redis_keyspace_misses_total", "Key lookups that found no key.")
	descExpired         = desc("redis_expired_keys_total", "Keys deleted because their TTL passed.")
	descEvicted         = desc("redis_evicted_keys_total", "Keys evicted to stay under maxmemory.")
	descDBKeys          = desc("redis_db_keys", "Keys per database, expired ones not yet reclaimed included (as INFO keyspace); only non-empty databases.", "db")
	descDBExpiring      = desc("redis_db_keys_expiring", "Keys with a TTL per database; only non-empty databases.", "db")
	descMemUsed         = desc("redis_memory_used_bytes", "Bytes the keys, values and TTLs cost by the shards' accounting, as INFO used_memory: the number maxmemory limits.")
	descMemRSS          = desc("redis_memory_used_rss_bytes", "Resident set size of the process.")
	descMemMax          = desc("redis_memory_max_bytes", "The maxmemory directive; 0 means no limit.")
	descCPUUser         = desc("redis_cpu_user_seconds_total", "User CPU seconds used by the process.")
	descCPUSys          = desc("redis_cpu_sys_seconds_total", "System CPU seconds used by the process.")
	descReplicas        = desc("redis_connected_slaves", "Connected replicas (past SYNC/PSYNC), as INFO connected_slaves.")
	descReplOffset      = desc("redis_master_repl_offset", "Replication offset (INFO master_repl_offset): bytes of the replication stream; it grows while a backlog exists.")
	descMasterLinkUp    = desc("redis_master_link_up", "On a replica: 1 while the link to its master is up (INFO master_link_status), else 0.")
	descMasterLastIO    = desc("redis_master_last_io_seconds_ago", "On a replica: seconds since the master last sent data (INFO master_last_io_seconds_ago), -1 while the link is down.")
	descInstanceInfo    = desc("redis_instance_info", "Information about the server, in labels; the value is 1.", "role", "redis_version", "redis_build_id", "redis_mode", "os", "maxmemory_policy", "tcp_port", "run_id", "process_id", "master_replid")
	descBuildInfo       = desc("shoal_build_info", "Shoal's version, the Redis version it reports and the Go version that built it; the value is 1.", "version", "redis_version", "go_version")
	descShardKeys       = desc("shoal_shard_keys", "Keys per shard and database; only databases non-empty on some shard.", "shard", "db")
	descShardCommands   = desc("shoal_shard_commands_total", "Commands run under the shard's ownership token, inline by an event loop or by the shard's goroutine; a multi-shard command counts once, on its first shard.", "shard")
	descShardHops       = desc("shoal_shard_hops_total", "Batches handed to the shard goroutine because an event loop found the shard's token busy (or inline execution is off). A rising share of hops means a busy shard.", "shard")
	descShardMultiShard = desc("shoal_shard_multi_shard_commands_total", "Multi-shard commands (MSET, RENAME, EXEC across shards, ...) this shard took part in.", "shard")
	descShardHits       = desc("shoal_shard_keyspace_hits_total", "Key lookups on this shard that found the key.", "shard")
	descShardMisses     = desc("shoal_shard_keyspace_misses_total", "Key lookups on this shard that found no key.", "shard")
	descShardBusy       = desc("shoal_shard_busy_seconds_total", "Seconds the shard's ownership token was held running commands, tasks and active expiry. rate() of it is the shard's busy ratio (0 to 1): near 1 the shard is saturated whatever CPU usage says.", "shard")
	descLoopBusy        = desc("shoal_event_loop_busy_seconds_total", "Seconds the event loop spent handling traffic (parsing, connection commands, shard work run inline, writing replies) rather than waiting in epoll. rate() of it is the loop's busy ratio. Loops appear once they serve a connection.", "loop")
	descCmdLatency      = desc("shoal_command_latency_seconds", "Execution time per command (latency-tracking), from the histograms behind LATENCY HISTOGRAM and INFO latencystats; buckets are powers of two from 1.024 µs. Commands pipelined together share their batch's time, except those without the fast flag, which are timed one by one.", "cmd")
	descBatchSize       = desc("shoal_batch_commands", "Commands per batch: the commands parsed from one read of one connection and run together (pipeline depth as the server sees it). Each batch costs at most one hand-off per shard.")
)

var allDescs = []*prometheus.Desc{
	descUp, descStartTime, descUptime, descConnected, descBlocked, descMaxClients,
	descConnsReceived, descConnsRejected, descNetIn, descNetOut, descCmdsProcessed,
	descCmdCalls, descCmdDuration, descCmdFailed, descCmdRejected,
	descHits, descMisses, descExpired, descEvicted, descDBKeys, descDBExpiring,
	descMemUsed, descMemRSS, descMemMax, descCPUUser, descCPUSys,
	descReplicas, descReplOffset, descMasterLinkUp, descMasterLastIO, descInstanceInfo, descBuildInfo,
	descShardKeys, descShardCommands, descShardHops, descShardMultiShard,
	descShardHits, descShardMisses, descShardBusy, descLoopBusy, descBatchSize, descCmdLatency,
}

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(name, help, labels, nil)
}

// collector turns a netloop.Snapshot into metrics at scrape time.
type collector struct {
	srv *netloop.Server
}

func (c collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range allDescs {
		ch <- d
	}
}

func (c collector) Collect(ch chan<- prometheus.Metric) {
	s := c.srv.Snapshot()
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	counter := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, labels...)
	}
	gauge(descUp, 1)
	gauge(descStartTime, float64(s.Started.Unix()))
	gauge(descUptime, float64(int64(s.Uptime.Seconds())))
	gauge(descConnected, float64(s.ConnectedClients))
	gauge(descBlocked, float64(s.BlockedClients))
	gauge(descMaxClients, float64(s.MaxClients))
	counter(descConnsReceived, float64(s.ConnectionsReceived))
	counter(descConnsRejected, float64(s.RejectedConnections))
	counter(descNetIn, float64(s.NetInputBytes))
	counter(descNetOut, float64(s.NetOutputBytes))
	counter(descCmdsProcessed, float64(s.TotalCommands))
	for _, cmd := range s.Commands {
		counter(descCmdCalls, float64(cmd.Calls), cmd.Name)
		counter(descCmdDuration, float64(cmd.Usec)/1e6, cmd.Name)
		counter(descCmdFailed, float64(cmd.Failed), cmd.Name)
		counter(descCmdRejected, float64(cmd.Rejected), cmd.Name)
	}

	var hits, misses, expired uint64
	var keys, expiring [shard.NumDBs]int
	for i := range s.Shards {
		sh := &s.Shards[i]
		hits += sh.Hits
		misses += sh.Misses
		expired += sh.ExpiredKeys
		for d := range keys {
			keys[d] += sh.Keys[d]
			expiring[d] += sh.Expiring[d]
		}
	}
	counter(descHits, float64(hits))
	counter(descMisses, float64(misses))
	counter(descExpired, float64(expired))
	var evicted uint64
	for i := 0; i < c.srv.Engine.NumShards(); i++ {
		evicted += c.srv.Engine.Shard(i).Stats.EvictedKeys.Load()
	}
	counter(descEvicted, float64(evicted))
	for d := range keys {
		if keys[d] == 0 {
			continue
		}
		db := "db" + strconv.Itoa(d)
		gauge(descDBKeys, float64(keys[d]), db)
		gauge(descDBExpiring, float64(expiring[d]), db)
		for i := range s.Shards {
			gauge(descShardKeys, float64(s.Shards[i].Keys[d]), strconv.Itoa(i), db)
		}
	}
	for i := range s.Shards {
		sh, id := &s.Shards[i], strconv.Itoa(i)
		counter(descShardCommands, float64(sh.Commands), id)
		counter(descShardHops, float64(sh.Hops), id)
		counter(descShardMultiShard, float64(sh.MultiShard), id)
		counter(descShardHits, float64(sh.Hits), id)
		counter(descShardMisses, float64(sh.Misses), id)
		counter(descShardBusy, sh.BusySeconds, id)
	}
	bounds := netloop.BatchSizeBounds()
	buckets := make(map[float64]uint64, len(bounds))
	var batches, batchCmds uint64
	for _, l := range s.Loops {
		counter(descLoopBusy, l.BusySeconds, strconv.Itoa(l.ID))
		for i, n := range l.BatchSizes {
			batches += n
			buckets[bounds[i]] += n
		}
		batchCmds += l.BatchCommands
	}
	// Buckets are cumulative in the exposition format.
	var cum uint64
	for _, b := range bounds {
		cum += buckets[b]
		buckets[b] = cum
	}
	ch <- prometheus.MustNewConstHistogram(descBatchSize, batches, float64(batchCmds), buckets)
	latBounds := netloop.HistogramBuckets()
	for _, cl := range s.Latency {
		b := make(map[float64]uint64, len(latBounds))
		for i, lb := range latBounds {
			b[float64(lb.Below)/1e9] = cl.Below[i]
		}
		ch <- prometheus.MustNewConstHistogram(descCmdLatency, cl.Calls, cl.SumSeconds, b, cl.Name)
	}

	gauge(descMemUsed, float64(c.srv.Engine.MemoryUsed()))
	gauge(descMemRSS, float64(s.UsedMemoryRSS))
	gauge(descMemMax, float64(s.MaxMemory))
	counter(descCPUUser, s.CPUUserSeconds)
	counter(descCPUSys, s.CPUSysSeconds)
	gauge(descReplicas, float64(s.ConnectedReplicas))
	gauge(descReplOffset, float64(s.ReplOffset))
	if s.Replica {
		up := 0.0
		if s.MasterLinkUp {
			up = 1
		}
		gauge(descMasterLinkUp, up)
		gauge(descMasterLastIO, float64(s.MasterLastIOSeconds))
	}
	gauge(descInstanceInfo, 1, s.Role, netloop.Version, "0", "standalone", s.OS, s.MaxMemoryPolicy,
		strconv.Itoa(s.Port), s.RunID, strconv.Itoa(s.ProcessID), s.MasterReplID)
	gauge(descBuildInfo, 1, netloop.ShoalVersion, netloop.Version, runtime.Version())
}

// metricsHandler serves srv's metrics plus the Go runtime and process
// metrics, from a registry of its own: nothing registers globally.
func metricsHandler(srv *netloop.Server) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collector{srv: srv},
		// The default Go metrics (go_gc_duration_seconds: GC pause
		// quantiles; go_memstats_*: heap) plus the runtime's GC metrics and
		// its histogram of stop-the-world pauses, the tail-latency risk of a
		// Go store (docs/ARCHITECTURE.md).
		collectors.NewGoCollector(collectors.WithGoCollectorRuntimeMetrics(
			collectors.MetricsGC,
			collectors.GoRuntimeMetricsRule{Matcher: regexp.MustCompile(`^/sched/pauses/total/gc:seconds$`)},
		)),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	return mux
}

// startMetrics listens on metrics-bind:metrics-port and serves /metrics once
// srv is ready (a snapshot needs the running server). The listener opens
// now, so that a bad address fails at startup like a bad port does. With
// metrics-port 0 it does nothing. stop shuts the listener down.
func startMetrics(srv *netloop.Server) (stop func(), err error) {
	port := srv.Config.Int("metrics-port")
	if port == 0 {
		return func() {}, nil
	}
	addr := net.JoinHostPort(srv.Config.Get("metrics-bind"), strconv.Itoa(port))
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics listener: %w", err)
	}
	hs := &http.Server{
		Handler:           metricsHandler(srv),
		ReadHeaderTimeout: 10 * time.Second,
		WriteTimeout:      30 * time.Second,
	}
	quit := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		select {
		case <-srv.Ready():
		case <-quit:
			l.Close()
			return
		}
		srv.Log.Info("serving Prometheus metrics", "addr", l.Addr().String(), "path", "/metrics")
		if err := hs.Serve(l); !errors.Is(err, http.ErrServerClosed) {
			srv.Log.Error("metrics listener stopped", "err", err)
		}
	}()
	return func() {
		close(quit)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(ctx)
		<-done
	}, nil
}
