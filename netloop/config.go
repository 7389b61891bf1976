package netloop

import (
	"bufio"
	"errors"
	"fmt"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/shoal-db/shoal/proto"
	"github.com/shoal-db/shoal/shard"
)

// paramKind says how a directive's value is parsed and shown.
type paramKind uint8

const (
	kindString paramKind = iota
	kindInt
	kindMemory // bytes, with Redis's k/kb/m/mb/g/gb suffixes
	kindBool   // yes/no
	kindEnum
	kindOutputLimits // client-output-buffer-limit's class groups
	kindNotify       // notify-keyspace-events' class letters
	kindPercentiles  // latency-tracking-info-percentiles
	kindReplicaof    // "<host> <port>" or empty
)

// param is one configuration directive.
type param struct {
	name    string
	alias   string
	kind    paramKind
	def     string
	enum    []string
	min     int64
	max     int64
	mutable bool // CONFIG SET may change it at run time
	// inert marks directives accepted so that existing redis.conf files and
	// tools work, whose feature Shoal does not have yet; README lists them.
	inert bool
}

func intParam(name, def string, min, max int64, mutable bool) *param {
	return &param{name: name, kind: kindInt, def: def, min: min, max: max, mutable: mutable}
}

var params = []*param{
	intParam("port", "6379", 0, 65535, false),
	{name: "bind", kind: kindString, def: "127.0.0.1 -::1"},
	{name: "protected-mode", kind: kindBool, def: "yes", mutable: true},
	{name: "requirepass", kind: kindString, def: "", mutable: true},
	intParam("maxclients", "10000", 1, math.MaxUint32, true),
	intParam("shards", "0", 0, 64, false),
	intParam("io-threads", "0", 0, 128, false),
	{name: "shard-inline-exec", kind: kindBool, def: "yes", mutable: true},
	{name: "loglevel", kind: kindEnum, def: "notice", enum: []string{"debug", "verbose", "notice", "warning", "nothing"}, mutable: true},
	{name: "logfile", kind: kindString, def: ""},
	intParam("databases", "16", 16, 16, false),
	{name: "proto-max-bulk-len", kind: kindMemory, def: "536870912", min: 1 << 20, max: math.MaxInt64, mutable: true},
	{name: "client-query-buffer-limit", kind: kindMemory, def: "1073741824", min: 1 << 20, max: math.MaxInt64, mutable: true},
	intParam("timeout", "0", 0, 1<<31-1, true),
	intParam("tcp-keepalive", "300", 0, 1<<31-1, false),
	intParam("hz", "10", 1, 500, true),
	{name: "daemonize", kind: kindBool, def: "no"},
	{name: "pidfile", kind: kindString, def: ""},
	{name: "supervised", kind: kindEnum, def: "no", enum: []string{"no", "upstart", "systemd", "auto"}},
	{name: "syslog-enabled", kind: kindBool, def: "no"},
	{name: "syslog-ident", kind: kindString, def: "shoal"},
	{name: "syslog-facility", kind: kindEnum, def: "local0", enum: []string{"user", "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7"}},
	{name: "notify-keyspace-events", kind: kindNotify, def: "", mutable: true},
	// Replication, replica side (replica.go); repl-timeout serves both sides.
	{name: "replicaof", alias: "slaveof", kind: kindReplicaof, def: ""},
	{name: "masterauth", kind: kindString, def: "", mutable: true},
	{name: "masteruser", kind: kindString, def: "", mutable: true},
	{name: "replica-read-only", alias: "slave-read-only", kind: kindBool, def: "yes", mutable: true},
	{name: "replica-serve-stale-data", alias: "slave-serve-stale-data", kind: kindBool, def: "yes", mutable: true},
	{name: "replica-priority", alias: "slave-priority", kind: kindInt, def: "100", min: 0, max: math.MaxInt32, mutable: true},
	{name: "replica-announced", kind: kindBool, def: "yes", mutable: true},
	{name: "replica-announce-ip", alias: "slave-announce-ip", kind: kindString, def: "", mutable: true},
	{name: "replica-announce-port", alias: "slave-announce-port", kind: kindInt, def: "0", min: 0, max: 65535, mutable: true},
	intParam("repl-timeout", "60", 1, math.MaxInt32, true),
	// Replication, master side (replmaster.go).
	{name: "repl-backlog-size", kind: kindMemory, def: "1048576", min: 16 << 10, max: math.MaxInt64, mutable: true},
	intParam("repl-backlog-ttl", "3600", 0, math.MaxInt32, true),
	{name: "repl-diskless-sync", kind: kindBool, def: "yes", mutable: true},
	intParam("repl-diskless-sync-delay", "5", 0, math.MaxInt32, true),
	{name: "repl-ping-replica-period", alias: "repl-ping-slave-period", kind: kindInt, def: "10", min: 1, max: math.MaxInt32, mutable: true},
	{name: "min-replicas-to-write", alias: "min-slaves-to-write", kind: kindInt, def: "0", min: 0, max: math.MaxInt32, mutable: true},
	{name: "min-replicas-max-lag", alias: "min-slaves-max-lag", kind: kindInt, def: "10", min: 0, max: math.MaxInt32, mutable: true},
	// Accepted for compatibility; the features behind them come with later
	// issues (persistence, cache mode, replication, pub/sub).
	{name: "save", kind: kindString, def: "3600 1 300 100 60 10000", mutable: true},
	{name: "appendonly", kind: kindBool, def: "no", mutable: true},
	{name: "appendfsync", kind: kindEnum, def: "everysec", enum: []string{"always", "everysec", "no"}, mutable: true},
	{name: "appendfilename", kind: kindString, def: "appendonly.aof"},
	{name: "appenddirname", kind: kindString, def: "appendonlydir"},
	{name: "no-appendfsync-on-rewrite", kind: kindBool, def: "no", mutable: true},
	intParam("auto-aof-rewrite-percentage", "100", 0, math.MaxInt32, true),
	{name: "auto-aof-rewrite-min-size", kind: kindMemory, def: "67108864", min: 0, max: math.MaxInt64, mutable: true},
	{name: "aof-load-truncated", kind: kindBool, def: "yes", mutable: true},
	{name: "aof-use-rdb-preamble", kind: kindBool, def: "yes", mutable: true},
	{name: "aof-rewrite-incremental-fsync", kind: kindBool, def: "yes", mutable: true},
	// Shoal writes no timestamp annotations; it skips them when loading.
	{name: "aof-timestamp-enabled", kind: kindBool, def: "no", mutable: true, inert: true},
	{name: "dir", kind: kindString, def: ".", mutable: true},
	{name: "dbfilename", kind: kindString, def: "dump.rdb", mutable: true},
	{name: "rdbcompression", kind: kindBool, def: "yes", mutable: true},
	{name: "rdbchecksum", kind: kindBool, def: "yes", mutable: true},
	{name: "stop-writes-on-bgsave-error", kind: kindBool, def: "yes", mutable: true},
	{name: "maxmemory", kind: kindMemory, def: "0", min: 0, max: 1 << 62, mutable: true},
	{name: "maxmemory-policy", kind: kindEnum, def: "noeviction", enum: []string{"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction"}, mutable: true},
	intParam("maxmemory-samples", "5", 1, 64, true),
	intParam("maxmemory-eviction-tenacity", "10", 0, 100, true),
	intParam("lfu-log-factor", "10", 0, math.MaxInt32, true),
	intParam("lfu-decay-time", "1", 0, math.MaxInt32, true),
	{name: "slowlog-log-slower-than", kind: kindInt, def: "10000", min: -1, max: math.MaxInt64, mutable: true},
	{name: "slowlog-max-len", kind: kindInt, def: "128", min: 0, max: math.MaxInt64, mutable: true},
	{name: "latency-monitor-threshold", kind: kindInt, def: "0", min: 0, max: math.MaxInt64, mutable: true},
	{name: "latency-tracking", kind: kindBool, def: "yes", mutable: true},
	{name: "latency-tracking-info-percentiles", kind: kindPercentiles, def: "50 99 99.9", mutable: true},
	{name: "client-output-buffer-limit", kind: kindOutputLimits, def: "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60", mutable: true},
	{name: "metrics-bind", kind: kindString, def: "127.0.0.1"},
	intParam("metrics-port", "9121", 0, 65535, false),
}

// Config holds directive values. Readers on hot paths use the typed
// accessors, which take a read lock; CONFIG SET takes the write lock.
type Config struct {
	mu         sync.RWMutex
	obufPubsub [3]int64 // client-output-buffer-limit pubsub: hard, soft, seconds
	obufNormal [3]int64 // client-output-buffer-limit normal
	obufRepl   [3]int64 // client-output-buffer-limit replica
	notify     uint32   // notify-keyspace-events' classes (notify.go)
	values     map[string]string
	byName     map[string]*param
	file       string
}

// NewConfig returns a config with every directive at its default.
func NewConfig() *Config {
	c := &Config{values: make(map[string]string), byName: make(map[string]*param)}
	for _, p := range params {
		c.byName[p.name] = p
		if p.alias != "" {
			c.byName[p.alias] = p
		}
		c.store(p, p.def)
	}
	return c
}

// ParseArgs builds a config as redis-server does from its command line: an
// optional config file first, then "--directive value..." pairs.
func ParseArgs(args []string) (*Config, error) {
	c := NewConfig()
	if len(args) > 0 && !strings.HasPrefix(args[0], "--") {
		if err := c.loadFile(args[0]); err != nil {
			return nil, err
		}
		args = args[1:]
	}
	for i := 0; i < len(args); {
		if !strings.HasPrefix(args[i], "--") || len(args[i]) == 2 {
			return nil, fmt.Errorf("bad argument %q: expected --directive", args[i])
		}
		name := args[i][2:]
		i++
		var vals []string
		for i < len(args) && !strings.HasPrefix(args[i], "--") {
			vals = append(vals, args[i])
			i++
		}
		if err := c.set(name, strings.Join(vals, " ")); err != nil {
			return nil, fmt.Errorf("argument --%s: %w", name, err)
		}
	}
	return c, nil
}

func (c *Config) loadFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("cannot open config file: %w", err)
	}
	defer f.Close()
	c.file = path
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	line := 0
	// Each save line of a file adds save points, as in redis.conf; save ""
	// clears them.
	var savePoints []string
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || text[0] == '#' {
			continue
		}
		fields, err := splitConfigLine(text)
		if err != nil {
			return fmt.Errorf("%s:%d: %w", path, line, err)
		}
		if len(fields) == 0 {
			continue
		}
		if strings.EqualFold(fields[0], "include") {
			return fmt.Errorf("%s:%d: 'include' is not supported", path, line)
		}
		value := strings.Join(fields[1:], " ")
		if strings.EqualFold(fields[0], "save") {
			if value == "" {
				savePoints = savePoints[:0]
			} else {
				savePoints = append(savePoints, value)
			}
			value = strings.Join(savePoints, " ")
		}
		if err := c.set(fields[0], value); err != nil {
			return fmt.Errorf("%s:%d: %q: %w", path, line, text, err)
		}
	}
	return sc.Err()
}

// splitConfigLine splits a config line into words the way Redis does
// (sdssplitargs), by parsing it as an inline request.
func splitConfigLine(text string) ([]string, error) {
	var p proto.Parser
	p.Limits = proto.DefaultLimits()
	args, n, err := p.Parse([]byte(text+"\n"), nil)
	if err != nil {
		return nil, errors.New(strings.TrimPrefix(err.Error(), "Protocol error: "))
	}
	if n == 0 {
		return nil, errors.New("line too long")
	}
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = string(a)
	}
	return out, nil
}

// set validates and stores a directive's value.
func (c *Config) set(name, value string) error {
	p := c.byName[strings.ToLower(name)]
	if p == nil {
		return fmt.Errorf("unknown directive '%s'", name)
	}
	v, err := p.normalize(value)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.store(p, v)
	c.mu.Unlock()
	return nil
}

// store sets a normalized value and what is derived from it; c.mu is held.
func (c *Config) store(p *param, v string) {
	if p.kind == kindOutputLimits {
		// A value names some classes; the others keep their limits.
		classes, ok := parseOutputLimits(c.values[p.name])
		if !ok {
			classes = map[string][3]int64{}
		}
		set, _ := parseOutputLimits(v)
		for k, l := range set {
			classes[k] = l
		}
		var b strings.Builder
		for _, k := range []string{"normal", "replica", "pubsub"} {
			l := classes[k]
			name := k
			if k == "replica" {
				name = "slave"
			}
			fmt.Fprintf(&b, "%s %d %d %d ", name, l[0], l[1], l[2])
		}
		v = strings.TrimSpace(b.String())
		c.obufPubsub = classes["pubsub"]
		c.obufNormal = classes["normal"]
		c.obufRepl = classes["replica"]
	}
	if p.kind == kindNotify {
		v = c.storeNotify(v)
	}
	c.values[p.name] = v
}

func (p *param) normalize(v string) (string, error) {
	switch p.kind {
	case kindBool:
		switch strings.ToLower(v) {
		case "yes":
			return "yes", nil
		case "no":
			return "no", nil
		}
		return "", errors.New("argument must be 'yes' or 'no'")
	case kindEnum:
		for _, e := range p.enum {
			if strings.EqualFold(v, e) {
				return e, nil
			}
		}
		return "", errors.New("argument(s) must be one of the following: " + strings.Join(p.enum, ", "))
	case kindInt:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return "", errors.New("argument couldn't be parsed into an integer")
		}
		if n < p.min || n > p.max {
			return "", fmt.Errorf("argument must be between %d and %d inclusive", p.min, p.max)
		}
		return strconv.FormatInt(n, 10), nil
	case kindNotify:
		return v, checkNotify(v)
	case kindPercentiles:
		return normalizePercentiles(v)
	case kindReplicaof:
		return strings.Join(strings.Fields(v), " "), validReplicaof(v)
	case kindOutputLimits:
		if _, ok := parseOutputLimits(v); !ok {
			return "", errors.New("argument must be '<class> <hard> <soft> <soft_seconds>' groups with class normal, replica or pubsub")
		}
		return v, nil
	case kindMemory:
		n, ok := parseMemory(v)
		if !ok {
			return "", errors.New("argument must be a memory value")
		}
		if n < p.min || n > p.max {
			return "", fmt.Errorf("argument must be between %d and %d inclusive", p.min, p.max)
		}
		return strconv.FormatInt(n, 10), nil
	}
	return v, nil
}

// parseMemory parses Redis's memory notation (1gb, 512mb, 100k, 42).
func parseMemory(s string) (int64, bool) {
	s = strings.ToLower(s)
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"gb", 1 << 30}, {"mb", 1 << 20}, {"kb", 1 << 10}, {"g", 1e9}, {"m", 1e6}, {"k", 1e3}, {"b", 1}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSuffix(s, u.suffix), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > math.MaxInt64/mult {
		return 0, false
	}
	return n * mult, true
}

// Get returns a directive's value as CONFIG GET shows it.
func (c *Config) Get(name string) string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.values[name]
}

// Int returns an integer directive.
func (c *Config) Int(name string) int {
	return int(c.Int64(name))
}

// Int64 returns an integer or memory directive.
func (c *Config) Int64(name string) int64 {
	n, _ := strconv.ParseInt(c.Get(name), 10, 64)
	return n
}

// Bool returns a yes/no directive.
func (c *Config) Bool(name string) bool { return c.Get(name) == "yes" }

// Shards is the number of shards: the directive, or one per core.
func (c *Config) Shards() int {
	if n := c.Int("shards"); n > 0 {
		return n
	}
	return runtime.NumCPU()
}

// IOThreads is the number of event loops: the directive, or one per core.
func (c *Config) IOThreads() int {
	if n := c.Int("io-threads"); n > 0 {
		return n
	}
	return runtime.NumCPU()
}

// Limits are the protocol limits for a new connection.
func (c *Config) Limits() proto.Limits {
	l := proto.DefaultLimits()
	l.MaxBulkLen = c.Int64("proto-max-bulk-len")
	return l
}

// File is the config file the server was started with, if any.
func (c *Config) File() string { return c.file }

// Inert lists the directives accepted for compatibility that have no effect yet.
func Inert() []string {
	var out []string
	for _, p := range params {
		if p.inert {
			out = append(out, p.name)
		}
	}
	return out
}

// Directives lists every directive with its default, for the README.
func Directives() [][2]string {
	out := make([][2]string, 0, len(params))
	for _, p := range params {
		out = append(out, [2]string{p.name, p.def})
	}
	return out
}

// match returns the (name, value) pairs whose names match a CONFIG GET glob.
// A pattern without glob characters is a plain name, which Redis echoes as
// the client spelled it.
func (c *Config) match(pattern []byte) [][2]string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if !strings.ContainsAny(string(pattern), "*?[") {
		if p := c.byName[strings.ToLower(string(pattern))]; p != nil {
			return [][2]string{{string(pattern), c.values[p.name]}}
		}
		return nil
	}
	var out [][2]string
	for _, p := range params {
		if shard.GlobMatch(pattern, []byte(p.name), true) {
			out = append(out, [2]string{p.name, c.values[p.name]})
		} else if p.alias != "" && shard.GlobMatch(pattern, []byte(p.alias), true) {
			out = append(out, [2]string{p.alias, c.values[p.name]})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}

// applyMemory hands the maxmemory directives to the engine and derives the
// Go runtime's soft memory limit from maxmemory: the dataset may use
// maxmemory, and the rest of the process (connection buffers, the
// runtime, garbage not yet collected) gets an eighth more plus 8 MiB
// before the collector works harder, which keeps the resident set under
// 1.5 times maxmemory (netloop/cache_test.go). A GOMEMLIMIT set in the
// environment wins.
func (s *Server) applyMemory() {
	c := s.Config
	policy, _ := shard.ParsePolicy(c.Get("maxmemory-policy"))
	maxmem := c.Int64("maxmemory")
	s.Engine.SetEviction(shard.Eviction{
		MaxMemory:    maxmem,
		Policy:       policy,
		Samples:      c.Int("maxmemory-samples"),
		Tenacity:     c.Int("maxmemory-eviction-tenacity"),
		LFULogFactor: c.Int("lfu-log-factor"),
		LFUDecayTime: c.Int("lfu-decay-time"),
	})
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetMemoryLimit(RuntimeMemoryLimit(maxmem))
}

// RuntimeMemoryLimit is the Go runtime's memory limit for a maxmemory
// value (0: none).
func RuntimeMemoryLimit(maxmem int64) int64 {
	if maxmem == 0 {
		return math.MaxInt64
	}
	return maxmem + maxmem/8 + 8<<20
}
