package update

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The tree must be the one the kernel checks: compare with veritysetup
// (cryptsetup-bin, installed by make deps) on sizes around each level's
// boundary.
func TestVerityMatchesVeritysetup(t *testing.T) {
	vs, err := exec.LookPath("veritysetup")
	if err != nil {
		t.Skip("veritysetup not installed (Debian package cryptsetup-bin; make deps installs it): cannot compare the hash tree with the reference")
	}
	dir := t.TempDir()
	rootRE := regexp.MustCompile(`Root hash:\s+([0-9a-f]{64})`)
	for _, blocks := range []int64{1, 2, 127, 128, 129, 128*128 + 1} {
		data := make([]byte, blocks*VerityBlockSize)
		rand.Read(data)
		salt := make([]byte, 32)
		rand.Read(salt)
		img := filepath.Join(dir, "root-"+strconv.FormatInt(blocks, 10)+".img")
		must(t, os.WriteFile(img, data, 0o644))
		out, err := exec.Command(vs, "format", "--no-superblock", "--hash=sha256",
			"--data-block-size=4096", "--hash-block-size=4096",
			"--data-blocks="+strconv.FormatInt(blocks, 10),
			"--hash-offset="+strconv.FormatInt(blocks*VerityBlockSize, 10),
			"--salt="+hex.EncodeToString(salt), img, img).CombinedOutput()
		if err != nil {
			t.Fatalf("veritysetup format (%d blocks): %v\n%s", blocks, err, out)
		}
		m := rootRE.FindSubmatch(out)
		if m == nil {
			t.Fatalf("no root hash in veritysetup's output:\n%s", out)
		}
		tree, v, err := ComputeVerity(bytes.NewReader(data), blocks, salt)
		must(t, err)
		if v.RootHash != string(m[1]) {
			t.Errorf("%d blocks: root hash %s, veritysetup says %s", blocks, v.RootHash, m[1])
		}
		written, err := os.ReadFile(img)
		must(t, err)
		if got := written[len(data):]; !bytes.Equal(got, tree) {
			t.Errorf("%d blocks: tree of %d bytes differs from veritysetup's %d bytes", blocks, len(tree), len(got))
		}
		if int64(len(written)) > v.ImageSize() || v.TreeSize() != int64(len(tree)) {
			t.Errorf("%d blocks: image %d bytes (veritysetup), ImageSize %d, TreeSize %d, tree %d", blocks, len(written), v.ImageSize(), v.TreeSize(), len(tree))
		}
	}
}

// verityRoot writes a root.img of blocks random data blocks plus its hash
// tree and returns its path and parameters.
func (f *fixture) verityRoot(t *testing.T, blocks int64) (string, *Verity) {
	t.Helper()
	data := make([]byte, blocks*VerityBlockSize)
	rand.Read(data)
	salt := make([]byte, 32)
	rand.Read(salt)
	tree, v, err := ComputeVerity(bytes.NewReader(data), blocks, salt)
	must(t, err)
	path := filepath.Join(f.dir, "verity-root.img") // f.payloads writes root.img
	must(t, os.WriteFile(path, append(data, tree...), 0o644))
	return path, v
}

func (f *fixture) verityBundle(t *testing.T, name string, root string, v *Verity) (string, error) {
	t.Helper()
	k, i, _ := f.payloads(t, 1)
	path := filepath.Join(f.dir, name)
	out, err := os.Create(path)
	must(t, err)
	defer out.Close()
	_, err = CreateVerity(out, f.priv, "2.0", "ro quiet", k, i, root, v)
	return path, err
}

func TestInstallVerityRootPutsRootHashOnEntry(t *testing.T) {
	f := newFixture(t)
	// 200 blocks: two levels (2 blocks, then 1).
	root, v := f.verityRoot(t, 200)
	rootBytes, _ := os.ReadFile(root)
	path, err := f.verityBundle(t, "good.bundle", root, v)
	must(t, err)
	in := f.installer(SlotA)
	in.RequireVerity = true
	r, err := in.Install(context.Background(), path)
	if err != nil {
		t.Fatalf("Install = %v", err)
	}
	b, _ := os.ReadFile(f.slots[SlotB])
	if !bytes.Equal(b[:len(rootBytes)], rootBytes) {
		t.Error("slot b does not hold root.img's data and hash tree")
	}
	conf, err := os.ReadFile(filepath.Join(entriesDir(f.esp), r.Entry))
	must(t, err)
	opts := entryField(string(conf), "options")
	want := "root=PARTLABEL=cuecast-root-b ro quiet cuecast.verity=sha256,200," + v.RootHash + "," + v.Salt + " systemd.machine_id=0123456789abcdef0123456789abcdef"
	if opts != want {
		t.Errorf("entry options = %q\nwant %q", opts, want)
	}
	if got, ok := ParseVerityOption(opts); !ok || *got != *v {
		t.Errorf("ParseVerityOption = %+v %v, want %+v", got, ok, v)
	}
}

// Bundles whose tree or root hash disagree with the signed manifest are
// refused before anything is written, even though their SHA-256 matches
// (the signer made them so).
func TestInstallRefusesVerityMismatch(t *testing.T) {
	f := newFixture(t)
	root, v := f.verityRoot(t, 200)
	good, _ := os.ReadFile(root)

	// CreateVerity itself refuses to sign a wrong root hash.
	wrong := *v
	wrong.RootHash = strings.Repeat("0", 64)
	if _, err := f.verityBundle(t, "wrong.bundle", root, &wrong); err == nil || !strings.Contains(err.Error(), "root hash") {
		t.Errorf("CreateVerity with a wrong root hash = %v, want a root hash error", err)
	}

	sign := func(name string, v *Verity, rootImg []byte) string {
		k, i, _ := f.payloads(t, 1)
		kb, _ := os.ReadFile(k)
		ib, _ := os.ReadFile(i)
		m := &Manifest{Format: ManifestFormat, Version: "2.0", Cmdline: "ro", Verity: v}
		for _, p := range []struct {
			b []byte
			p *Payload
		}{{kb, &m.Kernel}, {ib, &m.Initrd}, {rootImg, &m.Root}} {
			fp := filepath.Join(f.dir, "payload")
			must(t, os.WriteFile(fp, p.b, 0o644))
			h, err := hashFile(fp)
			must(t, err)
			*p.p = h
		}
		mb := manifestBytes(t, m)
		return f.rawBundle(t, name, mb, ed25519.Sign(f.priv, mb), m, [][]byte{kb, ib, rootImg})
	}
	dataFlip := bytes.Clone(good)
	dataFlip[5*VerityBlockSize+17] ^= 1 // a data block: the stored tree no longer matches
	treeFlip := bytes.Clone(good)
	treeFlip[len(treeFlip)-VerityBlockSize+3] ^= 1 // a level-0 hash
	unverified, _, _ := f.payloads(t, 4096)
	plain, _ := os.ReadFile(unverified)

	before := f.snapshot(t)
	for _, c := range []struct {
		name, path, want string
		require          bool
	}{
		{"wrong root hash", sign("wrongroot.bundle", &wrong, good), "verity root hash", false},
		{"data changed after the tree was made", sign("data.bundle", v, dataFlip), "root hash", false},
		{"tree changed", sign("tree.bundle", v, treeFlip), "hash tree differs", false},
		{"no tree on a verified box", sign("plain.bundle", nil, plain), "no dm-verity", true},
	} {
		in := f.installer(SlotA)
		in.RequireVerity = c.require
		_, err := in.Install(context.Background(), c.path)
		var re *RejectedError
		if !errors.As(err, &re) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Install = %v, want a rejection mentioning %q", c.name, err, c.want)
		}
	}
	sameSnapshot(t, before, f.snapshot(t))

	// A manifest whose root size does not fit the tree is refused as such.
	short := *v
	short.DataBlocks = 199
	if err := short.validate(int64(len(good))); err == nil {
		t.Error("validate accepted a root.img size that does not match data blocks plus tree")
	}
}
