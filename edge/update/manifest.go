package update

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// ManifestFormat is the only manifest format this package reads.
const ManifestFormat = 1

// Bundle member names, in the order they must appear.
const (
	memberManifest = "manifest.json"
	memberSig      = "manifest.sig"
	memberKernel   = "kernel"
	memberInitrd   = "initrd"
	memberRoot     = "root.img"
)

// Size limits: far above what a real image needs, low enough that a hostile
// manifest cannot make us plan for absurd writes.
const (
	maxManifest = 64 << 10
	maxBoot     = 256 << 20 // kernel, initrd
	maxRoot     = 16 << 30
)

// Manifest describes a bundle; its exact bytes are what the signature covers.
type Manifest struct {
	Format  int    `json:"format"`
	Version string `json:"version"`
	// Cmdline is the kernel command line for this root, without root= (the
	// installer adds the slot's) and without systemd.machine_id= (kept from
	// the box's current entries).
	Cmdline string  `json:"cmdline"`
	Kernel  Payload `json:"kernel"`
	Initrd  Payload `json:"initrd"`
	Root    Payload `json:"root"`
	// Verity, when present, says root.img ends in a dm-verity hash tree
	// with this (signed) root hash; the installer checks the tree and puts
	// the root hash on the slot's kernel command line.
	Verity *Verity `json:"verity,omitempty"`
}

// Payload is one file of the bundle.
type Payload struct {
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"` // lower-case hex
}

var versionRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+~-]{0,63}$`)

// ParseManifest decodes and checks a manifest. Unknown fields are errors: a
// newer format must not be half-understood.
func ParseManifest(b []byte) (*Manifest, error) {
	var m Manifest
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("update: manifest: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("update: manifest: trailing data after the JSON object")
	}
	if err := m.validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

func (m *Manifest) validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("update: manifest: "+format, args...)
	}
	if m.Format != ManifestFormat {
		return bad("format %d, this box reads format %d (update cuecast first?)", m.Format, ManifestFormat)
	}
	if !versionRE.MatchString(m.Version) {
		return bad("version %q: want 1-64 letters, digits or ._+~-", m.Version)
	}
	if strings.ContainsAny(m.Cmdline, "\n\r\x00") {
		return bad("cmdline contains a line break or NUL")
	}
	for _, w := range strings.Fields(m.Cmdline) {
		if strings.HasPrefix(w, "root=") || strings.HasPrefix(w, "systemd.machine_id=") || strings.HasPrefix(w, verityOption+"=") {
			return bad("cmdline must not set %s (the installer sets it per slot and box)", strings.SplitN(w, "=", 2)[0])
		}
	}
	for _, p := range []struct {
		name string
		p    Payload
		max  int64
	}{{memberKernel, m.Kernel, maxBoot}, {memberInitrd, m.Initrd, maxBoot}, {memberRoot, m.Root, maxRoot}} {
		if p.p.Size <= 0 || p.p.Size > p.max {
			return bad("%s size %d out of range 1..%d", p.name, p.p.Size, p.max)
		}
		if b, err := hex.DecodeString(p.p.SHA256); err != nil || len(b) != 32 || strings.ToLower(p.p.SHA256) != p.p.SHA256 {
			return bad("%s sha256 %q is not 64 lower-case hex digits", p.name, p.p.SHA256)
		}
	}
	if m.Verity != nil {
		if err := m.Verity.validate(m.Root.Size); err != nil {
			return err
		}
	}
	return nil
}

// payloads lists the payload members in bundle order.
func (m *Manifest) payloads() []struct {
	name string
	p    Payload
} {
	return []struct {
		name string
		p    Payload
	}{{memberKernel, m.Kernel}, {memberInitrd, m.Initrd}, {memberRoot, m.Root}}
}
