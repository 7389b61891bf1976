package proto

import (
	"strconv"
	"testing"
)

var benchValue = []byte("value-000001-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")

func benchmarkWrite(b *testing.B, write func([]byte) []byte) {
	dst := make([]byte, 0, 64<<10)
	b.ReportAllocs()
	for b.Loop() {
		d := dst[:0]
		for range 100 {
			d = write(d)
		}
		dst = d
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*100), "ns/reply")
}

func BenchmarkWriteBulk(b *testing.B) {
	benchmarkWrite(b, func(d []byte) []byte { return AppendBulk(d, benchValue) })
}

// BenchmarkWriteBulkUncached is AppendBulk without the preformatted
// headers, to show what the table buys.
func BenchmarkWriteBulkUncached(b *testing.B) {
	benchmarkWrite(b, func(d []byte) []byte {
		d = appendLen(d, '$', len(benchValue))
		d = append(d, benchValue...)
		return append(d, '\r', '\n')
	})
}

func BenchmarkWriteInt(b *testing.B) {
	benchmarkWrite(b, func(d []byte) []byte { return AppendInt(d, 1234567) })
}

func BenchmarkWriteArrayLen(b *testing.B) {
	benchmarkWrite(b, func(d []byte) []byte { return AppendArrayLen(d, 10) })
}

func BenchmarkWriteArrayLenUncached(b *testing.B) {
	benchmarkWrite(b, func(d []byte) []byte { return appendLen(d, '*', 10) })
}

func BenchmarkWriteSimpleOK(b *testing.B) {
	benchmarkWrite(b, func(d []byte) []byte { return AppendSimple(d, "OK") })
}

func BenchmarkWriteDouble(b *testing.B) {
	benchmarkWrite(b, func(d []byte) []byte { return AppendDouble(d, 3.14159, false) })
}

func BenchmarkFormatDoubleVsStrconv(b *testing.B) {
	benchmarkWrite(b, func(d []byte) []byte { return strconv.AppendFloat(d, 3.14159, 'g', 17, 64) })
}
