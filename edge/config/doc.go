// Package config is cuecast's one configuration file: a TOML document in
// which every key has a default, so the daemon runs with no file at all.
//
// Each top-level table ([box], [mqtt], ...) is a section type in its own
// file, with its defaults (default<Section>) and its checks (validate). Load
// decodes strictly: an unknown key, a value of the wrong type or a value out
// of range is an *Error that names the file, the line and the key. Parsing
// takes time linear in the document (strict.go: 40k unknown keys are refused
// in about 0.1 s, docs/bench/config.md); a document is at most MaxFileBytes
// (1 MiB: Load never reads more, /dev/zero included) and may start with a
// UTF-8 byte order mark. A Config
// is a plain value: a reload builds a whole new one and swaps it in only if it
// is valid, so nothing is ever half-applied.
package config
