// Package boottest boots the cuecast disk image under QEMU (software
// emulation, UEFI firmware from OVMF, systemd-boot on the image's ESP) and
// checks it from the serial console and through a forwarded HTTP port:
// READY under systemd, the watchdog, and A/B updates with automatic
// rollback. It runs only from `make image-test`, which builds the test image
// and sets CUECAST_IMAGE_TEST_DIR; plain `go test ./...` skips it (and runs
// only the unit tests of its helpers). Every guest reset starts a new QEMU
// on the same disk and firmware variables (machine_test.go; docs/image.md,
// "Silent reboots").
package boottest
