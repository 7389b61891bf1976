package main

import (
	"testing"

	dto "github.com/prometheus/client_model/go"

	"github.com/shoal-db/shoal/netloop/servertest"
)

// TestMetricsCommandLatencyHistogram checks shoal_command_latency_seconds:
// one histogram per command with calls, whose count matches the calls and
// whose buckets place a 20 ms DEBUG SLEEP above 20 ms.
func TestMetricsCommandLatencyHistogram(t *testing.T) {
	srv, url := metricsServer(t, "--shards", "2")
	r := servertest.Dial(t, srv.Addr)
	for i := 0; i < 7; i++ {
		r.Do("SET", "k", "v")
	}
	r.Do("DEBUG", "SLEEP", "0.02")
	fam := scrape(t, url).fams["shoal_command_latency_seconds"]
	if fam == nil || fam.GetType() != dto.MetricType_HISTOGRAM {
		t.Fatalf("shoal_command_latency_seconds missing or not a histogram: %v", fam)
	}
	hist := map[string]*dto.Histogram{}
	for _, m := range fam.Metric {
		for _, lp := range m.Label {
			if lp.GetName() == "cmd" {
				hist[lp.GetValue()] = m.Histogram
			}
		}
	}
	if h := hist["set"]; h == nil || h.GetSampleCount() != 7 || h.GetSampleSum() <= 0 {
		t.Errorf("set: %v", h)
	}
	h := hist["debug"]
	if h == nil || h.GetSampleCount() != 1 || h.GetSampleSum() < 0.02 {
		t.Fatalf("debug: %v", h)
	}
	// The sleep lasts at least 20 ms: no bucket below that holds it, and
	// the last one (about 1 s) does.
	for _, b := range h.Bucket {
		if b.GetUpperBound() < 0.02 && b.GetCumulativeCount() != 0 {
			t.Errorf("debug bucket le=%v has %d", b.GetUpperBound(), b.GetCumulativeCount())
		}
	}
	if last := h.Bucket[len(h.Bucket)-1]; last.GetUpperBound() < 1 || last.GetCumulativeCount() != 1 {
		t.Errorf("last bucket %v", last)
	}
}
