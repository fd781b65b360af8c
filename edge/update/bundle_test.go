package update

import (
	"archive/tar"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCreateVerifyRoundTrip(t *testing.T) {
	f := newFixture(t)
	path, want := f.bundle(t, f.priv, 300_000)
	b, err := os.Open(path)
	must(t, err)
	defer b.Close()
	got, err := Verify(b, f.pub)
	if err != nil {
		t.Fatalf("Verify(good bundle) = %v", err)
	}
	if *got != *want {
		t.Errorf("Verify manifest = %+v, want %+v", got, want)
	}
	root, _ := os.ReadFile(filepath.Join(f.dir, "root.img"))
	if sum := sha256.Sum256(root); hex.EncodeToString(sum[:]) != got.Root.SHA256 || int64(len(root)) != got.Root.Size {
		t.Errorf("manifest root = %+v, does not describe root.img", got.Root)
	}
}

// Every way a bundle can be wrong is a *RejectedError.
func TestVerifyRejects(t *testing.T) {
	f := newFixture(t)
	k, i, r := f.payloads(t, 5000)
	var payloads [][]byte
	for _, p := range []string{k, i, r} {
		b, err := os.ReadFile(p)
		must(t, err)
		payloads = append(payloads, b)
	}
	m := &Manifest{Format: 1, Version: "3.0", Cmdline: "ro"}
	for j, p := range []*Payload{&m.Kernel, &m.Initrd, &m.Root} {
		sum := sha256.Sum256(payloads[j])
		*p = Payload{Size: int64(len(payloads[j])), SHA256: hex.EncodeToString(sum[:])}
	}
	mb := manifestBytes(t, m)
	sign := func(b []byte) []byte { return ed25519.Sign(f.priv, b) }
	_, otherKey, _ := ed25519.GenerateKey(rand.Reader)
	flipped := func(j int) [][]byte {
		c := [][]byte{payloads[0], payloads[1], bytes.Clone(payloads[2])}
		c[j] = bytes.Clone(payloads[j])
		c[j][len(c[j])/2] ^= 1
		return c
	}
	edited := bytes.Replace(mb, []byte(`"3.0"`), []byte(`"3.1"`), 1)
	wrongHash := *m
	wrongHash.Root.SHA256 = strings.Repeat("0", 64)
	whb := manifestBytes(t, &wrongHash)
	badFormat := *m
	badFormat.Format = 2
	bfb := manifestBytes(t, &badFormat)
	withRoot := *m
	withRoot.Cmdline = "ro root=/dev/sda1"
	wrb := manifestBytes(t, &withRoot)

	cases := []struct {
		name string
		path string
		want string
	}{
		{"good control", f.rawBundle(t, "ok", mb, sign(mb), m, payloads), ""},
		{"other key", f.rawBundle(t, "k", mb, ed25519.Sign(otherKey, mb), m, payloads), "signature does not verify"},
		{"manifest edited after signing", f.rawBundle(t, "e", edited, sign(mb), m, payloads), "signature does not verify"},
		{"short signature", f.rawBundle(t, "s", mb, sign(mb)[:10], m, payloads), "signature is 10 bytes"},
		{"root byte flipped", f.rawBundle(t, "r", mb, sign(mb), m, flipped(2)), "root.img sha256"},
		{"kernel byte flipped", f.rawBundle(t, "kf", mb, sign(mb), m, flipped(0)), "kernel sha256"},
		{"signed manifest with wrong hash", f.rawBundle(t, "w", whb, sign(whb), &wrongHash, payloads), "root.img sha256"},
		{"unknown format", f.rawBundle(t, "f", bfb, sign(bfb), &badFormat, payloads), "format 2"},
		{"cmdline sets root", f.rawBundle(t, "c", wrb, sign(wrb), &withRoot, payloads), "must not set root"},
		{"not a tar", writeTemp(t, f.dir, "junk", bytes.Repeat([]byte("x"), 2048)), "archive"},
		{"empty", writeTemp(t, f.dir, "empty", nil), "archive ends"},
	}
	// A truncated bundle: the good one cut inside root.img.
	good, _ := os.ReadFile(cases[0].path)
	cases = append(cases, struct{ name, path, want string }{"truncated", writeTemp(t, f.dir, "trunc", good[:len(good)-3000]), "root.img"})
	// A member out of order: the signature first.
	var tb bytes.Buffer
	tw := tar.NewWriter(&tb)
	for _, mem := range []struct {
		name string
		b    []byte
	}{{memberSig, sign(mb)}, {memberManifest, mb}} {
		must(t, tw.WriteHeader(&tar.Header{Name: mem.name, Mode: 0o644, Size: int64(len(mem.b)), Typeflag: tar.TypeReg}))
		tw.Write(mem.b)
	}
	must(t, tw.Close())
	cases = append(cases, struct{ name, path, want string }{"order", writeTemp(t, f.dir, "order", tb.Bytes()), `"manifest.sig" where "manifest.json" belongs`})

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, err := os.Open(c.path)
			must(t, err)
			defer b.Close()
			_, err = Verify(b, f.pub)
			if c.want == "" {
				if err != nil {
					t.Fatalf("Verify = %v, want nil", err)
				}
				return
			}
			var re *RejectedError
			if !errors.As(err, &re) {
				t.Fatalf("Verify = %v (%T), want *RejectedError", err, err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("Verify = %q, want it to mention %q", err, c.want)
			}
		})
	}
}

func TestKeysPEMRoundTrip(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "k.pem")
	must(t, GenerateKey(path))
	if err := GenerateKey(path); err == nil {
		t.Error("GenerateKey over an existing key = nil, want an error")
	}
	priv, err := LoadPrivateKey(path)
	must(t, err)
	pub, err := LoadPublicKey(path + ".pub")
	must(t, err)
	if !pub.Equal(priv.Public()) {
		t.Error("public key file does not match the private key")
	}
	if _, err := LoadPublicKey(path); err == nil {
		t.Error("LoadPublicKey(private key file) = nil error")
	}
}

func writeTemp(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	must(t, os.WriteFile(p, b, 0o644))
	return p
}
