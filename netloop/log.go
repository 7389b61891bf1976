package netloop

import (
	"fmt"
	"io"
	"log/slog"
	"os"
)

// levelNothing is above every level slog uses: loglevel nothing.
const levelNothing = slog.Level(100)

func slogLevel(redisLevel string) slog.Level {
	switch redisLevel {
	case "debug":
		return slog.LevelDebug
	case "verbose":
		return slog.LevelDebug + 2
	case "warning":
		return slog.LevelWarn
	case "nothing":
		return levelNothing
	}
	return slog.LevelInfo
}

// NewLogger builds the server's logger from logfile and loglevel: text
// lines on stderr, or appended to logfile.
func NewLogger(cfg *Config) (*slog.Logger, *slog.LevelVar, io.Closer, error) {
	var w io.Writer = os.Stderr
	var closer io.Closer = io.NopCloser(nil)
	if path := cfg.Get("logfile"); path != "" {
		f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("cannot open logfile %q: %w", path, err)
		}
		w, closer = f, f
	}
	lv := new(slog.LevelVar)
	lv.Set(slogLevel(cfg.Get("loglevel")))
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: lv})), lv, closer, nil
}

func (s *Server) setLogLevel(redisLevel string) {
	if s.LogLevel != nil {
		s.LogLevel.Set(slogLevel(redisLevel))
	}
}
