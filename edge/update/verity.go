package update

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"strconv"
	"strings"
)

// Verity describes the dm-verity hash tree appended to a bundle's root.img:
// the first DataBlocks 4096-byte blocks are the file system, the hash tree
// follows at once (veritysetup format --no-superblock
// --hash-offset=DataBlocks*4096, format 1, SHA-256, 4096-byte data and hash
// blocks). The root hash is signed with the rest of the manifest and goes
// on the kernel command line of the slot's boot entry (CmdlineOption); the
// initramfs maps the slot through dm-verity with it, so a block that
// differs from what was signed reads as an I/O error.
type Verity struct {
	Algorithm  string `json:"hash_algorithm"` // "sha256"
	DataBlocks int64  `json:"data_blocks"`
	RootHash   string `json:"root_hash"` // lower-case hex
	Salt       string `json:"salt"`      // lower-case hex, 0..256 bytes
}

// VerityBlockSize is the data and hash block size of every cuecast root.
const VerityBlockSize = 4096

// verityOption is the kernel command line option the image's initramfs
// (image/verity/local-top) reads. Not systemd's roothash=: Debian 12's
// initramfs-tools runs no systemd, and on the booted system
// systemd-veritysetup-generator would try to set up a second mapping.
const verityOption = "cuecast.verity"

// CmdlineOption is the kernel command line option for this root:
// cuecast.verity=sha256,DATA_BLOCKS,ROOT_HASH,SALT.
func (v *Verity) CmdlineOption() string {
	salt := v.Salt
	if salt == "" {
		salt = "-" // dm-verity's "no salt"
	}
	return fmt.Sprintf("%s=%s,%d,%s,%s", verityOption, v.Algorithm, v.DataBlocks, v.RootHash, salt)
}

// TreeSize is the size in bytes of the hash tree for v.DataBlocks.
func (v *Verity) TreeSize() int64 {
	var n int64
	for _, s := range verityLevels(v.DataBlocks) {
		n += s
	}
	return n * VerityBlockSize
}

// ImageSize is the size root.img must have: data plus hash tree.
func (v *Verity) ImageSize() int64 { return v.DataBlocks*VerityBlockSize + v.TreeSize() }

func (v *Verity) validate(rootSize int64) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("update: manifest: verity: "+format, args...)
	}
	if v.Algorithm != "sha256" {
		return bad("hash_algorithm %q, this box reads sha256", v.Algorithm)
	}
	if v.DataBlocks < 1 || v.DataBlocks > maxRoot/VerityBlockSize {
		return bad("data_blocks %d out of range 1..%d", v.DataBlocks, maxRoot/VerityBlockSize)
	}
	if b, err := hex.DecodeString(v.RootHash); err != nil || len(b) != sha256.Size || strings.ToLower(v.RootHash) != v.RootHash {
		return bad("root_hash %q is not 64 lower-case hex digits", v.RootHash)
	}
	if b, err := hex.DecodeString(v.Salt); err != nil || len(b) > 256 || strings.ToLower(v.Salt) != v.Salt {
		return bad("salt %q is not up to 256 bytes of lower-case hex", v.Salt)
	}
	if want := v.ImageSize(); rootSize != want {
		return bad("root.img is %d bytes, %d data blocks and their hash tree are %d", rootSize, v.DataBlocks, want)
	}
	return nil
}

// hashesPerBlock: a SHA-256 digest is 32 bytes, 128 of them fill a block.
const hashesPerBlock = VerityBlockSize / sha256.Size

// verityLevels returns the number of hash blocks of each level, level 0
// (the hashes of the data blocks) first, as veritysetup lays them out
// (lib/verity/verity_hash.c): a level of more than one block gets another
// above it. One data block has no tree at all: its hash is the root hash.
func verityLevels(dataBlocks int64) []int64 {
	var levels []int64
	for n := dataBlocks; n > 1; {
		n = (n + hashesPerBlock - 1) / hashesPerBlock
		levels = append(levels, n)
	}
	return levels
}

// verityHasher computes a hash tree from the data blocks written to it.
type verityHasher struct {
	salt   []byte
	h      hash.Hash
	level0 []byte // digests of the data blocks, in order
	block  []byte // partial data block
}

func newVerityHasher(salt []byte, dataBlocks int64) *verityHasher {
	return &verityHasher{salt: salt, h: sha256.New(), level0: make([]byte, 0, dataBlocks*sha256.Size), block: make([]byte, 0, VerityBlockSize)}
}

func (vh *verityHasher) digest(b []byte) []byte {
	vh.h.Reset()
	vh.h.Write(vh.salt) // format 1: the salt comes first
	vh.h.Write(b)
	return vh.h.Sum(nil)
}

// add hashes data; blocks must arrive whole (partial ones are buffered).
func (vh *verityHasher) add(p []byte) {
	for len(p) > 0 {
		if len(vh.block) == 0 && len(p) >= VerityBlockSize {
			vh.level0 = append(vh.level0, vh.digest(p[:VerityBlockSize])...)
			p = p[VerityBlockSize:]
			continue
		}
		n := min(VerityBlockSize-len(vh.block), len(p))
		vh.block = append(vh.block, p[:n]...)
		p = p[n:]
		if len(vh.block) == VerityBlockSize {
			vh.level0 = append(vh.level0, vh.digest(vh.block)...)
			vh.block = vh.block[:0]
		}
	}
}

// tree returns the hash area as it is stored (the top level first, each
// level's last block zero-padded) and the root hash.
func (vh *verityHasher) tree() (area, root []byte) {
	if len(vh.level0) == sha256.Size {
		return nil, vh.level0
	}
	var levels [][]byte
	cur := vh.level0
	for {
		padded := make([]byte, (len(cur)+VerityBlockSize-1)/VerityBlockSize*VerityBlockSize)
		copy(padded, cur)
		levels = append(levels, padded)
		if len(padded) == VerityBlockSize {
			break
		}
		next := make([]byte, 0, len(padded)/VerityBlockSize*sha256.Size)
		for off := 0; off < len(padded); off += VerityBlockSize {
			next = append(next, vh.digest(padded[off:off+VerityBlockSize])...)
		}
		cur = next
	}
	var buf bytes.Buffer
	for i := len(levels) - 1; i >= 0; i-- {
		buf.Write(levels[i])
	}
	return buf.Bytes(), vh.digest(levels[len(levels)-1])
}

// verityChecker is an io.Writer for root.img's bytes: it hashes the data
// blocks, then compares the stored hash tree with the one it computed, and
// finish compares the computed root hash with the signed one.
type verityChecker struct {
	v      *Verity
	vh     *verityHasher
	data   int64 // data bytes still to come
	want   []byte
	root   []byte
	off    int   // bytes of want already compared
	extra  int64 // bytes after the tree
	differ int64 // offset into the tree of the first mismatch, -1 if none
}

func newVerityChecker(v *Verity) *verityChecker {
	salt, _ := hex.DecodeString(v.Salt) // validated with the manifest
	return &verityChecker{v: v, vh: newVerityHasher(salt, v.DataBlocks), data: v.DataBlocks * VerityBlockSize, differ: -1}
}

func (c *verityChecker) Write(p []byte) (int, error) {
	n := len(p)
	if c.data > 0 {
		k := int(min(int64(len(p)), c.data))
		c.vh.add(p[:k])
		c.data -= int64(k)
		p = p[k:]
		if c.data == 0 {
			c.want, c.root = c.vh.tree()
		}
	}
	if len(p) > 0 {
		k := min(len(p), len(c.want)-c.off)
		if c.differ < 0 && !bytes.Equal(p[:k], c.want[c.off:c.off+k]) {
			for i := 0; i < k; i++ {
				if p[i] != c.want[c.off+i] {
					c.differ = int64(c.off + i)
					break
				}
			}
		}
		c.off += k
		c.extra += int64(len(p) - k)
	}
	return n, nil
}

// finish reports whether root.img carried exactly the signed tree.
func (c *verityChecker) finish() error {
	if c.data > 0 || c.off < len(c.want) || c.extra > 0 {
		return reject("root.img does not end where its verity hash tree does (%d data bytes missing, %d tree bytes missing, %d extra)", c.data, len(c.want)-c.off, c.extra)
	}
	if got := hex.EncodeToString(c.root); got != c.v.RootHash {
		return reject("root.img's verity root hash is %s, the signed manifest says %s (refusing a root that would not boot)", got, c.v.RootHash)
	}
	if c.differ >= 0 {
		return reject("root.img's verity hash tree differs from its data at tree byte %d (the slot would not boot)", c.differ)
	}
	return nil
}

// ComputeVerity reads a file system image of dataBlocks 4096-byte blocks
// from r and returns its hash tree as stored after the data and its
// Verity. The image builder uses veritysetup; `cuecast bundle` and the
// tests use this to check and to make roots.
func ComputeVerity(r io.Reader, dataBlocks int64, salt []byte) (tree []byte, v *Verity, err error) {
	if dataBlocks < 1 {
		return nil, nil, fmt.Errorf("update: verity: %d data blocks", dataBlocks)
	}
	vh := newVerityHasher(salt, dataBlocks)
	buf := make([]byte, 1<<20)
	left := dataBlocks * VerityBlockSize
	for left > 0 {
		n, err := io.ReadFull(r, buf[:min(int64(len(buf)), left)])
		if err != nil {
			return nil, nil, fmt.Errorf("update: verity: read data: %w", err)
		}
		vh.add(buf[:n])
		left -= int64(n)
	}
	tree, root := vh.tree()
	return tree, &Verity{Algorithm: "sha256", DataBlocks: dataBlocks, RootHash: hex.EncodeToString(root), Salt: hex.EncodeToString(salt)}, nil
}

// ParseVerityOption parses a cuecast.verity= value (CmdlineOption's
// format); the boot test and `cuecast update -status` use it.
func ParseVerityOption(cmdline string) (*Verity, bool) {
	val := optionValue(cmdline, verityOption)
	f := strings.Split(val, ",")
	if len(f) != 4 {
		return nil, false
	}
	n, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return nil, false
	}
	if f[3] == "-" {
		f[3] = ""
	}
	return &Verity{Algorithm: f[0], DataBlocks: n, RootHash: f[2], Salt: f[3]}, true
}
