package config

import (
	"fmt"
	"strings"
	"testing"

	toml "github.com/pelletier/go-toml/v2"
)

// unknownKeysDoc is a config with n unknown keys under [box]: the shape of
// the field probe that took 69 s to refuse 40k of them when every problem's
// line was found by scanning the document from its start.
func unknownKeysDoc(n int) []byte {
	var b strings.Builder
	b.WriteString("[box]\nsite = \"club\"\n")
	for i := range n {
		fmt.Fprintf(&b, "unknown_key_%d = %d\n", i, i)
	}
	return []byte(b.String())
}

// BenchmarkParseUnknownKeys refuses documents of 1k..40k unknown keys; the
// time per key must stay flat (docs/bench/config.md).
func BenchmarkParseUnknownKeys(b *testing.B) {
	for _, n := range []int{1000, 10000, 40000} {
		doc := unknownKeysDoc(n)
		b.Run(fmt.Sprintf("keys=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(doc)))
			for b.Loop() {
				if _, err := Parse("big.toml", doc); err == nil {
					b.Fatal("Parse accepted unknown keys")
				}
			}
		})
	}
}

// BenchmarkParseFullConfig parses a valid document that sets every key (the
// defaults written out): what a reload or a PUT of a real config costs.
func BenchmarkParseFullConfig(b *testing.B) {
	doc, err := toml.Marshal(Default())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		if _, err := Parse("full.toml", doc); err != nil {
			b.Fatal(err)
		}
	}
}
