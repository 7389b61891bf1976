package netloop_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/shoal-db/shoal/netloop"
	"github.com/shoal-db/shoal/netloop/servertest"
)

func TestPingEchoQuit(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	raw := servertest.Dial(t, srv.Addr)
	f := expect(t, raw)
	f("+PONG\r\n", "PING")
	f("+PONG\r\n", "ping")
	f("$5\r\nhello\r\n", "PING", "hello")
	f("$0\r\n\r\n", "PING", "")
	f("-ERR wrong number of arguments for 'ping' command\r\n", "PING", "a", "b")
	f("$3\r\na\x00b\r\n", "ECHO", "a\x00b")
	f("$0\r\n\r\n", "ECHO", "")
	f("-ERR wrong number of arguments for 'echo' command\r\n", "ECHO")
	f("-ERR wrong number of arguments for 'echo' command\r\n", "ECHO", "a", "b")
	f("+OK\r\n", "QUIT")
	expectClosed(t, raw)

	// QUIT takes any arguments, and what was pipelined after it is dropped.
	raw = servertest.Dial(t, srv.Addr)
	raw.Send([]byte("*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nQUIT\r\n$1\r\nx\r\n*1\r\n$4\r\nPING\r\n"))
	if got := readToClose(t, raw.Conn()); got != "+PONG\r\n+OK\r\n" {
		t.Errorf("PING QUIT PING: %q", got)
	}
}

func TestHello(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	raw := servertest.Dial(t, srv.Addr)
	f := expect(t, raw)
	id := clientID(t, raw)
	f(helloReply(false, id), "HELLO")
	f(helloReply(false, id), "HELLO", "2")
	f("-NOPROTO unsupported protocol version\r\n", "HELLO", "1")
	f("-NOPROTO unsupported protocol version\r\n", "HELLO", "4")
	f("-ERR Protocol version is not an integer or out of range\r\n", "HELLO", "abc")
	f("-ERR Protocol version is not an integer or out of range\r\n", "HELLO", "99999999999999999999999")
	f("-ERR Syntax error in HELLO option 'foo'\r\n", "HELLO", "3", "foo")
	f("-ERR Syntax error in HELLO option 'AUTH'\r\n", "HELLO", "3", "AUTH", "default")
	f("-ERR Syntax error in HELLO option 'SETNAME'\r\n", "HELLO", "3", "SETNAME")
	f("-ERR Client names cannot contain spaces, newlines or special characters.\r\n", "HELLO", "3", "SETNAME", "a b")
	// A failed HELLO changes nothing: still RESP2.
	f("$-1\r\n", "GET", "missing")
	f("-WRONGPASS invalid username-password pair or user is disabled.\r\n", "HELLO", "3", "AUTH", "someone", "pw")
	// Without requirepass the default user has no password: any one works.
	f(helloReply(true, id), "HELLO", "3", "AUTH", "default", "whatever", "SETNAME", "conn1")
	f("_\r\n", "GET", "missing")
	f(bulk("conn1"), "CLIENT", "GETNAME")
	f("%1\r\n"+bulk("maxclients")+bulk("10000"), "CONFIG", "GET", "maxclients")
	f("*2\r\n_\r\n_\r\n", "MGET", "x", "y")
	// HELLO without a version keeps the protocol.
	f(helloReply(true, id), "HELLO")
	f(helloReply(false, id), "HELLO", "2")
	f("$-1\r\n", "GET", "missing")
	f(bulk("conn1"), "CLIENT", "GETNAME")

	// Pipelined: each command replies in the protocol in force when it was
	// sent, whichever batch it lands in.
	fresh := servertest.Dial(t, srv.Addr)
	freshID := clientID(t, fresh)
	fresh.Send([]byte("GET missing\r\nHELLO 3\r\nGET missing\r\nRESET\r\nGET missing\r\nHELLO 3\r\nGET missing\r\nHELLO 2\r\nGET missing\r\n"))
	for i, want := range []string{"$-1\r\n", helloReply(true, freshID), "_\r\n", "+RESET\r\n", "$-1\r\n",
		helloReply(true, freshID), "_\r\n", helloReply(false, freshID), "$-1\r\n"} {
		if got := fresh.Read(); got != want {
			t.Errorf("pipelined protocol switches, reply %d: %q, want %q", i, got, want)
		}
	}

	// go-redis negotiates RESP3 with HELLO and reads the map.
	rdb := srv.Client3(t)
	ctx := context.Background()
	if err := rdb.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if v, err := rdb.Get(ctx, "k").Result(); err != nil || v != "v" {
		t.Fatalf("RESP3 GET: %q %v", v, err)
	}
	if err := rdb.Get(ctx, "missing").Err(); err != redis.Nil {
		t.Fatalf("RESP3 GET missing: %v", err)
	}
}

func TestAuthWithoutPassword(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	f := expect(t, servertest.Dial(t, srv.Addr))
	f("-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n", "AUTH", "pw")
	f("+OK\r\n", "AUTH", "default", "anything")
	f("-WRONGPASS invalid username-password pair or user is disabled.\r\n", "AUTH", "other", "anything")
	f("-ERR syntax error\r\n", "AUTH", "a", "b", "c")
	f("-ERR wrong number of arguments for 'auth' command\r\n", "AUTH")
}

func TestRequirePass(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t, "--requirepass", "s3cret")
	raw := servertest.Dial(t, srv.Addr)
	f := expect(t, raw)
	const noauth = "-NOAUTH Authentication required.\r\n"
	for _, cmd := range [][]string{{"GET", "a"}, {"SET", "a", "b"}, {"PING"}, {"ECHO", "x"}, {"SELECT", "1"},
		{"CLIENT", "ID"}, {"CONFIG", "GET", "port"}, {"INFO"}, {"COMMAND", "COUNT"}, {"DBSIZE"}, {"MSET", "a", "1", "b", "2"}} {
		f(noauth, cmd...)
	}
	// Lookup and arity errors come before the authentication check.
	f("-ERR unknown command 'NOSUCH', with args beginning with: \r\n", "NOSUCH")
	f("-ERR wrong number of arguments for 'get' command\r\n", "GET")
	f("-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time\r\n", "HELLO", "3")
	f("-WRONGPASS invalid username-password pair or user is disabled.\r\n", "AUTH", "wrong")
	f("-WRONGPASS invalid username-password pair or user is disabled.\r\n", "AUTH", "default", "wrong")
	f("-WRONGPASS invalid username-password pair or user is disabled.\r\n", "AUTH", "other", "s3cret")
	f("-WRONGPASS invalid username-password pair or user is disabled.\r\n", "HELLO", "2", "AUTH", "default", "wrong")
	f("+RESET\r\n", "RESET")
	f(noauth, "GET", "a")
	f("+OK\r\n", "AUTH", "s3cret")
	f("$-1\r\n", "GET", "a")
	// RESET logs the connection out again.
	f("+RESET\r\n", "RESET")
	f(noauth, "GET", "a")
	f("+OK\r\n", "AUTH", "default", "s3cret")
	f("+OK\r\n", "SET", "a", "1")
	f("+RESET\r\n", "RESET")
	id := loggedOutID(t, raw, "s3cret")
	f(helloReply(true, id), "HELLO", "3", "AUTH", "default", "s3cret")
	f(bulk("1"), "GET", "a")
	f("_\r\n", "GET", "missing")

	// QUIT needs no authentication.
	other := servertest.Dial(t, srv.Addr)
	expect(t, other)("+OK\r\n", "QUIT")
	expectClosed(t, other)

	// go-redis with the password.
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr, Password: "s3cret", Protocol: 2, DisableIdentity: true})
	defer rdb.Close()
	if v, err := rdb.Get(context.Background(), "a").Result(); err != nil || v != "1" {
		t.Fatalf("go-redis with password: %q %v", v, err)
	}
}

// loggedOutID reads the id of an unauthenticated connection by logging in
// and out again.
func loggedOutID(t *testing.T, raw *servertest.Raw, pass string) string {
	t.Helper()
	if got := raw.Do("AUTH", pass); got != "+OK\r\n" {
		t.Fatalf("AUTH: %q", got)
	}
	id := clientID(t, raw)
	if got := raw.Do("RESET"); got != "+RESET\r\n" {
		t.Fatalf("RESET: %q", got)
	}
	return id
}

func TestSelect(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t, "--shards", "4")
	raw := servertest.Dial(t, srv.Addr)
	f := expect(t, raw)
	f("-ERR DB index is out of range\r\n", "SELECT", "16")
	f("-ERR DB index is out of range\r\n", "SELECT", "-1")
	f("-ERR value is not an integer or out of range\r\n", "SELECT", "x")
	f("-ERR value is not an integer or out of range\r\n", "SELECT", "01")
	f("-ERR wrong number of arguments for 'select' command\r\n", "SELECT")
	f("+OK\r\n", "SELECT", "15")
	f("+OK\r\n", "MSET", "a", "15", "b", "15", "c", "15")
	f("+OK\r\n", "SELECT", "0")
	f("*3\r\n$-1\r\n$-1\r\n$-1\r\n", "MGET", "a", "b", "c")
	f(":0\r\n", "DBSIZE")
	f("+OK\r\n", "SELECT", "15")
	f("*3\r\n$2\r\n15\r\n$2\r\n15\r\n$2\r\n15\r\n", "MGET", "a", "b", "c")
	f(":3\r\n", "DBSIZE")
	info := raw.Do("INFO", "keyspace")
	if !strings.Contains(info, "db15:keys=3,expires=0,") || strings.Contains(info, "db0:") {
		t.Errorf("INFO keyspace after writes in db 15: %q", info)
	}
	// A pipelined SELECT applies to the commands after it in the same read.
	raw.Send([]byte("*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*2\r\n$3\r\nGET\r\n$1\r\na\r\n*2\r\n$6\r\nSELECT\r\n$2\r\n15\r\n*2\r\n$3\r\nGET\r\n$1\r\na\r\n"))
	for i, want := range []string{"+OK\r\n", "$-1\r\n", "+OK\r\n", "$2\r\n15\r\n"} {
		if got := raw.Read(); got != want {
			t.Errorf("pipelined SELECT reply %d: %q, want %q", i, got, want)
		}
	}
}

func TestReset(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	raw := servertest.Dial(t, srv.Addr)
	f := expect(t, raw)
	id := clientID(t, raw)
	f(helloReply(true, id), "HELLO", "3", "SETNAME", "before")
	f("+OK\r\n", "SELECT", "5")
	f("+OK\r\n", "SET", "k", "in5")
	f("+RESET\r\n", "RESET")
	f("$-1\r\n", "GET", "k")
	f("$-1\r\n", "CLIENT", "GETNAME")
	// CLIENT REPLY OFF is cleared too.
	raw.Send(request("CLIENT", "REPLY", "OFF"))
	f("+RESET\r\n", "RESET")
	f("+PONG\r\n", "PING")
	f("-ERR wrong number of arguments for 'reset' command\r\n", "RESET", "x")
}

func TestClientNames(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	raw := servertest.Dial(t, srv.Addr)
	f := expect(t, raw)
	f("$-1\r\n", "CLIENT", "GETNAME")
	f("+OK\r\n", "CLIENT", "SETNAME", "worker-1")
	f(bulk("worker-1"), "CLIENT", "GETNAME")
	f("-ERR Client names cannot contain spaces, newlines or special characters.\r\n", "CLIENT", "SETNAME", "a b")
	f("-ERR Client names cannot contain spaces, newlines or special characters.\r\n", "CLIENT", "SETNAME", "a\nb")
	f(bulk("worker-1"), "CLIENT", "GETNAME")
	f("+OK\r\n", "CLIENT", "SETNAME", "")
	f("$-1\r\n", "CLIENT", "GETNAME")
	f("-ERR wrong number of arguments for 'client|setname' command\r\n", "CLIENT", "SETNAME")
	// CLIENT SETINFO is Redis 7.2's.
	f("+OK\r\n", "CLIENT", "SETINFO", "LIB-NAME", "go-redis")
	f("+OK\r\n", "CLIENT", "SETINFO", "lib-ver", "9.0")
	f("-ERR Unrecognized option 'lib-foo'\r\n", "CLIENT", "SETINFO", "lib-foo", "x")
	f("-ERR LIB-NAME cannot contain spaces, newlines or special characters.\r\n", "CLIENT", "SETINFO", "LIB-NAME", "a b")
	info := raw.Do("CLIENT", "INFO")
	if !strings.Contains(info, " lib-name=go-redis lib-ver=9.0\n") {
		t.Errorf("CLIENT INFO after SETINFO: %q", info)
	}
	f("+OK\r\n", "CLIENT", "NO-EVICT", "on")
	f("+OK\r\n", "CLIENT", "NO-EVICT", "OFF")
	f("-ERR syntax error\r\n", "CLIENT", "NO-EVICT", "maybe")
	f("+OK\r\n", "CLIENT", "NO-TOUCH", "on")
	f("-ERR syntax error\r\n", "CLIENT", "NO-TOUCH", "x")
	f("-ERR unknown subcommand 'nosuch'. Try CLIENT HELP.\r\n", "CLIENT", "nosuch")
	f("-ERR wrong number of arguments for 'client' command\r\n", "CLIENT")
	help := raw.Do("CLIENT", "HELP")
	if !strings.HasPrefix(help, "*") || !strings.Contains(help, "\r\n+CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n") ||
		!strings.HasSuffix(help, "+HELP\r\n+    Prints this help.\r\n") {
		t.Errorf("CLIENT HELP: %q", help)
	}
}

var clientLineRE = regexp.MustCompile(`^id=(\d+) addr=(127\.0\.0\.1:\d+) laddr=127\.0\.0\.1:\d+ fd=\d+ name=(\S*) age=\d+ idle=\d+ flags=N db=(\d+) sub=0 psub=0 ssub=0 multi=-1 qbuf=\d+ qbuf-free=\d+ argv-mem=\d+ multi-mem=0 rbs=\d+ rbp=\d+ obl=\d+ oll=\d+ omem=\d+ tot-mem=\d+ events=r cmd=(\S+) user=default redir=-1 resp=([23]) lib-name=\S* lib-ver=\S*$`)

func TestClientInfoList(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	a := servertest.Dial(t, srv.Addr)
	b := servertest.Dial(t, srv.Addr)
	f := expect(t, a)
	f("+OK\r\n", "CLIENT", "SETNAME", "alpha")
	f("+OK\r\n", "SELECT", "3")
	idA, idB := clientID(t, a), clientID(t, b)

	info := a.Do("CLIENT", "INFO")
	body := strings.TrimSuffix(info[strings.Index(info, "\r\n")+2:], "\r\n")
	if want := bulk(body); info != want || !strings.HasSuffix(body, "\n") {
		t.Fatalf("CLIENT INFO is not one bulk line: %q", info)
	}
	m := clientLineRE.FindStringSubmatch(strings.TrimSuffix(body, "\n"))
	if m == nil {
		t.Fatalf("CLIENT INFO line does not match Redis's layout: %q", body)
	}
	if m[1] != idA || m[2] != a.Conn().LocalAddr().String() || m[3] != "alpha" || m[4] != "3" || m[5] != "client|info" || m[6] != "2" {
		t.Errorf("CLIENT INFO fields: %q", m[1:])
	}

	list := func(args ...string) []string {
		t.Helper()
		r := a.Do(append([]string{"CLIENT", "LIST"}, args...)...)
		body := r[strings.Index(r, "\r\n")+2 : len(r)-2]
		var ids []string
		for _, line := range strings.Split(strings.TrimSuffix(body, "\n"), "\n") {
			if line == "" {
				continue
			}
			m := clientLineRE.FindStringSubmatch(line)
			if m == nil {
				t.Fatalf("CLIENT LIST line does not match Redis's layout: %q", line)
			}
			ids = append(ids, m[1])
		}
		return ids
	}
	// Ids go by accept order, which two event loops may swap; CLIENT LIST
	// sorts by id.
	want := []string{idA, idB}
	if na, _ := strconv.Atoi(idA); strconv.Itoa(na) == idA {
		if nb, _ := strconv.Atoi(idB); nb < na {
			want = []string{idB, idA}
		}
	}
	if got := list(); len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("CLIENT LIST ids: %v, want %v", got, want)
	}
	if got := list("ID", idB, "999999"); len(got) != 1 || got[0] != idB {
		t.Errorf("CLIENT LIST ID %s: %v", idB, got)
	}
	if got := list("TYPE", "normal"); len(got) != 2 {
		t.Errorf("CLIENT LIST TYPE normal: %v", got)
	}
	f("$0\r\n\r\n", "CLIENT", "LIST", "TYPE", "pubsub")
	f("$0\r\n\r\n", "CLIENT", "LIST", "TYPE", "MASTER")
	f("$0\r\n\r\n", "CLIENT", "LIST", "ID", "0")
	f("$0\r\n\r\n", "CLIENT", "LIST", "ID", "-5")
	f("-ERR Unknown client type 'foo'\r\n", "CLIENT", "LIST", "TYPE", "foo")
	f("-ERR Invalid client ID\r\n", "CLIENT", "LIST", "ID", "abc")
	f("-ERR syntax error\r\n", "CLIENT", "LIST", "ID")
	f("-ERR syntax error\r\n", "CLIENT", "LIST", "foo")

	// RESP3 sends CLIENT INFO and CLIENT LIST as verbatim strings.
	f(helloReply(true, idA), "HELLO", "3")
	info = a.Do("CLIENT", "INFO")
	if !strings.HasPrefix(info, "="+strconv.Itoa(len(body)+4)+"\r\ntxt:id="+idA+" ") {
		t.Errorf("RESP3 CLIENT INFO: %q", info)
	}
	f("=4\r\ntxt:\r\n", "CLIENT", "LIST", "TYPE", "pubsub")
}

func TestClientKill(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	a := servertest.Dial(t, srv.Addr)
	f := expect(t, a)
	dial := func() (*servertest.Raw, string, string) {
		r := servertest.Dial(t, srv.Addr)
		return r, clientID(t, r), r.Conn().LocalAddr().String()
	}

	// Old form: CLIENT KILL addr.
	b, _, addrB := dial()
	f("+OK\r\n", "CLIENT", "KILL", addrB)
	expectClosed(t, b)
	f("-ERR No such client\r\n", "CLIENT", "KILL", addrB)
	f("-ERR No such client\r\n", "CLIENT", "KILL", "1.2.3.4:5")

	// New form.
	c, idC, _ := dial()
	f(":1\r\n", "CLIENT", "KILL", "ID", idC)
	expectClosed(t, c)
	f(":0\r\n", "CLIENT", "KILL", "ID", idC)
	d, _, addrD := dial()
	f(":1\r\n", "CLIENT", "KILL", "ADDR", addrD, "SKIPME", "yes")
	expectClosed(t, d)
	e, idE, _ := dial()
	f(":0\r\n", "CLIENT", "KILL", "ID", idE, "TYPE", "pubsub")
	f(":0\r\n", "CLIENT", "KILL", "ID", idE, "LADDR", "1.2.3.4:5")
	f(":1\r\n", "CLIENT", "KILL", "ID", idE, "TYPE", "normal", "USER", "default")
	expectClosed(t, e)
	f("-ERR client-id should be greater than 0\r\n", "CLIENT", "KILL", "ID", "0")
	f("-ERR client-id should be greater than 0\r\n", "CLIENT", "KILL", "ID", "abc")
	f("-ERR syntax error\r\n", "CLIENT", "KILL", "ID", "5", "SKIPME")
	f("-ERR syntax error\r\n", "CLIENT", "KILL", "FOO", "bar")
	f("-ERR syntax error\r\n", "CLIENT", "KILL", "SKIPME", "maybe")
	f("-ERR Unknown client type 'foo'\r\n", "CLIENT", "KILL", "TYPE", "foo")
	f("-ERR No such user 'nosuch'\r\n", "CLIENT", "KILL", "USER", "nosuch")
	f("-ERR wrong number of arguments for 'client|kill' command\r\n", "CLIENT", "KILL")

	// A filter that kills a connection's peers leaves it alone by default.
	g, _, _ := dial()
	f(":1\r\n", "CLIENT", "KILL", "TYPE", "normal")
	expectClosed(t, g)
	f("+PONG\r\n", "PING")

	// Killing yourself: the reply goes out, then the connection closes.
	idA := clientID(t, a)
	f(":1\r\n", "CLIENT", "KILL", "ID", idA, "SKIPME", "no")
	expectClosed(t, a)
	h, _, addrH := dial()
	expect(t, h)("+OK\r\n", "CLIENT", "KILL", addrH)
	expectClosed(t, h)
}

func TestClientPause(t *testing.T) {
	srv := servertest.Start(t)
	a := servertest.Dial(t, srv.Addr)
	b := servertest.Dial(t, srv.Addr)
	fa, fb := expect(t, a), expect(t, b)
	fa("-ERR timeout is not an integer or out of range\r\n", "CLIENT", "PAUSE", "abc")
	fa("-ERR timeout is negative\r\n", "CLIENT", "PAUSE", "-1")
	fa("-ERR CLIENT PAUSE mode must be WRITE or ALL\r\n", "CLIENT", "PAUSE", "10", "xx")
	fa("-ERR wrong number of arguments for 'client|pause' command\r\n", "CLIENT", "PAUSE")
	fa("-ERR wrong number of arguments for 'client|unpause' command\r\n", "CLIENT", "UNPAUSE", "x")

	timed := func(f func(string, ...string), want string, args ...string) time.Duration {
		t.Helper()
		start := time.Now()
		f(want, args...)
		return time.Since(start)
	}
	const pause = 300 * time.Millisecond
	fa("+OK\r\n", "CLIENT", "PAUSE", "300", "ALL")
	if d := timed(fb, "+PONG\r\n", "PING"); d < pause*2/3 {
		t.Errorf("PING during CLIENT PAUSE ALL answered after %v", d)
	}
	fa("+OK\r\n", "CLIENT", "PAUSE", "300", "WRITE")
	if d := timed(fb, "$-1\r\n", "GET", "k"); d > pause/2 {
		t.Errorf("GET during CLIENT PAUSE WRITE waited %v", d)
	}
	if d := timed(fb, "+OK\r\n", "SET", "k", "v"); d < pause/2 {
		t.Errorf("SET during CLIENT PAUSE WRITE answered after %v", d)
	}
	// UNPAUSE releases a paused writer at once.
	fa("+OK\r\n", "CLIENT", "PAUSE", "100000", "WRITE")
	done := make(chan time.Time, 1)
	b.Send(request("SET", "k", "w"))
	go func() {
		// Read is not safe here (it may fail the test); read the raw conn.
		buf := make([]byte, 16)
		_ = b.Conn().SetReadDeadline(time.Now().Add(10 * time.Second))
		n, _ := io.ReadAtLeast(b.Conn(), buf, 5)
		if string(buf[:n]) == "+OK\r\n" {
			done <- time.Now()
		}
		close(done)
	}()
	time.Sleep(100 * time.Millisecond)
	select {
	case <-done:
		t.Fatal("SET answered during CLIENT PAUSE WRITE")
	default:
	}
	unpaused := time.Now()
	fa("+OK\r\n", "CLIENT", "UNPAUSE")
	at, ok := <-done
	if !ok {
		t.Fatal("SET after UNPAUSE got no +OK")
	}
	if d := at.Sub(unpaused); d > 2*time.Second {
		t.Errorf("SET answered %v after UNPAUSE", d)
	}
	fa(bulk("w"), "GET", "k")
}

func TestClientReply(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t, "--shards", "4")
	raw := servertest.Dial(t, srv.Addr)
	f := expect(t, raw)
	f("-ERR syntax error\r\n", "CLIENT", "REPLY", "foo")
	f("+OK\r\n", "CLIENT", "REPLY", "ON")

	// Sent as one pipeline, then one command per write: the replies must be
	// the same.
	script := [][]string{
		{"CLIENT", "REPLY", "OFF"},
		{"SET", "a", "1"},
		{"NOSUCH"},
		{"MSET", "a", "2", "b", "2", "c", "2"},
		{"PING"},
		{"CLIENT", "REPLY", "SKIP"},
		{"CLIENT", "REPLY", "ON"},
		{"GET", "a"},
		{"CLIENT", "REPLY", "SKIP"},
		{"GET", "a"},
		{"MGET", "a", "b", "c"},
		{"CLIENT", "REPLY", "SKIP"},
		{"MGET", "a", "b", "c"},
		{"PING"},
	}
	const want = "+OK\r\n$1\r\n2\r\n*3\r\n$1\r\n2\r\n$1\r\n2\r\n$1\r\n2\r\n+PONG\r\n"
	var all []byte
	for _, c := range script {
		all = append(all, request(c...)...)
	}
	for _, mode := range []string{"pipelined", "one by one"} {
		if mode == "pipelined" {
			raw.Send(all)
		} else {
			for _, c := range script {
				raw.Send(request(c...))
				time.Sleep(time.Millisecond)
			}
		}
		var got string
		for len(got) < len(want) {
			got += raw.Read()
		}
		if got != want {
			t.Errorf("%s: got %q, want %q", mode, got, want)
		}
	}
}

func TestFunctionScriptFlush(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	f := expect(t, servertest.Dial(t, srv.Addr))
	f("+OK\r\n", "FUNCTION", "FLUSH")
	f("+OK\r\n", "FUNCTION", "FLUSH", "ASYNC")
	f("+OK\r\n", "function", "flush", "sync")
	f("-ERR FUNCTION FLUSH only supports SYNC|ASYNC option\r\n", "FUNCTION", "FLUSH", "FOO")
	f("-ERR unknown subcommand or wrong number of arguments for 'flush'. Try FUNCTION HELP.\r\n", "FUNCTION", "flush", "SYNC", "ASYNC")
	f("+OK\r\n", "SCRIPT", "FLUSH")
	f("+OK\r\n", "SCRIPT", "FLUSH", "SYNC")
	f("-ERR SCRIPT FLUSH only support SYNC|ASYNC option\r\n", "SCRIPT", "FLUSH", "FOO")
	f("-ERR SCRIPT FLUSH only support SYNC|ASYNC option\r\n", "SCRIPT", "FLUSH", "SYNC", "ASYNC")
	f("-ERR wrong number of arguments for 'function' command\r\n", "FUNCTION")
	f("-ERR unknown subcommand 'FOO'. Try FUNCTION HELP.\r\n", "FUNCTION", "FOO")
	f("-ERR unknown subcommand 'load'. Try SCRIPT HELP.\r\n", "SCRIPT", "load", "x")
}

func TestUnknownCommandAndArity(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	f := expect(t, servertest.Dial(t, srv.Addr))
	f("-ERR unknown command 'NOSUCH', with args beginning with: \r\n", "NOSUCH")
	f("-ERR unknown command 'nosuch', with args beginning with: 'a' 'b c' \r\n", "nosuch", "a", "b c")
	f("-ERR unknown command '"+strings.Repeat("x", 128)+"', with args beginning with: \r\n", strings.Repeat("x", 200))
	f("-ERR wrong number of arguments for 'get' command\r\n", "GET")
	f("-ERR wrong number of arguments for 'get' command\r\n", "gEt", "a", "b")
	f("-ERR wrong number of arguments for 'set' command\r\n", "SET", "a")
	f("-ERR wrong number of arguments for 'mset' command\r\n", "MSET")
	f("-ERR wrong number of arguments for 'config|get' command\r\n", "CoNfIg", "gEt")
	f("-ERR wrong number of arguments for 'time' command\r\n", "TIME", "x")
	f("+PONG\r\n", "PING")
}

func TestTime(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t)
	rdb := srv.Client(t)
	got, err := rdb.Time(context.Background()).Result()
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(got); d < -time.Second || d > time.Second {
		t.Errorf("TIME is %v away from the test's clock", d)
	}
	raw := servertest.Dial(t, srv.Addr)
	r := raw.Do("TIME")
	if !regexp.MustCompile(`^\*2\r\n\$\d+\r\n\d+\r\n\$\d+\r\n\d{1,6}\r\n$`).MatchString(r) {
		t.Errorf("TIME reply layout: %q", r)
	}
}

// TestShutdown runs its own server: SHUTDOWN stops it.
func TestShutdown(t *testing.T) {
	t.Parallel()
	port := servertest.FreePort(t)
	cfg, err := netloop.ParseArgs([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	srv := netloop.NewServer(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	done := make(chan error, 1)
	go func() { done <- srv.Run() }()
	select {
	case <-srv.Ready():
	case err := <-done:
		t.Fatalf("server did not start: %v", err)
	}
	// cmd/shoal does the same: SHUTDOWN asks, the owner of Run stops.
	go func() {
		<-srv.ShutdownRequested()
		srv.Stop()
	}()
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	raw := servertest.Dial(t, addr)
	f := expect(t, raw)
	f("-ERR No shutdown in progress.\r\n", "SHUTDOWN", "ABORT")
	f("-ERR syntax error\r\n", "SHUTDOWN", "FOO")
	f("-ERR syntax error\r\n", "SHUTDOWN", "NOSAVE", "ABORT")
	f("-ERR syntax error\r\n", "SHUTDOWN", "SAVE", "NOSAVE")
	other := servertest.Dial(t, addr)
	expect(t, other)("+PONG\r\n", "PING")
	raw.Send(request("SHUTDOWN", "NOSAVE"))
	// Redis closes without replying when the shutdown succeeds.
	if got := readToClose(t, raw.Conn()); got != "" {
		t.Errorf("SHUTDOWN replied %q", got)
	}
	readToClose(t, other.Conn())
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run returned %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after SHUTDOWN")
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Error("server still accepts connections after SHUTDOWN")
	}
}
