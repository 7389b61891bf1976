package shard

import (
	"sort"
	"strings"
	"sync/atomic"
)

// Flags are a command's Redis command flags (COMMAND INFO shows them).
type Flags uint32

const (
	FlagWrite Flags = 1 << iota
	FlagReadonly
	FlagDenyOOM
	FlagAdmin
	FlagPubSub
	FlagNoScript
	FlagBlocking
	FlagLoading
	FlagStale
	FlagFast
	FlagNoAuth
	FlagMayReplicate
	FlagSkipMonitor
	FlagSkipSlowlog
	FlagAllowBusy
	FlagNoMulti
	FlagNoAsyncLoading
)

var flagNames = []string{
	"write", "readonly", "denyoom", "admin", "pubsub", "noscript", "blocking",
	"loading", "stale", "fast", "no_auth", "may_replicate", "skip_monitor",
	"skip_slowlog", "allow_busy", "no_multi", "no_async_loading",
}

// Names returns the flag names in Redis's spelling.
func (f Flags) Names() []string {
	var out []string
	for i, n := range flagNames {
		if f&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}

// Kind says where a command executes.
type Kind uint8

const (
	// KindKeyed commands run on the shard(s) owning their keys.
	KindKeyed Kind = iota
	// KindAllShards commands need every shard (DBSIZE, FLUSHALL, KEYS, …).
	KindAllShards
	// KindRouted commands pick one shard from their arguments (SCAN's cursor).
	KindRouted
	// KindConn commands run in the connection layer and touch no keyspace.
	KindConn
)

// KeySpec locates key arguments the way Redis's legacy (first, last, step)
// triple does; NumKeys, when set, is the index of a numkeys argument and the
// keys follow it (First..Last then name keys before it, such as a
// destination).
type KeySpec struct {
	First, Last, Step int
	NumKeys           int
}

// Command is one entry of the command table.
type Command struct {
	Name       string // lower case
	Arity      int    // Redis convention: negative means "at least -Arity"
	Flags      Flags
	Kind       Kind
	Keys       KeySpec
	Group      string // COMMAND DOCS group
	Summary    string
	Since      string
	Complexity string
	ACL        []string // ACL categories without '@'

	// Run executes a keyed, all-shards or routed command with every shard it
	// needs held. Connection commands leave it nil.
	Run func(c *Ctx)
	// Route returns the shard of a KindRouted command.
	Route func(e *Engine, args [][]byte) int
	// ConnID identifies a KindConn command for the connection layer's switch.
	ConnID int
	// WritesKey, when set, is the 1-based position among the command's keys
	// of the one key it may change (the destination of SINTERSTORE, COPY,
	// …); the others are only read, and WATCH on them is left alone.
	// Zero means any key may change.
	WritesKey int
	// Defers marks a command whose reply may come later (Ctx.Defer): it
	// runs alone in its batch.
	Defers bool

	Subcommands []*Command

	id    int // index into per-owner statistics arrays
	upper string
}

// ID is the command's index in its table, for statistics arrays.
func (c *Command) ID() int { return c.id }

// FullName is the name INFO commandstats uses ("config|get" for subcommands).
func (c *Command) FullName() string { return c.Name }

// Table is the command table. It is built once at start-up and read-only after.
type Table struct {
	byName map[string]*Command
	all    []*Command // every command and subcommand, by id
}

// NewTable returns a table holding every command family.
func NewTable() *Table {
	t := &Table{byName: make(map[string]*Command)}
	registerStrings(t)
	registerKeys(t)
	registerServer(t)
	registerTx(t)
	registerZSets(t)
	registerBlockingZSets(t)
	registerLists(t)
	registerBlockingLists(t)
	registerHashes(t)
	registerSets(t)
	registerStreams(t)
	return t
}

// Add registers a command (and its subcommands, named "parent|sub").
func (t *Table) Add(c *Command) {
	if _, dup := t.byName[c.Name]; dup {
		panic("BUG: command registered twice: " + c.Name)
	}
	t.byName[c.Name] = c
	t.index(c)
	for _, s := range c.Subcommands {
		s.Name = c.Name + "|" + s.Name
		t.index(s)
	}
}

func (t *Table) index(c *Command) {
	c.id = len(t.all)
	c.upper = strings.ToUpper(c.Name)
	if c.Group == "" {
		c.Group = "generic"
	}
	t.all = append(t.all, c)
}

// Lookup finds a command by name, case-insensitively, without allocating.
func (t *Table) Lookup(name []byte) *Command {
	if len(name) > 32 {
		return nil
	}
	var buf [32]byte
	for i, ch := range name {
		if 'A' <= ch && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		buf[i] = ch
	}
	return t.byName[string(buf[:len(name)])]
}

// Subcommand finds sub (case-insensitive) among c's subcommands.
func (c *Command) Subcommand(sub []byte) *Command {
	for _, s := range c.Subcommands {
		short := s.Name[strings.IndexByte(s.Name, '|')+1:]
		if strings.EqualFold(short, string(sub)) {
			return s
		}
	}
	return nil
}

// Len is the number of top-level commands (COMMAND COUNT).
func (t *Table) Len() int { return len(t.byName) }

// Count is the number of commands and subcommands (sizes statistics arrays).
func (t *Table) Count() int { return len(t.all) }

// ByID returns the command or subcommand with the given id.
func (t *Table) ByID(id int) *Command { return t.all[id] }

// Commands returns the top-level commands sorted by name.
func (t *Table) Commands() []*Command {
	out := make([]*Command, 0, len(t.byName))
	for _, c := range t.byName {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// ArityOK reports whether argc arguments (command name included) fit.
func (c *Command) ArityOK(argc int) bool {
	if c.Arity >= 0 {
		return argc == c.Arity
	}
	return argc >= -c.Arity
}

// KeyIndexes appends the indexes of the key arguments of args to dst.
// It returns ok=false when a numkeys argument is malformed; the handler
// reports that error itself.
func (c *Command) KeyIndexes(args [][]byte, dst []int) ([]int, bool) {
	ks := c.Keys
	if ks.NumKeys > 0 {
		if ks.NumKeys >= len(args) {
			return dst, false
		}
		// Keys before numkeys (ZUNIONSTORE's destination) come from First..Last.
		for i := ks.First; i > 0 && i <= ks.Last && i < ks.NumKeys; i++ {
			dst = append(dst, i)
		}
		n, ok := parseSmallInt(args[ks.NumKeys])
		if !ok || n <= 0 || ks.NumKeys+n > len(args)-1 {
			return dst, false
		}
		for i := 0; i < n; i++ {
			dst = append(dst, ks.NumKeys+1+i)
		}
		return dst, true
	}
	if ks.First == 0 {
		return dst, true
	}
	last := ks.Last
	if last < 0 {
		last = len(args) + last
	}
	step := ks.Step
	if step <= 0 {
		step = 1
	}
	for i := ks.First; i <= last && i < len(args); i += step {
		dst = append(dst, i)
	}
	return dst, true
}

func parseSmallInt(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 9 {
		return 0, false
	}
	n := 0
	for _, ch := range b {
		if ch < '0' || ch > '9' {
			return 0, false
		}
		n = n*10 + int(ch-'0')
	}
	return n, true
}

// CmdStats are one owner's counters for one command. The owner (a shard
// under its token, or one event loop) is the only writer; INFO and the
// metrics collector read them from other goroutines, hence the atomics.
type CmdStats struct {
	Calls, Usec, Failed, Rejected atomic.Uint64
}

// Record adds one call that took usec microseconds.
func (s *CmdStats) Record(usec uint64, failed bool) {
	s.addCall(failed)
	s.addUsec(usec)
}

func (s *CmdStats) addCall(failed bool) {
	s.Calls.Store(s.Calls.Load() + 1)
	if failed {
		s.Failed.Store(s.Failed.Load() + 1)
	}
}

func (s *CmdStats) addUsec(usec uint64) { s.Usec.Store(s.Usec.Load() + usec) }
