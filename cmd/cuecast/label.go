package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/display"
	"github.com/cuecast/cuecast/edge/labels"
	"github.com/cuecast/cuecast/edge/labels/labelapi"
	"github.com/cuecast/cuecast/edge/model"
	"github.com/cuecast/cuecast/edge/vision"
)

func init() {
	register("label", "label balls and table corners in an image in the browser (writes edge/labels JSON)", runLabel)
}

// runLabel serves the /label page for one image file on loopback until
// interrupted: the detector's proposals (or the labels already saved for the
// image) to correct and save. Saving needs the token printed in the URL, so
// another local user cannot write the file.
func runLabel(args []string) int {
	fs := flag.NewFlagSet("label", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:8087", "`ADDR` to serve the page on")
	out := fs.String("out", "labels.json", "label `FILE` to write (created, or the image's frame replaced)")
	data := fs.String("data", "", "`DIR` the label file's image paths start from (default: the image's folder)")
	source := fs.String("source", "", "source name for a new label file (default: the image's folder)")
	ballSet := fs.String("balls", labels.BallSetUS, "ball set for a new label file: us, snooker, uk or carom")
	table := fs.String("table", "9ft", "table size for the proposals: 9ft, 8ft or 7ft")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: cuecast label [--out labels.json] [--data DIR] [--listen 127.0.0.1:8087] IMAGE")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	size, ok := tableSize("label", *table)
	if !ok {
		return 2
	}
	h, rel, token, err := labelHandler(fs.Arg(0), *data, *out, *source, *ballSet, model.Standard(size))
	if err != nil {
		fmt.Fprintf(os.Stderr, "cuecast label: %v\n", err)
		return 2
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(os.Stderr, "cuecast label: %v (is another `cuecast label` running? try --listen 127.0.0.1:0)\n", err)
		return 1
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	fmt.Printf("labelling %s into %s\nopen http://%s/label#token=%s\n(Ctrl-C to stop)\n", rel, *out, ln.Addr(), token)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintf(os.Stderr, "cuecast label: %v\n", err)
			return 1
		}
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.Shutdown(sctx)
	return 0
}

// labelHandler builds the page and the labelling API for one image: its
// path relative to the data root, and a fresh random command token.
func labelHandler(image, data, out, source, ballSet string, geo model.TableGeometry) (h http.Handler, rel, token string, err error) {
	img, err := filepath.Abs(image)
	if err != nil {
		return nil, "", "", err
	}
	root := filepath.Dir(img)
	if data != "" {
		if root, err = filepath.Abs(data); err != nil {
			return nil, "", "", err
		}
	}
	rel, err = filepath.Rel(root, img)
	if err != nil || strings.HasPrefix(rel, "..") {
		return nil, "", "", fmt.Errorf("%s is not under --data %s", img, root)
	}
	var f model.Frame
	if err := vision.ReadImage(img, &f); err != nil {
		return nil, "", "", err
	}
	if source == "" {
		source = filepath.ToSlash(filepath.Dir(rel))
	}
	tok := make([]byte, 16)
	if _, err := rand.Read(tok); err != nil {
		return nil, "", "", err
	}
	token = hex.EncodeToString(tok)
	cfg := config.Default()
	cfg.HTTP.Token = token
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	disp := display.New(display.Options{StateDir: os.TempDir(), Config: func() config.Config { return cfg }, Log: log})
	svc := labelapi.New(labelapi.Options{
		Root: root, SetPath: out, Source: source, BallSet: ballSet, Log: log,
		Capture: func(context.Context) (string, *model.Frame, error) { return rel, &f, nil },
		Detect: func(fr *model.Frame, det *model.Detection) error {
			d, err := vision.NewDetector(cfg.Vision, vision.DetectorOptions{Table: geo, Stills: true})
			if err != nil {
				return err
			}
			defer d.Close()
			return d.Detect(fr, det)
		},
		Authorize: disp.Authorize,
	})
	mux := http.NewServeMux()
	disp.Register(mux)
	svc.Register(mux)
	return mux, rel, token, nil
}
