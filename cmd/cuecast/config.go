package main

import (
	"errors"
	"flag"
	"fmt"
	"os"

	toml "github.com/pelletier/go-toml/v2"

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
	default:
		fs.Usage()
		return 2
	}
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
