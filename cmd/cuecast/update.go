package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/update"

	"github.com/cuecast/cuecast/edge/atomicfile"
)

func init() {
	register("update", "install a signed bundle into the inactive slot; slot status; boot health check", runUpdate)
	register("bundle", "make and sign an update bundle (or a signing key with -genkey)", runBundle)
}

func runUpdate(args []string) int {
	fs := flag.NewFlagSet("update", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(os.Stderr, `usage: cuecast update [flags] BUNDLE   verify BUNDLE, write it to the inactive slot, boot it next
       cuecast update -status             slots and boot entries
       cuecast update -check [-timeout D] wait until cuecastd is READY and healthy (cuecast-health.service)
       cuecast update -spool DIR          install what the HTTP API queued (cuecast-update.service)
       cuecast update -pin-machine-id ID  keep this machine id across boots (cuecast-firstboot)

flags:
`)
		fs.PrintDefaults()
	}
	key := fs.String("key", update.DefaultPublicKey, "public key bundles must be signed with")
	esp := fs.String("esp", "/efi", "where the EFI system partition is mounted")
	tries := fs.Int("tries", update.DefaultTries, "boots the new slot gets to become healthy before the box goes back")
	status := fs.Bool("status", false, "show slots and boot entries")
	check := fs.Bool("check", false, "wait for cuecastd to be active and GET /api/v1/health/ready to answer 200")
	timeout := fs.Duration("timeout", 3*time.Minute, "with -check: how long to wait")
	cfgPath := fs.String("config", config.DefaultPath, "with -check: the daemon's config (for http.listen)")
	spool := fs.String("spool", "", "install the pending upload in this spool directory")
	pin := fs.String("pin-machine-id", "", "add systemd.machine_id=ID to the boot entries that lack one")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	switch {
	case *status:
		return updateStatus(*esp)
	case *check:
		return updateCheck(ctx, *cfgPath, *timeout, log)
	case *pin != "":
		n, err := update.PinMachineID(*esp, *pin)
		if err != nil {
			fmt.Fprintln(os.Stderr, "cuecast update:", err)
			return 1
		}
		if n > 0 {
			fmt.Printf("pinned machine id in %d boot entries\n", n)
		}
		return 0
	}
	in, code := installer(*esp, *key, *tries, log)
	if in == nil {
		return code
	}
	if *spool != "" {
		r, err := update.ProcessSpool(ctx, *spool, in)
		if err != nil {
			fmt.Fprintln(os.Stderr, "cuecast update:", err)
			return 1
		}
		if r == nil {
			fmt.Println("nothing pending")
			return 0
		}
		printResult(r)
		return 0
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	r, err := in.Install(ctx, fs.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, "cuecast update:", err)
		var re *update.RejectedError
		if errors.As(err, &re) {
			return 2
		}
		return 1
	}
	printResult(r)
	return 0
}

func installer(esp, key string, tries int, log *slog.Logger) (*update.Installer, int) {
	pub, err := update.LoadPublicKey(key)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cuecast update:", err)
		return nil, 1
	}
	cmdline, err := update.ReadCmdline()
	if err != nil {
		fmt.Fprintln(os.Stderr, "cuecast update:", err)
		return nil, 1
	}
	cur, err := update.CurrentSlot(cmdline)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cuecast update:", err)
		return nil, 1
	}
	// A box that booted a verified root takes verified roots only.
	_, verified := update.ParseVerityOption(cmdline)
	return &update.Installer{ESP: esp, Device: update.DeviceByPartLabel, Current: cur, PublicKey: pub, Tries: tries, RequireVerity: verified, Log: log}, 0
}

func printResult(r *update.Result) {
	fmt.Printf("installed %s into slot %s in %s; boot entry %s (%d tries)\nreboot to start it; it is kept only if cuecastd becomes ready and healthy\n",
		r.Version, r.Slot, r.Duration.Round(time.Millisecond), r.Entry, r.Tries)
}

func updateStatus(esp string) int {
	cmdline, err := update.ReadCmdline()
	if err != nil {
		fmt.Fprintln(os.Stderr, "cuecast update:", err)
		return 1
	}
	if cur, err := update.CurrentSlot(cmdline); err == nil {
		fmt.Printf("running slot %s\n", cur)
	} else {
		fmt.Println("running slot: unknown:", err)
	}
	es, err := update.ListEntries(esp)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cuecast update:", err)
		return 1
	}
	fmt.Println("boot entries, in boot order:")
	for i, e := range es {
		next := ""
		if i == 0 {
			next = "  <- next boot"
		}
		fmt.Printf("  %-24s slot %s  %s%s\n", e.Name(), e.Slot, e.State(), next)
	}
	if st, err := update.ReadStatus(update.DefaultSpoolDir); err == nil && st.State != "idle" {
		fmt.Printf("last upload: %s %s %s\n", st.State, st.Version, st.Error)
	}
	return 0
}

func updateCheck(ctx context.Context, cfgPath string, timeout time.Duration, log *slog.Logger) int {
	cfg := config.Default()
	if c, err := config.Load(cfgPath); err == nil {
		cfg = c
	} else if !errors.Is(err, fs.ErrNotExist) {
		// The daemon would refuse this config too; say so, but check
		// the default address anyway.
		log.Warn("update: health check: config unreadable, using the default address", "err", err)
	}
	url, err := update.ReadyURL(cfg.HTTP.Listen)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cuecast update:", err)
		return 1
	}
	c := &update.Checker{
		Unit:     "cuecastd.service",
		IsActive: update.SystemctlIsActive,
		URL:      url,
		Progress: func(reason string) { log.Info("update: waiting for cuecastd", "reason", reason) },
	}
	start := time.Now()
	if err := c.Wait(ctx, timeout); err != nil {
		fmt.Fprintln(os.Stderr, "cuecast update:", err)
		return 1
	}
	fmt.Printf("cuecastd active and ready after %s\n", time.Since(start).Round(time.Millisecond))
	return 0
}

func runBundle(args []string) int {
	fs := flag.NewFlagSet("bundle", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprint(os.Stderr, `usage: cuecast bundle -key KEY -root ROOT.img -o OUT.bundle [flags]
       cuecast bundle -genkey KEY       (writes KEY and KEY.pub)

-kernel, -initrd, -version and -cmdline default to the files vmlinuz,
initrd.img, version and cmdline beside ROOT.img (what make image writes).
-verity defaults to ROOT.img.verity when it exists: the dm-verity
parameters (JSON: hash_algorithm, data_blocks, root_hash, salt) of the hash
tree image/verity.sh appended to ROOT.img; the tree is checked before
anything is signed.

flags:
`)
		fs.PrintDefaults()
	}
	genkey := fs.String("genkey", "", "write a new ed25519 signing key to this file and its public key to FILE.pub")
	key := fs.String("key", "", "PEM ed25519 private key to sign with")
	root := fs.String("root", "", "root filesystem image (squashfs)")
	kernel := fs.String("kernel", "", "kernel (default: vmlinuz beside -root)")
	initrd := fs.String("initrd", "", "initramfs (default: initrd.img beside -root)")
	version := fs.String("version", "", "bundle version (default: contents of 'version' beside -root)")
	cmdline := fs.String("cmdline", "", "kernel command line without root= (default: contents of 'cmdline' beside -root)")
	verityFile := fs.String("verity", "", "dm-verity parameters of -root (default: ROOT.img.verity if it exists; \"none\": no verity)")
	out := fs.String("o", "", "output bundle")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *genkey != "" {
		if err := update.GenerateKey(*genkey); err != nil {
			fmt.Fprintln(os.Stderr, "cuecast bundle:", err)
			return 1
		}
		fmt.Printf("wrote %s and %s.pub\n", *genkey, *genkey)
		return 0
	}
	if *key == "" || *root == "" || *out == "" || fs.NArg() != 0 {
		fs.Usage()
		return 2
	}
	dir := filepath.Dir(*root)
	beside := func(v *string, name string, read bool) error {
		if *v != "" {
			return nil
		}
		p := filepath.Join(dir, name)
		if !read {
			*v = p
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return fmt.Errorf("no -%s given and %w", strings.TrimSuffix(name, ".img"), err)
		}
		*v = strings.TrimSpace(string(b))
		return nil
	}
	for _, err := range []error{beside(kernel, "vmlinuz", false), beside(initrd, "initrd.img", false), beside(version, "version", true), beside(cmdline, "cmdline", true)} {
		if err != nil {
			fmt.Fprintln(os.Stderr, "cuecast bundle:", err)
			return 2
		}
	}
	v, err := readVerityFile(*verityFile, *root)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cuecast bundle:", err)
		return 2
	}
	priv, err := update.LoadPrivateKey(*key)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cuecast bundle:", err)
		return 2
	}
	// A bundle is public (it is signed, not secret): readable like any download.
	f, err := atomicfile.Create(*out, 0o644)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cuecast bundle:", err)
		return 1
	}
	defer f.Abort() // a no-op once committed
	m, err := update.CreateVerity(f, priv, *version, *cmdline, *kernel, *initrd, *root, v)
	if err == nil {
		err = f.Commit()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "cuecast bundle:", err)
		return 1
	}
	fmt.Printf("wrote %s: version %s, root %d bytes sha256 %s\n", *out, m.Version, m.Root.Size, m.Root.SHA256)
	if m.Verity != nil {
		fmt.Printf("  dm-verity: %d data blocks, root hash %s\n", m.Verity.DataBlocks, m.Verity.RootHash)
	}
	return 0
}

// readVerityFile reads the dm-verity parameters for root: from path, or
// from ROOT.verity beside it when path is empty (nil if there is none).
func readVerityFile(path, root string) (*update.Verity, error) {
	switch path {
	case "none":
		return nil, nil
	case "":
		path = root + ".verity"
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var v update.Verity
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &v, nil
}
