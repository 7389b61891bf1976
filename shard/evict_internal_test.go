package shard

import "testing"

// TestAllocSizeMatchesRuntime: the accounting's size classes are the ones
// the runtime rounds a growing slice up to.
func TestAllocSizeMatchesRuntime(t *testing.T) {
	for n := 1; n <= 40000; n++ {
		if got, want := allocSize(n), cap(append([]byte(nil), make([]byte, n)...)); got != want {
			t.Fatalf("allocSize(%d) = %d, the runtime allocates %d", n, got, want)
		}
	}
}
