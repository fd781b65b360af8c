// Package update installs signed root-filesystem bundles into the inactive
// A/B slot of a cuecast box and decides, with systemd-boot's boot counting,
// whether the box keeps running them.
//
// A bundle is a tar archive with exactly these members, in this order:
//
//	manifest.json   Manifest: format, version, kernel command line, and the
//	                size and SHA-256 of each payload
//	manifest.sig    64-byte ed25519 signature over manifest.json's bytes
//	kernel          the slot's kernel (EFI stub)
//	initrd          the slot's initramfs
//	root.img        the slot's read-only root filesystem (squashfs)
//
// Install never writes before it has checked everything: it reads the whole
// bundle once, verifying the signature against the public key baked into the
// running image (/usr/lib/cuecast/update.pub) and every payload's size and
// hash; only then does it remove the inactive slot's boot entry, write the
// slot (re-hashing what it writes, so a bundle that changes underneath
// cannot be booted), and add a boot entry with a try counter
// ("cuecast-7-b+3.conf"). systemd-boot decrements the counter on each boot of
// that entry and sorts an entry with no tries left after the good ones, so a
// slot that never proves itself falls back to the previous one by itself.
// The proof is cuecast-health.service (Check): cuecastd active (READY) and
// GET /api/v1/health/ready answering 200 before a deadline; it is required by
// boot-complete.target, after which systemd-bless-boot drops the counter.
//
// Handler serves POST /api/v1/update inside the unprivileged daemon: it
// verifies the upload the same way and queues it for the root-owned
// cuecast-update.service (ProcessSpool), which verifies again and installs.
//
// Nothing in this package keeps goroutines; Handler is safe for concurrent
// use and accepts one upload at a time.
package update
