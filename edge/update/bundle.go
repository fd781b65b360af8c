package update

import (
	"archive/tar"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// RejectedError is a bundle that must not be installed: bad signature, wrong
// hash or size, malformed archive or manifest. Nothing was written.
type RejectedError struct{ Reason error }

func (e *RejectedError) Error() string { return "update: bundle rejected: " + e.Reason.Error() }
func (e *RejectedError) Unwrap() error { return e.Reason }

func reject(format string, args ...any) error {
	return &RejectedError{fmt.Errorf(format, args...)}
}

// Create hashes the payload files, signs a manifest for them with key and
// writes the bundle to w.
func Create(w io.Writer, key ed25519.PrivateKey, version, cmdline, kernel, initrd, root string) (*Manifest, error) {
	return CreateVerity(w, key, version, cmdline, kernel, initrd, root, nil)
}

// CreateVerity is Create for a root.img that ends in the dm-verity hash tree
// v describes (nil: none). The tree is checked against the data before
// anything is signed.
func CreateVerity(w io.Writer, key ed25519.PrivateKey, version, cmdline, kernel, initrd, root string, v *Verity) (*Manifest, error) {
	m := &Manifest{Format: ManifestFormat, Version: version, Cmdline: cmdline, Verity: v}
	for _, f := range []struct {
		path string
		p    *Payload
	}{{kernel, &m.Kernel}, {initrd, &m.Initrd}, {root, &m.Root}} {
		p, err := hashFile(f.path)
		if err != nil {
			return nil, err
		}
		*f.p = p
	}
	if err := m.validate(); err != nil {
		return nil, err
	}
	if v != nil {
		if err := checkVerityFile(root, v); err != nil {
			return nil, err
		}
	}
	mb, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("update: encode manifest: %w", err)
	}
	mb = append(mb, '\n')
	files := make([]io.Reader, 0, 3)
	for _, path := range []string{kernel, initrd, root} {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("update: %w", err)
		}
		defer f.Close()
		files = append(files, f)
	}
	if err := writeBundle(w, mb, ed25519.Sign(key, mb), m, files); err != nil {
		return nil, err
	}
	return m, nil
}

// writeBundle writes the tar members. It is separate from Create so tests can
// write bundles whose manifest, signature or payloads disagree.
func writeBundle(w io.Writer, manifest, sig []byte, m *Manifest, payloads []io.Reader) error {
	tw := tar.NewWriter(w)
	now := time.Now().UTC().Truncate(time.Second)
	put := func(name string, size int64, r io.Reader) error {
		hdr := &tar.Header{Name: name, Mode: 0o644, Size: size, ModTime: now, Typeflag: tar.TypeReg, Format: tar.FormatPAX}
		if err := tw.WriteHeader(hdr); err != nil {
			return fmt.Errorf("update: write bundle: %w", err)
		}
		if _, err := io.CopyN(tw, r, size); err != nil {
			return fmt.Errorf("update: write bundle member %s: %w", name, err)
		}
		return nil
	}
	if err := put(memberManifest, int64(len(manifest)), bytes.NewReader(manifest)); err != nil {
		return err
	}
	if err := put(memberSig, int64(len(sig)), bytes.NewReader(sig)); err != nil {
		return err
	}
	for i, p := range m.payloads() {
		if err := put(p.name, p.p.Size, payloads[i]); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("update: write bundle: %w", err)
	}
	return nil
}

// checkVerityFile checks that the file at path carries the hash tree v
// describes, so that a bundle is never signed for a root that cannot boot.
func checkVerityFile(path string, v *Verity) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("update: %w", err)
	}
	defer f.Close()
	c := newVerityChecker(v)
	if _, err := io.Copy(c, f); err != nil {
		return fmt.Errorf("update: read %s: %w", path, err)
	}
	if err := c.finish(); err != nil {
		var re *RejectedError
		if errors.As(err, &re) {
			err = re.Reason
		}
		return fmt.Errorf("update: %s: %w", path, err)
	}
	return nil
}

func hashFile(path string) (Payload, error) {
	f, err := os.Open(path)
	if err != nil {
		return Payload{}, fmt.Errorf("update: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return Payload{}, fmt.Errorf("update: read %s: %w", path, err)
	}
	return Payload{Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// Verify reads a whole bundle from r and checks it against pub: signature
// first, then every payload's size and SHA-256. Errors about the bundle's
// content are *RejectedError.
func Verify(r io.Reader, pub ed25519.PublicKey) (*Manifest, error) {
	return readBundle(r, pub, nil)
}

// sinkFunc gives the writer a payload's bytes go to (nil: discard). It is
// called only after the signature has been checked.
type sinkFunc func(name string, p Payload) (io.Writer, error)

// readBundle walks the archive, checking as it goes. With a sink, payload
// bytes are written while being hashed, so a mismatch is only found after
// they were written: callers write only where an unverified payload is
// harmless (the inactive slot, whose boot entry is gone).
func readBundle(r io.Reader, pub ed25519.PublicKey, sink sinkFunc) (*Manifest, error) {
	tr := tar.NewReader(r)
	next := func(want string, maxSize int64) (*tar.Header, error) {
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil, reject("archive ends before member %s", want)
		}
		if err != nil {
			return nil, reject("archive: %v (is this a cuecast bundle?)", err)
		}
		if hdr.Name != want {
			return nil, reject("member %q where %q belongs (members: manifest.json, manifest.sig, kernel, initrd, root.img)", hdr.Name, want)
		}
		if hdr.Typeflag != tar.TypeReg {
			return nil, reject("member %s is not a regular file", want)
		}
		if hdr.Size < 0 || hdr.Size > maxSize {
			return nil, reject("member %s is %d bytes, at most %d allowed", want, hdr.Size, maxSize)
		}
		return hdr, nil
	}
	if _, err := next(memberManifest, maxManifest); err != nil {
		return nil, err
	}
	mb, err := io.ReadAll(tr)
	if err != nil {
		return nil, reject("read manifest: %v", err)
	}
	if _, err := next(memberSig, 1024); err != nil {
		return nil, err
	}
	sig, err := io.ReadAll(tr)
	if err != nil {
		return nil, reject("read signature: %v", err)
	}
	if len(sig) != ed25519.SignatureSize {
		return nil, reject("signature is %d bytes, want %d", len(sig), ed25519.SignatureSize)
	}
	if !ed25519.Verify(pub, mb, sig) {
		return nil, reject("signature does not verify with this box's update key (signed with another key, or the manifest was changed)")
	}
	// Only a signed manifest gets parsed.
	m, err := ParseManifest(mb)
	if err != nil {
		return nil, &RejectedError{err}
	}
	for _, p := range m.payloads() {
		hdr, err := next(p.name, p.p.Size)
		if err != nil {
			return nil, err
		}
		if hdr.Size != p.p.Size {
			return nil, reject("%s is %d bytes, the manifest says %d", p.name, hdr.Size, p.p.Size)
		}
		var dst io.Writer = io.Discard
		if sink != nil {
			if dst, err = sink(p.name, p.p); err != nil {
				return nil, err
			}
		}
		h := sha256.New()
		ws := []io.Writer{h, dst}
		var vc *verityChecker
		if p.name == memberRoot && m.Verity != nil {
			vc = newVerityChecker(m.Verity)
			ws = append(ws, vc)
		}
		if _, err := io.Copy(io.MultiWriter(ws...), tr); err != nil {
			var we *writeError
			if errors.As(err, &we) {
				return nil, we.err
			}
			return nil, reject("read %s: %v", p.name, err)
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != p.p.SHA256 {
			return nil, reject("%s sha256 %s, the manifest says %s (corrupted or tampered)", p.name, got, p.p.SHA256)
		}
		if vc != nil {
			if err := vc.finish(); err != nil {
				return nil, err
			}
		}
	}
	if hdr, err := tr.Next(); err != io.EOF {
		if err != nil {
			return nil, reject("archive after root.img: %v", err)
		}
		return nil, reject("unexpected member %q after root.img", hdr.Name)
	}
	return m, nil
}

// writeError marks a failure of the destination, not of the bundle, so that
// readBundle does not report a full disk as a rejected bundle.
type writeError struct{ err error }

func (e *writeError) Error() string { return e.err.Error() }

// destWriter wraps a destination so its errors are told apart from the
// archive's.
type destWriter struct{ w io.Writer }

func (d destWriter) Write(p []byte) (int, error) {
	n, err := d.w.Write(p)
	if err != nil {
		return n, &writeError{err}
	}
	return n, nil
}
