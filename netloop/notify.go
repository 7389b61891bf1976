package netloop

import (
	"errors"

	"github.com/shoal-db/shoal/shard"
)

// Keyspace notifications: notify-keyspace-events says which classes of
// events the engine sends (shard/notify.go), and the pub/sub registry
// carries them to subscribers of __keyspace@<db>__:* and __keyevent@<db>__:*.

//lint:ignore ST1005 Redis's exact text, which CONFIG SET's error reply quotes.
var errNotifyClass = errors.New("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")

// checkNotify validates a notify-keyspace-events value.
func checkNotify(v string) error {
	if _, ok := shard.ParseNotifyFlags(v); !ok {
		return errNotifyClass
	}
	return nil
}

// storeNotify keeps the classes of a valid notify-keyspace-events value and
// returns the value as CONFIG GET shows it ("KEA" is "AKE"). The flags are
// kept apart because the shown value can lose one: Redis shows "An" as "A".
// c.mu is held.
func (c *Config) storeNotify(v string) string {
	c.notify, _ = shard.ParseNotifyFlags(v)
	return shard.FormatNotifyFlags(c.notify)
}

// applyNotify hands the classes to the engine, with the pub/sub registry as
// the destination of its events.
func (s *Server) applyNotify() {
	s.Config.mu.RLock()
	flags := s.Config.notify
	s.Config.mu.RUnlock()
	s.Engine.Events.Configure(flags, s.publishEvent)
}

// publishEvent delivers one keyspace event. It runs on whichever goroutine
// holds the shard of the event's key, and never waits for a subscriber.
func (s *Server) publishEvent(channel, msg []byte) {
	s.Publish(channel, msg, false, nil, nil)
}
