// Package boottest boots the cuecast disk image under QEMU (software
// emulation, UEFI firmware from OVMF, systemd-boot on the image's ESP) and
// checks it from the serial console and through a forwarded HTTP port:
// READY under systemd, the watchdog, and A/B updates with automatic
// rollback. It runs only from `make image-test`, which builds the test image
// and sets CUECAST_IMAGE_TEST_DIR; plain `go test ./...` skips it.
package boottest
