package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"log/syslog"
	"strings"

	"github.com/shoal-db/shoal/netloop"
)

// syslogNetwork and syslogAddr say where syslog-enabled logs go: empty
// means the local syslog daemon (/dev/log and the other usual sockets), as
// Redis's openlog does. Tests point them at a socket of their own.
var syslogNetwork, syslogAddr = "", ""

// syslogFacilities are the values of syslog-facility, as in Redis.
var syslogFacilities = map[string]syslog.Priority{
	"user": syslog.LOG_USER, "local0": syslog.LOG_LOCAL0, "local1": syslog.LOG_LOCAL1,
	"local2": syslog.LOG_LOCAL2, "local3": syslog.LOG_LOCAL3, "local4": syslog.LOG_LOCAL4,
	"local5": syslog.LOG_LOCAL5, "local6": syslog.LOG_LOCAL6, "local7": syslog.LOG_LOCAL7,
}

// withSyslog adds syslog to log when syslog-enabled is yes: records go
// both to log's handler (stderr or logfile) and to syslog, as Redis does.
// A syslog that cannot be reached is a start-up error. The closer closes
// the syslog connection.
func withSyslog(cfg *netloop.Config, log *slog.Logger, level slog.Leveler) (*slog.Logger, io.Closer, error) {
	if !cfg.Bool("syslog-enabled") {
		return log, io.NopCloser(nil), nil
	}
	// The directive's values are the map's keys (netloop/config.go).
	facility := syslogFacilities[cfg.Get("syslog-facility")]
	w, err := syslog.Dial(syslogNetwork, syslogAddr, facility|syslog.LOG_NOTICE, cfg.Get("syslog-ident"))
	if err != nil {
		return nil, nil, fmt.Errorf("cannot connect to syslog: %w", err)
	}
	h := &syslogHandler{w: w, level: level}
	return slog.New(teeHandler{log.Handler(), h}), w, nil
}

// syslogHandler writes records to syslog at the severity of their level:
// Redis's debug, verbose, notice and warning map to LOG_DEBUG, LOG_INFO,
// LOG_NOTICE and LOG_WARNING, and slog's Error to LOG_ERR.
type syslogHandler struct {
	w     *syslog.Writer
	level slog.Leveler
	attrs string // pre-formatted attributes from WithAttrs
	group string
}

func (h *syslogHandler) Enabled(_ context.Context, l slog.Level) bool {
	return l >= h.level.Level()
}

func (h *syslogHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	b.WriteString(h.attrs)
	r.Attrs(func(a slog.Attr) bool {
		writeAttr(&b, h.group, a)
		return true
	})
	msg := b.String()
	switch {
	case r.Level >= slog.LevelError:
		return h.w.Err(msg)
	case r.Level >= slog.LevelWarn:
		return h.w.Warning(msg)
	case r.Level >= slog.LevelInfo:
		return h.w.Notice(msg)
	case r.Level > slog.LevelDebug:
		return h.w.Info(msg)
	}
	return h.w.Debug(msg)
}

func (h *syslogHandler) WithAttrs(as []slog.Attr) slog.Handler {
	var b strings.Builder
	b.WriteString(h.attrs)
	for _, a := range as {
		writeAttr(&b, h.group, a)
	}
	n := *h
	n.attrs = b.String()
	return &n
}

func (h *syslogHandler) WithGroup(name string) slog.Handler {
	n := *h
	n.group = h.group + name + "."
	return &n
}

// writeAttr appends " key=value" in slog's text style.
func writeAttr(b *strings.Builder, group string, a slog.Attr) {
	a.Value = a.Value.Resolve()
	if a.Equal(slog.Attr{}) {
		return
	}
	if a.Value.Kind() == slog.KindGroup {
		for _, g := range a.Value.Group() {
			writeAttr(b, group+a.Key+".", g)
		}
		return
	}
	v := a.Value.String()
	if strings.ContainsAny(v, " \"=") || v == "" {
		v = fmt.Sprintf("%q", v)
	}
	fmt.Fprintf(b, " %s%s=%s", group, a.Key, v)
}

// teeHandler sends each record to every handler that wants it.
type teeHandler []slog.Handler

func (t teeHandler) Enabled(ctx context.Context, l slog.Level) bool {
	for _, h := range t {
		if h.Enabled(ctx, l) {
			return true
		}
	}
	return false
}

func (t teeHandler) Handle(ctx context.Context, r slog.Record) error {
	var first error
	for _, h := range t {
		if !h.Enabled(ctx, r.Level) {
			continue
		}
		if err := h.Handle(ctx, r.Clone()); err != nil && first == nil {
			first = err
		}
	}
	return first
}

func (t teeHandler) WithAttrs(as []slog.Attr) slog.Handler {
	out := make(teeHandler, len(t))
	for i, h := range t {
		out[i] = h.WithAttrs(as)
	}
	return out
}

func (t teeHandler) WithGroup(name string) slog.Handler {
	out := make(teeHandler, len(t))
	for i, h := range t {
		out[i] = h.WithGroup(name)
	}
	return out
}
