package repl

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/shoal-db/shoal/proto"
)

// MasterLink is a replica's connection to its master, at the protocol
// level: the handshake, the full sync's RDB payload and the command
// stream that follows, counted in bytes as Redis counts the replication
// offset. It knows nothing of the engine; netloop applies what it reads.
//
// One goroutine reads (Handshake, Payload, ReadCommand); Send and Ack may
// be called from another one.
type MasterLink struct {
	conn    net.Conn
	br      *bufio.Reader
	timeout time.Duration
	wmu     sync.Mutex

	parser proto.Parser
	buf    []byte // stream input; buf[start:] is not consumed yet
	start  int
	args   [][]byte
}

// DialMaster connects to a master; timeout bounds the connection and every
// later read that waits for the master (repl-timeout).
func DialMaster(ctx context.Context, addr string, timeout time.Duration) (*MasterLink, error) {
	d := net.Dialer{Timeout: timeout}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	l := &MasterLink{conn: c, timeout: timeout}
	l.br = bufio.NewReaderSize(deadlineReader{l}, 64<<10)
	l.parser.Limits = proto.DefaultLimits()
	l.parser.Limits.MaxBulkLen = 1 << 62 // the master's values passed its own limit
	return l, nil
}

// deadlineReader renews the read deadline before each read, so that a
// master silent for longer than the timeout fails the read.
type deadlineReader struct{ l *MasterLink }

func (d deadlineReader) Read(p []byte) (int, error) {
	l := d.l
	if err := l.conn.SetReadDeadline(time.Now().Add(l.timeout)); err != nil {
		return 0, err
	}
	return l.conn.Read(p)
}

// Close closes the connection; a read in progress fails.
func (l *MasterLink) Close() error { return l.conn.Close() }

// Send writes one command.
func (l *MasterLink) Send(args ...string) error {
	var buf []byte
	buf = proto.AppendArrayLen(buf, len(args))
	for _, a := range args {
		buf = proto.AppendBulkString(buf, a)
	}
	return l.write(buf)
}

func (l *MasterLink) write(buf []byte) error {
	l.wmu.Lock()
	defer l.wmu.Unlock()
	if err := l.conn.SetWriteDeadline(time.Now().Add(l.timeout)); err != nil {
		return err
	}
	_, err := l.conn.Write(buf)
	return err
}

// Keepalive sends a bare newline, which a master reads as activity
// while the replica loads a long payload.
func (l *MasterLink) Keepalive() error { return l.write([]byte("\n")) }

// Ack sends REPLCONF ACK offset.
func (l *MasterLink) Ack(offset int64) error {
	return l.Send("REPLCONF", "ACK", strconv.FormatInt(offset, 10))
}

// readLine reads one reply line without its CRLF. Masters send a bare
// newline as a keepalive while they prepare a payload; those are skipped.
func (l *MasterLink) readLine() (string, error) {
	for {
		line, err := l.br.ReadString('\n')
		if err != nil {
			return "", err
		}
		line = strings.TrimRight(line, "\r\n")
		if line != "" {
			return line, nil
		}
	}
}

// command sends a command and reads its one-line reply.
func (l *MasterLink) command(args ...string) (string, error) {
	if err := l.Send(args...); err != nil {
		return "", err
	}
	return l.readLine()
}

// Handshake is what a replica says before PSYNC, as Redis's syncWithMaster.
type Handshake struct {
	User, Password string // masteruser, masterauth
	ListeningPort  int
	AnnounceIP     string
	// ReplID and Offset are PSYNC's arguments: the cached master's replid
	// and the next offset wanted, or "?" and -1 for a full sync.
	ReplID string
	Offset int64
}

// SyncReply is the master's answer to PSYNC.
type SyncReply struct {
	Full bool
	// ReplID is the master's replication ID: FULLRESYNC's, or the new one
	// +CONTINUE announces ("" when it keeps the one asked for).
	ReplID string
	// Offset is FULLRESYNC's offset: the master's offset at its snapshot.
	Offset int64
}

// ErrRetryLater is a PSYNC refusal the master expects to lift (-LOADING,
// -NOMASTERLINK): the replica reconnects later.
var ErrRetryLater = errors.New("master cannot serve PSYNC now")

// Handshake authenticates, announces the replica and sends PSYNC.
func (l *MasterLink) Handshake(h Handshake) (SyncReply, error) {
	reply, err := l.command("PING")
	if err != nil {
		return SyncReply{}, fmt.Errorf("PING: %w", err)
	}
	// A master that wants a password answers PING with -NOAUTH; AUTH follows.
	if reply[0] == '-' && !strings.HasPrefix(reply, "-NOAUTH") && !strings.HasPrefix(reply, "-NOPERM") &&
		!strings.HasPrefix(reply, "-ERR operation not permitted") {
		return SyncReply{}, fmt.Errorf("error reply to PING from master: '%s'", reply)
	}
	if h.Password != "" {
		args := []string{"AUTH", h.Password}
		if h.User != "" {
			args = []string{"AUTH", h.User, h.Password}
		}
		if reply, err = l.command(args...); err != nil {
			return SyncReply{}, fmt.Errorf("AUTH: %w", err)
		}
		if reply[0] == '-' {
			return SyncReply{}, fmt.Errorf("unable to AUTH to MASTER: %s", reply)
		}
	}
	// Errors to REPLCONF are not fatal: old masters do not know it.
	if _, err = l.command("REPLCONF", "listening-port", strconv.Itoa(h.ListeningPort)); err != nil {
		return SyncReply{}, err
	}
	if h.AnnounceIP != "" {
		if _, err = l.command("REPLCONF", "ip-address", h.AnnounceIP); err != nil {
			return SyncReply{}, err
		}
	}
	if _, err = l.command("REPLCONF", "capa", "eof", "capa", "psync2"); err != nil {
		return SyncReply{}, err
	}
	id, off := h.ReplID, strconv.FormatInt(h.Offset, 10)
	if id == "" {
		id, off = "?", "-1"
	}
	if reply, err = l.command("PSYNC", id, off); err != nil {
		return SyncReply{}, fmt.Errorf("PSYNC: %w", err)
	}
	return parseSyncReply(reply)
}

func parseSyncReply(reply string) (SyncReply, error) {
	f := strings.Fields(reply)
	switch {
	case len(f) == 3 && f[0] == "+FULLRESYNC":
		off, err := strconv.ParseInt(f[2], 10, 64)
		if err != nil || len(f[1]) != 40 {
			return SyncReply{}, fmt.Errorf("master replied to PSYNC with a bad +FULLRESYNC: %q", reply)
		}
		return SyncReply{Full: true, ReplID: f[1], Offset: off}, nil
	case len(f) >= 1 && f[0] == "+CONTINUE":
		r := SyncReply{}
		if len(f) > 1 && len(f[1]) == 40 {
			r.ReplID = f[1]
		}
		return r, nil
	case strings.HasPrefix(reply, "-NOMASTERLINK"), strings.HasPrefix(reply, "-LOADING"):
		return SyncReply{}, fmt.Errorf("%w: %s", ErrRetryLater, reply)
	}
	return SyncReply{}, fmt.Errorf("unexpected reply to PSYNC from master: %q", reply)
}

// Payload reads the header of a full sync's RDB payload: "$<len>" for a
// file, "$EOF:<40-byte mark>" for a diskless transfer whose end is the mark.
// The returned reader yields the RDB; once the RDB's trailer has been read,
// EndPayload must be given what the RDB reader read past it.
func (l *MasterLink) Payload() (rdbSrc io.Reader, size int64, mark []byte, err error) {
	line, err := l.readLine()
	if err != nil {
		return nil, 0, nil, fmt.Errorf("reading the sync payload's header: %w", err)
	}
	if line[0] == '-' {
		return nil, 0, nil, fmt.Errorf("master aborted the sync: %s", line)
	}
	if line[0] != '$' {
		return nil, 0, nil, fmt.Errorf("bad protocol from MASTER, the first byte is not '$' (we received '%s'), are you sure the host and port are right?", line)
	}
	if m, ok := strings.CutPrefix(line, "$EOF:"); ok {
		if len(m) != eofMarkLen {
			return nil, 0, nil, fmt.Errorf("bad EOF mark in the sync payload's header: %q", line)
		}
		return l.br, -1, []byte(m), nil
	}
	size, err = strconv.ParseInt(line[1:], 10, 64)
	if err != nil || size < 0 {
		return nil, 0, nil, fmt.Errorf("bad length in the sync payload's header: %q", line)
	}
	return io.LimitReader(l.br, size), size, nil, nil
}

// eofMarkLen is the length of a diskless payload's end mark (RDB_EOF_MARK_SIZE).
const eofMarkLen = 40

// EndPayload finishes a payload: rest is what the RDB reader read beyond
// the RDB's trailer (rdb.Reader.Buffered). A sized payload must end there;
// a diskless one continues with its mark. What follows is the stream.
func (l *MasterLink) EndPayload(src io.Reader, mark []byte, rest []byte) error {
	if mark == nil {
		if lr, ok := src.(*io.LimitedReader); (ok && lr.N != 0) || len(rest) != 0 {
			return errors.New("the sync payload has bytes after the RDB's end")
		}
		return nil
	}
	got := make([]byte, eofMarkLen)
	n := copy(got, rest)
	rest = rest[n:]
	if _, err := io.ReadFull(l.br, got[n:]); err != nil {
		return fmt.Errorf("reading the sync payload's EOF mark: %w", err)
	}
	if !bytes.Equal(got, mark) {
		return errors.New("the diskless sync payload does not end with its EOF mark")
	}
	l.buf = append(l.buf[:0], rest...)
	l.start = 0
	return nil
}

// ReadCommand returns the next command of the stream, its encoding as
// the master sent it (raw, to forward to sub-replicas) and thus its size
// in the replication offset. args and raw are valid until the next call.
func (l *MasterLink) ReadCommand() (args [][]byte, raw []byte, err error) {
	for {
		if l.start < len(l.buf) {
			out, n, err := l.parser.Parse(l.buf[l.start:], l.args[:0])
			if err != nil {
				return nil, nil, fmt.Errorf("protocol error in the master's stream: %w", err)
			}
			if n > 0 {
				l.args = out
				raw = l.buf[l.start : l.start+n]
				l.start += n
				if len(out) == 0 {
					// A blank line or an empty multibulk still counts in
					// the offset: return it with no arguments.
					return nil, raw, nil
				}
				return out, raw, nil
			}
		}
		if err := l.fill(); err != nil {
			return nil, nil, err
		}
	}
}

// fill reads more stream input, keeping the unconsumed part at buf[0:].
func (l *MasterLink) fill() error {
	if l.start > 0 {
		n := copy(l.buf, l.buf[l.start:])
		l.buf = l.buf[:n]
		l.start = 0
	}
	need := max(l.parser.Need(), len(l.buf)+1)
	if cap(l.buf) < need || cap(l.buf)-len(l.buf) < 4096 {
		nb := make([]byte, len(l.buf), max(need, 2*cap(l.buf), 64<<10))
		copy(nb, l.buf)
		l.buf = nb
	}
	n, err := l.br.Read(l.buf[len(l.buf):cap(l.buf)])
	l.buf = l.buf[:len(l.buf)+n]
	if n > 0 {
		return nil
	}
	if err == nil {
		err = io.ErrNoProgress
	}
	return err
}

// Pending is how many bytes the link read from the master but has not
// returned as commands yet: the read offset minus the processed offset.
func (l *MasterLink) Pending() int64 {
	return int64(len(l.buf)-l.start) + int64(l.br.Buffered())
}
