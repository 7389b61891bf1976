package netloop

import (
	"net"
	"testing"
)

// TestIsLoopback covers the address test behind protected mode, including
// the addresses TestProtectedMode cannot produce from this host.
func TestIsLoopback(t *testing.T) {
	f := func(a net.Addr, want bool) {
		t.Helper()
		if got := isLoopback(a); got != want {
			t.Errorf("isLoopback(%v) = %v, want %v", a, got, want)
		}
	}
	tcp := func(ip string) net.Addr { return &net.TCPAddr{IP: net.ParseIP(ip), Port: 6379} }
	f(tcp("127.0.0.1"), true)
	f(tcp("127.3.2.1"), true)
	f(tcp("::1"), true)
	f(tcp("::ffff:127.0.0.1"), true)
	f(tcp("10.0.0.1"), false)
	f(tcp("192.0.2.2"), false)
	f(tcp("fd00::2"), false)
	f(tcp("::ffff:10.0.0.1"), false)
	f(&net.UnixAddr{Name: "/tmp/shoal.sock", Net: "unix"}, true)
}
