package repl

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/shoal-db/shoal/proto/rdb"
)

// ChunkSource yields the body of an RDB file in chunks of whole entries,
// each starting with its SELECTDB, until io.EOF (shard.Snapshot).
type ChunkSource interface {
	Next() ([]byte, error)
}

// Aux is one extra AUX field of an RDB file (repl-id, repl-offset, …).
type Aux struct{ Key, Value string }

// WriteRDB writes a whole RDB file to w: the header and AUX fields, the
// body from src, the EOF opcode and the checksum.
func WriteRDB(w io.Writer, src ChunkSource, opts rdb.WriterOptions, aux ...Aux) error {
	rw := rdb.NewWriter(w, opts)
	if err := rw.WriteHeader(); err != nil {
		return err
	}
	for _, a := range aux {
		if err := rw.WriteAux(a.Key, a.Value); err != nil {
			return err
		}
	}
	for {
		chunk, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if err := rw.WriteFragment(chunk); err != nil {
			return err
		}
	}
	return rw.Close()
}

// SaveRDB writes an RDB file to path atomically, as Redis's rdbSave does:
// into a temporary file in the same directory, fsynced, renamed over path,
// and the directory fsynced, so a crash leaves the old file or the new one.
// It returns the file's size.
func SaveRDB(path string, src ChunkSource, opts rdb.WriterOptions, aux ...Aux) (int64, error) {
	tmp := filepath.Join(filepath.Dir(path), fmt.Sprintf("temp-%d.rdb", os.Getpid()))
	f, err := os.Create(tmp)
	if err != nil {
		return 0, fmt.Errorf("failed opening the temp RDB file %s (in server root dir %s) for saving: %w", filepath.Base(tmp), filepath.Dir(path), err)
	}
	fail := func(err error) (int64, error) {
		f.Close()
		os.Remove(tmp)
		return 0, err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	if err := WriteRDB(bw, src, opts, aux...); err != nil {
		return fail(fmt.Errorf("write error saving DB on disk: %w", err))
	}
	if err := bw.Flush(); err != nil {
		return fail(fmt.Errorf("write error saving DB on disk: %w", err))
	}
	if err := f.Sync(); err != nil {
		return fail(fmt.Errorf("fsync error saving DB on disk: %w", err))
	}
	st, err := f.Stat()
	if err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return 0, err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return 0, fmt.Errorf("error moving temp DB file %s on the final destination %s: %w", tmp, path, err)
	}
	return st.Size(), SyncDir(filepath.Dir(path))
}

// SyncDir fsyncs a directory so that a rename in it survives a crash.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("fsync directory %s: %w", dir, err)
	}
	return nil
}
