package main

import (
	"fmt"
	"log/slog"
	"net"
	"os"
)

// notifier speaks systemd's notification protocol (sd_notify(3)) for
// "supervised systemd": one datagram of newline-separated KEY=VALUE
// assignments per message, sent to the unix socket named by NOTIFY_SOCKET
// (a leading '@' names an abstract socket). With Type=notify, systemd
// considers the service started on READY=1 and stopping on STOPPING=1.
// The protocol is four lines of code, not worth a module.
type notifier struct {
	conn *net.UnixConn // nil when not supervised by systemd
	log  *slog.Logger
}

// newNotifier applies the supervised directive as Redis does: systemd
// (or auto with NOTIFY_SOCKET set) notifies; systemd without NOTIFY_SOCKET
// only warns; upstart, which Redis signals with SIGSTOP, is not supported
// and warns. A NOTIFY_SOCKET that cannot be reached is a start-up error.
func newNotifier(mode string, log *slog.Logger) (*notifier, error) {
	n := &notifier{log: log}
	path := os.Getenv("NOTIFY_SOCKET")
	switch {
	case mode == "upstart":
		log.Warn("upstart supervision is not supported; ignoring supervised upstart")
		return n, nil
	case mode == "no", mode == "auto" && path == "":
		return n, nil
	case path == "":
		log.Warn("systemd supervision requested or auto-detected, but NOTIFY_SOCKET not found!")
		return n, nil
	}
	addr := &net.UnixAddr{Name: path, Net: "unixgram"}
	if path[0] == '@' {
		addr.Name = "\x00" + path[1:]
	}
	c, err := net.DialUnix("unixgram", nil, addr)
	if err != nil {
		return nil, fmt.Errorf("cannot reach systemd's NOTIFY_SOCKET %q: %w", path, err)
	}
	log.Info("supervised by systemd. Please make sure you set appropriate values for TimeoutStartSec and TimeoutStopSec in your service unit.")
	n.conn = c
	return n, nil
}

// send sends one notification; a failure is logged, not fatal: the server
// works without its supervisor knowing.
func (n *notifier) send(msg string) {
	if n.conn == nil {
		return
	}
	if _, err := n.conn.Write([]byte(msg)); err != nil {
		n.log.Warn("cannot notify systemd", "msg", msg, "err", err)
	}
}

// ready tells systemd that the server accepts connections.
func (n *notifier) ready() { n.send("STATUS=Ready to accept connections\nREADY=1\n") }

// stopping tells systemd that the server is shutting down.
func (n *notifier) stopping() { n.send("STATUS=Shutting down\nSTOPPING=1\n") }

// Close closes the socket.
func (n *notifier) Close() error {
	if n.conn == nil {
		return nil
	}
	return n.conn.Close()
}
