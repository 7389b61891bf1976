package repl

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/shoal-db/shoal/proto/rdb"
)

// rewriteItemsPerCmd is how many elements one command of a rewritten AOF
// carries (Redis's AOF_REWRITE_ITEMS_PER_CMD).
const rewriteItemsPerCmd = 64

// WriteBaseCommands writes a snapshot as the commands that rebuild it, as
// redis-server 7.0's rewriteAppendOnlyFileRio does with
// aof-use-rdb-preamble no. The snapshot's RDB encoding is decoded back
// into entries, so this path shares the snapshot code with the RDB one.
func WriteBaseCommands(w io.Writer, snap Snapshot, opts rdb.WriterOptions) error {
	pr, pw := io.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		pw.CloseWithError(WriteRDB(pw, snap, opts))
	}()
	err := writeEntries(w, rdb.NewReader(pr))
	pr.CloseWithError(errors.New("rewrite ended"))
	<-done
	return err
}

func writeEntries(w io.Writer, r *rdb.Reader) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	var buf []byte
	db := -1
	for {
		e, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if e.DB != db {
			db = e.DB
			buf = appendCommand(buf, [][]byte{[]byte("SELECT"), strconv.AppendInt(nil, int64(db), 10)})
		}
		buf = appendEntryCommands(buf, e)
		if len(buf) >= 64<<10 {
			if _, err := bw.Write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	if _, err := bw.Write(buf); err != nil {
		return err
	}
	return bw.Flush()
}

func bs(s string) []byte { return []byte(s) }

func streamID(id rdb.StreamID) []byte {
	return fmt.Appendf(nil, "%d-%d", id.Ms, id.Seq)
}

// appendEntryCommands appends the commands that recreate one key.
func appendEntryCommands(buf []byte, e rdb.Entry) []byte {
	key := e.Key
	batch := func(cmd string, items [][]byte, per int) {
		for len(items) > 0 {
			n := min(len(items), per)
			args := append([][]byte{bs(cmd), key}, items[:n]...)
			buf = appendCommand(buf, args)
			items = items[n:]
		}
	}
	switch v := e.Value.(type) {
	case rdb.String:
		buf = appendCommand(buf, [][]byte{bs("SET"), key, v.B})
	case rdb.List:
		batch("RPUSH", v.Elems, rewriteItemsPerCmd)
	case rdb.Set:
		batch("SADD", v.Members, rewriteItemsPerCmd)
	case rdb.ZSet:
		items := make([][]byte, 0, 2*len(v.Members))
		for _, m := range v.Members {
			items = append(items, formatScore(m.Score), m.Member)
		}
		batch("ZADD", items, 2*rewriteItemsPerCmd)
	case rdb.Hash:
		items := make([][]byte, 0, 2*len(v.Fields))
		for _, f := range v.Fields {
			items = append(items, f[0], f[1])
		}
		batch("HMSET", items, 2*rewriteItemsPerCmd)
	case rdb.Stream:
		buf = appendStreamCommands(buf, key, v)
	}
	if e.ExpireMs >= 0 {
		buf = appendCommand(buf, [][]byte{bs("PEXPIREAT"), key, strconv.AppendInt(nil, e.ExpireMs, 10)})
	}
	return buf
}

// formatScore is Redis's "%.17g" for scores.
func formatScore(f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return bs("inf")
	case math.IsInf(f, -1):
		return bs("-inf")
	}
	return strconv.AppendFloat(nil, f, 'g', 17, 64)
}

func appendStreamCommands(buf []byte, key []byte, s rdb.Stream) []byte {
	if len(s.Entries) == 0 {
		// An empty stream still exists, with its last ID.
		buf = appendCommand(buf, [][]byte{bs("XADD"), key, bs("MAXLEN"), bs("0"), streamID(s.LastID), bs("x"), bs("y")})
	}
	for _, en := range s.Entries {
		args := [][]byte{bs("XADD"), key, streamID(en.ID)}
		for _, f := range en.Fields {
			args = append(args, f[0], f[1])
		}
		buf = appendCommand(buf, args)
	}
	buf = appendCommand(buf, [][]byte{bs("XSETID"), key, streamID(s.LastID),
		bs("ENTRIESADDED"), strconv.AppendUint(nil, s.EntriesAdded, 10), bs("MAXDELETEDID"), streamID(s.MaxDeletedID)})
	for _, g := range s.Groups {
		buf = appendCommand(buf, [][]byte{bs("XGROUP"), bs("CREATE"), key, g.Name, streamID(g.LastID),
			bs("ENTRIESREAD"), strconv.AppendInt(nil, g.EntriesRead, 10)})
		owns := map[string]bool{}
		for _, pe := range g.PEL {
			owns[string(pe.Consumer)] = true
			buf = appendCommand(buf, [][]byte{bs("XCLAIM"), key, g.Name, pe.Consumer, bs("0"), streamID(pe.ID),
				bs("TIME"), strconv.AppendInt(nil, pe.DeliveryTime, 10), bs("RETRYCOUNT"), strconv.AppendUint(nil, pe.DeliveryCount, 10),
				bs("JUSTID"), bs("FORCE")})
		}
		for _, c := range g.Consumers {
			if !owns[string(c.Name)] {
				buf = appendCommand(buf, [][]byte{bs("XGROUP"), bs("CREATECONSUMER"), key, g.Name, c.Name})
			}
		}
	}
	return buf
}
