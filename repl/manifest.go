package repl

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/shoal-db/shoal/proto"
)

// AOF file types as the manifest spells them.
const (
	AOFBase    = 'b'
	AOFHistory = 'h'
	AOFIncr    = 'i'
)

// Redis 7.0's limit on a manifest line (AOF_ANNOTATION_LINE_MAX_LEN).
const manifestLineMax = 1024

// AOFInfo is one file named by a manifest.
type AOFInfo struct {
	Name string
	Seq  int64
	Type byte
}

// Manifest lists the files of a multi-part AOF, as Redis 7.0's
// appendonly.aof.manifest does: at most one base, history files waiting to
// be deleted, and the incremental files in the order they are replayed.
type Manifest struct {
	Base    *AOFInfo
	History []AOFInfo
	Incr    []AOFInfo
	// BaseSeq and IncrSeq are the highest sequence numbers used, from which
	// new files are numbered.
	BaseSeq, IncrSeq int64
}

// ParseManifest reads a manifest with redis-server 7.0's rules
// (aofLoadManifestFromFile): '#' lines are comments, every other line is
// sdssplitargs-quoted key/value pairs of which file, seq and type are
// required and unknown keys are ignored, incremental sequence numbers
// increase. Errors carry Redis's texts.
func ParseManifest(data []byte) (*Manifest, error) {
	m := &Manifest{}
	var p proto.Parser
	p.Limits = proto.DefaultLimits()
	var maxSeq int64
	for lineNo := 1; len(data) > 0; lineNo++ {
		nl := bytes.IndexByte(data, '\n')
		if nl < 0 || nl > manifestLineMax {
			// Redis finds no newline in its 1 KiB line buffer (fgets +
			// strchr), which also rejects a last line without one.
			return nil, manifestErr(lineNo, "The AOF manifest file contains too long line")
		}
		line := data[:nl+1]
		data = data[nl+1:]
		if line[0] == '#' {
			continue
		}
		text := bytes.Trim(line, " \t\r\n")
		if len(text) == 0 {
			return nil, manifestErr(lineNo, "Invalid AOF manifest file format")
		}
		args, n, err := p.Parse(append(text, '\n'), nil)
		if err != nil || n == 0 || len(args) < 6 || len(args)%2 != 0 {
			return nil, manifestErr(lineNo, "Invalid AOF manifest file format")
		}
		var ai AOFInfo
		for i := 0; i < len(args); i += 2 {
			switch strings.ToLower(string(args[i])) {
			case "file":
				ai.Name = string(args[i+1])
				if filepath.Base(ai.Name) != ai.Name || strings.ContainsRune(ai.Name, '/') {
					return nil, manifestErr(lineNo, "File can't be a path, just a filename")
				}
			case "seq":
				ai.Seq = atoll(args[i+1])
			case "type":
				if len(args[i+1]) > 0 {
					ai.Type = args[i+1][0]
				}
			}
		}
		if ai.Name == "" || ai.Seq == 0 || ai.Type == 0 {
			return nil, manifestErr(lineNo, "Invalid AOF manifest file format")
		}
		switch ai.Type {
		case AOFBase:
			if m.Base != nil {
				return nil, manifestErr(lineNo, "Found duplicate base file information")
			}
			m.Base = &ai
			m.BaseSeq = ai.Seq
		case AOFHistory:
			m.History = append(m.History, ai)
		case AOFIncr:
			if ai.Seq <= maxSeq {
				return nil, manifestErr(lineNo, "Found a non-monotonic sequence number")
			}
			m.Incr = append(m.Incr, ai)
			m.IncrSeq, maxSeq = ai.Seq, ai.Seq
		default:
			return nil, manifestErr(lineNo, "Unknown AOF file type")
		}
	}
	return m, nil
}

func manifestErr(line int, msg string) error {
	return fmt.Errorf("line %d: %s", line, msg)
}

// atoll parses a leading decimal number as C's atoll does: leading blanks,
// an optional sign, digits up to the first non-digit; 0 when there is none.
func atoll(b []byte) int64 {
	s := strings.TrimLeft(string(b), " \t\n\v\f\r")
	end := 0
	if end < len(s) && (s[end] == '-' || s[end] == '+') {
		end++
	}
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	n, _ := strconv.ParseInt(s[:end], 10, 64)
	return n
}

// Encode renders the manifest as redis-server 7.0 writes it: the base
// first, then history, then incremental files.
func (m *Manifest) Encode() []byte {
	var b []byte
	if m.Base != nil {
		b = appendAOFInfo(b, *m.Base)
	}
	for _, ai := range m.History {
		b = appendAOFInfo(b, ai)
	}
	for _, ai := range m.Incr {
		b = appendAOFInfo(b, ai)
	}
	return b
}

func appendAOFInfo(b []byte, ai AOFInfo) []byte {
	b = append(b, "file "...)
	b = appendRepr(b, ai.Name)
	b = append(b, " seq "...)
	b = strconv.AppendInt(b, ai.Seq, 10)
	b = append(b, " type "...)
	return append(b, ai.Type, '\n')
}

// appendRepr quotes a file name when Redis does (sdsneedsrepr) and as Redis
// does (sdscatrepr), so that sdssplitargs reads it back.
func appendRepr(b []byte, s string) []byte {
	needs := false
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '\\' || c == '"' || c <= ' ' || c >= 0x7f {
			needs = true
			break
		}
	}
	if !needs {
		return append(b, s...)
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\', '"':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, `\n`...)
		case '\r':
			b = append(b, `\r`...)
		case '\t':
			b = append(b, `\t`...)
		case '\a':
			b = append(b, `\a`...)
		case '\b':
			b = append(b, `\b`...)
		default:
			if c < ' ' || c >= 0x7f {
				b = append(b, fmt.Sprintf(`\x%02x`, c)...)
			} else {
				b = append(b, c)
			}
		}
	}
	return append(b, '"')
}

// Copy returns a manifest that shares nothing with m.
func (m *Manifest) Copy() *Manifest {
	c := &Manifest{BaseSeq: m.BaseSeq, IncrSeq: m.IncrSeq}
	if m.Base != nil {
		b := *m.Base
		c.Base = &b
	}
	c.History = append([]AOFInfo(nil), m.History...)
	c.Incr = append([]AOFInfo(nil), m.Incr...)
	return c
}

// ReadManifest reads dir/name; a missing file is reported with an error
// satisfying errors.Is(err, os.ErrNotExist).
func ReadManifest(dir, name string) (*Manifest, error) {
	path := filepath.Join(dir, name)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m, err := ParseManifest(data)
	if err != nil {
		return nil, fmt.Errorf("AOF manifest %s: %w", path, err)
	}
	return m, nil
}

// WriteManifest replaces dir/name atomically, as Redis does: the text goes
// to temp-<name>, is fsynced, renamed over the manifest, and the directory
// is fsynced so that the rename survives a crash.
func WriteManifest(dir, name string, m *Manifest) error {
	tmp := filepath.Join(dir, "temp-"+name)
	if err := writeFileSync(tmp, m.Encode()); err != nil {
		return fmt.Errorf("writing AOF manifest: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing AOF manifest: %w", err)
	}
	return SyncDir(dir)
}

func writeFileSync(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}
