package repl

import (
	"bytes"
	"math/rand"
	"testing"
)

// TestBacklog writes a random stream in random pieces and reads it back
// from every kind of offset: the kept range, its edges, a reader that fell
// behind the trimmed history (it keeps its bytes), and offsets outside.
func TestBacklog(t *testing.T) {
	rnd := rand.New(rand.NewSource(1))
	const size = 200 << 10
	b := NewBacklog(size, 1000)
	var stream []byte
	early, ok := b.ReaderAt(1000)
	if !ok {
		t.Fatal("no reader at the start")
	}
	for len(stream) < 1<<20 {
		p := make([]byte, 1+rnd.Intn(100<<10))
		rnd.Read(p)
		b.Write(p)
		stream = append(stream, p...)
	}
	start, end := b.Range()
	if end != 1000+int64(len(stream)) {
		t.Fatalf("end %d, want %d", end, 1000+len(stream))
	}
	if hist := end - start; hist < size || hist > size+backlogBlock {
		t.Fatalf("history %d bytes, want %d to %d", hist, size, size+backlogBlock)
	}
	if _, ok := b.ReaderAt(start - 1); ok {
		t.Error("reader before the kept history")
	}
	if _, ok := b.ReaderAt(end + 1); ok {
		t.Error("reader past the end")
	}
	readAll := func(r *Reader) []byte {
		var out []byte
		for {
			p := r.Next(1 + rnd.Intn(50<<10))
			if len(p) == 0 {
				return out
			}
			out = append(out, p...)
		}
	}
	for _, off := range []int64{start, start + 1, end - 1, end, start + rnd.Int63n(end-start)} {
		r, ok := b.ReaderAt(off)
		if !ok {
			t.Fatalf("no reader at %d in [%d, %d]", off, start, end)
		}
		if got := readAll(r); !bytes.Equal(got, stream[off-1000:]) {
			t.Fatalf("from %d: %d bytes, want %d", off, len(got), end-off)
		}
		if r.Lag() != 0 || r.Pos() != end {
			t.Fatalf("after reading: lag %d pos %d", r.Lag(), r.Pos())
		}
	}
	if early.Lag() != int64(len(stream)) {
		t.Fatalf("early reader lag %d, want %d", early.Lag(), len(stream))
	}
	c := early.Clone()
	c.Skip(1000 + 12345)
	if got := readAll(c); !bytes.Equal(got, stream[12345:]) {
		t.Fatal("skipped clone read wrong bytes")
	}
	if got := readAll(early); !bytes.Equal(got, stream) {
		t.Fatal("a reader behind the trimmed history lost bytes")
	}
	b.SetSize(16 << 10)
	if s, e := b.Range(); e-s > 16<<10+backlogBlock {
		t.Fatalf("after shrinking: history %d", e-s)
	}
}
