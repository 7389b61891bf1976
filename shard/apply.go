package shard

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
)

// Applier runs a stream of write commands that a trusted source produced:
// an append-only file being loaded, later a master's replication stream.
// It keeps the stream's state (the selected database, an open MULTI) and
// runs each command through the same batches, routing and shard tokens as a
// client's, so a command from the stream is as atomic as one from a client.
// An Applier is used by one goroutine, which must not be an event loop
// (Apply waits for the shards).
type Applier struct {
	e    *Engine
	b    *Batch
	db   int
	tx   *Tx // open transaction, nil outside MULTI
	done chan struct{}
}

// NewApplier returns an Applier with database 0 selected.
func (e *Engine) NewApplier() *Applier {
	a := &Applier{e: e, b: e.NewBatch(), done: make(chan struct{}, 1)}
	a.b.trusted = true
	a.b.OnDone = func() { a.done <- struct{}{} }
	return a
}

// Apply runs one command. It returns the command's error reply as an
// error; the stream's state is kept either way.
func (a *Applier) Apply(args [][]byte) error {
	if len(args) == 0 {
		return errors.New("empty command")
	}
	cmd := a.e.Table.Lookup(args[0])
	if cmd == nil {
		return fmt.Errorf("unknown command '%s'", args[0])
	}
	if len(cmd.Subcommands) > 0 && len(args) >= 2 {
		if sub := cmd.Subcommand(args[1]); sub != nil {
			cmd = sub
		}
	}
	if !cmd.ArityOK(len(args)) {
		return fmt.Errorf("wrong number of arguments for '%s' command", cmd.Name)
	}
	switch {
	case cmd.Name == "select":
		n, err := strconv.Atoi(string(args[1]))
		if err != nil || n < 0 || n >= NumDBs {
			return fmt.Errorf("invalid database index %q", args[1])
		}
		a.db = n
		return nil
	case cmd.Name == "multi":
		if a.tx != nil {
			return errors.New("MULTI calls can not be nested")
		}
		a.tx = &Tx{}
		return nil
	case IsExec(cmd):
		if a.tx == nil {
			return errors.New("EXEC without MULTI")
		}
		tx := a.tx
		a.tx = nil
		if len(tx.Calls) == 0 {
			return nil
		}
		shard, multi := a.b.TxRoute(tx)
		a.b.AddTx(tx, shard, multi)
		return a.run()
	case cmd.Kind == KindConn:
		// PING keeps a replication link alive; other connection commands
		// have no effect on the data.
		return nil
	}
	if a.tx != nil {
		cp := make([][]byte, len(args))
		for i, arg := range args {
			cp[i] = bytes.Clone(arg)
		}
		a.tx.Calls = append(a.tx.Calls, TxCall{Cmd: cmd, Args: cp, DB: a.db})
		return nil
	}
	shard, multi := a.b.Route(cmd, args)
	if multi != nil {
		a.b.AddMulti(multi, cmd, args, a.db)
	} else {
		a.b.Add(shard, cmd, args, a.db)
	}
	return a.run()
}

// InMulti reports whether a MULTI is open: a stream cut there ends inside a
// transaction, which the loader must not apply.
func (a *Applier) InMulti() bool { return a.tx != nil }

func (a *Applier) run() error {
	if !a.b.Exec() {
		<-a.done
	}
	out := a.b.Output()
	var err error
	if len(out) > 0 && out[0] == '-' {
		line, _, _ := bytes.Cut(out[1:], []byte("\r\n"))
		err = errors.New(string(line))
	}
	a.b.Reset()
	return err
}
