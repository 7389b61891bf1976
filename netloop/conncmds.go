package netloop

import (
	"crypto/subtle"
	"strings"
	"time"

	"github.com/shoal-db/shoal/proto"
	"github.com/shoal-db/shoal/shard"
)

// Connection command ids for runConn's switch.
const (
	connPing = iota + 1
	connEcho
	connQuit
	connReset
	connHello
	connAuth
	connSelect
	connTime
	connShutdown
	connCommand
	connConfig
	connClient
	connFlushScripts
	connMulti
	connDiscard
	connUnwatch
	connSubscribe
	connUnsubscribe
	connPublish
	connPubsub
)

func registerConnCommands(t *shard.Table) {
	conn := func(c *shard.Command) *shard.Command {
		c.Kind = shard.KindConn
		if c.Group == "" {
			c.Group = "connection"
		}
		if c.Since == "" {
			c.Since = "1.0.0"
		}
		return c
	}
	sub := func(name string, arity int, flags shard.Flags, summary string) *shard.Command {
		return conn(&shard.Command{Name: name, Arity: arity, Flags: flags, Summary: summary})
	}
	t.Add(conn(&shard.Command{Name: "ping", Arity: -1, Flags: shard.FlagFast, ConnID: connPing,
		Summary: "Returns the server's liveliness response.", Complexity: "O(1)", ACL: []string{"fast", "connection"}}))
	t.Add(conn(&shard.Command{Name: "echo", Arity: 2, Flags: shard.FlagLoading | shard.FlagStale | shard.FlagFast, ConnID: connEcho,
		Summary: "Returns the given string.", Complexity: "O(1)", ACL: []string{"fast", "connection"}}))
	t.Add(conn(&shard.Command{Name: "quit", Arity: -1, Flags: shard.FlagLoading | shard.FlagStale | shard.FlagNoAuth | shard.FlagFast | shard.FlagAllowBusy, ConnID: connQuit,
		Summary: "Closes the connection.", Complexity: "O(1)", ACL: []string{"fast", "connection"}}))
	t.Add(conn(&shard.Command{Name: "reset", Arity: 1, Flags: shard.FlagLoading | shard.FlagStale | shard.FlagNoAuth | shard.FlagFast, ConnID: connReset, Since: "6.2.0",
		Summary: "Resets the connection.", Complexity: "O(1)", ACL: []string{"fast", "connection"}}))
	t.Add(conn(&shard.Command{Name: "hello", Arity: -1, Flags: shard.FlagLoading | shard.FlagStale | shard.FlagNoAuth | shard.FlagFast, ConnID: connHello, Since: "6.0.0",
		Summary: "Handshakes with the Redis server.", Complexity: "O(1)", ACL: []string{"fast", "connection"}}))
	t.Add(conn(&shard.Command{Name: "auth", Arity: -2, Flags: shard.FlagLoading | shard.FlagStale | shard.FlagNoAuth | shard.FlagFast, ConnID: connAuth,
		Summary: "Authenticates the connection.", Complexity: "O(N) where N is the number of passwords defined for the user", ACL: []string{"fast", "connection"}}))
	t.Add(conn(&shard.Command{Name: "select", Arity: 2, Flags: shard.FlagLoading | shard.FlagStale | shard.FlagFast, ConnID: connSelect, Since: "2.0.0",
		Summary: "Changes the selected database.", Complexity: "O(1)", ACL: []string{"fast", "connection"}}))
	t.Add(conn(&shard.Command{Name: "time", Arity: 1, Flags: shard.FlagLoading | shard.FlagStale | shard.FlagFast, ConnID: connTime, Group: "server", Since: "2.6.0",
		Summary: "Returns the server time.", Complexity: "O(1)", ACL: []string{"fast"}}))
	t.Add(conn(&shard.Command{Name: "shutdown", Arity: -1, Flags: shard.FlagLoading | shard.FlagStale | shard.FlagAdmin | shard.FlagNoScript, ConnID: connShutdown, Group: "server",
		Summary: "Synchronously saves the database(s) to disk and shuts down the Redis server.", Complexity: "O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)", ACL: []string{"admin", "slow", "dangerous"}}))
	t.Add(conn(&shard.Command{Name: "command", Arity: -1, Flags: shard.FlagLoading | shard.FlagStale, ConnID: connCommand, Group: "server", Since: "2.8.13",
		Summary: "Returns detailed information about all commands.", Complexity: "O(N) where N is the total number of Redis commands", ACL: []string{"slow", "connection"},
		Subcommands: []*shard.Command{
			sub("count", 2, shard.FlagLoading|shard.FlagStale, "Returns a count of commands."),
			sub("info", -2, shard.FlagLoading|shard.FlagStale, "Returns information about one, multiple or all commands."),
			sub("docs", -2, shard.FlagLoading|shard.FlagStale, "Returns documentary information about one, multiple or all commands."),
			sub("list", -2, shard.FlagLoading|shard.FlagStale, "Returns a list of command names."),
			sub("getkeys", -4, shard.FlagLoading|shard.FlagStale, "Extracts the key names from an arbitrary command."),
			sub("help", 2, shard.FlagLoading|shard.FlagStale, "Returns helpful text about the different subcommands."),
		}}))
	t.Add(conn(&shard.Command{Name: "config", Arity: -2, ConnID: connConfig, Group: "server", Since: "2.0.0",
		Summary: "A container for server configuration commands.", Complexity: "Depends on subcommand.", ACL: []string{"slow"},
		Subcommands: []*shard.Command{
			sub("get", -3, shard.FlagAdmin|shard.FlagNoScript|shard.FlagLoading|shard.FlagStale, "Returns the effective values of configuration parameters."),
			sub("set", -4, shard.FlagAdmin|shard.FlagNoScript|shard.FlagLoading|shard.FlagStale, "Sets configuration parameters in-flight."),
			sub("resetstat", 2, shard.FlagAdmin|shard.FlagNoScript|shard.FlagLoading|shard.FlagStale, "Resets the server's statistics."),
			sub("rewrite", 2, shard.FlagAdmin|shard.FlagNoScript|shard.FlagLoading|shard.FlagStale, "Persists the effective configuration to file."),
			sub("help", 2, shard.FlagLoading|shard.FlagStale, "Returns helpful text about the different subcommands."),
		}}))
	t.Add(conn(&shard.Command{Name: "client", Arity: -2, ConnID: connClient, Since: "2.4.0",
		Summary: "A container for client connection commands.", Complexity: "Depends on subcommand.", ACL: []string{"slow"},
		Subcommands: []*shard.Command{
			sub("id", 2, shard.FlagNoScript|shard.FlagLoading|shard.FlagStale, "Returns the unique client ID of the connection."),
			sub("setname", 3, shard.FlagNoScript|shard.FlagLoading|shard.FlagStale, "Sets the connection name."),
			sub("getname", 2, shard.FlagNoScript|shard.FlagLoading|shard.FlagStale, "Returns the name of the connection."),
			sub("setinfo", 4, shard.FlagNoScript|shard.FlagLoading|shard.FlagStale, "Sets information specific to the client or connection."),
			sub("info", 2, shard.FlagNoScript|shard.FlagLoading|shard.FlagStale, "Returns information about the connection."),
			sub("list", -2, shard.FlagAdmin|shard.FlagNoScript|shard.FlagLoading|shard.FlagStale, "Lists open connections."),
			sub("kill", -3, shard.FlagAdmin|shard.FlagNoScript|shard.FlagLoading|shard.FlagStale, "Terminates open connections."),
			sub("pause", -3, shard.FlagAdmin|shard.FlagNoScript|shard.FlagLoading|shard.FlagStale, "Suspends commands processing."),
			sub("unpause", 2, shard.FlagAdmin|shard.FlagNoScript|shard.FlagLoading|shard.FlagStale, "Resumes processing commands from paused clients."),
			sub("unblock", -3, shard.FlagAdmin|shard.FlagNoScript|shard.FlagLoading|shard.FlagStale, "Unblocks a client blocked by a blocking command from a different connection."),
			sub("reply", 3, shard.FlagNoScript|shard.FlagLoading|shard.FlagStale, "Instructs the server whether to reply to commands."),
			sub("no-evict", 3, shard.FlagAdmin|shard.FlagNoScript|shard.FlagLoading|shard.FlagStale, "Sets the client eviction mode of the connection."),
			sub("no-touch", 3, shard.FlagNoScript|shard.FlagLoading|shard.FlagStale, "Controls whether commands sent by the client affect the LRU/LFU of accessed keys."),
			sub("help", 2, shard.FlagLoading|shard.FlagStale, "Returns helpful text about the different subcommands."),
		}}))
	flushOnly := func(name, group string) {
		t.Add(conn(&shard.Command{Name: name, Arity: -2, ConnID: connFlushScripts, Group: group, Since: "7.0.0",
			Summary: "A container for " + name + " commands.", Complexity: "Depends on subcommand.", ACL: []string{"slow"},
			Subcommands: []*shard.Command{
				sub("flush", -2, shard.FlagNoScript|shard.FlagWrite, "Deletes all "+name+"s. Shoal has no scripting yet, so there is nothing to delete."),
			}}))
	}
	tx := func(name string, id int, summary, complexity string) {
		t.Add(conn(&shard.Command{Name: name, Arity: 1, ConnID: id, Group: "transactions", Since: "1.2.0",
			Flags:   shard.FlagNoScript | shard.FlagLoading | shard.FlagStale | shard.FlagFast | shard.FlagAllowBusy,
			Summary: summary, Complexity: complexity, ACL: []string{"fast", "transaction"}}))
	}
	tx("multi", connMulti, "Starts a transaction.", "O(1)")
	tx("discard", connDiscard, "Discards a transaction.", "O(N), when N is the number of queued commands")
	tx("unwatch", connUnwatch, "Forgets about watched keys of a transaction.", "O(1)")
	ps := func(name string, arity int, id int, flags shard.Flags, since, summary, complexity string, keys shard.KeySpec) {
		t.Add(conn(&shard.Command{Name: name, Arity: arity, ConnID: id, Group: "pubsub", Since: since, Keys: keys,
			Flags:   flags | shard.FlagPubSub | shard.FlagLoading | shard.FlagStale,
			Summary: summary, Complexity: complexity, ACL: []string{"pubsub", "slow"}}))
	}
	none := shard.KeySpec{}
	chans := shard.KeySpec{First: 1, Last: -1, Step: 1}
	ps("subscribe", -2, connSubscribe, shard.FlagNoScript, "2.0.0", "Listens for messages published to channels.", "O(N) where N is the number of channels to subscribe to.", none)
	ps("psubscribe", -2, connSubscribe, shard.FlagNoScript, "2.0.0", "Listens for messages published to channels that match one or more patterns.", "O(N) where N is the number of patterns to subscribe to.", none)
	ps("ssubscribe", -2, connSubscribe, shard.FlagNoScript, "7.0.0", "Listens for messages published to shard channels.", "O(N) where N is the number of shard channels to subscribe to.", chans)
	ps("unsubscribe", -1, connUnsubscribe, shard.FlagNoScript, "2.0.0", "Stops listening to messages posted to channels.", "O(N) where N is the number of channels to unsubscribe.", none)
	ps("punsubscribe", -1, connUnsubscribe, shard.FlagNoScript, "2.0.0", "Stops listening to messages published to channels that match one or more patterns.", "O(N) where N is the number of patterns to unsubscribe.", none)
	ps("sunsubscribe", -1, connUnsubscribe, shard.FlagNoScript, "7.0.0", "Stops listening to messages posted to shard channels.", "O(N) where N is the number of shard channels to unsubscribe.", chans)
	ps("publish", 3, connPublish, shard.FlagFast|shard.FlagMayReplicate, "2.0.0", "Posts a message to a channel.", "O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client).", none)
	ps("spublish", 3, connPublish, shard.FlagFast|shard.FlagMayReplicate, "7.0.0", "Post a message to a shard channel", "O(N) where N is the number of clients subscribed to the receiving shard channel.", shard.KeySpec{First: 1, Last: 1, Step: 1})
	t.Add(conn(&shard.Command{Name: "pubsub", Arity: -2, ConnID: connPubsub, Group: "pubsub", Since: "2.8.0",
		Summary: "A container for Pub/Sub commands.", Complexity: "Depends on subcommand.", ACL: []string{"slow"},
		Subcommands: []*shard.Command{
			sub("channels", -2, shard.FlagPubSub|shard.FlagLoading|shard.FlagStale, "Returns the active channels."),
			sub("numpat", 2, shard.FlagPubSub|shard.FlagLoading|shard.FlagStale, "Returns a count of unique pattern subscriptions."),
			sub("numsub", -2, shard.FlagPubSub|shard.FlagLoading|shard.FlagStale, "Returns a count of subscribers to channels."),
			sub("shardchannels", -2, shard.FlagPubSub|shard.FlagLoading|shard.FlagStale, "Returns the active shard channels."),
			sub("shardnumsub", -2, shard.FlagPubSub|shard.FlagLoading|shard.FlagStale, "Returns the count of subscribers of shard channels."),
			sub("help", 2, shard.FlagLoading|shard.FlagStale, "Returns helpful text about the different subcommands."),
		}}))
	flushOnly("function", "scripting")
	flushOnly("script", "scripting")
	for _, c := range t.Commands() {
		if c.Kind == shard.KindConn {
			for _, s := range c.Subcommands {
				s.Kind, s.ConnID = shard.KindConn, c.ConnID
			}
		}
	}
}

// runConn runs a connection command and reports whether the batch must end
// after it (its effect changes how later commands are read or answered).
func (cn *conn) runConn(cmd *shard.Command, args [][]byte) bool {
	switch cmd.ConnID {
	case connPing:
		if cn.subscribed() && !cn.resp3 {
			// RESP2 subscribed mode answers PING as a message-shaped array.
			out := proto.AppendArrayLen(cn.out(), 2)
			out = proto.AppendBulkString(out, "pong")
			if len(args) == 2 {
				out = proto.AppendBulk(out, args[1])
			} else {
				out = proto.AppendBulkString(out, "")
			}
			cn.end(out)
			break
		}
		switch len(args) {
		case 1:
			cn.end(append(cn.out(), "+PONG\r\n"...))
		case 2:
			cn.end(proto.AppendBulk(cn.out(), args[1]))
		default:
			cn.errorReply(proto.WrongArity("ping"))
		}
	case connEcho:
		cn.end(proto.AppendBulk(cn.out(), args[1]))
	case connQuit:
		cn.ok()
		cn.closing = true
	case connReset:
		cn.resetState()
		cn.end(append(cn.out(), "+RESET\r\n"...))
		return true
	case connHello:
		return cn.hello(args)
	case connAuth:
		cn.auth(args)
	case connSelect:
		cn.selectDB(args[1])
	case connTime:
		now := time.Now()
		out := proto.AppendArrayLen(cn.out(), 2)
		out = proto.AppendBulkInt(out, now.Unix())
		out = proto.AppendBulkInt(out, int64(now.Nanosecond()/1000))
		cn.end(out)
	case connShutdown:
		return cn.shutdown(args)
	case connCommand:
		cn.command(cmd, args)
	case connConfig:
		cn.config(cmd, args)
	case connClient:
		return cn.client(cmd, args)
	case connFlushScripts:
		cn.flushScripts(cmd, args)
	case connMulti:
		cn.multi()
	case connDiscard:
		cn.discard()
	case connUnwatch:
		cn.unwatch()
		cn.ok()
	case connSubscribe:
		cn.subscribe(kindOf(cmd.Name), args[1:])
		return true
	case connUnsubscribe:
		cn.unsubscribe(kindOf(cmd.Name), args[1:])
		return true
	case connPublish:
		cn.publish(args, cmd.Name == "spublish")
	case connPubsub:
		cn.pubsubCommand(cmd, args)
	case connReplicaof:
		cn.replicaof(args)
	case connSync, connPsync, connReplconf, connRole:
		return cn.replCommand(cmd, args)
	default:
		panic("BUG: connection command without handler: " + cmd.Name)
	}
	return false
}

// unknownSub answers a container command called with an unknown subcommand.
func (cn *conn) unknownSub(cmd *shard.Command, args [][]byte) bool {
	if !strings.Contains(cmd.Name, "|") {
		cn.errorReply(proto.UnknownSubcommand(args[1], strings.ToUpper(cmd.Name)))
		return true
	}
	return false
}

func (cn *conn) resetState() {
	cn.resetTx()
	cn.unsubscribeAll()
	cn.db = 0
	cn.resp3 = false
	cn.batch.Resp3 = false
	cn.reply = replyOn
	cn.authed = cn.s.Config.Get("requirepass") == ""
	cn.mu.Lock()
	cn.name = ""
	cn.dbShown = 0
	cn.respShown = 2
	cn.mu.Unlock()
}

func (cn *conn) selectDB(arg []byte) {
	n, ok := shard.ParseInt(arg)
	if !ok {
		cn.errorReply(proto.ErrNotInt)
		return
	}
	if n < 0 || n >= shard.NumDBs {
		cn.errorReply(proto.ErrDBIndex)
		return
	}
	cn.db = int(n)
	cn.mu.Lock()
	cn.dbShown = cn.db
	cn.mu.Unlock()
	cn.ok()
}

// checkPassword compares in constant time so AUTH does not leak the
// password's length of common prefix through timing.
func (cn *conn) checkPassword(user, pass []byte) bool {
	want := cn.s.Config.Get("requirepass")
	if user != nil && string(user) != "default" {
		return false
	}
	if want == "" {
		// Without requirepass the default user is "nopass": Redis accepts
		// any password for it (AUTH default x, HELLO 3 AUTH default x).
		return true
	}
	return subtle.ConstantTimeCompare(pass, []byte(want)) == 1
}

func (cn *conn) auth(args [][]byte) {
	if len(args) > 3 {
		cn.errorReply(proto.ErrSyntax)
		return
	}
	var user []byte
	pass := args[1]
	if len(args) == 3 {
		user, pass = args[1], args[2]
	}
	if len(args) == 2 && cn.s.Config.Get("requirepass") == "" {
		cn.errorReply("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?")
		return
	}
	if !cn.checkPassword(user, pass) {
		cn.errorReply("WRONGPASS invalid username-password pair or user is disabled.")
		return
	}
	cn.authed = true
	cn.ok()
}

func (cn *conn) hello(args [][]byte) bool {
	ver := int64(0)
	if len(args) >= 2 {
		v, ok := shard.ParseInt(args[1])
		if !ok {
			cn.errorReply("ERR Protocol version is not an integer or out of range")
			return false
		}
		ver = v
		if ver < 2 || ver > 3 {
			cn.errorReply("NOPROTO unsupported protocol version")
			return false
		}
	}
	var setName []byte
	for i := 2; i < len(args); i++ {
		more := len(args) - i - 1
		switch {
		case eqFold(args[i], "auth") && more >= 2:
			if !cn.checkPassword(args[i+1], args[i+2]) {
				cn.errorReply("WRONGPASS invalid username-password pair or user is disabled.")
				return false
			}
			cn.authed = true
			i += 2
		case eqFold(args[i], "setname") && more >= 1:
			if msg := validClientName(args[i+1]); msg != "" {
				cn.errorReply(msg)
				return false
			}
			setName = args[i+1]
			i++
		default:
			cn.errorReply("ERR Syntax error in HELLO option '" + string(args[i]) + "'")
			return false
		}
	}
	if !cn.authed {
		cn.errorReply("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time")
		return false
	}
	if setName != nil {
		cn.mu.Lock()
		cn.name = string(setName)
		cn.mu.Unlock()
	}
	if ver != 0 {
		cn.resp3 = ver == 3
		cn.batch.Resp3 = cn.resp3
		cn.mu.Lock()
		cn.respShown = int(ver)
		cn.mu.Unlock()
	}
	proto3 := int64(2)
	if cn.resp3 {
		proto3 = 3
	}
	out := proto.AppendMapLen(cn.out(), 7, cn.resp3)
	out = proto.AppendBulkString(out, "server")
	out = proto.AppendBulkString(out, "redis")
	out = proto.AppendBulkString(out, "version")
	out = proto.AppendBulkString(out, Version)
	out = proto.AppendBulkString(out, "proto")
	out = proto.AppendInt(out, proto3)
	out = proto.AppendBulkString(out, "id")
	out = proto.AppendInt(out, cn.id)
	out = proto.AppendBulkString(out, "mode")
	out = proto.AppendBulkString(out, "standalone")
	out = proto.AppendBulkString(out, "role")
	out = proto.AppendBulkString(out, "master")
	out = proto.AppendBulkString(out, "modules")
	out = proto.AppendArrayLen(out, 0)
	cn.end(out)
	return true
}

func (cn *conn) shutdown(args [][]byte) bool {
	var save, noSave, other, abort bool
	for _, a := range args[1:] {
		switch {
		case eqFold(a, "nosave"):
			noSave = true
		case eqFold(a, "save"):
			save = true
		case eqFold(a, "now"), eqFold(a, "force"):
			other = true
		case eqFold(a, "abort"):
			abort = true
		default:
			cn.errorReply(proto.ErrSyntax)
			return false
		}
	}
	if abort && (save || noSave || other) || save && noSave {
		cn.errorReply(proto.ErrSyntax)
		return false
	}
	if abort {
		cn.errorReply("ERR No shutdown in progress.")
		return false
	}
	cn.s.persist.mu.Lock()
	switch {
	case save:
		cn.s.persist.exitSave = 1
	case noSave:
		cn.s.persist.exitSave = -1
	}
	cn.s.persist.mu.Unlock()
	cn.s.Log.Warn("User requested shutdown...")
	cn.s.RequestShutdown()
	// Redis closes the connection without a reply when it shuts down.
	cn.closing = true
	return true
}

func (cn *conn) flushScripts(cmd *shard.Command, args [][]byte) {
	if cn.unknownSub(cmd, args) {
		return
	}
	if len(args) == 2 || (len(args) == 3 && (eqFold(args[2], "async") || eqFold(args[2], "sync"))) {
		cn.ok()
		return
	}
	// Redis words the two errors differently, and FUNCTION FLUSH checks
	// the argument count first.
	switch {
	case cmd.Name == "script|flush":
		cn.errorReply("ERR SCRIPT FLUSH only support SYNC|ASYNC option")
	case len(args) > 3:
		cn.errorReply("ERR unknown subcommand or wrong number of arguments for '" + string(args[1]) + "'. Try FUNCTION HELP.")
	default:
		cn.errorReply("ERR FUNCTION FLUSH only supports SYNC|ASYNC option")
	}
}

func eqFold(b []byte, s string) bool { return strings.EqualFold(string(b), s) }
