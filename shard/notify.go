package shard

import (
	"strconv"
	"sync/atomic"
)

// Keyspace notifications (notify-keyspace-events), as Redis 7.0 sends them:
// a command that changes a key calls Ctx.Notify where Redis calls
// notifyKeyspaceEvent, and the event goes out on __keyspace@<db>__:<key>
// (message: the event) and __keyevent@<db>__:<event> (message: the key)
// through the pub/sub registry that netloop plugs in. Events are published
// while the command holds its shards, so a key's events keep the order of
// its writes. While notifications are off a call costs one atomic load.

// Notification classes: the bits of notify-keyspace-events, with Redis's
// letters.
const (
	NotifyKeyspace uint32 = 1 << iota // K: __keyspace@<db>__:<key> channels
	NotifyKeyevent                    // E: __keyevent@<db>__:<event> channels
	NotifyGeneric                     // g: DEL, EXPIRE, RENAME, ...
	NotifyString                      // $
	NotifyList                        // l
	NotifySet                         // s
	NotifyHash                        // h
	NotifyZSet                        // z
	NotifyExpired                     // x: a key reclaimed after its TTL
	NotifyEvicted                     // e: accepted; Shoal does not evict yet
	NotifyStream                      // t
	NotifyKeyMiss                     // m: a read of a missing key
	NotifyModule                      // d: accepted; Shoal has no modules
	NotifyNew                         // n: a key created

	// NotifyAll is "A": every class except key misses and new keys, which
	// Redis leaves out because they are costly or noisy.
	NotifyAll = NotifyGeneric | NotifyString | NotifyList | NotifySet | NotifyHash |
		NotifyZSet | NotifyExpired | NotifyEvicted | NotifyStream | NotifyModule
)

// notifyLetters maps each class to its letter, in the order Redis prints
// them when NotifyAll is not complete.
var notifyLetters = [...]struct {
	class  uint32
	letter byte
}{
	{NotifyGeneric, 'g'}, {NotifyString, '$'}, {NotifyList, 'l'}, {NotifySet, 's'},
	{NotifyHash, 'h'}, {NotifyZSet, 'z'}, {NotifyExpired, 'x'}, {NotifyEvicted, 'e'},
	{NotifyStream, 't'}, {NotifyModule, 'd'}, {NotifyNew, 'n'},
}

// ParseNotifyFlags parses a notify-keyspace-events value (Redis's
// keyspaceEventsStringToFlags); ok is false on a character that names no
// class.
func ParseNotifyFlags(s string) (flags uint32, ok bool) {
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; ch {
		case 'A':
			flags |= NotifyAll
		case 'K':
			flags |= NotifyKeyspace
		case 'E':
			flags |= NotifyKeyevent
		case 'm':
			flags |= NotifyKeyMiss
		default:
			found := false
			for _, l := range notifyLetters {
				if l.letter == ch {
					flags |= l.class
					found = true
				}
			}
			if !found {
				return 0, false
			}
		}
	}
	return flags, true
}

// FormatNotifyFlags is notify-keyspace-events as CONFIG GET shows it
// (Redis's keyspaceEventsFlagsToString): "A" stands for NotifyAll and then
// hides "n", as it does in Redis.
func FormatNotifyFlags(flags uint32) string {
	var b []byte
	if flags&NotifyAll == NotifyAll {
		b = append(b, 'A')
	} else {
		for _, l := range notifyLetters {
			if flags&l.class != 0 {
				b = append(b, l.letter)
			}
		}
	}
	if flags&NotifyKeyspace != 0 {
		b = append(b, 'K')
	}
	if flags&NotifyKeyevent != 0 {
		b = append(b, 'E')
	}
	if flags&NotifyKeyMiss != 0 {
		b = append(b, 'm')
	}
	return string(b)
}

// Publisher delivers msg to the subscribers of channel without blocking;
// it must not keep either slice.
type Publisher func(channel, msg []byte)

// Events holds the engine's notification settings.
type Events struct {
	flags atomic.Uint32
	pub   atomic.Pointer[Publisher]
}

// Configure sets the classes to notify and where events go. Events are
// only sent when flags name a class and at least one of K and E.
func (ev *Events) Configure(flags uint32, pub Publisher) {
	ev.pub.Store(&pub)
	ev.flags.Store(flags)
}

// emit publishes event for key of database db on the channels K and E
// ask for; the caller has checked that the event's class is on.
func (ev *Events) emit(db int, event string, key []byte) {
	flags := ev.flags.Load()
	pub := ev.pub.Load()
	if pub == nil {
		return
	}
	if flags&NotifyKeyspace != 0 {
		ch := notifyChannel("__keyspace@", db, len(key))
		(*pub)(append(ch, key...), []byte(event))
	}
	if flags&NotifyKeyevent != 0 {
		ch := notifyChannel("__keyevent@", db, len(event))
		(*pub)(append(ch, event...), key)
	}
}

// notifyChannel returns prefix<db>__: with room for n more bytes.
func notifyChannel(prefix string, db, n int) []byte {
	ch := make([]byte, 0, len(prefix)+5+n)
	ch = append(ch, prefix...)
	ch = strconv.AppendInt(ch, int64(db), 10)
	return append(ch, "__:"...)
}

// Notify sends a keyspace event of class for key in the client's database.
// It stays small enough to inline: while the class is off, a command pays
// one atomic load for it.
func (c *Ctx) Notify(class uint32, event string, key []byte) {
	if c.e.Events.flags.Load()&class != 0 {
		c.emit(event, key)
	}
}

// emit is Notify's slow path, kept out of line so that Notify inlines.
//
//go:noinline
func (c *Ctx) emit(event string, key []byte) {
	c.e.Events.emit(c.DBIndex, event, key)
}

// NotifyDB is Notify for a key of database db (COPY ... DB, MOVE).
func (c *Ctx) NotifyDB(db int, class uint32, event string, key []byte) {
	if c.e.Events.flags.Load()&class != 0 {
		c.e.Events.emit(db, event, key)
	}
}

// notifyAsCommand is Notify for the events named after their command
// (SINTERSTORE, SUNIONSTORE, SDIFFSTORE).
func (c *Ctx) notifyAsCommand(class uint32, key []byte) {
	if c.e.Events.flags.Load()&class != 0 {
		c.e.Events.emit(c.DBIndex, c.cmdName(), key)
	}
}

// notifyReplaced sends "new" for a key that exists and that the command
// replaces by a new value: RENAME and COPY delete their destination and
// add it again in Redis, which then reports it as new.
func (c *Ctx) notifyReplaced(db *DB, key []byte) {
	if c.e.Events.flags.Load()&NotifyNew != 0 && db.exists(key, c.Now) {
		db.notify(NotifyNew, "new", key)
	}
}

// notify is Notify for the keyspace's own events (expiry, key misses, new
// keys), which happen outside any one command's knowledge.
func (db *DB) notify(class uint32, event string, key []byte) {
	if db.sh.events.flags.Load()&class != 0 {
		db.emit(event, key)
	}
}

// emit is notify's slow path, kept out of line so that notify inlines.
//
//go:noinline
func (db *DB) emit(event string, key []byte) {
	db.sh.events.emit(db.index(), event, key)
}

// index is the database number of db. It is looked up rather than stored
// because SWAPDB exchanges the DB objects behind two numbers.
func (db *DB) index() int {
	for i, d := range db.sh.dbs {
		if d == db {
			return i
		}
	}
	panic("BUG: a keyspace that is not in its shard")
}

// popEvent and pushEvent name the list events of one end.
func popEvent(left bool) string {
	if left {
		return "lpop"
	}
	return "rpop"
}

func pushEvent(left bool) string {
	if left {
		return "lpush"
	}
	return "rpush"
}
