package boottest

// qemuArch is what differs between the architectures' boot tests: the
// emulator, its machine, and the UEFI firmware (code and a variables
// template the test copies, since the firmware writes to it).
type qemuArch struct {
	name        string
	qemu        string
	machine     []string // -machine and -cpu
	code, vars  []string // firmware files, first existing wins
	firmwarePkg string
	// short: run READY, the watchdog and one good update only (emulating
	// another architecture is several times slower; docs/image.md).
	short bool
	// slow multiplies the boot timeout (and the test widens the health
	// gate's deadline): emulating another architecture costs more.
	slow int
}

// archOf returns the set-up for a Debian architecture name ("" is amd64,
// the host's), or nil.
func archOf(name string) *qemuArch {
	switch name {
	case "", "amd64":
		return &qemuArch{
			name:        "amd64",
			qemu:        "qemu-system-x86_64",
			machine:     []string{"-machine", "q35,accel=tcg", "-cpu", "max"},
			code:        []string{"/usr/share/OVMF/OVMF_CODE_4M.fd", "/usr/share/OVMF/OVMF_CODE.fd"},
			vars:        []string{"/usr/share/OVMF/OVMF_VARS_4M.fd", "/usr/share/OVMF/OVMF_VARS.fd"},
			firmwarePkg: "ovmf",
		}
	case "arm64":
		// virt: a generic UEFI arm64 machine (PCIe, PL011 serial ttyAMA0,
		// PL031 clock). cortex-a72 (the Pi 4's core) rather than -cpu max:
		// max adds pointer authentication, whose emulation under TCG costs
		// a lot of time for nothing the test checks.
		return &qemuArch{
			name:        "arm64",
			qemu:        "qemu-system-aarch64",
			machine:     []string{"-machine", "virt,accel=tcg", "-cpu", "cortex-a72"},
			code:        []string{"/usr/share/AAVMF/AAVMF_CODE.fd"},
			vars:        []string{"/usr/share/AAVMF/AAVMF_VARS.fd"},
			firmwarePkg: "qemu-efi-aarch64",
			short:       true,
			slow:        2,
		}
	}
	return nil
}
