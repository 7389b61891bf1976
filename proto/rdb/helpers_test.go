package rdb

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// describe renders a value canonically (sets, hashes and sorted sets in
// member order) so that values compare as strings and diffs are readable.
func describe(v Value) string {
	var b strings.Builder
	switch v := v.(type) {
	case String:
		fmt.Fprintf(&b, "string %q", v.B)
	case List:
		fmt.Fprintf(&b, "list %q", v.Elems)
	case Set:
		m := slices.Clone(v.Members)
		slices.SortFunc(m, bytes.Compare)
		fmt.Fprintf(&b, "set %q", m)
	case ZSet:
		m := slices.Clone(v.Members)
		slices.SortFunc(m, func(a, b ZMember) int { return bytes.Compare(a.Member, b.Member) })
		b.WriteString("zset")
		for _, x := range m {
			fmt.Fprintf(&b, " %q=%s", x.Member, strconv.FormatFloat(x.Score, 'g', -1, 64))
		}
	case Hash:
		f := slices.Clone(v.Fields)
		slices.SortFunc(f, func(a, b [2][]byte) int { return bytes.Compare(a[0], b[0]) })
		fmt.Fprintf(&b, "hash %q", f)
	case Stream:
		fmt.Fprintf(&b, "stream last=%v first=%v maxdel=%v added=%d\n", v.LastID, v.FirstID, v.MaxDeletedID, v.EntriesAdded)
		for _, e := range v.Entries {
			fmt.Fprintf(&b, "  %d-%d %q\n", e.ID.Ms, e.ID.Seq, e.Fields)
		}
		for _, g := range v.Groups {
			fmt.Fprintf(&b, "  group %q last=%v read=%d\n", g.Name, g.LastID, g.EntriesRead)
			for _, p := range g.PEL {
				fmt.Fprintf(&b, "    pending %v at=%d n=%d by %q\n", p.ID, p.DeliveryTime, p.DeliveryCount, p.Consumer)
			}
			for _, c := range g.Consumers {
				fmt.Fprintf(&b, "    consumer %q seen=%d active=%d\n", c.Name, c.SeenTime, c.ActiveTime)
			}
		}
	case nil:
		b.WriteString("<nil>")
	default:
		fmt.Fprintf(&b, "%T", v)
	}
	return b.String()
}

// diff shows where two descriptions first differ, line by line.
func diff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < max(len(g), len(w)); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("line %d:\n got %.300s\nwant %.300s", i+1, gl, wl)
		}
	}
	return "no difference"
}

// readAll reads every entry of an RDB file, failing the test on error.
func readAll(t testing.TB, data []byte) ([]Entry, *Reader) {
	t.Helper()
	r := NewReader(bytes.NewReader(data))
	var out []Entry
	for {
		e, err := r.Next()
		if err == io.EOF {
			return out, r
		}
		if err != nil {
			t.Fatalf("after %d entries: %v", len(out), err)
		}
		out = append(out, e)
	}
}

// readErr reads until the end or an error and returns the error (nil at a
// clean end).
func readErr(data []byte) error {
	r := NewReader(bytes.NewReader(data))
	for {
		_, err := r.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// writeFile writes entries (grouped by DB in order of appearance) with a
// Writer and returns the file.
func writeFile(t testing.TB, opts WriterOptions, entries []Entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := NewWriter(&buf, opts)
	if err := w.WriteHeader(); err != nil {
		t.Fatal(err)
	}
	byDB := map[int][]Entry{}
	var dbs []int
	for _, e := range entries {
		if _, ok := byDB[e.DB]; !ok {
			dbs = append(dbs, e.DB)
		}
		byDB[e.DB] = append(byDB[e.DB], e)
	}
	for _, db := range dbs {
		var expires uint64
		for _, e := range byDB[db] {
			if e.ExpireMs >= 0 {
				expires++
			}
		}
		if err := w.SelectDB(db, uint64(len(byDB[db])), expires); err != nil {
			t.Fatal(err)
		}
		for _, e := range byDB[db] {
			if err := w.WriteEntry(e); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func bs(ss ...string) [][]byte {
	out := make([][]byte, len(ss))
	for i, s := range ss {
		out[i] = []byte(s)
	}
	return out
}

func pairs(kv ...string) [][2][]byte {
	out := make([][2][]byte, len(kv)/2)
	for i := range out {
		out[i] = [2][]byte{[]byte(kv[2*i]), []byte(kv[2*i+1])}
	}
	return out
}

func seq(prefix string, n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = []byte(prefix + strconv.Itoa(i))
	}
	return out
}

func entry(db int, key string, v Value) Entry {
	return Entry{DB: db, Key: []byte(key), ExpireMs: -1, LRUIdle: -1, LFUFreq: -1, Value: v}
}
