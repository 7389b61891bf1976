package repl

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// snapFixture stands in for the shard engine's snapshot: its base is the
// journal itself up to the snapshot point, as commands, so that loading
// base + incr files must give back the journal exactly once.
type snapFixture struct {
	j   *Journal
	all []byte // every journal byte, appended under the journal's lock
}

type fixtureSnap struct {
	off  int64
	data []byte
}

func (s *fixtureSnap) Offset() int64 { return s.off }
func (s *fixtureSnap) Close()        {}
func (s *fixtureSnap) Next() ([]byte, error) {
	if s.data == nil {
		return nil, io.EOF
	}
	d := s.data
	s.data = nil
	return d, nil
}

func newSnapFixture() *snapFixture {
	f := &snapFixture{j: NewJournal()}
	f.j.Subscribe(func(chunk []byte) { f.all = append(f.all, chunk...) })
	return f
}

func (f *snapFixture) options(t *testing.T, set AOFSettings) AOFOptions {
	return AOFOptions{
		AOFPaths: AOFPaths{Dir: t.TempDir(), DirName: "appendonlydir", FileName: "appendonly.aof"},
		Settings: set,
		StartSnapshot: func() (Snapshot, error) {
			f.j.mu.Lock()
			defer f.j.mu.Unlock()
			return &fixtureSnap{off: f.j.offset, data: append([]byte{}, f.all...)}, nil
		},
		WriteBase: func(w io.Writer, s Snapshot, preamble bool) error {
			if preamble {
				return errors.New("the fixture writes commands only")
			}
			for {
				b, err := s.Next()
				if err == io.EOF {
					return nil
				}
				if err != nil {
					return err
				}
				if _, err := w.Write(b); err != nil {
					return err
				}
			}
		},
	}
}

// dbCommands replays commands with SELECT applied: "db:command" each.
func dbCommands(cmds []string) []string {
	db := "0"
	var out []string
	for _, c := range cmds {
		if strings.HasPrefix(c, "SELECT ") {
			db = strings.TrimPrefix(c, "SELECT ")
			continue
		}
		out = append(out, db+":"+c)
	}
	return out
}

func loadCommands(t *testing.T, p AOFPaths) []string {
	t.Helper()
	var c cmdLog
	if _, err := LoadAOF(p, AOFLoadOptions{}, c.target()); err != nil {
		t.Fatal(err)
	}
	return dbCommands(c.cmds)
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for i := 0; i < 2000; i++ {
		if cond() {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

// TestAOFRewriteSplice appends from one goroutine while rewrites run: the
// files must replay every effect exactly once, in order, in its database.
func TestAOFRewriteSplice(t *testing.T) {
	fx := newSnapFixture()
	opts := fx.options(t, AOFSettings{Fsync: FsyncEverysec})
	a, err := OpenAOF(opts, fx.j, nil)
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	n := 0
	go func() {
		defer wg.Done()
		for ; ; n++ {
			select {
			case <-stop:
				return
			default:
			}
			if n%7 == 0 {
				fx.j.Append([]Effect{effect(n%3, "SREM", "s", fmt.Sprint(n)), effect(n%5, "LPOP", "l")})
			} else {
				fx.j.Append([]Effect{effect(n%4, "SET", fmt.Sprint("k", n), "v")})
			}
		}
	}()
	for i := 0; i < 5; i++ {
		waitFor(t, "a rewrite to be possible", func() bool { return a.Rewrite() == nil })
		waitFor(t, "the rewrite", func() bool { return !a.Stats().RewriteInProgress })
	}
	close(stop)
	wg.Wait()
	a.Stop()
	if n < 10 {
		t.Fatalf("only %d effects appended", n)
	}
	st := a.Stats()
	if st.Rewrites != 6 || !st.LastRewriteOK {
		t.Errorf("stats %+v, want 6 successful rewrites (the first base and 5)", st)
	}

	got := loadCommands(t, opts.AOFPaths)
	want := loadCommands(t, writeAOFDir(t, string(fx.all)))
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("the AOF replays %d commands, the journal has %d; first difference at %d", len(got), len(want), firstDiff(got, want))
	}
	// The directory holds the last base, one incr file and the manifest.
	entries, _ := os.ReadDir(opts.AOFDir())
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	if want := "appendonly.aof.6.base.aof appendonly.aof.6.incr.aof appendonly.aof.manifest"; strings.Join(names, " ") != want {
		t.Errorf("files %v, want %s", names, want)
	}
}

func firstDiff(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// TestAOFAlwaysAcksAfterFsync checks that under appendfsync always a
// waiter is released only once its write is in a file the manifest names
// and Synced covers it; many writes share the fsyncs.
func TestAOFAlwaysAcksAfterFsync(t *testing.T) {
	fx := newSnapFixture()
	opts := fx.options(t, AOFSettings{Fsync: FsyncAlways})
	a, err := OpenAOF(opts, fx.j, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Stop()
	incr := filepath.Join(opts.AOFDir(), "appendonly.aof.1.incr.aof")
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := fmt.Sprint("key", i)
			fx.j.Append([]Effect{effect(0, "SET", key, "v")})
			done := make(chan struct{})
			a.WaitSynced(a.Appended(), func() { close(done) })
			<-done
			data, err := os.ReadFile(incr)
			if err != nil || !strings.Contains(string(data), key) {
				t.Errorf("%s acknowledged before it was in the file (%v)", key, err)
			}
		}()
	}
	wg.Wait()
	if a.Synced() != fx.j.Offset() {
		t.Errorf("synced %d, journal at %d", a.Synced(), fx.j.Offset())
	}
}

// TestEnableAOF is CONFIG SET appendonly yes: the manifest appears once the
// base is written, and nothing is acknowledged under always before.
func TestEnableAOF(t *testing.T) {
	fx := newSnapFixture()
	fx.j.Append([]Effect{effect(2, "SET", "before", "1")})
	opts := fx.options(t, AOFSettings{Fsync: FsyncAlways})
	a, err := EnableAOF(opts, fx.j)
	if err != nil {
		t.Fatal(err)
	}
	fx.j.Append([]Effect{effect(2, "SET", "after", "1")})
	done := make(chan struct{})
	a.WaitSynced(a.Appended(), func() {
		if _, err := os.Stat(filepath.Join(opts.AOFDir(), opts.ManifestName())); err != nil {
			t.Errorf("acknowledged before the manifest existed: %v", err)
		}
		close(done)
	})
	<-done
	waitFor(t, "the rewrite", func() bool { return !a.Stats().RewriteInProgress })
	a.Stop()
	got := strings.Join(loadCommands(t, opts.AOFPaths), ",")
	if got != "2:SET before 1,2:SET after 1" {
		t.Errorf("replayed %s", got)
	}
	if a.Failed() {
		t.Error("a stopped AOF reports a failure")
	}
}

func TestAOFReopensLastIncr(t *testing.T) {
	fx := newSnapFixture()
	opts := fx.options(t, AOFSettings{Fsync: FsyncEverysec})
	a, err := OpenAOF(opts, fx.j, nil)
	if err != nil {
		t.Fatal(err)
	}
	fx.j.Append([]Effect{effect(5, "SET", "a", "1")})
	a.Stop()
	var c cmdLog
	st, err := LoadAOF(opts.AOFPaths, AOFLoadOptions{}, c.target())
	if err != nil {
		t.Fatal(err)
	}
	// A restart: a new journal whose database is already 5 must still
	// select it in the file.
	j2 := NewJournal()
	j2.Subscribe(func([]byte) {})
	j2.Append([]Effect{effect(5, "SET", "x", "1")})
	a2, err := OpenAOF(opts, j2, st.Manifest)
	if err != nil {
		t.Fatal(err)
	}
	j2.Append([]Effect{effect(5, "SET", "b", "2")})
	a2.Stop()
	if got := strings.Join(loadCommands(t, opts.AOFPaths), ","); got != "5:SET a 1,5:SET b 2" {
		t.Errorf("replayed %s", got)
	}
}

func TestMisconfError(t *testing.T) {
	err := fmt.Errorf("write: %w", &os.PathError{Op: "write", Path: "x", Err: syscall.ENOSPC})
	if got := MisconfError(err); got != "MISCONF Errors writing to the AOF file: No space left on device" {
		t.Errorf("got %q", got)
	}
}
