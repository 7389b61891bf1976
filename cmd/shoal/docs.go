package main

import (
	"fmt"
	"sort"
	"strings"

	"github.com/shoal-db/shoal/netloop"
	"github.com/shoal-db/shoal/shard"
)

// commandsMarkdown renders the command table as the README's command list,
// grouped as COMMAND DOCS groups them, so the README cannot drift from the
// table (docs_test.go checks it).
func commandsMarkdown() string {
	t := netloop.CommandTable()
	groups := map[string][]*shard.Command{}
	for _, c := range t.Commands() {
		groups[c.Group] = append(groups[c.Group], c)
	}
	names := make([]string, 0, len(groups))
	for g := range groups {
		names = append(names, g)
	}
	sort.Strings(names)
	var b strings.Builder
	fmt.Fprintf(&b, "%d commands.\n\n| group | commands |\n|---|---|\n", t.Len())
	for _, g := range names {
		var cmds []string
		for _, c := range groups[g] {
			name := strings.ToUpper(c.Name)
			if len(c.Subcommands) > 0 {
				var subs []string
				for _, s := range c.Subcommands {
					subs = append(subs, strings.ToUpper(s.Name[strings.IndexByte(s.Name, '|')+1:]))
				}
				name += " (" + strings.Join(subs, ", ") + ")"
			}
			cmds = append(cmds, name)
		}
		fmt.Fprintf(&b, "| %s | %s |\n", g, strings.Join(cmds, ", "))
	}
	return b.String()
}

// directivesMarkdown renders the configuration directives with defaults.
func directivesMarkdown() string {
	inert := map[string]bool{}
	for _, n := range netloop.Inert() {
		inert[n] = true
	}
	var b strings.Builder
	b.WriteString("| directive | default | note |\n|---|---|---|\n")
	for _, d := range netloop.Directives() {
		note := ""
		if inert[d[0]] {
			note = "accepted and shown by CONFIG GET; no effect yet"
		}
		def := d[1]
		if def == "" {
			def = `""`
		}
		fmt.Fprintf(&b, "| `%s` | `%s` | %s |\n", d[0], def, note)
	}
	return b.String()
}
