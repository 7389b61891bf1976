package main

import (
	"strconv"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"

	"github.com/shoal-db/shoal/netloop/servertest"
)

// TestMetricsSaturationAndBatches checks the busy-time counters of shards
// and event loops, the batch-size histogram and the Go GC series.
func TestMetricsSaturationAndBatches(t *testing.T) {
	srv, url := metricsServer(t, "--shards", "2")
	raw := servertest.Dial(t, srv.Addr)
	raw.Do("PING") // the loop serving raw appears in the metrics
	before := scrape(t, url)

	// One write of n pipelined commands over keys of both shards.
	const n = 40
	var req []byte
	for i := 0; i < n; i++ {
		req = append(req, "*3\r\n$3\r\nSET\r\n$4\r\nkey"+strconv.Itoa(i%10)+"\r\n$1\r\nv\r\n"...)
	}
	raw.Send(req)
	for i := 0; i < n; i++ {
		if got := raw.Read(); got != "+OK\r\n" {
			t.Fatalf("reply %d: %q", i, got)
		}
	}
	after := scrape(t, url)
	// Busy time is added once the loop is done with a read, after the
	// replies left: a later round trip on the same loop waits for that.
	raw.Do("PING")
	busyAfter := scrape(t, url)

	hist := func(r scrapeResult) *dto.Histogram {
		t.Helper()
		fam := r.fams["shoal_batch_commands"]
		if fam == nil || fam.GetType() != dto.MetricType_HISTOGRAM || len(fam.Metric) != 1 {
			t.Fatalf("shoal_batch_commands is not one histogram: %v", fam)
		}
		return fam.Metric[0].Histogram
	}
	hb, ha := hist(before), hist(after)
	if got := ha.GetSampleSum() - hb.GetSampleSum(); got != n {
		t.Errorf("shoal_batch_commands_sum grew by %v, want the %d commands sent", got, n)
	}
	batches := ha.GetSampleCount() - hb.GetSampleCount()
	if batches < 1 || batches > n {
		t.Errorf("shoal_batch_commands_count grew by %d for %d pipelined commands", batches, n)
	}
	var bounds []string
	prev := uint64(0)
	for _, b := range ha.Bucket {
		bounds = append(bounds, strconv.FormatFloat(b.GetUpperBound(), 'f', -1, 64))
		if b.GetCumulativeCount() < prev {
			t.Errorf("bucket le=%v is not cumulative", b.GetUpperBound())
		}
		prev = b.GetCumulativeCount()
	}
	// The last finite bucket, le=1024 (maxBatch), holds every batch.
	prev = ha.Bucket[len(ha.Bucket)-2].GetCumulativeCount()
	if got := strings.Join(bounds, " "); got != "1 2 4 8 16 32 64 128 256 512 1024 +Inf" {
		t.Errorf("bucket bounds %s", got)
	}
	if prev != ha.GetSampleCount() {
		t.Errorf("le=1024 holds %d batches of %d: maxBatch is 1024", prev, ha.GetSampleCount())
	}

	uptime := busyAfter.sum("redis_uptime_in_seconds", nil) + 1
	for sh := 0; sh < 2; sh++ {
		m := map[string]string{"shard": strconv.Itoa(sh)}
		b, a := before.sum("shoal_shard_busy_seconds_total", m), busyAfter.sum("shoal_shard_busy_seconds_total", m)
		if a <= b || a > uptime {
			t.Errorf("%s went from %v to %v (uptime %v): it should grow with the SETs and stay below wall time",
				sel("shoal_shard_busy_seconds_total", m), b, a, uptime)
		}
	}
	loops := busyAfter.series("shoal_event_loop_busy_seconds_total", nil)
	if len(loops) == 0 {
		t.Fatal("shoal_event_loop_busy_seconds_total has no series")
	}
	if a, b := busyAfter.sum("shoal_event_loop_busy_seconds_total", nil), before.sum("shoal_event_loop_busy_seconds_total", nil); a <= b {
		t.Errorf("event loop busy seconds did not grow: %v -> %v", b, a)
	}
	for k, v := range loops {
		if v > uptime {
			t.Errorf("loop %s busy %v s, more than the uptime %v s", k, v, uptime)
		}
	}

	for name, typ := range map[string]dto.MetricType{
		"go_gc_duration_seconds":           dto.MetricType_SUMMARY,
		"go_sched_pauses_total_gc_seconds": dto.MetricType_HISTOGRAM,
		"go_memstats_heap_alloc_bytes":     dto.MetricType_GAUGE,
	} {
		if fam := after.fams[name]; fam == nil || fam.GetType() != typ {
			t.Errorf("%s: want a %v, got %v", name, typ, fam)
		}
	}
}
