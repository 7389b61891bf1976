package netloop_test

import (
	"strings"
	"testing"

	"github.com/shoal-db/shoal/netloop/servertest"
)

// diffStep is one command of a differential script; unchecked ones run on
// both servers to reach the same state, but their replies legitimately
// differ (ids, versions).
type diffStep struct {
	args      []string
	unchecked bool
}

// TestDifferentialConnCommands sends the same commands to Shoal and to a
// real redis-server and compares the reply bytes one by one. Left out:
// replies that carry ids, ports, addresses or versions, the command table's
// contents (COMMAND COUNT, DOCS), HELP texts of subcommands Shoal lacks, and
// Redis 7.2 additions (CLIENT SETINFO, NO-TOUCH).
func TestDifferentialConnCommands(t *testing.T) {
	t.Parallel()
	redisAddr := servertest.StartRedis(t)
	srv := servertest.Start(t, "--shards", "4")
	c := func(args ...string) diffStep { return diffStep{args: args} }
	u := func(args ...string) diffStep { return diffStep{args: args, unchecked: true} }
	script := []diffStep{
		c("PING"), c("ping", "hello"), c("PING", ""), c("PING", "a", "b"),
		c("ECHO", "x"), c("ECHO", "a\x00b"), c("ECHO"), c("ECHO", "a", "b"),
		c("SET", "a", "1"), c("GET", "a"), c("GET", "missing"), c("GET"), c("GET", "a", "b"),
		c("MSET", "k1", "v1", "k2", "v2", "k3", "v3", "k4", "v4"), c("MGET", "k1", "k2", "nosuch", "k3", "k4"),
		c("MSET", "k1"), c("DEL", "k1", "k2", "nosuch"), c("EXISTS", "k1", "k3", "k4", "k4"), c("INCR", "a"), c("INCR", "k3"),
		c("DBSIZE"),

		c("HELLO", "1"), c("HELLO", "4"), c("HELLO", "abc"), c("HELLO", "-1"), c("HELLO", "99999999999999999999999"),
		c("HELLO", "3", "foo"), c("HELLO", "3", "AUTH", "a"), c("HELLO", "3", "SETNAME"), c("HELLO", "2", "SETNAME", "a b"),
		c("HELLO", "3", "AUTH", "someone", "pw"),
		c("AUTH", "pw"), c("AUTH", "default", "pw"), c("AUTH", "someone", "pw"), c("AUTH", "a", "b", "c"), c("AUTH"),

		c("SELECT", "16"), c("SELECT", "-1"), c("SELECT", "x"), c("SELECT", "01"), c("SELECT"),
		c("SELECT", "9"), c("GET", "a"), c("SET", "a", "nine"), c("DBSIZE"), c("SELECT", "0"), c("GET", "a"),

		c("CLIENT", "GETNAME"), c("CLIENT", "SETNAME", "conn-1"), c("CLIENT", "GETNAME"),
		c("CLIENT", "SETNAME", "a b"), c("CLIENT", "SETNAME", "a\nb"), c("CLIENT", "GETNAME"),
		c("CLIENT", "SETNAME", ""), c("CLIENT", "GETNAME"), c("CLIENT", "SETNAME"),
		c("CLIENT", "NO-EVICT", "on"), c("CLIENT", "NO-EVICT", "OFF"), c("CLIENT", "NO-EVICT", "maybe"),
		c("CLIENT", "REPLY", "foo"), c("CLIENT", "REPLY", "on"),
		c("CLIENT", "PAUSE", "abc"), c("CLIENT", "PAUSE", "-1"), c("CLIENT", "PAUSE", "10", "xx"),
		c("CLIENT", "pause", "10", "ALL", "x"), c("CLIENT", "PAUSE"), c("CLIENT", "UNPAUSE"), c("CLIENT", "UNPAUSE", "x"),
		c("CLIENT", "KILL", "1.2.3.4:5"), c("CLIENT", "KILL", "ID", "abc"), c("CLIENT", "KILL", "ID", "0"),
		c("CLIENT", "KILL", "ID", "99999"), c("CLIENT", "KILL", "ID", "5", "skipme"), c("CLIENT", "KILL", "foo", "bar"),
		c("CLIENT", "KILL", "SKIPME", "maybe"), c("CLIENT", "KILL", "TYPE", "foo"), c("CLIENT", "KILL", "USER", "nosuch"),
		c("CLIENT", "KILL", "TYPE", "pubsub"), c("CLIENT", "KILL", "TYPE", "master"), c("CLIENT", "KILL", "USER", "default", "ID", "99999"), c("CLIENT", "KILL", "MAXAGE", "10"),
		c("CLIENT", "KILL"),
		c("CLIENT", "LIST", "TYPE", "foo"), c("CLIENT", "LIST", "ID", "abc"), c("CLIENT", "LIST", "ID", "0"),
		c("CLIENT", "LIST", "ID", "-5", "99999"), c("CLIENT", "LIST", "TYPE", "pubsub"), c("CLIENT", "LIST", "TYPE", "replica"),
		c("CLIENT", "LIST", "foo"), c("CLIENT", "LIST", "ID"), c("CLIENT", "LIST", "TYPE", "normal", "x"),
		c("CLIENT", "FOO"), c("CLIENT"), c("client", "id", "x"),

		c("CONFIG", "GET"), c("CONFIG", "GET", "maxclients"), c("CONFIG", "GET", "MaxClients"), c("CONFIG", "GET", "nosuch"),
		c("CONFIG", "GET", "maxclients", "MAXCLIENTS"), c("CONFIG", "GET", "timeout", "nosuch"),
		c("CONFIG", "SET", "nosuch", "1"), c("CONFIG", "SET", "maxclients", "abc"), c("CONFIG", "SET", "maxclients", "100", "timeout", "abc"),
		c("CONFIG", "SET", "maxclients", "100", "timeout"), c("CONFIG", "SET", "maxclients", "100", "maxclients", "200"),
		c("CONFIG", "SET", "maxclients", "100", "MAXCLIENTS", "200"), c("CONFIG", "SET", "daemonize", "no"),
		c("CONFIG", "SET", "protected-mode", "maybe"), c("CONFIG", "SET", "proto-max-bulk-len", "1"),
		c("CONFIG", "SET", "client-query-buffer-limit", "1000"), c("CONFIG", "SET", "maxclients", "0"),
		c("CONFIG", "SET", "maxclients", "50", "timeout", "7"), c("CONFIG", "GET", "maxclients"), c("CONFIG", "GET", "timeout"),
		c("CONFIG", "SET", "proto-max-bulk-len", "2mb"), c("CONFIG", "GET", "proto-max-bulk-len"),
		c("CONFIG", "SET", "maxclients", "1000000000000"), c("CONFIG", "SET", "MAXCLIENTS", "abc"),
		c("CONFIG", "SET", "maxclients", "abc", "DAEMONIZE", "no"), c("CONFIG", "SET", "daemonize", "no", "nosuch", "1"),
		c("CONFIG", "SET", "timeout", "1", "TIMEOUT", "2", "daemonize", "no"),
		c("CONFIG", "FOO"), c("CONFIG"), c("CONFIG", "RESETSTAT", "x"), c("CONFIG", "RESETSTAT"), c("CONFIG", "SET", "maxclients"),

		c("COMMAND", "FOO"), c("COMMAND", "COUNT", "x"), c("COMMAND", "GETKEYS", "get"), c("COMMAND", "GETKEYS", "nosuch", "a"),
		c("COMMAND", "GETKEYS", "get", "a", "b"), c("COMMAND", "GETKEYS", "ping", "x"), c("COMMAND", "GETKEYS", "echo", "x"),
		c("COMMAND", "GETKEYS", "mset", "a", "1", "b", "2"), c("COMMAND", "GETKEYS", "MSET", "a"),
		c("COMMAND", "GETKEYS", "set", "k", "v", "EX", "10"), c("COMMAND", "GETKEYS", "mget", "a", "b", "c"),
		c("COMMAND", "LIST", "FILTERBY", "foo", "x"), c("COMMAND", "LIST", "x"), c("COMMAND", "LIST", "FILTERBY", "MODULE", "x"),
		c("COMMAND", "LIST", "FILTERBY", "ACLCAT", "nosuchcat"),
		c("COMMAND", "INFO", "get", "nosuch"), c("COMMAND", "INFO", "nosuch"), c("COMMAND", "DOCS", "nosuch"),

		c("TIME", "x"), c("NOSUCH", "a", "b"), c("nosuch"), c(strings.Repeat("long", 50), strings.Repeat("arg", 50), "x"),
		c("SHUTDOWN", "ABORT"), c("SHUTDOWN", "FOO"), c("SHUTDOWN", "NOSAVE", "ABORT"), c("SHUTDOWN", "SAVE", "NOSAVE"), c("SHUTDOWN", "FORCE", "ABORT"),
		c("FUNCTION", "FLUSH"), c("FUNCTION", "FLUSH", "ASYNC"), c("FUNCTION", "FLUSH", "sync"), c("FUNCTION", "FLUSH", "FOO"),
		c("FUNCTION", "FLUSH", "SYNC", "ASYNC"), c("FUNCTION"), c("FUNCTION", "FOO"),
		c("SCRIPT", "FLUSH"), c("SCRIPT", "FLUSH", "SYNC"), c("SCRIPT", "FLUSH", "FOO"), c("SCRIPT", "FLUSH", "A", "B"), c("SCRIPT"),
		c("INFO", "nosuchsection"), c("INFO", "nosuch1", "nosuch2"),

		// RESP3: the same commands, other reply types.
		u("HELLO", "3"),
		c("GET", "missing"), c("GET", "a"), c("MGET", "a", "missing"), c("CLIENT", "GETNAME"), c("CLIENT", "SETNAME", "n3"),
		c("CLIENT", "GETNAME"), c("CONFIG", "GET", "maxclients"), c("CONFIG", "GET", "nosuch"), c("CONFIG", "GET", "maxclients", "MAXCLIENTS"),
		c("COMMAND", "INFO", "nosuch"), c("COMMAND", "INFO", "get"), c("COMMAND", "DOCS", "nosuch"), c("CLIENT", "LIST", "TYPE", "pubsub"),
		c("INFO", "nosuchsection"), c("HELLO", "4"), c("PING"), c("PING", "x"),
		u("HELLO", "2", "SETNAME", "back-to-2"),
		c("GET", "missing"), c("CLIENT", "GETNAME"),
		c("RESET"), c("CLIENT", "GETNAME"), c("GET", "missing"), c("RESET", "x"),
		c("QUIT", "now"),
	}

	shoal := servertest.Dial(t, srv.Addr)
	redis := servertest.Dial(t, redisAddr)
	for _, st := range script {
		got, want := shoal.Do(st.args...), redis.Do(st.args...)
		if !st.unchecked && got != want {
			t.Errorf("%q:\nshoal %q\nredis %q", st.args, got, want)
		}
	}
	if got, want := readToClose(t, shoal.Conn()), readToClose(t, redis.Conn()); got != want {
		t.Errorf("after QUIT: shoal sent %q, redis %q", got, want)
	}
}

// TestDifferentialPipelines compares whole reply streams for input that is
// not one command per write: inline commands, blank lines, CLIENT REPLY.
func TestDifferentialPipelines(t *testing.T) {
	t.Parallel()
	redisAddr := servertest.StartRedis(t)
	srv := servertest.Start(t, "--shards", "4")
	const sentinel = "*2\r\n$4\r\nECHO\r\n$5\r\n-end-\r\n"
	cases := []string{
		"PING\r\n",
		"PING\n",
		"ping hello\r\n",
		"  \r\n\r\n\n*0\r\n*-1\r\nPING\r\n",
		`ECHO "a b"` + "\r\n",
		`ECHO "tab\there\x41\n"` + "\r\n",
		`ECHO 'it\'s'` + "\r\n",
		"ECHO a b\r\n",
		"SET k 'v w'\r\nGET k\r\nGET  k \r\nMSET a 1 b 2 c 3\r\nMGET a b c\r\n",
		"*2\r\n$4\r\nECHO\r\n$3\r\nabcXYPING\r\n",
		"*1\r\n$4\r\nPING\r\n*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$1\r\n1\r\nGET x\r\n*2\r\n$3\r\nGET\r\n$1\r\nx\r\n",
		"CLIENT REPLY OFF\r\nSET a 9\r\nNOSUCH\r\nGET a\r\nCLIENT REPLY ON\r\nGET a\r\n",
		"CLIENT REPLY SKIP\r\nGET a\r\nGET a\r\nCLIENT REPLY SKIP\r\nMGET a b c\r\nPING\r\n",
		"CLIENT REPLY OFF\r\nCLIENT REPLY SKIP\r\nPING\r\nCLIENT REPLY ON\r\nPING\r\n",
		"SELECT 3\r\nSET a three\r\nSELECT 0\r\nGET a\r\nSELECT 3\r\nGET a\r\nSELECT 0\r\n",
	}
	run := func(addr, in string) string {
		raw := servertest.Dial(t, addr)
		raw.Send([]byte(in + sentinel))
		var out string
		for {
			r := raw.Read()
			if r == "$5\r\n-end-\r\n" {
				return out
			}
			out += r
		}
	}
	for _, in := range cases {
		if got, want := run(srv.Addr, in), run(redisAddr, in); got != want {
			t.Errorf("%q:\nshoal %q\nredis %q", in, got, want)
		}
	}

	// Input that breaks the protocol: the reply, then the close.
	bad := []string{
		"*1\r\nfoo\r\n",
		"*abc\r\n",
		"*1\r\n$abc\r\n",
		"*1\r\n$-5\r\n",
		"*1\r\n$2147483648\r\n",
		"*1\r\n$111111111111111111111111111111\r\n",
		"*111111111111111111111111111111\r\n",
		`SET "a b` + "\r\n",
		`ECHO "a"b` + "\r\n",
		"*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\nb\r\n*1\r\nx\r\n",
		"PING\r\n*1\r\n\r\n",
		"*1\r\n$" + strings.Repeat("1", 70000),
		strings.Repeat("a", 70000),
	}
	closeRun := func(addr, in string) string {
		raw := servertest.Dial(t, addr)
		raw.Send([]byte(in))
		return readToClose(t, raw.Conn())
	}
	for _, in := range bad {
		if got, want := closeRun(srv.Addr, in), closeRun(redisAddr, in); got != want {
			t.Errorf("%.60q:\nshoal %q\nredis %q", in, got, want)
		}
	}
}
