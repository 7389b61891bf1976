package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v2"

	"github.com/shoal-db/shoal/netloop"
	"github.com/shoal-db/shoal/netloop/servertest"
)

const deployDir = "../../deploy"

// metricsServer starts a server with its metrics endpoint on a free port
// and returns it with the endpoint's URL.
func metricsServer(t *testing.T, args ...string) (*servertest.Server, string) {
	t.Helper()
	port := servertest.FreePort(t)
	srv := servertest.Start(t, append([]string{"--metrics-port", strconv.Itoa(port)}, args...)...)
	stop, err := startMetrics(srv.Srv)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return srv, fmt.Sprintf("http://127.0.0.1:%d/metrics", port)
}

// scrape fetches url and parses the text exposition format, which fails on
// any malformed line.
type scrapeResult struct {
	body string
	fams map[string]*dto.MetricFamily
}

func scrape(t *testing.T, url string) scrapeResult {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s\n%s", url, resp.Status, body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(string(body)))
	if err != nil {
		t.Fatalf("scrape does not parse: %v\n%s", err, body)
	}
	return scrapeResult{body: string(body), fams: fams}
}

// series returns the samples of a family whose labels include match, keyed
// by their full label set.
func (r scrapeResult) series(name string, match map[string]string) map[string]float64 {
	out := map[string]float64{}
	fam := r.fams[name]
	if fam == nil {
		return out
	}
next:
	for _, m := range fam.Metric {
		labels := map[string]string{}
		var key []string
		for _, lp := range m.Label {
			labels[lp.GetName()] = lp.GetValue()
			key = append(key, lp.GetName()+"="+lp.GetValue())
		}
		for k, v := range match {
			if labels[k] != v {
				continue next
			}
		}
		var v float64
		switch {
		case m.Counter != nil:
			v = m.Counter.GetValue()
		case m.Gauge != nil:
			v = m.Gauge.GetValue()
		case m.Untyped != nil:
			v = m.Untyped.GetValue()
		}
		out[strings.Join(key, ",")] = v
	}
	return out
}

// sum adds the samples of a family whose labels include match.
func (r scrapeResult) sum(name string, match map[string]string) float64 {
	var s float64
	for _, v := range r.series(name, match) {
		s += v
	}
	return s
}

// sel formats a series selector for messages: name{k="v",...}.
func sel(name string, match map[string]string) string {
	var kv []string
	for k, v := range match {
		kv = append(kv, fmt.Sprintf("%s=%q", k, v))
	}
	sort.Strings(kv)
	return name + "{" + strings.Join(kv, ",") + "}"
}

// names lists the sample names a scrape exposes (summaries and histograms
// add their _sum, _count and _bucket series).
func (r scrapeResult) names() map[string]bool {
	out := map[string]bool{}
	for name, fam := range r.fams {
		out[name] = true
		switch fam.GetType() {
		case dto.MetricType_SUMMARY:
			out[name+"_sum"], out[name+"_count"] = true, true
		case dto.MetricType_HISTOGRAM:
			out[name+"_sum"], out[name+"_count"], out[name+"_bucket"] = true, true, true
		}
	}
	return out
}

func TestMetricsFollowLoad(t *testing.T) {
	srv, url := metricsServer(t, "--shards", "4")
	base := scrape(t, url)

	ck := func(name string, match map[string]string, want float64) {
		t.Helper()
		if got := scrape(t, url).sum(name, match); got != want {
			t.Errorf("%s = %v, want %v", sel(name, match), got, want)
		}
	}
	moved := func(now scrapeResult, name string, match map[string]string, want float64) {
		t.Helper()
		if got := now.sum(name, match) - base.sum(name, match); got != want {
			t.Errorf("%s moved by %v, want %v", sel(name, match), got, want)
		}
	}
	ck("redis_up", nil, 1)
	ck("redis_connected_clients", nil, 0)
	info := base.series("redis_instance_info", map[string]string{
		"redis_version": netloop.Version, "role": "master", "redis_mode": "standalone", "tcp_port": strconv.Itoa(srv.Port),
	})
	if len(info) != 1 {
		t.Errorf("redis_instance_info: got %v, want one series for port %d", info, srv.Port)
	}

	a := servertest.Dial(t, srv.Addr)
	b := servertest.Dial(t, srv.Addr)
	do := func(r *servertest.Raw, want string, args ...string) {
		t.Helper()
		if got := r.Do(args...); got != want {
			t.Fatalf("%q: got %q, want %q", args, got, want)
		}
	}
	for i := 0; i < 100; i++ {
		do(a, "+OK\r\n", "SET", fmt.Sprintf("key:%d", i), "v")
	}
	for i := 0; i < 50; i++ {
		do(a, "$1\r\nv\r\n", "GET", fmt.Sprintf("key:%d", i))
	}
	for i := 0; i < 30; i++ {
		do(a, "$-1\r\n", "GET", fmt.Sprintf("missing:%d", i))
	}
	do(a, "-ERR value is not an integer or out of range\r\n", "INCRBY", "key:0", "x")
	// Expired by the active cycle or by the GET: either way one expired
	// key and one miss.
	do(a, "+OK\r\n", "SET", "gone", "v", "PX", "1")
	time.Sleep(20 * time.Millisecond)
	do(a, "$-1\r\n", "GET", "gone")

	do(b, "+OK\r\n", "SELECT", "3")
	for i := 0; i < 20; i++ {
		args := []string{"SET", fmt.Sprintf("k3:%d", i), "v"}
		if i < 5 {
			args = append(args, "EX", "1000")
		}
		do(b, "+OK\r\n", args...)
	}
	do(b, "+OK\r\n", "SELECT", "7")
	mset := []string{"MSET"}
	shardsOfMset := map[int]bool{}
	for i := 0; i < 8; i++ {
		k := fmt.Sprintf("m:%d", i)
		mset = append(mset, k, "v")
		shardsOfMset[srv.Srv.Engine.ShardOf([]byte(k))] = true
	}
	do(b, "+OK\r\n", mset...)

	now := scrape(t, url)
	for _, c := range []struct {
		cmd           string
		calls, failed float64
	}{
		{"set", 100 + 1 + 20, 0},
		{"get", 50 + 30 + 1, 0},
		{"incrby", 1, 1},
		{"select", 2, 0},
		{"mset", 1, 0},
	} {
		moved(now, "redis_commands_total", map[string]string{"cmd": c.cmd}, c.calls)
		moved(now, "redis_commands_failed_calls_total", map[string]string{"cmd": c.cmd}, c.failed)
		if len(now.series("redis_commands_duration_seconds_total", map[string]string{"cmd": c.cmd})) != 1 {
			t.Errorf("no redis_commands_duration_seconds_total for %s", c.cmd)
		}
	}
	perCmd := now.sum("redis_commands_total", nil) - base.sum("redis_commands_total", nil)
	moved(now, "redis_commands_processed_total", nil, perCmd)
	// Every command above but the two SELECTs ran under a shard's token.
	moved(now, "shoal_shard_commands_total", nil, perCmd-2)
	moved(now, "redis_keyspace_hits_total", nil, 50)
	moved(now, "redis_keyspace_misses_total", nil, 31)
	moved(now, "redis_expired_keys_total", nil, 1)
	moved(now, "redis_connections_received_total", nil, 2)
	if len(shardsOfMset) > 1 {
		moved(now, "shoal_shard_multi_shard_commands_total", nil, float64(len(shardsOfMset)))
	}
	for _, name := range []string{"redis_net_input_bytes_total", "redis_net_output_bytes_total"} {
		if now.sum(name, nil) <= base.sum(name, nil) {
			t.Errorf("%s did not grow: %v", name, now.sum(name, nil))
		}
	}
	if got := now.sum("redis_connected_clients", nil); got != 2 {
		t.Errorf("redis_connected_clients = %v, want 2", got)
	}

	for _, c := range []struct {
		db             string
		keys, expiring float64
	}{{"db0", 100, 0}, {"db3", 20, 5}, {"db7", 8, 0}} {
		db := map[string]string{"db": c.db}
		if got := now.sum("redis_db_keys", db); got != c.keys {
			t.Errorf("redis_db_keys{db=%q} = %v, want %v", c.db, got, c.keys)
		}
		if got := now.sum("redis_db_keys_expiring", db); got != c.expiring {
			t.Errorf("redis_db_keys_expiring{db=%q} = %v, want %v", c.db, got, c.expiring)
		}
		perShard := now.series("shoal_shard_keys", db)
		if len(perShard) != 4 {
			t.Errorf("shoal_shard_keys{db=%q}: %d series, want one per shard (4): %v", c.db, len(perShard), perShard)
		}
		if got := now.sum("shoal_shard_keys", db); got != c.keys {
			t.Errorf("shoal_shard_keys{db=%q} sum to %v, want %v", c.db, got, c.keys)
		}
	}
	// 100 keys hashed over 4 shards leave none empty (odds against: 1e-12).
	for k, v := range now.series("shoal_shard_keys", map[string]string{"db": "db0"}) {
		if v == 0 {
			t.Errorf("shoal_shard_keys{%s} = 0: keys did not spread over shards", k)
		}
	}
	if s := now.series("redis_db_keys", map[string]string{"db": "db5"}); len(s) != 0 {
		t.Errorf("empty db5 is exported: %v", s)
	}

	// With inline execution off every batch hops to its shard's goroutine.
	do(a, "+OK\r\n", "CONFIG", "SET", "shard-inline-exec", "no")
	hopShard := strconv.Itoa(srv.Srv.Engine.ShardOf([]byte("key:1")))
	beforeHops := scrape(t, url)
	for i := 0; i < 10; i++ {
		do(a, "$1\r\nv\r\n", "GET", "key:1")
	}
	afterHops := scrape(t, url)
	for i := 0; i < 4; i++ {
		sh := map[string]string{"shard": strconv.Itoa(i)}
		want := 0.0
		if sh["shard"] == hopShard {
			want = 10
		}
		if got := afterHops.sum("shoal_shard_hops_total", sh) - beforeHops.sum("shoal_shard_hops_total", sh); got != want {
			t.Errorf("shoal_shard_hops_total{shard=%s} moved by %v, want %v", sh["shard"], got, want)
		}
	}

	// A client blocked on a list shows until it leaves.
	blk := servertest.Dial(t, srv.Addr)
	blk.Send([]byte("*3\r\n$5\r\nBLPOP\r\n$4\r\nlist\r\n$1\r\n0\r\n"))
	deadline := time.Now().Add(10 * time.Second)
	for scrape(t, url).sum("redis_blocked_clients", nil) != 1 {
		if time.Now().After(deadline) {
			t.Fatal("redis_blocked_clients never reached 1")
		}
		time.Sleep(10 * time.Millisecond)
	}
	ck("redis_connected_clients", nil, 3)
	do(a, ":1\r\n", "RPUSH", "list", "x")
	if got := blk.Read(); got != "*2\r\n$4\r\nlist\r\n$1\r\nx\r\n" {
		t.Fatalf("BLPOP got %q", got)
	}
	ck("redis_blocked_clients", nil, 0)

	for _, name := range []string{"go_goroutines", "go_gc_duration_seconds", "process_resident_memory_bytes", "shoal_build_info"} {
		if now.fams[name] == nil {
			t.Errorf("%s is not exported", name)
		}
	}
	problems, err := promlint.New(strings.NewReader(now.body)).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("promlint: %s: %s", p.Metric, p.Text)
	}
}

func TestMetricsListener(t *testing.T) {
	srv := servertest.Start(t, "--metrics-port", "0")
	stop, err := startMetrics(srv.Srv)
	if err != nil {
		t.Fatalf("metrics-port 0: %v", err)
	}
	stop()

	// A bad address fails at startup, not at the first scrape.
	taken := servertest.Start(t, "--metrics-port", strconv.Itoa(srv.Port))
	if _, err := startMetrics(taken.Srv); err == nil {
		t.Errorf("metrics on the Redis port %d of another server: no error", srv.Port)
	}
}

// loadedScrape returns a scrape after enough commands that every family
// with per-command, per-db or per-shard series has some.
func loadedScrape(t *testing.T) scrapeResult {
	t.Helper()
	srv, url := metricsServer(t, "--shards", "2")
	raw := servertest.Dial(t, srv.Addr)
	for _, args := range [][]string{{"SET", "a", "1"}, {"GET", "a"}, {"GET", "b"}, {"MSET", "x", "1", "y", "2", "z", "3"}} {
		raw.Do(args...)
	}
	return scrape(t, url)
}

// metricRef finds the metric names that a PromQL expression uses: every
// exported family has one of these prefixes.
var metricRef = regexp.MustCompile(`\b(?:redis|shoal|go|process)_[a-zA-Z0-9_]+\b`)

// dashboardExprs returns the PromQL of the dashboard's panels, and the
// queries of its template variables.
func dashboardExprs(t *testing.T) (panels, variables []string) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(deployDir, "grafana/shoal.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
		Templating struct {
			List []struct {
				Type  string `json:"type"`
				Query any    `json:"query"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("grafana/shoal.json: %v", err)
	}
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			panels = append(panels, tg.Expr)
		}
	}
	for _, v := range dash.Templating.List {
		if q, ok := v.Query.(map[string]any); ok && v.Type == "query" {
			variables = append(variables, fmt.Sprint(q["query"]))
		}
	}
	return panels, variables
}

func TestDashboardUsesExportedMetrics(t *testing.T) {
	scraped := loadedScrape(t)
	exported := scraped.names()
	panels, variables := dashboardExprs(t)
	if len(panels) < 20 || len(variables) == 0 {
		t.Fatalf("found %d panel queries and %d variable queries: the dashboard did not parse as expected", len(panels), len(variables))
	}
	used := map[string]bool{}
	for _, expr := range append(panels, variables...) {
		for _, name := range metricRef.FindAllString(expr, -1) {
			used[name] = true
			if !exported[name] {
				t.Errorf("dashboard queries %s, which is not exported: %s", name, expr)
			}
		}
	}
	for name := range exported {
		if fam := scraped.fams[name]; fam != nil && fam.GetType() == dto.MetricType_HISTOGRAM {
			continue // queried through its _bucket, _sum and _count series
		}
		if strings.HasPrefix(name, "shoal_") && !used[name] {
			t.Errorf("%s is not on the dashboard", name)
		}
	}

	// PromQL syntax: promtool parses each panel query as a recording rule.
	promtool := servertest.Binary(t, "promtool")
	vars := regexp.MustCompile(`\$[A-Za-z_]+`)
	type rule struct {
		Record string `yaml:"record"`
		Expr   string `yaml:"expr"`
	}
	var rules []rule
	for i, e := range panels {
		e = strings.ReplaceAll(e, "$__rate_interval", "1m")
		rules = append(rules, rule{Record: fmt.Sprintf("dashboard:panel_%d", i), Expr: vars.ReplaceAllString(e, ".*")})
	}
	out, err := yaml.Marshal(map[string]any{"groups": []any{map[string]any{"name": "dashboard", "rules": rules}}})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "dashboard-rules.yml")
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	runPromtool(t, promtool, nil, "check", "rules", path)
}

// replicaScrape scrapes a replica whose link to its master is up: some
// metrics only exist on replicas.
func replicaScrape(t *testing.T) scrapeResult {
	t.Helper()
	master := servertest.Start(t)
	srv, url := metricsServer(t, "--replicaof", "127.0.0.1", strconv.Itoa(master.Port))
	raw := servertest.Dial(t, srv.Addr)
	for i := 0; !strings.Contains(raw.Do("INFO", "replication"), "master_link_status:up"); i++ {
		if i > 500 {
			t.Fatal("the replica's link did not come up")
		}
		time.Sleep(10 * time.Millisecond)
	}
	return scrape(t, url)
}

func TestReplicaMetrics(t *testing.T) {
	r := replicaScrape(t)
	if got := r.sum("redis_master_link_up", nil); got != 1 {
		t.Errorf("redis_master_link_up = %v, want 1", got)
	}
	if got := r.series("redis_instance_info", map[string]string{"role": "slave"}); len(got) != 1 {
		t.Errorf("redis_instance_info{role=\"slave\"}: %v", got)
	}
}

func TestAlertRules(t *testing.T) {
	exported := loadedScrape(t).names()
	for name := range replicaScrape(t).names() {
		exported[name] = true
	}
	raw, err := os.ReadFile(filepath.Join(deployDir, "prometheus/alerts.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Groups []struct {
			Rules []struct {
				Alert string `yaml:"alert"`
				Expr  string `yaml:"expr"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	if err := yaml.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, g := range file.Groups {
		for _, r := range g.Rules {
			n++
			for _, name := range metricRef.FindAllString(r.Expr, -1) {
				if !exported[name] {
					t.Errorf("alert %s uses %s, which is not exported", r.Alert, name)
				}
			}
		}
	}
	if n < 5 {
		t.Fatalf("found %d alert rules", n)
	}

	promtool := servertest.Binary(t, "promtool")
	runPromtool(t, promtool, nil, "check", "rules", filepath.Join(deployDir, "prometheus/alerts.yml"))
	runPromtool(t, promtool, nil, "test", "rules", filepath.Join(deployDir, "prometheus/alerts_test.yml"))
	runPromtool(t, promtool, nil, "check", "config", filepath.Join(deployDir, "prometheus/prometheus.yml"))
}

// TestPromtoolChecksScrape runs Prometheus's own exposition linter on a
// real scrape.
func TestPromtoolChecksScrape(t *testing.T) {
	promtool := servertest.Binary(t, "promtool")
	body := loadedScrape(t).body
	runPromtool(t, promtool, strings.NewReader(body), "check", "metrics")
}

func runPromtool(t *testing.T, promtool string, stdin io.Reader, args ...string) {
	t.Helper()
	cmd := exec.Command(promtool, args...)
	cmd.Stdin = stdin
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// TestShoalConfListsEveryDirective checks that deploy/shoal.conf sets every
// directive the server accepts, each at its default, so the example stays
// complete and truthful as directives are added or defaults change.
func TestShoalConfListsEveryDirective(t *testing.T) {
	path := filepath.Join(deployDir, "shoal.conf")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := netloop.ParseArgs([]string{path})
	if err != nil {
		t.Fatalf("shoal.conf does not load: %v", err)
	}
	defaults := netloop.NewConfig()
	dirs := netloop.Directives()
	if len(dirs) < 20 {
		t.Fatalf("netloop.Directives() lists %d directives", len(dirs))
	}
	for _, d := range dirs {
		name := d[0]
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `[ \t]`).Match(raw) {
			t.Errorf("shoal.conf does not set %s (default %q)", name, d[1])
			continue
		}
		if got, want := cfg.Get(name), defaults.Get(name); got != want {
			t.Errorf("shoal.conf sets %s to %q, but its default is %q", name, got, want)
		}
	}
}

// TestDeployFilesAgree checks that the Dockerfile, the systemd unit and the
// Kubernetes manifests start Shoal with arguments it accepts, and that the
// ports and selectors they name refer to each other.
func TestDeployFilesAgree(t *testing.T) {
	conf := filepath.Join(deployDir, "shoal.conf")
	read := func(name string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(deployDir, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	// parse runs ParseArgs on a command line that names the installed
	// config file, using the repository's copy instead.
	parse := func(where string, args []string) *netloop.Config {
		t.Helper()
		for i, a := range args {
			if a == "/etc/shoal/shoal.conf" {
				args[i] = conf
			}
		}
		cfg, err := netloop.ParseArgs(args)
		if err != nil {
			t.Fatalf("%s: %v", where, err)
		}
		return cfg
	}

	// Dockerfile: the entrypoint's arguments load, and EXPOSE names the
	// ports they listen on.
	var entry []string
	var exposed []string
	for _, line := range strings.Split(read("Dockerfile"), "\n") {
		if rest, ok := strings.CutPrefix(line, "ENTRYPOINT "); ok {
			if err := json.Unmarshal([]byte(rest), &entry); err != nil {
				t.Fatalf("Dockerfile ENTRYPOINT: %v", err)
			}
		}
		if rest, ok := strings.CutPrefix(line, "EXPOSE "); ok {
			exposed = strings.Fields(rest)
		}
	}
	if len(entry) < 2 {
		t.Fatalf("Dockerfile ENTRYPOINT: %q", entry)
	}
	image := parse("Dockerfile ENTRYPOINT", append([]string(nil), entry[1:]...))
	wantPorts := []string{strconv.Itoa(image.Int("port")), strconv.Itoa(image.Int("metrics-port"))}
	sort.Strings(exposed)
	sort.Strings(wantPorts)
	if strings.Join(exposed, " ") != strings.Join(wantPorts, " ") {
		t.Errorf("Dockerfile EXPOSE %v, but the image listens on %v", exposed, wantPorts)
	}
	if image.Get("metrics-bind") != "0.0.0.0" {
		t.Errorf("image metrics-bind = %q: unreachable from outside the container", image.Get("metrics-bind"))
	}

	// systemd unit.
	var execStart []string
	for _, line := range strings.Split(read("shoal.service"), "\n") {
		if rest, ok := strings.CutPrefix(line, "ExecStart="); ok {
			execStart = strings.Fields(rest)
		}
	}
	if len(execStart) < 2 {
		t.Fatalf("shoal.service ExecStart: %q", execStart)
	}
	parse("shoal.service ExecStart", execStart[1:])

	// Kubernetes.
	type labels = map[string]string
	type object struct {
		Kind     string
		Metadata struct {
			Name   string
			Labels labels
		}
		Spec struct {
			// A label map (Service) or {matchLabels: ...}.
			Selector map[string]any
			// StatefulSet
			ServiceName string `yaml:"serviceName"`
			Template    struct {
				Metadata struct{ Labels labels }
				Spec     struct {
					Containers []struct {
						Args  []string
						Ports []struct {
							Name          string
							ContainerPort int `yaml:"containerPort"`
						}
					}
				}
			}
			// Service
			ClusterIP string `yaml:"clusterIP"`
			Ports     []struct {
				Name       string
				TargetPort string `yaml:"targetPort"`
			}
			// ServiceMonitor
			Endpoints []struct{ Port, Path string }
		}
	}
	selector := func(o *object) labels {
		m := o.Spec.Selector
		if ml, ok := m["matchLabels"].(map[any]any); ok {
			m = map[string]any{}
			for k, v := range ml {
				m[fmt.Sprint(k)] = v
			}
		}
		out := labels{}
		for k, v := range m {
			out[k] = fmt.Sprint(v)
		}
		return out
	}
	var objs []*object
	for _, file := range []string{"statefulset.yaml", "service.yaml", "servicemonitor.yaml"} {
		dec := yaml.NewDecoder(strings.NewReader(read("kubernetes/" + file)))
		for {
			o := new(object)
			if err := dec.Decode(o); err == io.EOF {
				break
			} else if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			objs = append(objs, o)
		}
	}
	subset := func(sel, of labels) bool {
		for k, v := range sel {
			if of[k] != v {
				return false
			}
		}
		return len(sel) > 0
	}
	byKind := map[string][]*object{}
	for _, o := range objs {
		byKind[o.Kind] = append(byKind[o.Kind], o)
	}
	if len(byKind["StatefulSet"]) != 1 || len(byKind["Service"]) == 0 || len(byKind["ServiceMonitor"]) != 1 {
		t.Fatalf("manifests: %d StatefulSet, %d Service, %d ServiceMonitor", len(byKind["StatefulSet"]), len(byKind["Service"]), len(byKind["ServiceMonitor"]))
	}
	sts := byKind["StatefulSet"][0]
	pod := sts.Spec.Template.Metadata.Labels
	if !subset(selector(sts), pod) {
		t.Errorf("StatefulSet selector %v does not match its pods %v", selector(sts), pod)
	}
	if len(sts.Spec.Template.Spec.Containers) != 1 {
		t.Fatalf("StatefulSet has %d containers", len(sts.Spec.Template.Spec.Containers))
	}
	ctr := sts.Spec.Template.Spec.Containers[0]
	args := append(append([]string(nil), entry[1:]...), ctr.Args...)
	for i := range args {
		args[i] = regexp.MustCompile(`\$\([A-Z_]+\)`).ReplaceAllString(args[i], "secret")
	}
	pcfg := parse("StatefulSet args after the image entrypoint", args)
	ctrPorts := map[string]int{}
	for _, p := range ctr.Ports {
		ctrPorts[p.Name] = p.ContainerPort
	}
	if ctrPorts["redis"] != pcfg.Int("port") || ctrPorts["metrics"] != pcfg.Int("metrics-port") {
		t.Errorf("container ports %v, but the pod listens on %d and %d", ctrPorts, pcfg.Int("port"), pcfg.Int("metrics-port"))
	}
	services := map[string]*object{}
	for _, svc := range byKind["Service"] {
		services[svc.Metadata.Name] = svc
		if !subset(selector(svc), pod) {
			t.Errorf("Service %s selector %v does not match the pods %v", svc.Metadata.Name, selector(svc), pod)
		}
		for _, p := range svc.Spec.Ports {
			if _, ok := ctrPorts[p.TargetPort]; !ok {
				t.Errorf("Service %s port %s targets %q, not a container port", svc.Metadata.Name, p.Name, p.TargetPort)
			}
		}
	}
	if h := services[sts.Spec.ServiceName]; h == nil || h.Spec.ClusterIP != "None" {
		t.Errorf("StatefulSet serviceName %q is not a headless Service", sts.Spec.ServiceName)
	}
	sm := byKind["ServiceMonitor"][0]
	for _, ep := range sm.Spec.Endpoints {
		found := false
		for _, svc := range byKind["Service"] {
			if !subset(selector(sm), svc.Metadata.Labels) {
				continue
			}
			for _, p := range svc.Spec.Ports {
				found = found || p.Name == ep.Port
			}
		}
		if !found || ep.Path != "/metrics" {
			t.Errorf("ServiceMonitor endpoint %+v matches no selected Service port serving /metrics", ep)
		}
	}
}
