package netloop

import (
	"fmt"
	"runtime/debug"
	"runtime/metrics"
	"strings"

	"github.com/shoal-db/shoal/proto"
	"github.com/shoal-db/shoal/shard"
)

// MEMORY USAGE / STATS / DOCTOR / MALLOC-STATS / PURGE / HELP.
//
// MEMORY STATS keeps Redis 7.0's field names. Its "allocated" figures are
// the memory accounting's (shard/evict.go), the same used_memory that INFO
// shows and maxmemory limits: keys, values, TTLs and hash tables. The
// allocator fields describe Go's heap, read from runtime/metrics without
// stopping the world:
//
//	allocator.allocated  heap objects, live or not yet collected
//	                     (/memory/classes/heap/objects)
//	allocator.active     that plus free space inside spans in use (+ heap/unused)
//	allocator.resident   that plus free spans not yet returned to the OS (+ heap/free)
//
// and the ratios are Redis's: allocator-fragmentation = active / allocated,
// allocator-rss = resident / active, rss-overhead = process RSS / resident,
// fragmentation = RSS / total.allocated. startup.allocated is 0 (the
// accounting starts empty); overhead.total is the hash tables' overhead,
// and clients.normal (output waiting for clients, as each client's loop
// last saw it) is shown but not part of total.allocated, which counts the
// keyspace only.

func (s *Server) registerMemory(t *shard.Table) {
	sub := func(c *shard.Command) *shard.Command {
		c.Group, c.Since = "server", "4.0.0"
		if c.ACL == nil {
			c.ACL = []string{"slow"}
		}
		return c
	}
	t.Add(sub(&shard.Command{Name: "memory", Arity: -2, Run: func(c *shard.Ctx) { c.Error(proto.UnknownSubcommand(c.Args[1], "memory")) },
		Summary: "A container for memory diagnostics commands", Complexity: "Depends on subcommand.",
		Subcommands: []*shard.Command{
			sub(&shard.Command{Name: "doctor", Arity: 2, Kind: shard.KindAllShards, Run: s.memoryDoctor,
				Summary: "Outputs memory problems report", Complexity: "O(1)"}),
			sub(&shard.Command{Name: "help", Arity: 2, Flags: shard.FlagLoading | shard.FlagStale, Run: memoryHelp,
				Summary: "Show helpful text about the different subcommands", Complexity: "O(1)"}),
			sub(&shard.Command{Name: "malloc-stats", Arity: 2, Run: memoryMallocStats,
				Summary: "Show allocator internal stats", Complexity: "Depends on how much memory is allocated, could be slow"}),
			sub(&shard.Command{Name: "purge", Arity: 2, Run: s.memoryPurge, Defers: true,
				Summary: "Ask the allocator to release memory", Complexity: "Depends on how much memory is allocated, could be slow"}),
			sub(&shard.Command{Name: "stats", Arity: 2, Kind: shard.KindAllShards, Run: s.memoryStatsCommand,
				Summary: "Show memory usage details", Complexity: "O(1)"}),
			sub(&shard.Command{Name: "usage", Arity: -3, Flags: shard.FlagReadonly, Keys: shard.KeySpec{First: 2, Last: 2, Step: 1},
				Run: shard.MemoryUsage, ACL: []string{"read", "slow"},
				Summary: "Estimate the memory usage of a key", Complexity: "O(N) where N is the number of samples."}),
		}}))
}

func memoryHelp(c *shard.Ctx) {
	lines := []string{
		"MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
		"DOCTOR",
		"    Return memory problems reports.",
		"MALLOC-STATS",
		"    Return internal statistics report from the memory allocator.",
		"PURGE",
		"    Attempt to purge dirty pages for reclamation by the allocator.",
		"STATS",
		"    Return information about the memory usage of the server.",
		"USAGE <key> [SAMPLES <count>]",
		"    Return memory in bytes used by <key> and its value. Nested values are",
		"    sampled up to <count> times (default: 5, 0 means sample all).",
		"HELP",
		"    Prints this help.",
	}
	c.Array(len(lines))
	for _, l := range lines {
		c.Simple(l)
	}
}

// memStats is Redis's redisMemOverhead, from Shoal's numbers.
type memStats struct {
	peak, total, clientsNormal int64
	dbs                        []dbOverhead
	overhead                   int64
	keys                       int64
	bytesPerKey, dataset       int64
	datasetPerc, peakPerc      float64
	allocated, active          int64
	resident, rss              int64
	numClients                 int64
}

type dbOverhead struct {
	id            int
	main, expires int64
	keys          int
}

// heapClasses are the runtime metrics behind the allocator fields.
var heapClasses = []string{
	"/memory/classes/heap/objects:bytes",
	"/memory/classes/heap/unused:bytes",
	"/memory/classes/heap/free:bytes",
}

// memoryStats gathers MEMORY STATS' figures; c holds every shard.
func (s *Server) memoryStats(c *shard.Ctx) memStats {
	var m memStats
	m.total = s.Engine.MemoryUsed()
	m.peak = max(s.Engine.MemoryPeak(), m.total)
	for i := 0; i < shard.NumDBs; i++ {
		d := dbOverhead{id: i}
		c.DBsOf(i, func(db *shard.DB) {
			main, exp := db.TableBytes()
			d.main += int64(main)
			d.expires += int64(exp)
			d.keys += db.Len()
		})
		if d.keys == 0 {
			continue
		}
		m.dbs = append(m.dbs, d)
		m.overhead += d.main + d.expires
		m.keys += int64(d.keys)
	}
	s.mu.Lock()
	for _, cn := range s.clients {
		m.clientsNormal += cn.outbox.unsent.Load()
	}
	m.numClients = int64(len(s.clients))
	s.mu.Unlock()
	if m.keys > 0 {
		m.bytesPerKey = m.total / m.keys
	}
	m.dataset = max(m.total-m.overhead, 0)
	if m.total > 0 {
		m.datasetPerc = float64(m.dataset) * 100 / float64(m.total)
	}
	if m.peak > 0 {
		m.peakPerc = float64(m.total) * 100 / float64(m.peak)
	}
	samples := make([]metrics.Sample, len(heapClasses))
	for i, name := range heapClasses {
		samples[i].Name = name
	}
	metrics.Read(samples)
	var v [3]int64
	for i, smp := range samples {
		if smp.Value.Kind() == metrics.KindUint64 {
			v[i] = int64(smp.Value.Uint64())
		}
	}
	m.allocated, m.active, m.resident = v[0], v[0]+v[1], v[0]+v[1]+v[2]
	m.rss = int64(rssBytes())
	return m
}

// ratio is a/b, or 0 when b is 0.
func ratio(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func (s *Server) memoryStatsCommand(c *shard.Ctx) {
	m := s.memoryStats(c)
	c.Map(27 + len(m.dbs))
	kv := func(k string, v int64) {
		c.BulkString(k)
		c.Int(v)
	}
	kf := func(k string, v float64) {
		c.BulkString(k)
		c.Double(v)
	}
	kv("peak.allocated", m.peak)
	kv("total.allocated", m.total)
	kv("startup.allocated", 0)
	kv("replication.backlog", 0)
	kv("clients.slaves", 0)
	kv("clients.normal", m.clientsNormal)
	kv("cluster.links", 0)
	kv("aof.buffer", 0)
	kv("lua.caches", 0)
	kv("functions.caches", 0)
	for _, d := range m.dbs {
		c.BulkString(fmt.Sprintf("db.%d", d.id))
		c.Map(3)
		kv("overhead.hashtable.main", d.main)
		kv("overhead.hashtable.expires", d.expires)
		kv("overhead.hashtable.slot-to-keys", 0)
	}
	kv("overhead.total", m.overhead)
	kv("keys.count", m.keys)
	kv("keys.bytes-per-key", m.bytesPerKey)
	kv("dataset.bytes", m.dataset)
	kf("dataset.percentage", m.datasetPerc)
	kf("peak.percentage", m.peakPerc)
	kv("allocator.allocated", m.allocated)
	kv("allocator.active", m.active)
	kv("allocator.resident", m.resident)
	kf("allocator-fragmentation.ratio", ratio(m.active, m.allocated))
	kv("allocator-fragmentation.bytes", m.active-m.allocated)
	kf("allocator-rss.ratio", ratio(m.resident, m.active))
	kv("allocator-rss.bytes", m.resident-m.active)
	kf("rss-overhead.ratio", ratio(m.rss, m.resident))
	kv("rss-overhead.bytes", m.rss-m.resident)
	kf("fragmentation", ratio(m.rss, m.total))
	kv("fragmentation.bytes", m.rss-m.total)
}

// memoryDoctor applies Redis 7.0's getMemoryDoctorReport rules to the
// figures of MEMORY STATS, with its texts.
func (s *Server) memoryDoctor(c *shard.Ctx) {
	m := s.memoryStats(c)
	const mb10 = 10 << 20
	var reports []string
	if m.total < 5<<20 {
		c.Verbatim([]byte("Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n"))
		return
	}
	if ratio(m.peak, m.total) > 1.5 {
		reports = append(reports, " * Peak memory: In the past this instance used more than 150% the memory that is currently using. The allocator is normally not able to release memory after a peak, so you can expect to see a big fragmentation ratio, however this is actually harmless and is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) is currently bigger than expected, the memory will be used as soon as you fill the Redis instance with more data. If the memory peak was only occasional and you want to try to reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is to shutdown and restart the instance.\n\n")
	}
	if ratio(m.rss, m.total) > 1.4 && m.rss-m.total > mb10 {
		reports = append(reports, " * High total RSS: This instance has a memory fragmentation and RSS overhead greater than 1.4 (this means that the Resident Set Size of the Redis process is much larger than the sum of the logical allocations Redis performed). This problem is usually due either to a large peak memory (check if there is a peak memory entry above in the report) or may result from a workload that causes the allocator to fragment memory a lot. If the problem is a large peak memory, then there is no issue. Otherwise, make sure you are using the Jemalloc allocator and not the default libc malloc. Note: The currently used allocator is \"go\".\n\n")
	}
	if ratio(m.active, m.allocated) > 1.1 && m.active-m.allocated > mb10 {
		reports = append(reports, " * High allocator fragmentation: This instance has an allocator external fragmentation greater than 1.1. This problem is usually due either to a large peak memory (check if there is a peak memory entry above in the report) or may result from a workload that causes the allocator to fragment memory a lot. You can try enabling 'activedefrag' config option.\n\n")
	}
	if ratio(m.resident, m.active) > 1.1 && m.resident-m.active > mb10 {
		reports = append(reports, " * High allocator RSS overhead: This instance has an RSS memory overhead is greater than 1.1 (this means that the Resident Set Size of the allocator is much larger than the sum what the allocator actually holds). This problem is usually due to a large peak memory (check if there is a peak memory entry above in the report), you can try the MEMORY PURGE command to reclaim it.\n\n")
	}
	if ratio(m.rss, m.resident) > 1.1 && m.rss-m.resident > mb10 {
		reports = append(reports, " * High process RSS overhead: This instance has non-allocator RSS memory overhead is greater than 1.1 (this means that the Resident Set Size of the Redis process is much larger than the RSS the allocator holds). This problem may be due to Lua scripts or Modules.\n\n")
	}
	if m.numClients > 0 && m.clientsNormal/m.numClients > 200<<10 {
		reports = append(reports, " * Big client buffers: The clients output buffers in this instance are greater than 200K per client (on average). This may result from different causes, like Pub/Sub clients subscribed to channels bot not receiving data fast enough, so that data piles on the Redis instance output buffer, or clients sending commands with large replies or very large sequences of commands in the same pipeline. Please use the CLIENT LIST command in order to investigate the issue if it causes problems in your instance, or to understand better why certain clients are using a big amount of memory.\n\n")
	}
	if len(reports) == 0 {
		c.Verbatim([]byte("Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n"))
		return
	}
	c.Verbatim([]byte("Sam, I detected a few issues in this Redis instance memory implants:\n\n" +
		strings.Join(reports, "") + "I'm here to keep you safe, Sam. I want to help you.\n"))
}

// memoryMallocStats reports Go's memory classes, where Redis reports
// jemalloc's statistics.
func memoryMallocStats(c *shard.Ctx) {
	var samples []metrics.Sample
	for _, d := range metrics.All() {
		if strings.HasPrefix(d.Name, "/memory/classes/") && d.Kind == metrics.KindUint64 {
			samples = append(samples, metrics.Sample{Name: d.Name})
		}
	}
	metrics.Read(samples)
	var b strings.Builder
	b.WriteString("___ Begin Go runtime memory statistics ___\n")
	for _, smp := range samples {
		fmt.Fprintf(&b, "%s %d\n", smp.Name, smp.Value.Uint64())
	}
	b.WriteString("--- End Go runtime memory statistics ---\n")
	c.Verbatim([]byte(b.String()))
}

// memoryPurge returns unused heap memory to the operating system and
// replies once it has, as Redis's MEMORY PURGE. That forces a garbage
// collection, which can take long on a big heap, so it runs on a goroutine
// the server waits for at shutdown rather than holding a shard.
func (s *Server) memoryPurge(c *shard.Ctx) {
	if c.InTx() {
		debug.FreeOSMemory()
		c.OK()
		return
	}
	d := c.Defer()
	s.background.Add(1)
	go func() {
		defer s.background.Done()
		debug.FreeOSMemory()
		d.Reply([]byte("+OK\r\n"))
	}()
}
