package boottest

import (
	"bufio"
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// monitor is QEMU's human monitor (HMP) on a unix socket: the kiosk test
// takes screenshots (screendump) and presses keys (sendkey) through it.
type monitor struct {
	path string
}

// do sends one HMP command and returns what QEMU answered before its next
// prompt. A connection per command: QEMU accepts one monitor client at a
// time, and a fresh one never sees a half-read answer.
func (m monitor) do(cmd string) (string, error) {
	c, err := net.DialTimeout("unix", m.path, 10*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	// screendump of a 1280x800 screen under emulation on a loaded host
	// can take seconds.
	c.SetDeadline(time.Now().Add(60 * time.Second))
	r := bufio.NewReader(c)
	if _, err := readPrompt(r); err != nil {
		return "", fmt.Errorf("monitor greeting: %w", err)
	}
	if _, err := fmt.Fprintf(c, "%s\n", cmd); err != nil {
		return "", err
	}
	out, err := readPrompt(r)
	if err != nil {
		return "", fmt.Errorf("monitor %q: %w", cmd, err)
	}
	return out, nil
}

func readPrompt(r *bufio.Reader) (string, error) {
	var b []byte
	for !bytes.HasSuffix(b, []byte("(qemu) ")) {
		c, err := r.ReadByte()
		if err != nil {
			return string(b), err
		}
		b = append(b, c)
	}
	return string(b[:len(b)-len("(qemu) ")]), nil
}

// screendump saves what the VM's display shows and reads it back.
func (m monitor) screendump(path string) (*image.RGBA, error) {
	os.Remove(path)
	if out, err := m.do("screendump " + path); err != nil {
		return nil, err
	} else if strings.Contains(out, "rror") {
		return nil, fmt.Errorf("screendump: %s", strings.TrimSpace(out))
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return readPPM(b)
}

// readPPM decodes QEMU's screendump format: binary PPM (P6), maxval 255.
func readPPM(b []byte) (*image.RGBA, error) {
	var fields []string
	pos := 0
	for len(fields) < 4 {
		for pos < len(b) && isSpace(b[pos]) {
			pos++
		}
		if pos < len(b) && b[pos] == '#' {
			for pos < len(b) && b[pos] != '\n' {
				pos++
			}
			continue
		}
		start := pos
		for pos < len(b) && !isSpace(b[pos]) {
			pos++
		}
		if start == pos {
			return nil, fmt.Errorf("ppm: header cut short")
		}
		fields = append(fields, string(b[start:pos]))
	}
	pos++ // the one whitespace byte after maxval
	w, errW := strconv.Atoi(fields[1])
	h, errH := strconv.Atoi(fields[2])
	if fields[0] != "P6" || fields[3] != "255" || errW != nil || errH != nil || w <= 0 || h <= 0 || w > 1<<14 || h > 1<<14 {
		return nil, fmt.Errorf("ppm: header %q: want P6, a size and maxval 255", fields)
	}
	pix := b[min(pos, len(b)):]
	if len(pix) < 3*w*h {
		return nil, fmt.Errorf("ppm: %d bytes of pixels for %dx%d", len(pix), w, h)
	}
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < w*h; i++ {
		img.Pix[4*i], img.Pix[4*i+1], img.Pix[4*i+2], img.Pix[4*i+3] = pix[3*i], pix[3*i+1], pix[3*i+2], 255
	}
	return img, nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' }

func writePNG(path string, img image.Image) error {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

// palette counts the pixels of each exact colour.
type palette map[color.RGBA]int

func colours(img *image.RGBA) palette {
	p := palette{}
	for i := 0; i+3 < len(img.Pix); i += 4 {
		p[color.RGBA{img.Pix[i], img.Pix[i+1], img.Pix[i+2], 255}]++
	}
	return p
}

// total is the number of pixels counted.
func (p palette) total() int {
	n := 0
	for _, k := range p {
		n += k
	}
	return n
}

// share is the fraction of pixels of colour c.
func (p palette) share(c color.RGBA) float64 {
	n := p.total()
	if n == 0 {
		return 0
	}
	return float64(p[c]) / float64(n)
}

// near counts the pixels within tol (per channel) of c: anti-aliased lines
// and the compositor's colour handling move edges off the exact value.
func (p palette) near(c color.RGBA, tol int) int {
	n := 0
	for k, v := range p {
		if absDiff(k.R, c.R) <= tol && absDiff(k.G, c.G) <= tol && absDiff(k.B, c.B) <= tol {
			n += v
		}
	}
	return n
}

func absDiff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}

func (p palette) String() string {
	type kv struct {
		c color.RGBA
		n int
	}
	var top []kv
	for c, n := range p {
		top = append(top, kv{c, n})
	}
	// The few most common colours are enough to tell a white window from a
	// black page from a console.
	for i := 0; i < len(top); i++ {
		for j := i + 1; j < len(top); j++ {
			if top[j].n > top[i].n {
				top[i], top[j] = top[j], top[i]
			}
		}
		if i == 5 {
			top = top[:6]
			break
		}
	}
	var s []string
	for _, e := range top {
		s = append(s, fmt.Sprintf("#%02x%02x%02x:%.1f%%", e.c.R, e.c.G, e.c.B, 100*p.share(e.c)))
	}
	return fmt.Sprintf("%d colours, top %s", len(p), strings.Join(s, " "))
}
