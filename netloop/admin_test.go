package netloop_test

import (
	"context"
	"maps"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/shoal-db/shoal/netloop"
	"github.com/shoal-db/shoal/netloop/servertest"
)

func TestConfigGet(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t, "--maxclients", "123")
	ctx := context.Background()
	rdb := srv.Client(t)
	check := func(want map[string]string, pattern string) {
		t.Helper()
		got, err := rdb.ConfigGet(ctx, pattern).Result()
		if err != nil {
			t.Fatalf("CONFIG GET %s: %v", pattern, err)
		}
		if !maps.Equal(got, want) {
			t.Errorf("CONFIG GET %s: %v, want %v", pattern, got, want)
		}
	}
	check(map[string]string{"maxclients": "123"}, "maxclients")
	check(map[string]string{"maxclients": "123", "maxmemory": "0", "maxmemory-policy": "noeviction",
		"maxmemory-samples": "5", "maxmemory-eviction-tenacity": "10"}, "max*")
	check(map[string]string{"port": strconv.Itoa(srv.Port)}, "p?rt")
	check(map[string]string{}, "nosuch")

	raw := servertest.Dial(t, srv.Addr)
	f := expect(t, raw)
	port := strconv.Itoa(srv.Port)
	f("*2\r\n"+bulk("maxclients")+bulk("123"), "CONFIG", "GET", "maxclients")
	f("*0\r\n", "CONFIG", "GET", "nosuch")
	// A plain name is echoed as spelled; each directive appears once.
	f("*2\r\n"+bulk("MaxClients")+bulk("123"), "CONFIG", "GET", "MaxClients")
	f("*2\r\n"+bulk("maxclients")+bulk("123"), "CONFIG", "GET", "maxclients", "MAXCLIENTS", "maxclient?")
	f("*4\r\n"+bulk("maxclients")+bulk("123")+bulk("port")+bulk(port), "CONFIG", "GET", "maxclients", "port", "maxclients")
	f("*4\r\n"+bulk("port")+bulk(port)+bulk("bind")+bulk("127.0.0.1"), "CONFIG", "GET", "port", "bind")
	f("-ERR wrong number of arguments for 'config|get' command\r\n", "CONFIG", "GET")
	f("-ERR unknown subcommand 'FOO'. Try CONFIG HELP.\r\n", "CONFIG", "FOO")
	// redis-benchmark reads these two at start and warns unless each is a
	// two-element array.
	// servertest turns the save points off.
	f("*2\r\n"+bulk("save")+bulk(""), "CONFIG", "GET", "save")
	f("*2\r\n"+bulk("appendonly")+bulk("no"), "CONFIG", "GET", "appendonly")
	id := clientID(t, raw)
	f(helloReply(true, id), "HELLO", "3")
	f("%1\r\n"+bulk("maxclients")+bulk("123"), "CONFIG", "GET", "maxclients")
	f("%2\r\n"+bulk("maxclients")+bulk("123")+bulk("port")+bulk(port), "CONFIG", "GET", "maxclients", "port")
	f("%0\r\n", "CONFIG", "GET", "nosuch")
	help := raw.Do("CONFIG", "HELP")
	if !strings.HasPrefix(help, "*") || !strings.Contains(help, "+CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+GET <pattern>\r\n") {
		t.Errorf("CONFIG HELP: %q", help)
	}
}

func TestConfigSet(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	f := expect(t, servertest.Dial(t, srv.Addr))
	get := func(name, want string) {
		t.Helper()
		f("*2\r\n"+bulk(name)+bulk(want), "CONFIG", "GET", name)
	}
	f("+OK\r\n", "CONFIG", "SET", "maxclients", "100")
	get("maxclients", "100")
	// Several at once, names in any case.
	f("+OK\r\n", "CONFIG", "SET", "MAXCLIENTS", "200", "timeout", "30", "proto-max-bulk-len", "2mb")
	get("maxclients", "200")
	get("timeout", "30")
	get("proto-max-bulk-len", "2097152")
	// All or nothing: one bad value leaves every directive as it was.
	f("-ERR CONFIG SET failed (possibly related to argument 'timeout') - argument couldn't be parsed into an integer\r\n",
		"CONFIG", "SET", "maxclients", "300", "timeout", "abc")
	get("maxclients", "200")
	get("timeout", "30")
	f("-ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config\r\n",
		"CONFIG", "SET", "maxclients", "300", "daemonize", "yes")
	get("maxclients", "200")
	f("-ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'\r\n", "CONFIG", "SET", "maxclients", "300", "nosuch", "1")
	get("maxclients", "200")
	f("-ERR CONFIG SET failed (possibly related to argument 'MAXCLIENTS') - duplicate parameter\r\n", "CONFIG", "SET", "maxclients", "300", "MAXCLIENTS", "400")
	// Names are checked before values; the first bad name is reported as
	// spelled, a bad value by the directive's name.
	f("-ERR CONFIG SET failed (possibly related to argument 'DAEMONIZE') - can't set immutable config\r\n", "CONFIG", "SET", "maxclients", "abc", "DAEMONIZE", "no")
	f("-ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config\r\n", "CONFIG", "SET", "daemonize", "no", "nosuch", "1")
	f("-ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument couldn't be parsed into an integer\r\n", "CONFIG", "SET", "MaxClients", "abc")
	get("maxclients", "200")
	f("-ERR syntax error\r\n", "CONFIG", "SET", "maxclients", "300", "timeout")
	f("-ERR wrong number of arguments for 'config|set' command\r\n", "CONFIG", "SET", "maxclients")
	f("-ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument must be between 1 and 4294967295 inclusive\r\n", "CONFIG", "SET", "maxclients", "0")
	f("-ERR CONFIG SET failed (possibly related to argument 'protected-mode') - argument must be 'yes' or 'no'\r\n", "CONFIG", "SET", "protected-mode", "maybe")
	f("-ERR CONFIG SET failed (possibly related to argument 'proto-max-bulk-len') - argument must be between 1048576 and 9223372036854775807 inclusive\r\n", "CONFIG", "SET", "proto-max-bulk-len", "1")
	f("-ERR CONFIG SET failed (possibly related to argument 'proto-max-bulk-len') - argument must be a memory value\r\n", "CONFIG", "SET", "proto-max-bulk-len", "100000000000gb")
	f("+OK\r\n", "CONFIG", "SET", "loglevel", "WARNING")
	get("loglevel", "warning")

	// maxclients applies to the next connection at once.
	f("+OK\r\n", "CONFIG", "SET", "maxclients", "1")
	extra := servertest.Dial(t, srv.Addr)
	if got := readToClose(t, extra.Conn()); got != "-ERR max number of clients reached\r\n" {
		t.Errorf("connection over maxclients: %q", got)
	}
	f("+OK\r\n", "CONFIG", "SET", "maxclients", "10")
	pingable(t, srv.Addr)
}

func TestConfigResetStatAndCommandStats(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t, "--shards", "4")
	raw := servertest.Dial(t, srv.Addr)
	f := expect(t, raw)
	for i := 0; i < 3; i++ {
		f("+OK\r\n", "SET", "key"+strconv.Itoa(i), "v")
	}
	f("+OK\r\n", "CONFIG", "RESETSTAT")
	stats := raw.Do("INFO", "commandstats")
	if strings.Contains(stats, "cmdstat_set:") || !strings.Contains(stats, "cmdstat_config|resetstat:calls=1,") {
		t.Errorf("INFO commandstats after CONFIG RESETSTAT: %q", stats)
	}
	for i := 0; i < 5; i++ {
		f("$-1\r\n", "GET", "missing"+strconv.Itoa(i)) // spread over the shards
	}
	f("+OK\r\n", "MSET", "a", "1", "b", "2", "c", "3", "d", "4")
	f("-ERR wrong number of arguments for 'get' command\r\n", "GET")
	f("+PONG\r\n", "PING")
	raw.Send([]byte("PING\r\n"))
	if got := raw.Read(); got != "+PONG\r\n" {
		t.Fatalf("inline PING: %q", got)
	}
	stats = raw.Do("INFO", "commandstats")
	for _, want := range []string{
		// The GET with a wrong arity is rejected, as redis-server 7.0 counts it.
		`cmdstat_get:calls=5,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=1,failed_calls=0`,
		`cmdstat_mset:calls=1,`,
		`cmdstat_ping:calls=2,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=0,failed_calls=0`,
		`cmdstat_config\|resetstat:calls=1,`,
	} {
		if !regexp.MustCompile(`\r\n` + want).MatchString(stats) {
			t.Errorf("INFO commandstats lacks %s:\n%s", want, stats)
		}
	}
	f("-ERR wrong number of arguments for 'config|resetstat' command\r\n", "CONFIG", "RESETSTAT", "x")
}

func TestInfo(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t, "--shards", "4")
	raw := servertest.Dial(t, srv.Addr)
	f := expect(t, raw)
	sections := func(reply string) []string {
		t.Helper()
		if !strings.HasPrefix(reply, "$") {
			t.Fatalf("INFO reply: %q", reply)
		}
		body := reply[strings.Index(reply, "\r\n")+2 : len(reply)-2]
		if want := bulk(body); reply != want {
			t.Fatalf("INFO is not one bulk string: %q", reply)
		}
		if body != "" && !strings.HasSuffix(body, "\r\n") || strings.HasSuffix(body, "\r\n\r\n") {
			t.Errorf("INFO body must end with exactly one CRLF: %q", body[max(0, len(body)-40):])
		}
		var out []string
		for _, line := range strings.Split(body, "\r\n") {
			if strings.HasPrefix(line, "# ") {
				out = append(out, line[2:])
			}
		}
		return out
	}
	def := []string{"Server", "Clients", "Memory", "Persistence", "Stats", "Replication", "CPU", "Modules", "Errorstats", "Cluster", "Keyspace"}
	got := sections(raw.Do("INFO"))
	if strings.Join(got, ",") != strings.Join(def, ",") {
		t.Errorf("INFO sections: %v, want %v", got, def)
	}
	if got := sections(raw.Do("INFO", "default")); strings.Join(got, ",") != strings.Join(def, ",") {
		t.Errorf("INFO default sections: %v", got)
	}
	all := "Server,Clients,Memory,Persistence,Stats,Replication,CPU,Modules,Commandstats,Errorstats,Latencystats,Cluster,Keyspace"
	if got := sections(raw.Do("INFO", "everything")); strings.Join(got, ",") != all {
		t.Errorf("INFO everything sections: %v, want %s", got, all)
	}
	// Sections come in Redis's order whatever the order asked.
	if got := sections(raw.Do("INFO", "keyspace", "CLIENTS")); strings.Join(got, ",") != "Clients,Keyspace" {
		t.Errorf("INFO keyspace clients: %v", got)
	}
	f("$0\r\n\r\n", "INFO", "nosuchsection")
	f("$12\r\n# Keyspace\r\n\r\n", "INFO", "keyspace")

	f("+OK\r\n", "MSET", "a", "1", "b", "2", "c", "3", "d", "4", "e", "5")
	f("+OK\r\n", "SET", "f", "6", "EX", "100")
	f("+OK\r\n", "SELECT", "7")
	f("+OK\r\n", "SET", "x", "1", "PX", "100000")
	f("+OK\r\n", "SET", "y", "1")
	want := "# Keyspace\r\ndb0:keys=6,expires=1,avg_ttl=0\r\ndb7:keys=2,expires=1,avg_ttl=0\r\n"
	f(bulk(want), "INFO", "keyspace")
	info := raw.Do("INFO", "server", "clients", "stats")
	for _, re := range []string{
		`\r\nredis_version:` + regexp.QuoteMeta(netloop.Version) + `\r\n`,
		`\r\nredis_mode:standalone\r\n`,
		`\r\ntcp_port:` + strconv.Itoa(srv.Port) + `\r\n`,
		`\r\nconnected_clients:1\r\n`,
		`\r\nmaxclients:10000\r\n`,
		`\r\ntotal_connections_received:1\r\n`,
		`\r\ntotal_commands_processed:\d+\r\n`,
	} {
		if !regexp.MustCompile(re).MatchString(info) {
			t.Errorf("INFO lacks %q", re)
		}
	}
	f("$0\r\n\r\n", "INFO", "nosuch1", "nosuch2")
}

func TestCommandIntrospection(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	ctx := context.Background()
	rdb := srv.Client(t)
	raw := servertest.Dial(t, srv.Addr)
	f := expect(t, raw)

	all, err := rdb.Do(ctx, "COMMAND").Slice()
	if err != nil {
		t.Fatal(err)
	}
	count, err := rdb.Do(ctx, "COMMAND", "COUNT").Int()
	if err != nil || count != len(all) || count < 30 {
		t.Fatalf("COMMAND COUNT %d (%v), COMMAND lists %d", count, err, len(all))
	}
	// go-redis parses COMMAND INFO into its own struct: a real client's view.
	infos, err := rdb.Command(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	get := infos["get"]
	if get == nil || get.Arity != 2 || get.FirstKeyPos != 1 || get.LastKeyPos != 1 || get.StepCount != 1 || !get.ReadOnly {
		t.Errorf("COMMAND INFO get as go-redis reads it: %+v", get)
	}
	if mset := infos["mset"]; mset == nil || mset.Arity != -3 || mset.FirstKeyPos != 1 || mset.LastKeyPos != -1 || mset.StepCount != 2 {
		t.Errorf("COMMAND INFO mset as go-redis reads it: %+v", mset)
	}

	getInfo := "*10\r\n" + bulk("get") + ":2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n*3\r\n+@read\r\n+@string\r\n+@fast\r\n*0\r\n" +
		"*1\r\n*6\r\n" + bulk("flags") + "*2\r\n+RO\r\n+access\r\n" + bulk("begin_search") + "*4\r\n" + bulk("type") + bulk("index") +
		bulk("spec") + "*2\r\n" + bulk("index") + ":1\r\n" + bulk("find_keys") + "*4\r\n" + bulk("type") + bulk("range") + bulk("spec") +
		"*6\r\n" + bulk("lastkey") + ":0\r\n" + bulk("keystep") + ":1\r\n" + bulk("limit") + ":0\r\n*0\r\n"
	f("*2\r\n"+getInfo+"$-1\r\n", "COMMAND", "INFO", "get", "nosuch")
	f("*1\r\n$-1\r\n", "COMMAND", "INFO", "nosuch")
	f("*0\r\n", "COMMAND", "DOCS", "nosuch")
	f("*2\r\n"+bulk("echo")+"*8\r\n"+bulk("summary")+bulk("Returns the given string.")+bulk("since")+bulk("1.0.0")+
		bulk("group")+bulk("connection")+bulk("complexity")+bulk("O(1)"), "COMMAND", "DOCS", "echo", "nosuch")
	docs := raw.Do("COMMAND", "DOCS", "config")
	if !strings.Contains(docs, bulk("subcommands")) || !strings.Contains(docs, bulk("config|get")) {
		t.Errorf("COMMAND DOCS config lacks its subcommands: %q", docs)
	}

	list, err := rdb.Do(ctx, "COMMAND", "LIST").StringSlice()
	if err != nil {
		t.Fatal(err)
	}
	if !contains(list, "get") || !contains(list, "config|get") || !contains(list, "client|kill") {
		t.Errorf("COMMAND LIST lacks get, config|get or client|kill: %v", list)
	}
	byPattern, err := rdb.Do(ctx, "COMMAND", "LIST", "FILTERBY", "PATTERN", "config*").StringSlice()
	if err != nil || !contains(byPattern, "config") || !contains(byPattern, "config|set") || contains(byPattern, "get") {
		t.Errorf("COMMAND LIST FILTERBY PATTERN config*: %v %v", byPattern, err)
	}
	byCat, err := rdb.Do(ctx, "COMMAND", "LIST", "FILTERBY", "ACLCAT", "string").StringSlice()
	if err != nil || !contains(byCat, "get") || !contains(byCat, "mset") || contains(byCat, "ping") {
		t.Errorf("COMMAND LIST FILTERBY ACLCAT string: %v %v", byCat, err)
	}
	f("*0\r\n", "COMMAND", "LIST", "FILTERBY", "ACLCAT", "nosuchcat")
	f("*0\r\n", "COMMAND", "LIST", "FILTERBY", "MODULE", "x")
	f("-ERR syntax error\r\n", "COMMAND", "LIST", "FILTERBY", "foo", "x")
	f("-ERR syntax error\r\n", "COMMAND", "LIST", "x")

	f("*2\r\n"+bulk("a")+bulk("b"), "COMMAND", "GETKEYS", "MSET", "a", "1", "b", "2")
	f("*1\r\n"+bulk("k"), "COMMAND", "GETKEYS", "set", "k", "v", "EX", "10")
	f("-ERR Invalid command specified\r\n", "COMMAND", "GETKEYS", "nosuch", "a")
	f("-ERR Invalid number of arguments specified for command\r\n", "COMMAND", "GETKEYS", "get", "a", "b")
	f("-ERR Invalid number of arguments specified for command\r\n", "COMMAND", "GETKEYS", "mset", "a")
	f("-ERR The command has no key arguments\r\n", "COMMAND", "GETKEYS", "ping", "x")
	f("-ERR wrong number of arguments for 'command|getkeys' command\r\n", "COMMAND", "GETKEYS", "get")
	f("-ERR wrong number of arguments for 'command|count' command\r\n", "COMMAND", "COUNT", "x")
	f("-ERR unknown subcommand 'FOO'. Try COMMAND HELP.\r\n", "COMMAND", "FOO")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
