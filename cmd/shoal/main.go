// Command shoal runs the Shoal server. Like redis-server it takes an
// optional configuration file and then "--directive value" arguments:
//
//	shoal /etc/shoal.conf --port 7000 --requirepass secret
//
// It owns process concerns: configuration, logging, signals and shutdown.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"github.com/shoal-db/shoal/netloop"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	if len(args) == 1 && (args[0] == "-v" || args[0] == "--version") {
		fmt.Printf("Shoal server v=%s (redis_version %s)\n", netloop.ShoalVersion, netloop.Version)
		return 0
	}
	cfg, err := netloop.ParseArgs(args)
	if err != nil {
		fmt.Fprintf(os.Stderr, "shoal: fatal config error: %v\n", err)
		return 1
	}
	log, level, closer, err := netloop.NewLogger(cfg)
	if err != nil {
		fmt.Fprintf(os.Stderr, "shoal: %v\n", err)
		return 1
	}
	defer closer.Close()
	log, sysCloser, err := withSyslog(cfg, log, level)
	if err != nil {
		fmt.Fprintf(os.Stderr, "shoal: %v\n", err)
		return 1
	}
	defer sysCloser.Close()
	// SHOAL_CPUPROFILE=path profiles the whole run, for hot-path work.
	if path := os.Getenv("SHOAL_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			fmt.Fprintf(os.Stderr, "shoal: %v\n", err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(os.Stderr, "shoal: %v\n", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	notify, err := newNotifier(cfg.Get("supervised"), log)
	if err != nil {
		log.Error("cannot start", "err", err)
		return 1
	}
	defer notify.Close()
	srv := netloop.NewServer(cfg, log)
	srv.LogLevel = level
	stopMetrics, err := startMetrics(srv)
	if err != nil {
		log.Error("cannot serve metrics", "err", err)
		return 1
	}
	defer stopMetrics()

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	defer signal.Stop(sigs)
	stopped := make(chan struct{})
	go func() {
		select {
		case sig := <-sigs:
			log.Warn("received signal, shutting down", "signal", sig.String())
		case <-srv.ShutdownRequested():
		case <-stopped:
			return
		}
		notify.stopping()
		srv.Stop()
	}()
	go func() {
		select {
		case <-srv.Ready():
			log.Info("Shoal ready to accept connections",
				"version", netloop.ShoalVersion, "redis_version", netloop.Version,
				"port", cfg.Int("port"), "bind", cfg.Get("bind"),
				"shards", srv.Engine.NumShards(), "event_loops", cfg.IOThreads(), "pid", os.Getpid())
			notify.ready()
		case <-stopped:
		}
	}()
	err = srv.Run()
	close(stopped)
	if err != nil {
		log.Error("server stopped with an error", "err", err)
		return 1
	}
	log.Info("Shoal is now ready to exit, bye bye...")
	return 0
}
