package hash

import (
	"strconv"
	"testing"
)

func TestPairs(t *testing.T) {
	for _, n := range []int{1, 10, MaxListpackEntries, MaxListpackEntries + 1, 3000} {
		var h Hash
		want := map[string]string{}
		for i := range n {
			f, v := "f"+strconv.Itoa(i), strconv.Itoa(i*31-77)
			if i%5 == 0 {
				f, v = strconv.Itoa(-i), "v"+strconv.Itoa(i)
			}
			h.Set([]byte(f), []byte(v))
			want[f] = v
		}
		var order [][2]string
		h.Range(func(f, v []byte) bool { order = append(order, [2]string{string(f), string(v)}); return true })
		got := h.Pairs(nil)
		if len(got) != len(want) || len(got) != len(order) {
			t.Fatalf("n=%d: Pairs returned %d pairs, want %d", n, len(got), len(want))
		}
		// Checked after all were produced: no pair shares scratch memory.
		for i, p := range got {
			if string(p[0]) != order[i][0] || string(p[1]) != order[i][1] {
				t.Fatalf("n=%d: pair %d is %q=%q, Range gives %q=%q", n, i, p[0], p[1], order[i][0], order[i][1])
			}
			_ = append(p[0], 'X')
			_ = append(p[1], 'X')
		}
		for f, v := range want {
			if got, ok := h.Get([]byte(f), nil); !ok || string(got) != v {
				t.Fatalf("n=%d: after appending to the pairs, field %q holds %q", n, f, got)
			}
		}
	}
}
