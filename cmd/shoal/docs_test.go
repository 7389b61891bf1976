package main

import (
	"flag"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite README.md's generated blocks")

// TestREADMEGenerated checks that README's command and directive lists are
// the ones the code generates; run with -update to rewrite them.
func TestREADMEGenerated(t *testing.T) {
	const path = "../../README.md"
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	for _, blk := range []struct{ name, body string }{
		{"commands", commandsMarkdown()},
		{"directives", directivesMarkdown()},
	} {
		begin, end := "<!-- "+blk.name+":begin -->\n", "<!-- "+blk.name+":end -->"
		i, j := strings.Index(readme, begin), strings.Index(readme, end)
		if i < 0 || j < i {
			t.Fatalf("README.md lacks the %s markers", blk.name)
		}
		got := readme[i+len(begin) : j]
		if got == blk.body {
			continue
		}
		if !*update {
			t.Errorf("README.md's %s block is stale; run: go test ./cmd/shoal -run README -update", blk.name)
			continue
		}
		readme = readme[:i+len(begin)] + blk.body + readme[j:]
	}
	if *update {
		if err := os.WriteFile(path, []byte(readme), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
