package api_test

import (
	"strings"
	"testing"

	toml "github.com/pelletier/go-toml/v2"

	"github.com/cuecast/cuecast/edge/config"
)

func mustTOML(t *testing.T, c config.Config) []byte {
	t.Helper()
	b, err := toml.Marshal(c)
	if err != nil {
		t.Fatalf("toml.Marshal: %v", err)
	}
	return b
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
