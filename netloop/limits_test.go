package netloop_test

import (
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shoal-db/shoal/netloop/servertest"
)

func TestMaxClients(t *testing.T) {
	t.Parallel()
	srv := servertest.Start(t, "--maxclients", "2")
	a := servertest.Dial(t, srv.Addr)
	b := servertest.Dial(t, srv.Addr)
	expect(t, a)("+PONG\r\n", "PING")
	expect(t, b)("+PONG\r\n", "PING")
	for i := 0; i < 3; i++ {
		c := servertest.Dial(t, srv.Addr)
		if got := readToClose(t, c.Conn()); got != "-ERR max number of clients reached\r\n" {
			t.Fatalf("connection over maxclients: %q", got)
		}
	}
	info := b.Do("INFO", "stats")
	if !strings.Contains(info, "\r\nrejected_connections:3\r\n") {
		t.Errorf("INFO stats after 3 refusals: %q", info)
	}
	// A slot frees when a client leaves.
	a.Conn().Close()
	deadline := time.Now().Add(5 * time.Second)
	for strings.Count(b.Do("CLIENT", "LIST"), "id=") != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the closed client is still listed")
		}
		time.Sleep(10 * time.Millisecond)
	}
	pingable(t, srv.Addr)
}

// nonLoopbackIP returns an address of this host that is not loopback, so
// that a connection to it comes from a non-local address.
func nonLoopbackIP(t *testing.T) string {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok && ipn.IP.To4() != nil && !ipn.IP.IsLoopback() && !ipn.IP.IsLinkLocalUnicast() {
			return ipn.IP.String()
		}
	}
	t.Skip("this host has no non-loopback IPv4 address to connect from")
	return ""
}

// TestProtectedMode connects through a non-loopback address of this host:
// without a password, protected mode refuses it with Redis's text.
func TestProtectedMode(t *testing.T) {
	t.Parallel()
	ip := nonLoopbackIP(t)
	srv := servertest.Start(t, "--bind", "127.0.0.1", ip)
	remote := net.JoinHostPort(ip, strconv.Itoa(srv.Port))
	local := servertest.Dial(t, srv.Addr)
	f := expect(t, local)
	dialRemote := func() *servertest.Raw {
		t.Helper()
		return servertest.Dial(t, remote)
	}
	const denied = "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n"
	r := dialRemote()
	r.Send([]byte("PING\r\n"))
	if got := readToClose(t, r.Conn()); got != denied {
		t.Errorf("remote client in protected mode: %q", got)
	}
	if !strings.Contains(local.Do("INFO", "stats"), "\r\nrejected_connections:1\r\n") {
		t.Error("the refusal is not counted in rejected_connections")
	}
	// A password lifts the protection: the remote client must log in.
	f("+OK\r\n", "CONFIG", "SET", "requirepass", "pw")
	r = dialRemote()
	expect(t, r)("-NOAUTH Authentication required.\r\n", "PING")
	expect(t, r)("+OK\r\n", "AUTH", "pw")
	expect(t, r)("+PONG\r\n", "PING")
	// So does turning protected mode off.
	f("+OK\r\n", "CONFIG", "SET", "requirepass", "", "protected-mode", "no")
	expect(t, dialRemote())("+PONG\r\n", "PING")
}
