package netloop

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/shoal-db/shoal/proto"
	"github.com/shoal-db/shoal/shard"
)

func subName(cmd *shard.Command) string {
	return cmd.Name[strings.IndexByte(cmd.Name, '|')+1:]
}

// config answers CONFIG GET/SET/RESETSTAT/REWRITE/HELP.
func (cn *conn) config(cmd *shard.Command, args [][]byte) {
	if cn.unknownSub(cmd, args) {
		return
	}
	cfg := cn.s.Config
	switch subName(cmd) {
	case "get":
		seen := map[string]bool{}
		var pairs [][2]string
		for _, pat := range args[2:] {
			for _, kv := range cfg.match(pat) {
				if name := strings.ToLower(kv[0]); !seen[name] {
					seen[name] = true
					pairs = append(pairs, kv)
				}
			}
		}
		out := proto.AppendMapLen(cn.out(), len(pairs), cn.resp3)
		for _, kv := range pairs {
			out = proto.AppendBulkString(out, kv[0])
			out = proto.AppendBulkString(out, kv[1])
		}
		cn.end(out)
	case "set":
		cn.configSet(args[2:])
	case "rewrite":
		cn.configRewrite()
	case "resetstat":
		cn.s.resetStats()
		cn.s.Engine.ResetLatency()
		cn.ok()
	case "help":
		cn.help("CONFIG", []string{
			"GET <pattern>",
			"    Return parameters matching the glob-like <pattern> and their values.",
			"SET <directive> <value>",
			"    Set the configuration <directive> to <value>.",
			"RESETSTAT",
			"    Reset statistics reported by the INFO command.",
			"REWRITE",
			"    Rewrite the configuration file.",
		})
	}
}

// configSet applies every pair or none, as Redis 7 does.
func (cn *conn) configSet(args [][]byte) {
	if len(args)%2 != 0 {
		cn.errorReply(proto.ErrSyntax)
		return
	}
	cfg := cn.s.Config
	type change struct {
		p *param
		v string
	}
	// As in Redis 7.0, every name is checked before any value and the first
	// bad name stops the checks; name errors quote the name as the client
	// spelled it, value errors the directive's own name.
	changes := make([]change, 0, len(args)/2)
	for i := 0; i < len(args); i += 2 {
		p := cfg.byName[strings.ToLower(string(args[i]))]
		if p == nil {
			cn.errorReply("ERR Unknown option or number of arguments for CONFIG SET - '" + string(args[i]) + "'")
			return
		}
		why := ""
		if !p.mutable {
			why = "can't set immutable config"
		}
		for _, ch := range changes {
			if ch.p == p {
				why = "duplicate parameter"
			}
		}
		if why != "" {
			cn.errorReply("ERR CONFIG SET failed (possibly related to argument '" + string(args[i]) + "') - " + why)
			return
		}
		changes = append(changes, change{p: p})
	}
	for i := range changes {
		v, err := changes[i].p.normalize(string(args[2*i+1]))
		if err != nil {
			cn.errorReply("ERR CONFIG SET failed (possibly related to argument '" + changes[i].p.name + "') - " + err.Error())
			return
		}
		changes[i].v = v
	}
	cfg.mu.Lock()
	for _, ch := range changes {
		cfg.store(ch.p, ch.v)
	}
	cfg.mu.Unlock()
	cn.s.applyConfig()
	if msg := cn.s.aof.configChanged(); msg != "" {
		cn.errorReply(msg)
		return
	}
	cn.ok()
}

// help answers a container's HELP subcommand in Redis's layout.
func (cn *conn) help(container string, lines []string) {
	all := append([]string{container + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"}, lines...)
	all = append(all, "HELP", "    Prints this help.")
	out := proto.AppendArrayLen(cn.out(), len(all))
	for _, l := range all {
		out = proto.AppendSimple(out, l)
	}
	cn.end(out)
}

// command answers COMMAND and its subcommands from the table.
func (cn *conn) command(cmd *shard.Command, args [][]byte) {
	t := cn.s.table
	if len(args) == 1 {
		cmds := t.Commands()
		out := proto.AppendArrayLen(cn.out(), len(cmds))
		for _, c := range cmds {
			out = appendCommandInfo(out, c, cn.resp3)
		}
		cn.end(out)
		return
	}
	if cn.unknownSub(cmd, args) {
		return
	}
	switch subName(cmd) {
	case "count":
		cn.end(proto.AppendInt(cn.out(), int64(t.Len())))
	case "list":
		cn.commandList(args[2:])
	case "info", "docs":
		var cmds []*shard.Command
		if len(args) == 2 {
			cmds = t.Commands()
		} else {
			for _, a := range args[2:] {
				cmds = append(cmds, lookupFull(t, a))
			}
		}
		docs := subName(cmd) == "docs"
		var out []byte
		if docs {
			n := 0
			for _, c := range cmds {
				if c != nil {
					n++
				}
			}
			out = proto.AppendMapLen(cn.out(), n, cn.resp3)
		} else {
			out = proto.AppendArrayLen(cn.out(), len(cmds))
		}
		for _, c := range cmds {
			switch {
			case c == nil && !docs:
				out = proto.AppendNull(out, cn.resp3)
			case c == nil:
			case docs:
				out = proto.AppendBulkString(out, c.Name)
				out = appendCommandDocs(out, c, cn.resp3)
			default:
				out = appendCommandInfo(out, c, cn.resp3)
			}
		}
		cn.end(out)
	case "getkeys":
		c := t.Lookup(args[2])
		if c == nil {
			cn.errorReply("ERR Invalid command specified")
			return
		}
		if !c.ArityOK(len(args) - 2) {
			cn.errorReply("ERR Invalid number of arguments specified for command")
			return
		}
		idx, ok := c.KeyIndexes(args[2:], nil)
		if !ok || len(idx) == 0 {
			cn.errorReply("ERR The command has no key arguments")
			return
		}
		out := proto.AppendArrayLen(cn.out(), len(idx))
		for _, i := range idx {
			out = proto.AppendBulk(out, args[2+i])
		}
		cn.end(out)
	case "help":
		cn.help("COMMAND", []string{
			"(no subcommand)",
			"    Return details about all Redis commands.",
			"COUNT",
			"    Return the total number of commands in this Redis server.",
			"LIST",
			"    Return a list of all commands in this Redis server.",
			"INFO [<command-name> ...]",
			"    Return details about multiple Redis commands.",
			"    If no command names are given, documentation details for all",
			"    commands are returned.",
			"DOCS [<command-name> ...]",
			"    Return documentation details about multiple Redis commands.",
			"    If no command names are given, documentation details for all",
			"    commands are returned.",
			"GETKEYS <full-command>",
			"    Return the keys from a full Redis command.",
		})
	}
}

// lookupFull finds "name" or "container|sub".
func lookupFull(t *shard.Table, name []byte) *shard.Command {
	s := string(name)
	if i := strings.IndexByte(s, '|'); i >= 0 {
		c := t.Lookup([]byte(s[:i]))
		if c == nil {
			return nil
		}
		return c.Subcommand([]byte(s[i+1:]))
	}
	return t.Lookup(name)
}

func (cn *conn) commandList(args [][]byte) {
	// Unlike COMMAND and COMMAND COUNT, Redis lists subcommands here.
	var all []*shard.Command
	for _, c := range cn.s.table.Commands() {
		all = append(all, c)
		all = append(all, c.Subcommands...)
	}
	var names []string
	switch {
	case len(args) == 0:
		for _, c := range all {
			names = append(names, c.Name)
		}
	case len(args) == 3 && eqFold(args[0], "filterby"):
		for _, c := range all {
			var keep bool
			switch {
			case eqFold(args[1], "pattern"):
				keep = shard.GlobMatch(args[2], []byte(c.Name), true)
			case eqFold(args[1], "aclcat"):
				for _, cat := range c.ACL {
					keep = keep || eqFold(args[2], cat)
				}
			case eqFold(args[1], "module"):
			default:
				cn.errorReply(proto.ErrSyntax)
				return
			}
			if keep {
				names = append(names, c.Name)
			}
		}
	default:
		cn.errorReply(proto.ErrSyntax)
		return
	}
	out := proto.AppendArrayLen(cn.out(), len(names))
	for _, n := range names {
		out = proto.AppendBulkString(out, n)
	}
	cn.end(out)
}

// appendCommandInfo writes one COMMAND INFO entry in Redis 7's 10-field form.
func appendCommandInfo(out []byte, c *shard.Command, resp3 bool) []byte {
	out = proto.AppendArrayLen(out, 10)
	out = proto.AppendBulkString(out, c.Name)
	out = proto.AppendInt(out, int64(c.Arity))
	flags := c.Flags.Names()
	out = proto.AppendSetLen(out, len(flags), resp3)
	for _, f := range flags {
		out = proto.AppendSimple(out, f)
	}
	first, last, step := c.Keys.First, c.Keys.Last, c.Keys.Step
	if c.Keys.NumKeys > 0 && first == 0 {
		// Keys found only through numkeys: Redis shows 0 0 0 (movablekeys).
		step = 0
	}
	out = proto.AppendInt(out, int64(first))
	out = proto.AppendInt(out, int64(last))
	out = proto.AppendInt(out, int64(step))
	out = proto.AppendSetLen(out, len(c.ACL), resp3)
	for _, a := range c.ACL {
		out = proto.AppendSimple(out, "@"+a)
	}
	out = proto.AppendSetLen(out, 0, resp3) // tips
	out = appendKeySpecs(out, c, resp3)
	out = proto.AppendSetLen(out, len(c.Subcommands), resp3)
	for _, s := range c.Subcommands {
		out = appendCommandInfo(out, s, resp3)
	}
	return out
}

// appendKeySpecs writes Redis 7's key specifications for the table's key spec.
func appendKeySpecs(out []byte, c *shard.Command, resp3 bool) []byte {
	ks := c.Keys
	if ks.First == 0 && ks.NumKeys == 0 {
		return proto.AppendSetLen(out, 0, resp3)
	}
	out = proto.AppendSetLen(out, 1, resp3)
	out = proto.AppendMapLen(out, 3, resp3)
	out = proto.AppendBulkString(out, "flags")
	var flags []string
	switch {
	case c.Flags&shard.FlagWrite != 0:
		flags = []string{"RW", "update"}
	default:
		flags = []string{"RO", "access"}
	}
	out = proto.AppendSetLen(out, len(flags), resp3)
	for _, f := range flags {
		out = proto.AppendSimple(out, f)
	}
	out = proto.AppendBulkString(out, "begin_search")
	out = proto.AppendMapLen(out, 2, resp3)
	out = proto.AppendBulkString(out, "type")
	out = proto.AppendBulkString(out, "index")
	out = proto.AppendBulkString(out, "spec")
	out = proto.AppendMapLen(out, 1, resp3)
	out = proto.AppendBulkString(out, "index")
	if ks.NumKeys > 0 {
		out = proto.AppendInt(out, int64(ks.NumKeys))
	} else {
		out = proto.AppendInt(out, int64(ks.First))
	}
	out = proto.AppendBulkString(out, "find_keys")
	out = proto.AppendMapLen(out, 2, resp3)
	if ks.NumKeys > 0 {
		out = proto.AppendBulkString(out, "type")
		out = proto.AppendBulkString(out, "keynum")
		out = proto.AppendBulkString(out, "spec")
		out = proto.AppendMapLen(out, 3, resp3)
		out = proto.AppendBulkString(out, "keynumidx")
		out = proto.AppendInt(out, 0)
		out = proto.AppendBulkString(out, "firstkey")
		out = proto.AppendInt(out, 1)
		out = proto.AppendBulkString(out, "keystep")
		return proto.AppendInt(out, 1)
	}
	last := ks.Last
	if last > 0 {
		last -= ks.First
	}
	out = proto.AppendBulkString(out, "type")
	out = proto.AppendBulkString(out, "range")
	out = proto.AppendBulkString(out, "spec")
	out = proto.AppendMapLen(out, 3, resp3)
	out = proto.AppendBulkString(out, "lastkey")
	out = proto.AppendInt(out, int64(last))
	out = proto.AppendBulkString(out, "keystep")
	out = proto.AppendInt(out, int64(ks.Step))
	out = proto.AppendBulkString(out, "limit")
	return proto.AppendInt(out, 0)
}

// appendCommandDocs writes one COMMAND DOCS entry (summary, since, group,
// complexity, subcommands).
func appendCommandDocs(out []byte, c *shard.Command, resp3 bool) []byte {
	n := 4
	if len(c.Subcommands) > 0 {
		n++
	}
	out = proto.AppendMapLen(out, n, resp3)
	out = proto.AppendBulkString(out, "summary")
	out = proto.AppendBulkString(out, c.Summary)
	out = proto.AppendBulkString(out, "since")
	out = proto.AppendBulkString(out, c.Since)
	out = proto.AppendBulkString(out, "group")
	out = proto.AppendBulkString(out, c.Group)
	out = proto.AppendBulkString(out, "complexity")
	out = proto.AppendBulkString(out, c.Complexity)
	if len(c.Subcommands) > 0 {
		out = proto.AppendBulkString(out, "subcommands")
		out = proto.AppendMapLen(out, len(c.Subcommands), resp3)
		for _, s := range c.Subcommands {
			out = proto.AppendBulkString(out, s.Name)
			out = appendCommandDocs(out, s, resp3)
		}
	}
	return out
}

// validClientName returns Redis's error for a name with spaces or
// non-printable characters, or "".
func validClientName(name []byte) string {
	for _, ch := range name {
		if ch < '!' || ch > '~' {
			return "ERR Client names cannot contain spaces, newlines or special characters."
		}
	}
	return ""
}

// client answers CLIENT's subcommands. It reports whether the batch must end.
func (cn *conn) client(cmd *shard.Command, args [][]byte) bool {
	if cn.unknownSub(cmd, args) {
		return false
	}
	s := cn.s
	switch subName(cmd) {
	case "id":
		cn.end(proto.AppendInt(cn.out(), cn.id))
	case "setname":
		if msg := validClientName(args[2]); msg != "" {
			cn.errorReply(msg)
			return false
		}
		cn.mu.Lock()
		cn.name = string(args[2])
		cn.mu.Unlock()
		cn.ok()
	case "getname":
		cn.mu.Lock()
		name := cn.name
		cn.mu.Unlock()
		if name == "" {
			cn.end(proto.AppendNull(cn.out(), cn.resp3))
		} else {
			cn.end(proto.AppendBulkString(cn.out(), name))
		}
	case "setinfo":
		var field *string
		switch {
		case eqFold(args[2], "lib-name"):
			field = &cn.libName
		case eqFold(args[2], "lib-ver"):
			field = &cn.libVer
		default:
			cn.errorReply("ERR Unrecognized option '" + string(args[2]) + "'")
			return false
		}
		for _, ch := range args[3] {
			if ch < '!' || ch > '~' {
				cn.errorReply("ERR " + string(args[2]) + " cannot contain spaces, newlines or special characters.")
				return false
			}
		}
		cn.mu.Lock()
		*field = string(args[3])
		cn.mu.Unlock()
		cn.ok()
	case "info":
		cn.end(proto.AppendVerbatim(cn.out(), "txt", []byte(cn.listLine()+"\n"), cn.resp3))
	case "list":
		cn.clientList(args[2:])
	case "kill":
		cn.clientKill(args[2:])
	case "pause":
		if len(args) > 4 {
			cn.errorReply("ERR unknown subcommand or wrong number of arguments for '" + string(args[1]) + "'. Try CLIENT HELP.")
			return false
		}
		ms, ok := shard.ParseInt(args[2])
		if !ok {
			cn.errorReply("ERR timeout is not an integer or out of range")
			return false
		}
		if ms < 0 {
			cn.errorReply("ERR timeout is negative")
			return false
		}
		all := true
		if len(args) == 4 {
			switch {
			case eqFold(args[3], "write"):
				all = false
			case eqFold(args[3], "all"):
			default:
				cn.errorReply("ERR CLIENT PAUSE mode must be WRITE or ALL")
				return false
			}
		}
		s.pauseAll.Store(all)
		s.pauseUntil.Store(time.Now().UnixMilli() + ms)
		cn.ok()
		return true
	case "unblock":
		cn.clientUnblock(args[2:])
	case "unpause":
		s.pauseUntil.Store(0)
		s.wakePaused()
		cn.ok()
	case "reply":
		switch {
		case eqFold(args[2], "on"):
			cn.reply = replyOn
			cn.ok()
		case eqFold(args[2], "off"):
			cn.reply = replyOff
		case eqFold(args[2], "skip"):
			if cn.reply != replyOff {
				cn.reply = replySkip
			}
		default:
			cn.errorReply(proto.ErrSyntax)
		}
		cn.replySet = true
	case "no-evict", "no-touch":
		if !eqFold(args[2], "on") && !eqFold(args[2], "off") {
			cn.errorReply(proto.ErrSyntax)
			return false
		}
		cn.ok()
	case "help":
		cn.help("CLIENT", []string{
			"GETNAME", "    Return the name of the current connection.",
			"ID", "    Return the ID of the current connection.",
			"INFO", "    Return information about the current client connection.",
			"KILL <ip:port>", "    Kill connection made from <ip:port>.",
			"KILL <option> <value> [<option> <value> [...]]", "    Kill connections. Options are: ID, ADDR, LADDR, TYPE, USER, SKIPME.",
			"LIST [options ...]", "    Return information about client connections.",
			"UNPAUSE", "    Stop the current client pause, resuming traffic.",
			"PAUSE <timeout> [WRITE|ALL]", "    Suspend all, or just write, clients for <timeout> milliseconds.",
			"REPLY (ON|OFF|SKIP)", "    Control the replies sent to the current connection.",
			"SETNAME <name>", "    Assign the name <name> to the current connection.",
			"SETINFO <option> <value>", "    Set client meta attr. Options are: LIB-NAME, LIB-VER.",
			"NO-EVICT (ON|OFF)", "    Protect current client connection from eviction.",
			"NO-TOUCH (ON|OFF)", "    Will not touch LRU/LFU stats when this mode is on.",
		})
	}
	return false
}

// clientUnblock answers CLIENT UNBLOCK id [TIMEOUT|ERROR].
func (cn *conn) clientUnblock(args [][]byte) {
	id, ok := shard.ParseInt(args[0])
	if !ok {
		cn.errorReply(proto.ErrNotInt)
		return
	}
	timeout := true
	if len(args) == 2 {
		switch {
		case eqFold(args[1], "timeout"):
		case eqFold(args[1], "error"):
			timeout = false
		default:
			cn.errorReply("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR")
			return
		}
	} else if len(args) > 2 {
		cn.errorReply(proto.ErrSyntax)
		return
	}
	cn.s.mu.Lock()
	target := cn.s.clients[id]
	cn.s.mu.Unlock()
	n := int64(0)
	if target != nil && target.batch.Unblock(timeout, []byte("-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n")) {
		n = 1
	}
	cn.end(proto.AppendInt(cn.out(), n))
}

// listLine formats a client the way CLIENT LIST does.
func (cn *conn) listLine() string {
	now := time.Now()
	cn.mu.Lock()
	name, lib, ver, db, subs, resp := cn.name, cn.libName, cn.libVer, cn.dbShown, cn.subShown, cn.respShown
	cn.mu.Unlock()
	last := "NULL"
	if c := cn.lastCmd.Load(); c != nil {
		last = c.Name
	}
	flags := cn.flags
	if subs[0]+subs[1]+subs[2] > 0 {
		flags = "P"
	}
	idle := (now.UnixMilli() - cn.lastActive.Load()) / 1000
	return fmt.Sprintf("id=%d addr=%s laddr=%s fd=%d name=%s age=%d idle=%d flags=%s db=%d sub=%d psub=%d ssub=%d multi=-1 qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 omem=0 tot-mem=0 events=r cmd=%s user=default redir=-1 resp=%d lib-name=%s lib-ver=%s",
		cn.id, cn.addr, cn.laddr, cn.gc.Fd(), name, int64(now.Sub(cn.created).Seconds()), idle, flags, db, subs[0], subs[1], subs[2], last, resp, lib, ver)
}

func (s *Server) clientsSorted() []*conn {
	s.mu.Lock()
	out := make([]*conn, 0, len(s.clients))
	for _, c := range s.clients {
		out = append(out, c)
	}
	s.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

func (cn *conn) clientList(args [][]byte) {
	var ids map[int64]bool
	typ := ""
	switch {
	case len(args) == 0:
	case len(args) >= 2 && eqFold(args[0], "id"):
		ids = map[int64]bool{}
		for _, a := range args[1:] {
			// Redis accepts any integer; ids that match no client list nothing.
			id, ok := shard.ParseInt(a)
			if !ok {
				cn.errorReply("ERR Invalid client ID")
				return
			}
			ids[id] = true
		}
	case len(args) == 2 && eqFold(args[0], "type"):
		typ = clientTypeName(args[1])
		if typ == "" {
			cn.errorReply("ERR Unknown client type '" + string(args[1]) + "'")
			return
		}
	default:
		cn.errorReply(proto.ErrSyntax)
		return
	}
	var b strings.Builder
	for _, c := range cn.s.clientsSorted() {
		if ids != nil && !ids[c.id] || typ != "" && c.clientType() != typ {
			continue
		}
		b.WriteString(c.listLine())
		b.WriteByte('\n')
	}
	cn.end(proto.AppendVerbatim(cn.out(), "txt", []byte(b.String()), cn.resp3))
}

func (cn *conn) clientKill(args [][]byte) {
	if len(args) == 1 {
		for _, c := range cn.s.clientsSorted() {
			if c.addr == string(args[0]) {
				cn.kill(c)
				cn.ok()
				return
			}
		}
		cn.errorReply("ERR No such client")
		return
	}
	if len(args)%2 != 0 {
		cn.errorReply(proto.ErrSyntax)
		return
	}
	var id int64
	var addr, laddr string
	skipMe, typ := true, ""
	for i := 0; i < len(args); i += 2 {
		v := args[i+1]
		switch {
		case eqFold(args[i], "id"):
			n, ok := shard.ParseInt(v)
			if !ok || n <= 0 {
				cn.errorReply("ERR client-id should be greater than 0")
				return
			}
			id = n
		case eqFold(args[i], "addr"):
			addr = string(v)
		case eqFold(args[i], "laddr"):
			laddr = string(v)
		case eqFold(args[i], "skipme"):
			switch {
			case eqFold(v, "yes"):
				skipMe = true
			case eqFold(v, "no"):
				skipMe = false
			default:
				cn.errorReply(proto.ErrSyntax)
				return
			}
		case eqFold(args[i], "type"):
			if typ = clientTypeName(v); typ == "" {
				cn.errorReply("ERR Unknown client type '" + string(v) + "'")
				return
			}
		case eqFold(args[i], "user"):
			// default is the only user.
			if string(v) != "default" {
				cn.errorReply("ERR No such user '" + string(v) + "'")
				return
			}
		default:
			cn.errorReply(proto.ErrSyntax)
			return
		}
	}
	n := int64(0)
	for _, c := range cn.s.clientsSorted() {
		if typ != "" && c.clientType() != typ || (id != 0 && c.id != id) || (addr != "" && c.addr != addr) || (laddr != "" && c.laddr != laddr) || (skipMe && c == cn) {
			continue
		}
		cn.kill(c)
		n++
	}
	// A replica's link to its master is not a client connection here
	// (replica.go): TYPE master closes it, and the link reconnects.
	if typ == "master" && id == 0 && addr == "" && laddr == "" && cn.s.replica.killMaster() {
		n++
	}
	cn.end(proto.AppendInt(cn.out(), n))
}

// kill closes c after its pending replies; killing yourself closes after
// this batch's replies are written.
func (cn *conn) kill(c *conn) {
	if c == cn {
		cn.closing = true
		return
	}
	_ = c.gc.Close()
}

// clientsPaused reports whether CLIENT PAUSE ALL is in force.
func (s *Server) clientsPaused() bool {
	until := s.pauseUntil.Load()
	return until != 0 && s.pauseAll.Load() && time.Now().UnixMilli() < until
}

// writesPaused reports whether CLIENT PAUSE WRITE (or ALL) is in force.
func (s *Server) writesPaused() bool {
	until := s.pauseUntil.Load()
	return until != 0 && time.Now().UnixMilli() < until
}
