package netloop

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/panjf2000/gnet/v2/pkg/logging"

	"github.com/shoal-db/shoal/shard"
)

// gnet's own logging is noise next to ours; errors still show.
const gnetLogLevel = logging.ErrorLevel

func newRunID() string {
	b := make([]byte, 20)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

var defaultSections = []string{"server", "clients", "memory", "persistence", "stats", "replication", "cpu", "modules", "errorstats", "cluster", "keyspace"}

func (s *Server) registerInfo(t *shard.Table) {
	t.Add(&shard.Command{Name: "info", Arity: -1, Flags: shard.FlagLoading | shard.FlagStale, Kind: shard.KindAllShards,
		Group: "server", Since: "1.0.0", Summary: "Returns information and statistics about the server.",
		Complexity: "O(1)", ACL: []string{"slow", "dangerous"}, Run: s.cmdInfo})
	s.registerSlowlog(t)
	s.registerLatency(t)
}

// cmdInfo runs with every shard held, so the keyspace section is a
// consistent picture.
func (s *Server) cmdInfo(c *shard.Ctx) {
	want := map[string]bool{}
	if len(c.Args) == 1 {
		for _, sec := range defaultSections {
			want[sec] = true
		}
	}
	for _, a := range c.Args[1:] {
		switch sec := strings.ToLower(string(a)); sec {
		case "default":
			for _, d := range defaultSections {
				want[d] = true
			}
		case "all", "everything":
			for _, d := range defaultSections {
				want[d] = true
			}
			want["commandstats"] = true
			want["latencystats"] = true
		default:
			want[sec] = true
		}
	}
	var b strings.Builder
	section := func(name string, fn func(w func(k string, v any))) {
		if !want[name] {
			return
		}
		if b.Len() > 0 {
			b.WriteString("\r\n")
		}
		title := strings.ToUpper(name[:1]) + name[1:]
		if name == "cpu" {
			title = "CPU"
		}
		b.WriteString("# " + title + "\r\n")
		fn(func(k string, v any) { fmt.Fprintf(&b, "%s:%v\r\n", k, v) })
	}
	now := time.Now()
	uptime := int64(now.Sub(s.started).Seconds())
	section("server", func(w func(string, any)) {
		w("redis_version", Version)
		w("shoal_version", ShoalVersion)
		w("redis_git_sha1", "00000000")
		w("redis_git_dirty", 0)
		w("redis_build_id", "0")
		w("redis_mode", "standalone")
		w("os", runtime.GOOS+" "+runtime.GOARCH)
		w("arch_bits", 64)
		w("monotonic_clock", "POSIX clock_gettime")
		w("multiplexing_api", "epoll")
		w("gcc_version", "0.0.0")
		w("go_version", runtime.Version())
		w("process_id", os.Getpid())
		w("process_supervised", supervisedBy(s.Config.Get("supervised")))
		w("run_id", s.runID)
		w("tcp_port", s.Config.Int("port"))
		w("server_time_usec", now.UnixMicro())
		w("uptime_in_seconds", uptime)
		w("uptime_in_days", uptime/86400)
		w("hz", s.Config.Int("hz"))
		w("configured_hz", s.Config.Int("hz"))
		w("lru_clock", (now.Unix())&((1<<24)-1))
		w("executable", executable())
		w("config_file", s.Config.File())
		w("io_threads_active", 0)
		w("shards", s.Engine.NumShards())
		w("event_loops", s.Config.IOThreads())
	})
	section("clients", func(w func(string, any)) {
		w("connected_clients", s.stats.connected.Load())
		w("cluster_connections", 0)
		w("maxclients", s.Config.Int("maxclients"))
		w("client_recent_max_input_buffer", 0)
		w("client_recent_max_output_buffer", 0)
		w("blocked_clients", s.Engine.Blocked.Load())
		w("tracking_clients", 0)
		w("clients_in_timeout_table", 0)
	})
	section("memory", func(w func(string, any)) {
		// used_memory is the shards' accounting of keys, values and TTLs
		// (shard/evict.go), the number maxmemory limits; the Go heap,
		// which also holds connection buffers, the runtime's own data and
		// garbage not yet collected, is shown beside it.
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		used := uint64(s.Engine.MemoryUsed())
		peak := uint64(s.Engine.MemoryPeak())
		rss := rssBytes()
		maxmem := uint64(s.Config.Int64("maxmemory"))
		w("used_memory", used)
		w("used_memory_human", humanBytes(used))
		w("used_memory_rss", rss)
		w("used_memory_rss_human", humanBytes(rss))
		w("used_memory_peak", peak)
		w("used_memory_peak_human", humanBytes(peak))
		w("used_memory_dataset", used)
		w("used_memory_dataset_perc", "100.00%")
		w("total_system_memory", totalMemory())
		w("total_system_memory_human", humanBytes(totalMemory()))
		w("maxmemory", maxmem)
		w("maxmemory_human", humanBytes(maxmem))
		w("maxmemory_policy", s.Config.Get("maxmemory-policy"))
		ratio := 0.0
		if used > 0 {
			ratio = float64(rss) / float64(used)
		}
		w("mem_fragmentation_ratio", fmt.Sprintf("%.2f", ratio))
		w("mem_fragmentation_bytes", int64(rss)-int64(used))
		w("mem_allocator", "go")
		w("go_heap_alloc", ms.HeapAlloc)
		w("go_heap_sys", ms.HeapSys)
		w("go_memory_limit", debug.SetMemoryLimit(-1))
		w("go_heap_objects", ms.HeapObjects)
		w("go_gc_cycles", ms.NumGC)
		w("go_gc_pause_total_ns", ms.PauseTotalNs)
	})
	section("persistence", func(w func(string, any)) {
		s.persist.info(w)
		s.aof.info(w)
	})
	section("stats", func(w func(string, any)) {
		var hits, misses, expired, evicted, cmds, hops, multi uint64
		for i := 0; i < s.Engine.NumShards(); i++ {
			st := &s.Engine.Shard(i).Stats
			hits += st.Hits.Load()
			misses += st.Misses.Load()
			expired += st.ExpiredKeys.Load()
			evicted += st.EvictedKeys.Load()
			cmds += st.Commands.Load()
			hops += st.Hops.Load()
			multi += st.MultiShard.Load()
		}
		s.mu.Lock()
		for _, ls := range s.loops {
			for i := range ls.cmds {
				cmds += ls.cmds[i].Calls.Load()
			}
		}
		s.mu.Unlock()
		w("total_connections_received", s.stats.connsReceived.Load())
		w("total_commands_processed", cmds)
		w("instantaneous_ops_per_sec", 0)
		w("total_net_input_bytes", s.stats.netIn.Load())
		w("total_net_output_bytes", s.stats.netOut.Load())
		w("rejected_connections", s.stats.rejectedConns.Load())
		w("sync_full", s.repl.syncFull.Load())
		w("sync_partial_ok", s.repl.syncPartialOK.Load())
		w("sync_partial_err", s.repl.syncPartialErr.Load())
		w("expired_keys", expired)
		w("evicted_keys", evicted)
		w("keyspace_hits", hits)
		w("keyspace_misses", misses)
		w("pubsub_channels", 0)
		w("pubsub_patterns", 0)
		w("total_error_replies", s.totalErrors())
		w("shoal_shard_hops", hops)
		w("shoal_multi_shard_commands", multi)
	})
	section("replication", s.replicationInfo)
	section("cpu", func(w func(string, any)) {
		var ru syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		w("used_cpu_sys", fmt.Sprintf("%.6f", tv(ru.Stime)))
		w("used_cpu_user", fmt.Sprintf("%.6f", tv(ru.Utime)))
		w("used_cpu_sys_children", "0.000000")
		w("used_cpu_user_children", "0.000000")
	})
	section("modules", func(func(string, any)) {})
	section("commandstats", func(w func(string, any)) {
		t := s.Engine.Table
		for id := 0; id < t.Count(); id++ {
			calls, usec, failed, rejected := s.commandStats(id)
			if calls == 0 && failed == 0 && rejected == 0 {
				continue
			}
			per := 0.0
			if calls > 0 {
				per = float64(usec) / float64(calls)
			}
			w("cmdstat_"+t.ByID(id).Name, fmt.Sprintf("calls=%d,usec=%d,usec_per_call=%.2f,rejected_calls=%d,failed_calls=%d", calls, usec, per, rejected, failed))
		}
	})
	section("errorstats", s.errorStatsInfo)
	section("latencystats", s.latencyStatsInfo)
	section("cluster", func(w func(string, any)) { w("cluster_enabled", 0) })
	section("keyspace", func(w func(string, any)) {
		for i := 0; i < shard.NumDBs; i++ {
			keys, expires := 0, 0
			c.DBsOf(i, func(db *shard.DB) {
				keys += db.Len()
				expires += db.ExpiresLen()
			})
			if keys > 0 {
				w(fmt.Sprintf("db%d", i), fmt.Sprintf("keys=%d,expires=%d,avg_ttl=0", keys, expires))
			}
		}
	})
	// Every line already ends in CRLF, the last one included, as in Redis.
	c.Verbatim([]byte(b.String()))
}

// commandStats sums a command's counters over shards and event loops.
func (s *Server) commandStats(id int) (calls, usec, failed, rejected uint64) {
	add := func(st *shard.CmdStats) {
		calls += st.Calls.Load()
		usec += st.Usec.Load()
		failed += st.Failed.Load()
		rejected += st.Rejected.Load()
	}
	for i := 0; i < s.Engine.NumShards(); i++ {
		add(s.Engine.Shard(i).CmdStats(id))
	}
	s.mu.Lock()
	for _, ls := range s.loops {
		add(&ls.cmds[id])
	}
	s.mu.Unlock()
	return
}

// totalErrors is every error reply sent, INFO errorstats' sum.
func (s *Server) totalErrors() uint64 {
	n, _ := s.Engine.ErrorStats()
	return n
}

func tv(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }

func humanBytes(n uint64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2fG", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.2fM", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.2fK", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%dB", n)
}

func executable() string {
	p, _ := os.Executable()
	return p
}

// rssBytes reads the resident set size from /proc (Linux).
func rssBytes() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	var size, rss uint64
	fmt.Sscanf(string(b), "%d %d", &size, &rss)
	return rss * uint64(os.Getpagesize())
}

func totalMemory() uint64 {
	var si syscall.Sysinfo_t
	if syscall.Sysinfo(&si) != nil {
		return 0
	}
	return si.Totalram * uint64(si.Unit)
}

// supervisedBy is INFO's process_supervised: the supervisor cmd/shoal
// notifies (systemd only; upstart is not supported).
func supervisedBy(mode string) string {
	if mode == "systemd" || mode == "auto" && os.Getenv("NOTIFY_SOCKET") != "" {
		return "systemd"
	}
	return "no"
}
