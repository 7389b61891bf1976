package repl

import (
	"strings"
	"testing"
)

func effect(db int, args ...string) Effect {
	e := Effect{DB: db}
	for _, a := range args {
		e.Args = append(e.Args, []byte(a))
	}
	return e
}

func TestJournal(t *testing.T) {
	j := NewJournal()
	if j.On() {
		t.Fatal("a journal without readers is on")
	}
	var got strings.Builder
	unsubscribe := j.Subscribe(func(chunk []byte) { got.Write(chunk) })
	if !j.On() {
		t.Fatal("a journal with a reader is off")
	}
	f := func(want string, effects ...Effect) {
		t.Helper()
		got.Reset()
		before := j.Offset()
		j.Append(effects)
		if got.String() != want {
			t.Errorf("appended %q, want %q", got.String(), want)
		}
		if j.Offset()-before != int64(len(want)) {
			t.Errorf("offset moved by %d, want %d", j.Offset()-before, len(want))
		}
	}
	// The first effect selects its database; later ones only when it changes.
	f("*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n", effect(0, "SET", "a", "1"))
	f("*2\r\n$3\r\nDEL\r\n$1\r\na\r\n", effect(0, "DEL", "a"))
	f("*2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n*2\r\n$4\r\nINCR\r\n$1\r\nb\r\n", effect(3, "INCR", "b"))
	// Several effects of one command or transaction form one MULTI … EXEC.
	f("*1\r\n$5\r\nMULTI\r\n*3\r\n$4\r\nSREM\r\n$1\r\ns\r\n$1\r\nx\r\n"+
		"*2\r\n$6\r\nSELECT\r\n$1\r\n4\r\n*2\r\n$4\r\nLPOP\r\n$1\r\nl\r\n*1\r\n$4\r\nEXEC\r\n",
		effect(3, "SREM", "s", "x"), effect(4, "LPOP", "l"))
	f("", []Effect{}...)

	unsubscribe()
	if j.On() {
		t.Fatal("the journal stays on after its last reader left")
	}
}

// TestJournalGen checks that the generation changes each time the journal
// turns on, and only then, so that effects held back while one group of
// readers was attached are not shown to a later one.
func TestJournalGen(t *testing.T) {
	j := NewJournal()
	g0 := j.Gen()
	un1 := j.Subscribe(func([]byte) {})
	g1 := j.Gen()
	if g1 == g0 {
		t.Fatal("turning on kept the generation")
	}
	_, _, un2 := j.SubscribeAt(func([]byte, int64, int) {})
	un1()
	if j.Gen() != g1 {
		t.Fatal("the generation changed while the journal stayed on")
	}
	un2()
	if j.Gen() != g1 {
		t.Fatal("turning off changed the generation")
	}
	un3 := j.Subscribe(func([]byte) {})
	defer un3()
	if j.Gen() == g1 {
		t.Fatal("turning on again kept the generation")
	}
}
