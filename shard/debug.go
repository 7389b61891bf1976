package shard

import (
	"math"
	"strconv"
	"time"
)

// registerDebug adds DEBUG with the subcommands the test suites rely on.
// Redis refuses DEBUG unless enable-debug-command allows it; Shoal always
// accepts it.
func registerDebug(t *Table) {
	t.Add(&Command{Name: "debug", Arity: -2, Flags: FlagAdmin | FlagNoScript | FlagLoading | FlagStale,
		// DEBUG SLEEP stops the whole server, as in Redis: it runs with
		// every shard held.
		// DEBUG RELOAD replies once the data is back (Ctx.Defer).
		Kind: KindAllShards, Defers: true, Run: cmdDebug, Group: "server", Since: "1.0.0",
		Summary: "A container for debugging commands", Complexity: "Depends on subcommand.", ACL: []string{"admin", "slow", "dangerous"}})
}

func cmdDebug(c *Ctx) {
	sub := c.Args[1]
	switch {
	case len(c.Args) == 2 && eqFold(sub, "help"):
		lines := []string{
			"DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
			"RELOAD",
			"    Save the RDB on disk and reload it back to memory.",
			"SET-ACTIVE-EXPIRE <0|1>",
			"    Setting it to 0 disables expiring keys in background when they are not",
			"    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
			"    default.",
			"SLEEP <seconds>",
			"    Stop the server for <seconds>. Decimals allowed.",
			"HELP",
			"    Prints this help.",
		}
		c.Array(len(lines))
		for _, l := range lines {
			c.Simple(l)
		}
	case len(c.Args) == 2 && eqFold(sub, "reload") && c.e.DebugReload != nil && !c.InTx():
		c.e.DebugReload(c)
	case len(c.Args) == 3 && eqFold(sub, "sleep"):
		c.e.debugSleep(strtod(c.Args[2]))
		c.OK()
	case len(c.Args) == 3 && eqFold(sub, "set-active-expire"):
		c.e.ActiveExpire.Store(atoi(c.Args[2]) != 0)
		c.OK()
	default:
		name := cString(sub)
		if len(name) > 128 {
			name = name[:128]
		}
		c.Error("ERR unknown subcommand or wrong number of arguments for '" + name + "'. Try DEBUG HELP.")
	}
}

// debugSleep blocks the calling goroutine, which holds every shard, for
// seconds (nothing for a negative or NaN duration, as nanosleep refuses it).
func (e *Engine) debugSleep(seconds float64) {
	if !(seconds > 0) {
		return
	}
	d := time.Duration(math.MaxInt64)
	if ns := seconds * float64(time.Second); ns < float64(math.MaxInt64) {
		d = time.Duration(ns)
	}
	time.Sleep(d)
}

// strtod parses the longest decimal number at the start of b, as C's strtod
// does for DEBUG SLEEP's argument: "0.5s" is 0.5, and no number at all is 0.
func strtod(b []byte) float64 {
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] >= '\t' && b[i] <= '\r') {
		i++
	}
	start := i
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		i++
	}
	digits := 0
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		digits++
	}
	if i < len(b) && b[i] == '.' {
		for i++; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
			digits++
		}
	}
	if digits == 0 {
		return 0
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		j := i + 1
		if j < len(b) && (b[j] == '+' || b[j] == '-') {
			j++
		}
		if j < len(b) && b[j] >= '0' && b[j] <= '9' {
			for j < len(b) && b[j] >= '0' && b[j] <= '9' {
				j++
			}
			i = j
		}
	}
	f, _ := strconv.ParseFloat(string(b[start:i]), 64)
	return f
}

// atoi parses the integer at the start of b as C's atoi does: "abc" is 0.
func atoi(b []byte) int64 {
	i := 0
	for i < len(b) && (b[i] == ' ' || b[i] >= '\t' && b[i] <= '\r') {
		i++
	}
	neg := false
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		neg = b[i] == '-'
		i++
	}
	var n int64
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		n = n*10 + int64(b[i]-'0')
	}
	if neg {
		n = -n
	}
	return n
}
