package repl

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseManifest(t *testing.T) {
	ok := func(in, want string) {
		t.Helper()
		m, err := ParseManifest([]byte(in))
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if got := string(m.Encode()); got != want {
			t.Errorf("%q encoded as %q, want %q", in, got, want)
		}
	}
	bad := func(in, msg string) {
		t.Helper()
		_, err := ParseManifest([]byte(in))
		if err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%q: error %v, want %q", in, err, msg)
		}
	}
	ok("file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n",
		"file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n")
	// Comments, CRLF, blanks around, unknown keys, key case and history
	// between the others; the base is written first, then history.
	ok("# a comment\nfile a.1.incr.aof seq 1 type i  \r\nFILE a.2.base.rdb SEQ 2 TYPE b other x\nfile a.1.base.rdb seq 1 type h\nfile a.3.incr.aof seq 3 type i\n",
		"file a.2.base.rdb seq 2 type b\nfile a.1.base.rdb seq 1 type h\nfile a.1.incr.aof seq 1 type i\nfile a.3.incr.aof seq 3 type i\n")
	// Names with blanks or quotes are quoted as sdscatrepr does.
	ok("file \"my aof\\x01\\\".1.incr.aof\" seq 1 type i\n", "file \"my aof\\x01\\\".1.incr.aof\" seq 1 type i\n")
	ok("file 'single quoted.aof' seq 1 type i\n", "file \"single quoted.aof\" seq 1 type i\n")
	ok("", "")

	bad("file a seq 1 type i", "too long line")
	bad("file a seq 1 type i\n\n", "Invalid AOF manifest file format")
	bad("file a seq 1\n", "Invalid AOF manifest file format")
	bad("file a seq 1 type\n", "Invalid AOF manifest file format")
	bad("file a seq 0 type i\n", "Invalid AOF manifest file format")
	bad("file a seq x type i\n", "Invalid AOF manifest file format")
	bad("file \"a seq 1 type i\n", "Invalid AOF manifest file format")
	bad("file ../a seq 1 type i\n", "File can't be a path, just a filename")
	bad("file a seq 1 type b\nfile b seq 2 type b\n", "Found duplicate base file information")
	bad("file a seq 2 type i\nfile b seq 2 type i\n", "Found a non-monotonic sequence number")
	bad("file a seq 1 type x\n", "Unknown AOF file type")
	bad("file a seq 1 type i\n"+strings.Repeat("x", 2000)+"\n", "line 2: The AOF manifest file contains too long line")
}

func TestWriteManifestIsAtomic(t *testing.T) {
	dir := t.TempDir()
	m := &Manifest{Base: &AOFInfo{Name: "x.1.base.rdb", Seq: 1, Type: AOFBase}, Incr: []AOFInfo{{Name: "x.1.incr.aof", Seq: 1, Type: AOFIncr}}}
	if err := WriteManifest(dir, "x.manifest", m); err != nil {
		t.Fatal(err)
	}
	got, err := ReadManifest(dir, "x.manifest")
	if err != nil {
		t.Fatal(err)
	}
	if string(got.Encode()) != string(m.Encode()) || got.BaseSeq != 1 || got.IncrSeq != 1 {
		t.Errorf("read back %q (seqs %d %d)", got.Encode(), got.BaseSeq, got.IncrSeq)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("the temporary manifest was left behind: %v", entries)
	}
	if err := os.WriteFile(filepath.Join(dir, "y.manifest"), []byte("junk\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadManifest(dir, "y.manifest"); err == nil || !strings.Contains(err.Error(), "y.manifest") {
		t.Errorf("a bad manifest's error does not name it: %v", err)
	}
}
