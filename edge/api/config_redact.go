package api

import (
	"reflect"
	"strings"

	"github.com/cuecast/cuecast/edge/config"
)

// Redacted replaces every secret in what the API shows (GET /api/v1/config,
// the export). A PUT that carries it back for a secret keeps the running
// value, so GET, edit, PUT round-trips without the client ever seeing a
// secret.
const Redacted = "REDACTED"

// Secrets are the config's string fields tagged json:"-": the config
// package's convention for "never show this" (http.token, mqtt.password,
// hw.projector.password). Finding them by tag means a secret added to a new
// section is redacted here without anyone remembering to list it.
func isSecret(f reflect.StructField) bool {
	return f.Type.Kind() == reflect.String && f.Tag.Get("json") == "-"
}

// redact returns c with every non-empty secret replaced by Redacted. An empty
// secret stays empty: "not set" is not a secret, and the UI needs to know
// that commands are disabled.
func redact(c config.Config) config.Config {
	walkSecrets(reflect.ValueOf(&c).Elem(), reflect.Value{}, func(v, _ reflect.Value) {
		if v.String() != "" {
			v.SetString(Redacted)
		}
	})
	return c
}

// restoreSecrets sets every secret of c that holds Redacted to the value in
// cur, and reports whether it changed anything.
func restoreSecrets(c *config.Config, cur config.Config) bool {
	changed := false
	walkSecrets(reflect.ValueOf(c).Elem(), reflect.ValueOf(&cur).Elem(), func(v, old reflect.Value) {
		if v.String() == Redacted {
			v.SetString(old.String())
			changed = true
		}
	})
	return changed
}

// walkSecrets calls fn for every secret field of v (a struct), with the
// matching field of other when other is valid.
func walkSecrets(v, other reflect.Value, fn func(v, other reflect.Value)) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		var o reflect.Value
		if other.IsValid() {
			o = other.Field(i)
		}
		switch {
		case isSecret(f):
			fn(v.Field(i), o)
		case f.Type.Kind() == reflect.Struct:
			walkSecrets(v.Field(i), o, fn)
		}
	}
}

func tomlName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
	if name == "" {
		name = f.Name
	}
	return name
}
