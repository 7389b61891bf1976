package repl

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/shoal-db/shoal/proto/rdb"
)

// AOFTarget receives what an append-only file holds, in order.
type AOFTarget struct {
	// Entry receives the keys of a base file with an RDB preamble.
	Entry func(rdb.Entry) error
	// Command receives each command (SELECT, MULTI and EXEC included). Its
	// arguments are valid only during the call.
	Command func(args [][]byte) error
}

// AOFPaths names an AOF: dir is the server's dir, DirName its
// appenddirname and FileName its appendfilename.
type AOFPaths struct {
	Dir, DirName, FileName string
}

// AOFDir is the directory of the multi-part files.
func (p AOFPaths) AOFDir() string { return filepath.Join(p.Dir, p.DirName) }

// ManifestName is the manifest's file name inside AOFDir.
func (p AOFPaths) ManifestName() string { return p.FileName + ".manifest" }

// AOFLoadOptions tunes LoadAOF.
type AOFLoadOptions struct {
	// Truncated is aof-load-truncated: a last file that ends inside a
	// command is cut after its last whole command instead of failing.
	Truncated bool
	Log       *slog.Logger
}

// AOFLoadStats says what LoadAOF found.
type AOFLoadStats struct {
	// Manifest is nil when there was no AOF at all.
	Manifest *Manifest
	Keys     int64 // keys of an RDB preamble
	Commands int64
	// BaseSize and Size are the byte sizes of the base file and of every
	// file loaded (for aof_base_size, aof_current_size).
	BaseSize, Size int64
}

// LoadAOF replays the AOF into t as redis-server 7.0 does at start-up:
// the manifest's base file (an RDB preamble, commands, or both), then each
// incremental file in order. When there is no manifest but a Redis 6 single
// file dir/FileName exists, it is first moved into the AOF directory as the
// base of a new manifest (Redis 7's upgrade). No AOF at all is not an error.
//
// A truncated last file is cut at its last whole command when
// opts.Truncated is set; any other damage fails with an error naming the
// file and the byte offset.
func LoadAOF(p AOFPaths, opts AOFLoadOptions, t AOFTarget) (AOFLoadStats, error) {
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var st AOFLoadStats
	m, err := ReadManifest(p.AOFDir(), p.ManifestName())
	if errors.Is(err, os.ErrNotExist) {
		m, err = nil, nil
	}
	if err == nil {
		m, err = upgradeSingleAOF(p, m, log)
	}
	if err != nil || m == nil {
		return st, err
	}
	st.Manifest = m
	files := make([]AOFInfo, 0, 1+len(m.Incr))
	if m.Base != nil {
		files = append(files, *m.Base)
	}
	files = append(files, m.Incr...)
	for i, ai := range files {
		path := filepath.Join(p.AOFDir(), ai.Name)
		start := time.Now()
		l := aofLoader{path: path, t: t, truncOK: opts.Truncated && i == len(files)-1, allowRDB: ai.Type == AOFBase, log: log}
		size, err := l.load()
		if err != nil {
			return st, err
		}
		if ai.Type == AOFBase {
			st.BaseSize = size
		}
		st.Size += size
		st.Keys += l.keys
		st.Commands += l.cmds
		log.Info("DB loaded from append only file", "file", ai.Name, "bytes", size,
			"keys", l.keys, "commands", l.cmds, "seconds", time.Since(start).Seconds())
	}
	return st, nil
}

// upgradeSingleAOF turns a Redis 6 dir/appendonly.aof into the base of a
// multi-part AOF, as aofUpgradePrepare does: a manifest naming it is
// written, then the file moves into the AOF directory. m is the manifest
// found, nil when there is none; a manifest naming only that base, which is
// still in dir, is a crash between the two steps and the move is redone.
// It returns the manifest to load, nil when there is no AOF.
func upgradeSingleAOF(p AOFPaths, m *Manifest, log *slog.Logger) (*Manifest, error) {
	old := filepath.Join(p.Dir, p.FileName)
	moved := filepath.Join(p.AOFDir(), p.FileName)
	if _, err := os.Stat(old); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return m, nil
		}
		return nil, err
	}
	switch {
	case m == nil || (m.Base == nil && len(m.Incr) == 0):
		if err := os.MkdirAll(p.AOFDir(), 0o755); err != nil {
			return nil, fmt.Errorf("creating the AOF directory: %w", err)
		}
		m = &Manifest{Base: &AOFInfo{Name: p.FileName, Seq: 1, Type: AOFBase}, BaseSeq: 1}
		if err := WriteManifest(p.AOFDir(), p.ManifestName(), m); err != nil {
			return nil, err
		}
	case m.Base != nil && len(m.Incr) == 0 && m.Base.Name == p.FileName:
		if _, err := os.Stat(moved); err == nil {
			return m, nil
		}
	default:
		return m, nil
	}
	if err := os.Rename(old, moved); err != nil {
		return nil, fmt.Errorf("moving %s into %s: %w", old, p.AOFDir(), err)
	}
	if err := SyncDir(p.Dir); err != nil {
		return nil, err
	}
	log.Warn("Successfully migrated an old-style AOF into the AOF directory", "file", p.FileName, "dir", p.AOFDir())
	return m, nil
}

// aofLoader replays one file.
type aofLoader struct {
	path     string
	t        AOFTarget
	truncOK  bool
	allowRDB bool
	log      *slog.Logger

	in   *bufio.Reader
	off  int64 // bytes consumed
	size int64
	keys int64
	cmds int64
	args [][]byte
	buf  []byte
	// lastLog is when progress was last logged.
	lastLog time.Time
}

// errTorn marks a file that ends inside a command.
var errTorn = errors.New("unexpected end of file")

func (l *aofLoader) load() (int64, error) {
	f, err := os.Open(l.path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return 0, fmt.Errorf("the AOF file %s doesn't exist", l.path)
		}
		return 0, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0, err
	}
	l.size = fi.Size()
	l.lastLog = time.Now()
	l.in = bufio.NewReaderSize(f, 64<<10)
	if head, _ := l.in.Peek(5); l.allowRDB && string(head) == "REDIS" {
		if err := l.loadPreamble(); err != nil {
			return 0, err
		}
	}
	valid, err := l.loadCommands()
	if errors.Is(err, errTorn) {
		if !l.truncOK {
			return 0, fmt.Errorf("unexpected end of file reading the append only file %s at offset %d (the last whole command ends at %d): "+
				"make a backup of the AOF, then use redis-check-aof --fix, or set aof-load-truncated yes", l.path, l.off, valid)
		}
		l.log.Warn("!!! Warning: short read while loading the AOF file, truncating it !!!", "file", l.path, "offset", valid)
		if err := os.Truncate(l.path, valid); err != nil {
			return 0, fmt.Errorf("error truncating the AOF file %s: %w", l.path, err)
		}
		l.log.Warn("AOF loaded anyway because aof-load-truncated is enabled", "file", l.path)
		return valid, nil
	}
	if err != nil {
		return 0, err
	}
	return l.size, nil
}

// loadPreamble reads the RDB part of a base file; the commands after it,
// if any (a Redis 6 file), follow.
func (l *aofLoader) loadPreamble() error {
	r := rdb.NewReader(l.in)
	r.Warn = func(off int64, msg string) { l.log.Warn("RDB preamble of "+l.path, "offset", off, "note", msg) }
	for {
		e, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("error reading the RDB preamble of the AOF file %s: %w", l.path, err)
		}
		if l.t.Entry == nil {
			return fmt.Errorf("the AOF file %s has an RDB preamble, which cannot be loaded here", l.path)
		}
		if err := l.t.Entry(e); err != nil {
			return fmt.Errorf("loading key %q from the RDB preamble of %s at offset %d: %w", e.Key, l.path, r.Offset(), err)
		}
		l.keys++
	}
	l.off = r.Offset()
	l.in = bufio.NewReaderSize(io.MultiReader(bytes.NewReader(r.Buffered()), l.in), 64<<10)
	return nil
}

// loadCommands replays commands to the end of the file and returns the
// offset after the last command that was whole — for a MULTI without its
// EXEC, the offset before the MULTI, as Redis reverts such a transaction.
func (l *aofLoader) loadCommands() (valid int64, err error) {
	valid = l.off
	beforeMulti := int64(-1)
	for {
		start := l.off
		args, err := l.readCommand()
		if err == io.EOF {
			if beforeMulti >= 0 {
				l.log.Warn("Revert incomplete MULTI/EXEC transaction in AOF file", "file", l.path)
				return beforeMulti, errTorn
			}
			return valid, nil
		}
		if err != nil {
			return valid, err
		}
		if args == nil {
			valid = l.off // an annotation
			continue
		}
		switch {
		case strings.EqualFold(string(args[0]), "multi"):
			beforeMulti = start
		case strings.EqualFold(string(args[0]), "exec"):
			beforeMulti = -1
		}
		if err := l.t.Command(args); err != nil {
			return valid, fmt.Errorf("error replaying the command at offset %d of the append only file %s: %w", start, l.path, err)
		}
		l.cmds++
		if l.cmds%4096 == 0 && time.Since(l.lastLog) >= time.Second {
			l.lastLog = time.Now()
			l.log.Info("Loading AOF", "file", l.path, "commands", l.cmds, "progress", fmt.Sprintf("%.1f%%", 100*float64(l.off)/float64(max(l.size, 1))))
		}
		valid = l.off
	}
}

// readCommand reads one "*<n>" multibulk. It returns io.EOF at a clean end
// of file, errTorn when the file ends inside the command, nil args for a
// "#..." annotation line, and a format error naming the offset otherwise.
// Lengths are checked against the bytes left in the file before anything
// is allocated, so absurd lengths cannot exhaust memory.
func (l *aofLoader) readCommand() ([][]byte, error) {
	start := l.off
	line, err := l.readLine()
	if err != nil {
		if err == io.EOF && len(line) == 0 {
			return nil, io.EOF
		}
		return nil, err
	}
	if line[0] == '#' {
		return nil, nil
	}
	if line[0] != '*' {
		return nil, l.badFormat(start, "expected '*'")
	}
	argc, ok := parseLen(line[1:])
	if !ok || argc < 1 {
		return nil, l.badFormat(start, "bad argument count")
	}
	// Every argument takes at least "$0\r\n\r\n".
	if argc > (l.size-l.off)/6+1 {
		return nil, errTorn
	}
	l.args = l.args[:0]
	l.buf = l.buf[:0]
	ends := make([]int, 0, argc)
	for i := int64(0); i < argc; i++ {
		at := l.off
		line, err := l.readLine()
		if err == io.EOF {
			return nil, errTorn
		}
		if err != nil {
			return nil, err
		}
		if line[0] != '$' {
			return nil, l.badFormat(at, "expected '$'")
		}
		n, ok := parseLen(line[1:])
		if !ok {
			return nil, l.badFormat(at, "bad bulk length")
		}
		if n+2 > l.size-l.off {
			return nil, errTorn
		}
		from := len(l.buf)
		l.buf = slices.Grow(l.buf, int(n+2))[:from+int(n+2)]
		if _, err := io.ReadFull(l.in, l.buf[from:]); err != nil {
			return nil, errTorn
		}
		l.off += n + 2
		if l.buf[len(l.buf)-2] != '\r' || l.buf[len(l.buf)-1] != '\n' {
			return nil, l.badFormat(l.off-2, "bulk not followed by CRLF")
		}
		l.buf = l.buf[:len(l.buf)-2]
		ends = append(ends, len(l.buf))
	}
	from := 0
	for _, end := range ends {
		l.args = append(l.args, l.buf[from:end:end])
		from = end
	}
	return l.args, nil
}

// readLine reads a line ending in "\r\n" (or "\n", as fgets allows) and
// returns it without the ending.
func (l *aofLoader) readLine() ([]byte, error) {
	line, err := l.in.ReadSlice('\n')
	l.off += int64(len(line))
	if err == bufio.ErrBufferFull {
		return nil, l.badFormat(l.off-int64(len(line)), "line too long")
	}
	if err == io.EOF {
		if len(line) == 0 {
			return nil, io.EOF
		}
		return line, errTorn
	}
	if err != nil {
		return nil, fmt.Errorf("reading the append only file %s: %w", l.path, err)
	}
	line = bytes.TrimSuffix(line[:len(line)-1], []byte{'\r'})
	if len(line) == 0 {
		return nil, l.badFormat(l.off-1, "empty line")
	}
	return line, nil
}

func (l *aofLoader) badFormat(at int64, what string) error {
	return fmt.Errorf("bad file format reading the append only file %s at offset %d (%s): "+
		"make a backup of your AOF file, then use redis-check-aof --fix <filename.manifest>", l.path, at, what)
}

func parseLen(b []byte) (int64, bool) {
	n, err := strconv.ParseInt(string(b), 10, 64)
	return n, err == nil && n >= 0
}
