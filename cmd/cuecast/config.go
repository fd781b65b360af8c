package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	toml "github.com/pelletier/go-toml/v2"

	"github.com/cuecast/cuecast/edge/api"
	"github.com/cuecast/cuecast/edge/config"
)

func init() {
	register("config", "check a config file, or print the defaults (config check FILE | config defaults)", runConfig)
}

func runConfig(args []string) int {
	fs := flag.NewFlagSet("config", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: cuecast config check FILE   validate without starting anything (exit 2 on problems)")
		fmt.Fprintln(os.Stderr, "       cuecast config defaults     print the built-in defaults as TOML")
		fmt.Fprintln(os.Stderr, "       cuecast config example      the defaults with every key explained (a starting file)")
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	switch {
	case fs.NArg() == 2 && fs.Arg(0) == "check":
		return checkConfig(fs.Arg(1))
	case fs.NArg() == 1 && fs.Arg(0) == "defaults":
		b, err := toml.Marshal(config.Default())
		if err != nil {
			fmt.Fprintln(os.Stderr, "cuecast config:", err)
			return 1
		}
		os.Stdout.Write(b)
		return 0
	case fs.NArg() == 1 && fs.Arg(0) == "example":
		b, err := toml.Marshal(config.Default())
		if err != nil {
			fmt.Fprintln(os.Stderr, "cuecast config:", err)
			return 1
		}
		os.Stdout.WriteString(annotate(string(b)))
		return 0
	default:
		fs.Usage()
		return 2
	}
}

// annotate puts each key's documentation above it as a comment and
// comments the values out: an example file states only what it changes.
func annotate(doc string) string {
	var b strings.Builder
	b.WriteString("# cuecast configuration (/etc/cuecast/cuecast.toml).\n# Every key is optional: the values shown are the built-in defaults.\n# Uncomment and change what you need; `cuecast config check FILE` validates.\n")
	table := ""
	for _, line := range strings.Split(doc, "\n") {
		t := strings.TrimSpace(line)
		switch {
		case t == "":
			b.WriteString("\n")
		case strings.HasPrefix(t, "["):
			table = strings.Trim(t, "[]")
			comment(&b, api.ConfigDoc(table), "")
			b.WriteString(t + "\n")
		default:
			key, _, _ := strings.Cut(t, "=")
			key = strings.TrimSpace(key)
			full := key
			if table != "" {
				full = table + "." + key
			}
			comment(&b, api.ConfigDoc(full), "")
			b.WriteString("# " + t + "\n")
		}
	}
	return b.String()
}

func comment(b *strings.Builder, text, indent string) {
	if text == "" {
		return
	}
	line := indent + "#"
	for _, w := range strings.Fields(text) {
		if len(line)+1+len(w) > 98 {
			b.WriteString(line + "\n")
			line = indent + "#"
		}
		line += " " + w
	}
	b.WriteString(line + "\n")
}

func checkConfig(path string) int {
	_, err := config.Load(path)
	if err == nil {
		fmt.Printf("%s: ok\n", path)
		return 0
	}
	var ce *config.Error
	if errors.As(err, &ce) {
		for _, p := range ce.Problems {
			fmt.Fprintln(os.Stderr, p.String())
		}
		fmt.Fprintf(os.Stderr, "%s: %d problem(s)\n", path, len(ce.Problems))
		return 2
	}
	fmt.Fprintln(os.Stderr, err)
	return 2
}
