package list

import (
	"slices"
	"strconv"
	"testing"
)

func TestValues(t *testing.T) {
	var l List
	var lefts, rights []string
	// Integers, short and long strings, over many nodes.
	for i := range 20000 {
		var v string
		switch i % 4 {
		case 0:
			v = strconv.Itoa(i*7919 - 50000)
		case 1:
			v = "s" + strconv.Itoa(i)
		case 2:
			v = string(make([]byte, 100+i%300))
		default:
			v = strconv.Itoa(i) + ".5"
		}
		if i%3 == 0 {
			l.PushLeft([]byte(v))
			lefts = append(lefts, v)
		} else {
			l.PushRight([]byte(v))
			rights = append(rights, v)
		}
	}
	slices.Reverse(lefts)
	want := append(lefts, rights...)
	if l.nodes < 2 {
		t.Fatalf("the test list has %d nodes, want several", l.nodes)
	}
	prefix := [][]byte{[]byte("kept")}
	got := l.Values(prefix)
	if len(got) != len(want)+1 || string(got[0]) != "kept" {
		t.Fatalf("Values returned %d elements (first %q), want %d after the prefix", len(got), got[0], len(want))
	}
	got = got[1:]
	// Every element is still intact once all were produced: integers did
	// not share a scratch buffer.
	for i, v := range got {
		if string(v) != want[i] {
			t.Fatalf("element %d is %q, want %q", i, v, want[i])
		}
	}
	// Appending to an element copies it instead of overwriting the list.
	for _, v := range got {
		_ = append(v, 'X')
	}
	check(t, &l, want)
}
