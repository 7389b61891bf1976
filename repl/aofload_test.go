package repl

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// cmdLog is an AOFTarget that records commands as space-joined strings.
type cmdLog struct{ cmds []string }

func (c *cmdLog) target() AOFTarget {
	return AOFTarget{Command: func(args [][]byte) error {
		parts := make([]string, len(args))
		for i, a := range args {
			parts[i] = string(a)
		}
		c.cmds = append(c.cmds, strings.Join(parts, " "))
		return nil
	}}
}

func resp(cmds ...string) string {
	var b []byte
	for _, c := range cmds {
		var args [][]byte
		for _, a := range strings.Fields(c) {
			args = append(args, []byte(a))
		}
		b = appendCommand(b, args)
	}
	return string(b)
}

// writeAOFDir writes a manifest naming an incr file per content.
func writeAOFDir(t *testing.T, incrs ...string) AOFPaths {
	t.Helper()
	p := AOFPaths{Dir: t.TempDir(), DirName: "appendonlydir", FileName: "appendonly.aof"}
	if err := os.MkdirAll(p.AOFDir(), 0o755); err != nil {
		t.Fatal(err)
	}
	m := &Manifest{}
	for i, content := range incrs {
		ai := AOFInfo{Name: "appendonly.aof." + string(rune('1'+i)) + ".incr.aof", Seq: int64(i + 1), Type: AOFIncr}
		if err := os.WriteFile(filepath.Join(p.AOFDir(), ai.Name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		m.Incr = append(m.Incr, ai)
	}
	if err := WriteManifest(p.AOFDir(), p.ManifestName(), m); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadAOFTornTail(t *testing.T) {
	whole := resp("SELECT 0", "SET a 1", "SET b 2")
	last := resp("SET c 3")
	cut := 0
	for n := 1; n < len(last); n++ {
		cut++
		p := writeAOFDir(t, resp("SET first 0"), whole+last[:n])
		var c cmdLog
		st, err := LoadAOF(p, AOFLoadOptions{Truncated: true}, c.target())
		if err != nil {
			t.Fatalf("cut after %d bytes: %v", n, err)
		}
		if got := strings.Join(c.cmds, ","); got != "SET first 0,SELECT 0,SET a 1,SET b 2" {
			t.Fatalf("cut after %d bytes: replayed %s", n, got)
		}
		data, _ := os.ReadFile(filepath.Join(p.AOFDir(), "appendonly.aof.2.incr.aof"))
		if string(data) != whole {
			t.Fatalf("cut after %d bytes: file truncated to %q", n, data)
		}
		if st.Size != int64(len(resp("SET first 0"))+len(whole)) {
			t.Errorf("cut after %d bytes: size %d", n, st.Size)
		}

		p = writeAOFDir(t, whole+last[:n])
		_, err = LoadAOF(p, AOFLoadOptions{Truncated: false}, c.target())
		if err == nil || !strings.Contains(err.Error(), "appendonly.aof.1.incr.aof") || !strings.Contains(err.Error(), "offset") {
			t.Fatalf("cut after %d bytes without aof-load-truncated: %v", n, err)
		}
	}
	if cut == 0 {
		t.Fatal("no cut tried")
	}

	// Only the last file may be cut.
	p := writeAOFDir(t, whole+last[:5], resp("SET d 4"))
	var c cmdLog
	if _, err := LoadAOF(p, AOFLoadOptions{Truncated: true}, c.target()); err == nil || !strings.Contains(err.Error(), "appendonly.aof.1.incr.aof") {
		t.Errorf("a torn file before the last: %v", err)
	}
}

func TestLoadAOFRevertsUnfinishedMulti(t *testing.T) {
	before := resp("SET a 1")
	p := writeAOFDir(t, before+resp("MULTI", "INCR x", "INCR y"))
	var c cmdLog
	if _, err := LoadAOF(p, AOFLoadOptions{Truncated: true}, c.target()); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(filepath.Join(p.AOFDir(), "appendonly.aof.1.incr.aof"))
	if string(data) != before {
		t.Errorf("file cut to %q, want the part before MULTI", data)
	}
}

func TestLoadAOFCorrupt(t *testing.T) {
	good := resp("SET a 1", "SET b 2")
	f := func(content, wantOffset string) {
		t.Helper()
		p := writeAOFDir(t, content)
		var c cmdLog
		_, err := LoadAOF(p, AOFLoadOptions{Truncated: true}, c.target())
		if err == nil || !strings.Contains(err.Error(), "appendonly.aof.1.incr.aof") || !strings.Contains(err.Error(), "offset "+wantOffset+" ") {
			t.Errorf("%q: error %v, want one naming the file and offset %s", content, err, wantOffset)
		}
	}
	n := len(resp("SET a 1"))
	f(good[:n]+"x"+good[n+1:], strconv.Itoa(n))                                   // not '*'
	f(good[:n+4]+"#"+good[n+5:], strconv.Itoa(n+4))                               // not '$'
	f(good[:n]+"*-1\r\n", strconv.Itoa(n))                                        // bad count
	f(good[:n+4]+"$x\r\n"+good[n+8:], strconv.Itoa(n+4))                          // bad length
	f(strings.Replace(good, "1\r\n*", "1X\n*", 1), strconv.Itoa(len(good[:n])-2)) // bulk not ending in CRLF
	// Absurd lengths are truncation of a short file, never an allocation.
	p := writeAOFDir(t, good+"*3\r\n$999999999999\r\n")
	var c cmdLog
	if _, err := LoadAOF(p, AOFLoadOptions{Truncated: false}, c.target()); err == nil || !strings.Contains(err.Error(), "unexpected end of file") {
		t.Errorf("absurd bulk length: %v", err)
	}
	p = writeAOFDir(t, good+"*999999999999\r\n")
	if _, err := LoadAOF(p, AOFLoadOptions{Truncated: true}, c.target()); err != nil {
		t.Errorf("absurd argument count at the end: %v", err)
	}
}

func TestLoadAOFCommandError(t *testing.T) {
	p := writeAOFDir(t, resp("SET a 1", "BOGUS x"))
	_, err := LoadAOF(p, AOFLoadOptions{}, AOFTarget{Command: func(args [][]byte) error {
		if string(args[0]) == "BOGUS" {
			return os.ErrInvalid
		}
		return nil
	}})
	if err == nil || !strings.Contains(err.Error(), "offset "+strconv.Itoa(len(resp("SET a 1")))) {
		t.Errorf("a failing command: %v", err)
	}
}

func TestLoadAOFAnnotationsAndMissingFiles(t *testing.T) {
	p := writeAOFDir(t, "#TS:1700000000\r\n"+resp("SET a 1"))
	var c cmdLog
	if _, err := LoadAOF(p, AOFLoadOptions{}, c.target()); err != nil || len(c.cmds) != 1 {
		t.Errorf("annotations: %v %v", err, c.cmds)
	}
	os.Remove(filepath.Join(p.AOFDir(), "appendonly.aof.1.incr.aof"))
	if _, err := LoadAOF(p, AOFLoadOptions{}, c.target()); err == nil || !strings.Contains(err.Error(), "doesn't exist") {
		t.Errorf("a missing file: %v", err)
	}
	// No AOF at all is an empty dataset.
	st, err := LoadAOF(AOFPaths{Dir: t.TempDir(), DirName: "appendonlydir", FileName: "appendonly.aof"}, AOFLoadOptions{}, c.target())
	if err != nil || st.Manifest != nil {
		t.Errorf("no AOF: %v %+v", err, st)
	}
}

func TestLoadAOFUpgradesSingleFile(t *testing.T) {
	p := AOFPaths{Dir: t.TempDir(), DirName: "appendonlydir", FileName: "appendonly.aof"}
	content := resp("SELECT 0", "SET a 1")
	if err := os.WriteFile(filepath.Join(p.Dir, p.FileName), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	var c cmdLog
	st, err := LoadAOF(p, AOFLoadOptions{}, c.target())
	if err != nil {
		t.Fatal(err)
	}
	if len(c.cmds) != 2 || st.Manifest == nil || st.Manifest.Base == nil || st.Manifest.Base.Name != p.FileName {
		t.Fatalf("upgrade: %v %+v", c.cmds, st.Manifest)
	}
	raw, _ := os.ReadFile(filepath.Join(p.AOFDir(), p.ManifestName()))
	if string(raw) != "file appendonly.aof seq 1 type b\n" {
		t.Errorf("manifest %q", raw)
	}
	if _, err := os.Stat(filepath.Join(p.Dir, p.FileName)); !os.IsNotExist(err) {
		t.Errorf("the old file is still in dir: %v", err)
	}
	// A crash after the manifest but before the move: the move is redone.
	if err := os.Rename(filepath.Join(p.AOFDir(), p.FileName), filepath.Join(p.Dir, p.FileName)); err != nil {
		t.Fatal(err)
	}
	c.cmds = nil
	if _, err := LoadAOF(p, AOFLoadOptions{}, c.target()); err != nil || len(c.cmds) != 2 {
		t.Errorf("redone upgrade: %v %v", err, c.cmds)
	}
}
