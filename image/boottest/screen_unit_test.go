package boottest

import (
	"bytes"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The screenshot checks run only in the kiosk boot; their parts are
// checked here on every go test.

func TestReadPPM(t *testing.T) {
	// 3x2: black, white, the help panel; #help text, black, black. A
	// comment in the header, as some writers put one.
	ppm := append([]byte("P6\n# qemu\n3 2\n255\n"),
		0, 0, 0, 255, 255, 255, 17, 17, 17,
		221, 221, 221, 0, 0, 0, 0, 0, 0)
	img, err := readPPM(ppm)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 3 || b.Dy() != 2 {
		t.Fatalf("size %v, want 3x2", b)
	}
	if got := img.RGBAAt(2, 0); got != helpPanel {
		t.Errorf("pixel (2,0) = %v, want %v", got, helpPanel)
	}
	p := colours(img)
	if p.total() != 6 || p[pageBlack] != 3 || p.share(pageWhite) != 1.0/6 {
		t.Errorf("palette %v: want 6 pixels, 3 black, one white", p)
	}
	if n := p.near(color.RGBA{20, 20, 20, 255}, 3); n != 1 {
		t.Errorf("near #141414 within 3 = %d, want 1 (the panel only)", n)
	}
	if s := p.String(); !strings.Contains(s, "4 colours") || !strings.Contains(s, "#000000:50.0%") {
		t.Errorf("String() = %q", s)
	}

	path := filepath.Join(t.TempDir(), "shot.png")
	if err := writePNG(path, img); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	back, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if r, g, bl, _ := back.At(0, 1).RGBA(); r>>8 != 221 || g>>8 != 221 || bl>>8 != 221 {
		t.Errorf("PNG pixel (0,1) = %d %d %d, want 221s", r>>8, g>>8, bl>>8)
	}
}

func TestReadPPMRefusesBadInput(t *testing.T) {
	for name, in := range map[string][]byte{
		"empty":        nil,
		"not P6":       []byte("P3\n1 1\n255\n0 0 0\n"),
		"16-bit":       append([]byte("P6\n1 1\n65535\n"), 0, 0, 0, 0, 0, 0),
		"short pixels": append([]byte("P6\n2 2\n255\n"), 0, 0, 0),
		"bad size":     []byte("P6\nx 1\n255\n\x00\x00\x00"),
		"zero size":    []byte("P6\n0 0\n255\n"),
	} {
		if _, err := readPPM(in); err == nil {
			t.Errorf("%s: readPPM accepted it", name)
		}
	}
}
