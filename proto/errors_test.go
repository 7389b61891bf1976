package proto

import (
	"fmt"
	"strings"
	"testing"
)

// The expected texts are redis-server 7.0.15's replies.
func TestErrorTexts(t *testing.T) {
	f := func(got, want string) {
		t.Helper()
		if got != want {
			t.Errorf("got  %q\nwant %q", got, want)
		}
	}
	f(WrongArity("get"), "ERR wrong number of arguments for 'get' command")
	f(WrongArity("config|get"), "ERR wrong number of arguments for 'config|get' command")
	f(fmt.Sprintf(ErrInvalidExpire, "set"), "ERR invalid expire time in 'set' command")

	args := func(s ...string) [][]byte {
		var out [][]byte
		for _, a := range s {
			out = append(out, []byte(a))
		}
		return out
	}
	f(UnknownCommand([]byte("foo"), nil), "ERR unknown command 'foo', with args beginning with: ")
	f(UnknownCommand([]byte(""), nil), "ERR unknown command '', with args beginning with: ")
	f(UnknownCommand([]byte("foo"), args("a", "b")), "ERR unknown command 'foo', with args beginning with: 'a' 'b' ")
	// The name is cut at 128 bytes; arguments are added while fewer than
	// 128 bytes have been, each cut to what is left.
	a, b, x := strings.Repeat("a", 100), strings.Repeat("b", 100), strings.Repeat("X", 200)
	f(UnknownCommand([]byte("foo"+x), args(a, b, "c")),
		"ERR unknown command 'foo"+x[:125]+"', with args beginning with: '"+a+"' '"+b[:25]+"' ")
	f(UnknownCommand([]byte("foo"), args(a[:99]+"a"+a[:27], "b")),
		"ERR unknown command 'foo', with args beginning with: '"+a+a[:27]+"' ")
	f(UnknownCommand([]byte("foo"), args(a+a[:26], b[:10])),
		"ERR unknown command 'foo', with args beginning with: '"+a+a[:26]+"' ")
	f(UnknownCommand([]byte("foo"), args(a+a[:22], b[:10])),
		"ERR unknown command 'foo', with args beginning with: '"+a+a[:22]+"' '"+b[:3]+"' ")
	// Like printf's %s, the texts stop at a NUL byte.
	f(UnknownCommand([]byte("fo\x00o"), args("a\x00b", "c\r\nd")),
		"ERR unknown command 'fo', with args beginning with: 'a' 'c\r\nd' ")
	f(string(AppendError(nil, UnknownCommand([]byte("x"), args("c\r\nd")))),
		"-ERR unknown command 'x', with args beginning with: 'c  d' \r\n")

	f(UnknownSubcommand([]byte("xyz"), "config"), "ERR unknown subcommand 'xyz'. Try CONFIG HELP.")
	f(UnknownSubcommand([]byte(x), "Client"), "ERR unknown subcommand '"+x[:128]+"'. Try CLIENT HELP.")
	f(UnknownSubcommand([]byte("a\r\nb\x00c"), "object"), "ERR unknown subcommand 'a\r\nb'. Try OBJECT HELP.")
}
