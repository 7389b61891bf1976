package proto

import (
	"fmt"
	"strings"
	"testing"
)

// pipeline is a batch of requests as redis-benchmark sends them: SET with a
// 10-byte key and a 64-byte value, or GET.
func pipeline(cmd string, n int) []byte {
	var b []byte
	value := strings.Repeat("x", 64)
	for i := range n {
		key := fmt.Sprintf("key:%06d", i)
		if cmd == "SET" {
			b = AppendArrayLen(b, 3)
			b = AppendBulkString(b, "SET")
			b = AppendBulkString(b, key)
			b = AppendBulkString(b, value)
		} else {
			b = AppendArrayLen(b, 2)
			b = AppendBulkString(b, "GET")
			b = AppendBulkString(b, key)
		}
	}
	return b
}

func benchmarkParse(b *testing.B, in []byte, requests int) {
	var p Parser
	args := make([][]byte, 0, 8)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		buf := in
		for len(buf) > 0 {
			out, n, err := p.Parse(buf, args)
			if err != nil || n == 0 {
				b.Fatal(n, err)
			}
			args = out
			buf = buf[n:]
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*requests), "ns/req")
}

func BenchmarkParseSet(b *testing.B) { benchmarkParse(b, pipeline("SET", 100), 100) }
func BenchmarkParseGet(b *testing.B) { benchmarkParse(b, pipeline("GET", 100), 100) }

func BenchmarkParseInline(b *testing.B) {
	in := []byte(strings.Repeat(`SET key:000001 "a value"`+"\r\n", 100))
	benchmarkParse(b, in, 100)
}

// BenchmarkParseResume parses a SET pipeline that arrives in 1500-byte
// pieces, so requests are regularly split and resumed.
func BenchmarkParseResume(b *testing.B) {
	in := pipeline("SET", 100)
	var p Parser
	args := make([][]byte, 0, 8)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		start, end := 0, 0
		for start < len(in) {
			end = min(end+1500, len(in))
			for {
				out, n, err := p.Parse(in[start:end], args)
				if err != nil {
					b.Fatal(err)
				}
				if n == 0 {
					break
				}
				args = out
				start += n
			}
		}
	}
}
