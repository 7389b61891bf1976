// Package netloop owns the network side of Shoal: the gnet event loops,
// connection state, request parsing, dispatch of commands to shards with
// replies kept in request order, the connection-level commands (HELLO, AUTH,
// SELECT, CLIENT, CONFIG, …), and the server configuration.
package netloop

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/bits"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/panjf2000/gnet/v2"

	"github.com/shoal-db/shoal/proto"
	"github.com/shoal-db/shoal/shard"
)

// Version is the Redis version Shoal reports, so that clients which gate
// features on it work.
const Version = "7.2.4"

// Server is a running Shoal server.
type Server struct {
	gnet.BuiltinEventEngine

	Config *Config
	Engine *shard.Engine
	Log    *slog.Logger

	eng     gnet.Engine
	started time.Time
	runID   string
	table   *shard.Table

	mu      sync.Mutex
	clients map[int64]*conn
	loops   map[gnet.EventLoop]*loopState
	nextID  atomic.Int64

	stats    serverStats
	pubsub   *pubsub
	monitors monitorRegistry
	// lat is the slow log and the latency monitor (slowlog.go, latency.go).
	lat latencyState

	// shutdown is closed once a SHUTDOWN command or a signal asks to stop.
	shutdown     chan struct{}
	shutdownOnce sync.Once
	ready        chan struct{}
	readyOnce    sync.Once
	closed       atomic.Bool

	pauseUntil atomic.Int64 // unix ms; CLIENT PAUSE
	pauseAll   atomic.Bool  // ALL (true) or WRITE (false)

	// limits are the protocol limits of the current configuration, which
	// every connection's parser picks up before each parse.
	limits atomic.Pointer[proto.Limits]

	pausedMu sync.Mutex
	paused   map[*conn]struct{}

	persist *persist
	repl    *replState
	aof     *aofState
	replica *replicaState // the replica side of replication (replica.go)
	// background counts command goroutines (MEMORY PURGE) Run waits for.
	background sync.WaitGroup
	// stopping is closed when the event loops have stopped.
	stopping chan struct{}
	// loadErr is the error that stopped start-up loading, returned by Run.
	loadErr atomic.Pointer[error]

	// LogLevel is the level Log filters at; loglevel changes it.
	LogLevel *slog.LevelVar
}

type serverStats struct {
	connsReceived, rejectedConns atomic.Uint64
	netIn, netOut                atomic.Uint64
	connected                    atomic.Int64
}

// loopState is what one event loop owns: statistics of the commands it runs,
// of its batches and of its busy time. The loop is the only writer; INFO and
// the metrics collector read the atomics.
type loopState struct {
	id   int // order of first use, for metric labels
	cmds []shard.CmdStats
	// busyNs is the time spent in OnTraffic (parsing, connection commands,
	// shard work run inline, writing replies), in ns.
	busyNs atomic.Uint64
	// depth counts batches by number of commands: depth[i] holds batches of
	// 2^(i-1)+1 .. 2^i commands (depth[0]: one command).
	depth      [depthBuckets]atomic.Uint64
	depthTotal atomic.Uint64 // commands in all batches counted in depth
}

// depthBuckets covers batch sizes up to maxBatch = 2^10.
const depthBuckets = 11

// countBatch records a batch of n commands.
func (ls *loopState) countBatch(n int) {
	if n == 0 {
		return
	}
	i := min(bits.Len(uint(n-1)), depthBuckets-1)
	ls.depth[i].Store(ls.depth[i].Load() + 1)
	ls.depthTotal.Store(ls.depthTotal.Load() + uint64(n))
}

// NewServer builds a server from cfg; Run starts it.
func NewServer(cfg *Config, log *slog.Logger) *Server {
	s := &Server{
		Config:   cfg,
		Log:      log,
		clients:  make(map[int64]*conn),
		loops:    make(map[gnet.EventLoop]*loopState),
		paused:   make(map[*conn]struct{}),
		pubsub:   newPubsub(),
		shutdown: make(chan struct{}),
		ready:    make(chan struct{}),
		stopping: make(chan struct{}),
		runID:    newRunID(),
	}
	s.persist = newPersist(s)
	s.repl = newReplState(s)
	s.aof = newAOFState(s)
	s.replica = newReplicaState(s)
	s.table = s.newTable()
	s.Engine = shard.NewEngine(cfg.Shards(), s.table)
	s.Engine.DebugReload = s.persist.debugReload
	s.applyConfig()
	return s
}

// Ready is closed once the server accepts connections.
func (s *Server) Ready() <-chan struct{} { return s.ready }

// ShutdownRequested is closed when SHUTDOWN asks the process to stop.
func (s *Server) ShutdownRequested() <-chan struct{} { return s.shutdown }

// RequestShutdown asks the process to stop (SHUTDOWN, signals).
func (s *Server) RequestShutdown() {
	s.shutdownOnce.Do(func() { close(s.shutdown) })
}

// Run serves until Stop; it returns gnet's error if the listeners fail.
func (s *Server) Run() error {
	addrs, err := s.listenAddrs()
	if err != nil {
		return err
	}
	s.started = time.Now()
	stop := make(chan struct{})
	cronDone := make(chan struct{})
	go func() {
		defer close(cronDone)
		s.cron(stop)
	}()
	defer func() {
		close(stop)
		<-cronDone
	}()
	opts := []gnet.Option{
		gnet.WithReuseAddr(true),
		gnet.WithTCPNoDelay(gnet.TCPNoDelay),
		gnet.WithNumEventLoop(s.Config.IOThreads()),
		gnet.WithLogLevel(gnetLogLevel),
	}
	if ka := s.Config.Int("tcp-keepalive"); ka > 0 {
		opts = append(opts, gnet.WithTCPKeepAlive(time.Duration(ka)*time.Second))
	}
	s.persist.startLoad()
	s.repl.start()
	s.replica.start()
	err = gnet.Rotate(s, addrs, opts...)
	close(s.stopping)
	s.replica.stop()
	if serr := s.persist.shutdownSave(); serr != nil && err == nil {
		err = serr
	}
	s.persist.wait()
	s.background.Wait()
	s.repl.wait()
	s.aof.stop()
	s.Engine.Close()
	if lerr := s.loadErr.Load(); lerr != nil {
		return *lerr
	}
	return err
}

// listenAddrs turns bind + port into gnet addresses; addresses prefixed with
// '-' are optional, as in Redis, and skipped when they cannot be bound.
func (s *Server) listenAddrs() ([]string, error) {
	port := s.Config.Int("port")
	var out []string
	for _, b := range strings.Fields(s.Config.Get("bind")) {
		optional := strings.HasPrefix(b, "-")
		b = strings.TrimPrefix(b, "-")
		hp := net.JoinHostPort(b, fmt.Sprint(port))
		if b == "*" {
			hp = fmt.Sprintf("0.0.0.0:%d", port)
		}
		if optional {
			l, err := net.Listen("tcp", hp)
			if err != nil {
				s.Log.Warn("skipping optional bind address", "addr", hp, "err", err)
				continue
			}
			l.Close()
		}
		out = append(out, "tcp://"+hp)
	}
	if len(out) == 0 {
		return nil, errors.New("no address to listen on (bind)")
	}
	return out, nil
}

// Stop stops accepting, closes every connection and returns from Run.
func (s *Server) Stop() {
	if s.closed.Swap(true) {
		return
	}
	select {
	case <-s.ready:
	default:
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.eng.Stop(ctx); err != nil {
		s.Log.Warn("stopping event loops", "err", err)
	}
}

// OnBoot records the engine handle for Stop.
func (s *Server) OnBoot(eng gnet.Engine) gnet.Action {
	s.eng = eng
	s.readyOnce.Do(func() { close(s.ready) })
	return gnet.None
}

func (s *Server) loopOf(c gnet.Conn) *loopState {
	el := c.EventLoop()
	s.mu.Lock()
	defer s.mu.Unlock()
	ls := s.loops[el]
	if ls == nil {
		ls = &loopState{id: len(s.loops), cmds: make([]shard.CmdStats, s.table.Count())}
		s.loops[el] = ls
	}
	return ls
}

// OnOpen admits a connection, or refuses it with Redis's error.
func (s *Server) OnOpen(c gnet.Conn) ([]byte, gnet.Action) {
	s.stats.connsReceived.Add(1)
	s.mu.Lock()
	n := len(s.clients)
	s.mu.Unlock()
	if n >= s.Config.Int("maxclients") {
		s.stats.rejectedConns.Add(1)
		return []byte("-ERR max number of clients reached\r\n"), gnet.Close
	}
	if s.Config.Bool("protected-mode") && s.Config.Get("requirepass") == "" && !isLoopback(c.RemoteAddr()) {
		s.stats.rejectedConns.Add(1)
		return []byte(protectedModeErr), gnet.Close
	}
	cn := newConn(s, c)
	cn.loop = s.loopOf(c)
	c.SetContext(cn)
	s.mu.Lock()
	s.clients[cn.id] = cn
	s.mu.Unlock()
	s.stats.connected.Add(1)
	return nil, gnet.None
}

// OnClose forgets the connection. A batch still running on a shard keeps
// writing into the conn's own buffers, which stay valid; its completion
// wake-up is ignored by gnet.
func (s *Server) OnClose(c gnet.Conn, err error) gnet.Action {
	cn, _ := c.Context().(*conn)
	if cn == nil {
		return gnet.None
	}
	s.mu.Lock()
	delete(s.clients, cn.id)
	s.mu.Unlock()
	s.stats.connected.Add(-1)
	// A client blocked on keys leaves nothing behind in the shards' queues.
	cn.batch.Unblock(false, nil)
	cn.resetTx()
	cn.unsubscribeAll()
	cn.stopMonitor()
	cn.dropReplica()
	if err != nil {
		s.Log.Debug("client closed", "id", cn.id, "addr", cn.addr, "err", err)
	}
	return gnet.None
}

// OnTraffic parses and runs what the connection sent.
func (s *Server) OnTraffic(c gnet.Conn) gnet.Action {
	cn, _ := c.Context().(*conn)
	if cn == nil {
		return gnet.Close
	}
	start := time.Now()
	a := cn.onTraffic()
	busy := &cn.loop.busyNs
	busy.Store(busy.Load() + uint64(time.Since(start)))
	return a
}

func isLoopback(a net.Addr) bool {
	ta, ok := a.(*net.TCPAddr)
	if !ok {
		return true // unix sockets are local
	}
	return ta.IP.IsLoopback()
}

// protectedModeErr is Redis 7's text, "a an" included.
const protectedModeErr = "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n"

// CommandTable returns a table with every command the server registers,
// for documentation.
func CommandTable() *shard.Table { return (&Server{}).newTable() }

// newTable builds the command table: the shard families plus the commands
// this package runs.
func (s *Server) newTable() *shard.Table {
	t := shard.NewTable()
	registerConnCommands(t)
	registerMonitor(t)
	s.registerMemory(t)
	s.registerInfo(t)
	s.registerPersist(t)
	s.registerAOF(t)
	registerReplication(s, t)
	registerReplicaof(t)
	return t
}
