package list

import (
	"fmt"
	"testing"
)

var elem16 = []byte("e:00000000000042")

func filledList(n int) *List {
	l := new(List)
	for i := 0; i < n; i++ {
		l.PushRight(fmt.Appendf(nil, "e:%014d", i))
	}
	return l
}

func BenchmarkPushRight(b *testing.B) {
	l := new(List)
	b.ReportAllocs()
	for b.Loop() {
		l.PushRight(elem16)
	}
}

func BenchmarkPushLeft(b *testing.B) {
	l := new(List)
	b.ReportAllocs()
	for b.Loop() {
		l.PushLeft(elem16)
	}
}

func BenchmarkPushLeftInt(b *testing.B) {
	l := new(List)
	v := []byte("12345")
	b.ReportAllocs()
	for b.Loop() {
		l.PushLeft(v)
	}
}

// BenchmarkQueue is RPUSH then LPOP on a list that stays 1000 long.
func BenchmarkQueue(b *testing.B) {
	l := filledList(1000)
	b.ReportAllocs()
	for b.Loop() {
		l.PushRight(elem16)
		l.PopLeft()
	}
}

func BenchmarkIndexMiddle(b *testing.B) {
	for _, n := range []int{1000, 1000000} {
		b.Run(fmt.Sprint("len=", n), func(b *testing.B) {
			l := filledList(n)
			b.ReportAllocs()
			for b.Loop() {
				l.Index(n / 2)
			}
		})
	}
}

func BenchmarkIndexNearEnd(b *testing.B) {
	l := filledList(1000000)
	b.ReportAllocs()
	for b.Loop() {
		l.Index(-10)
	}
}

// BenchmarkRange100 is LRANGE key 0 99.
func BenchmarkRange100(b *testing.B) {
	l := filledList(1000000)
	n := 0
	b.ReportAllocs()
	for b.Loop() {
		l.Range(0, 99, func(v []byte) bool { n += len(v); return true })
	}
}

// BenchmarkPosMiss is LPOS over 10,000 elements that never match.
func BenchmarkPosMiss(b *testing.B) {
	l := filledList(10000)
	b.ReportAllocs()
	for b.Loop() {
		l.Pos([]byte("absent"), 1, 0, 0)
	}
}

// BenchmarkSetMiddle is LSET in the middle of a 100,000-element list.
func BenchmarkSetMiddle(b *testing.B) {
	l := filledList(100000)
	b.ReportAllocs()
	for b.Loop() {
		l.Set(50000, elem16)
	}
}

// BenchmarkInsertRemove is LINSERT after the head element then LREM of it.
func BenchmarkInsertRemove(b *testing.B) {
	l := filledList(1000)
	pivot, _ := l.Index(0)
	b.ReportAllocs()
	for b.Loop() {
		l.Insert(pivot, []byte("new"), true)
		l.Remove([]byte("new"), 1)
	}
}
