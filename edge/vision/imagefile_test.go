package vision

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gocv.io/x/gocv"

	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/model"
)

// smallJPEG encodes a w x h gradient with Go's encoder.
func smallJPEG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x * 7), uint8(y * 5), 90, 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// withJPEGSize rewrites the frame header (SOF0) of a JPEG to claim w x h.
func withJPEGSize(t *testing.T, b []byte, w, h int) []byte {
	t.Helper()
	b = bytes.Clone(b)
	i := bytes.Index(b, []byte{0xFF, 0xC0})
	if i < 0 {
		t.Fatal("no SOF0 in the test JPEG")
	}
	binary.BigEndian.PutUint16(b[i+5:], uint16(h))
	binary.BigEndian.PutUint16(b[i+7:], uint16(w))
	return b
}

// pngChunk appends one PNG chunk with its CRC.
func pngChunk(b []byte, typ string, data []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(data)))
	start := len(b)
	b = append(b, typ...)
	b = append(b, data...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[start:]))
}

// bilevelPNG is a valid w x h PNG of 1-bit grey zeros: small to make (w/8
// bytes a row before compression) however many pixels it decodes to.
func bilevelPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	b := []byte("\x89PNG\r\n\x1a\n")
	ihdr := binary.BigEndian.AppendUint32(nil, uint32(w))
	ihdr = binary.BigEndian.AppendUint32(ihdr, uint32(h))
	ihdr = append(ihdr, 1, 0, 0, 0, 0) // bit depth 1, grey, deflate, no filter, no interlace
	b = pngChunk(b, "IHDR", ihdr)
	var z bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&z, zlib.BestSpeed)
	row := make([]byte, 1+(w+7)/8) // filter byte, then the row
	for range h {
		zw.Write(row)
	}
	zw.Close()
	b = pngChunk(b, "IDAT", z.Bytes())
	return pngChunk(b, "IEND", nil)
}

func writeFile(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// Field probe: a JPEG whose header claimed 65500x65500 made OpenCV throw
// through cgo: SIGABRT for `cuecast detect` and `cuecastd --source image:`;
// a valid 20000x20000 PNG took 2.4 GB. Both are refused from their header,
// with the size and the limit, before any pixel is decoded.
func TestReadImageHugeHeaderRefusedNotAborted(t *testing.T) {
	dir := t.TempDir()
	huge := writeFile(t, dir, "huge.jpg", withJPEGSize(t, smallJPEG(t, 16, 16), 65500, 65500))
	bigPNG := writeFile(t, dir, "big.png", bilevelPNG(t, 20000, 20000))
	for _, tc := range []struct{ path, want string }{
		{huge, "jpeg is 65500x65500, 4290.2 megapixels: the limit is 40 megapixels"},
		{bigPNG, "png is 20000x20000, 400.0 megapixels: the limit is 40 megapixels"},
	} {
		var f model.Frame
		err := ReadImage(tc.path, &f)
		var ie *ImageError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ReadImage(%s) = %v, want an ImageError containing %q", filepath.Base(tc.path), err, tc.want)
		}
		if _, err := OpenStillImage(tc.path, 1); !errors.As(err, &ie) {
			t.Errorf("OpenStillImage(%s) = %v, want an ImageError", filepath.Base(tc.path), err)
		}
		src := config.Default().Source
		src.Kind = "image:" + tc.path
		if s, err := Open(src, config.Default().Vision, SourceOptions{}); err == nil {
			s.Close()
			t.Errorf("Open(image:%s) accepted it", filepath.Base(tc.path))
		}
	}
}

// The guard itself: OpenCV's own limit (a billion pixels) throws on the
// 65500x65500 header when the header check is bypassed; the exception comes
// back as an error instead of aborting the process.
func TestOpenCVExceptionDoesNotCrossCgo(t *testing.T) {
	m := gocv.NewMat()
	defer m.Close()
	err := cvDecode(withJPEGSize(t, smallJPEG(t, 16, 16), 65500, 65500), gocv.IMReadColor, 1<<62, &m)
	if err == nil || !m.Empty() {
		t.Fatalf("cvDecode(65500x65500 JPEG) = %v, mat %dx%d; want OpenCV's error", err, m.Cols(), m.Rows())
	}
	t.Logf("OpenCV's error, caught: %v", err)
	// The same bridge still decodes a good image afterwards.
	if err := cvDecode(smallJPEG(t, 16, 8), gocv.IMReadColor, MaxImagePixels, &m); err != nil || m.Cols() != 16 || m.Rows() != 8 {
		t.Fatalf("cvDecode(16x8) = %v, %dx%d", err, m.Cols(), m.Rows())
	}
}

// ImageHeader agrees with OpenCV on files OpenCV wrote, in every format read
// here, and names the format and problem of bad ones.
func TestImageHeaderMatchesOpenCV(t *testing.T) {
	dir := t.TempDir()
	src := gocv.NewMatWithSize(37, 53, gocv.MatTypeCV8UC3)
	defer src.Close()
	src.SetTo(gocv.NewScalar(10, 120, 200, 0))
	grey := gocv.NewMat()
	defer grey.Close()
	gocv.CvtColor(src, &grey, gocv.ColorBGRToGray)
	for _, ext := range []string{".jpg", ".png", ".bmp", ".ppm", ".pgm", ".tiff", ".webp"} {
		p := filepath.Join(dir, "x"+ext)
		m := src
		if ext == ".pgm" {
			m = grey // PGM is grey only
		}
		if !gocv.IMWrite(p, m) {
			t.Errorf("OpenCV cannot write %s here", ext)
			continue
		}
		b, _ := os.ReadFile(p)
		info, err := ImageHeader(b)
		if err != nil || info.Width != 53 || info.Height != 37 {
			t.Errorf("%s: ImageHeader = %+v, %v; want 53x37", ext, info, err)
		}
		var f model.Frame
		if err := ReadImage(p, &f); err != nil || f.Width != 53 || f.Height != 37 || len(f.Pix) != 53*37*3 {
			t.Errorf("%s: ReadImage = %v, %dx%d", ext, err, f.Width, f.Height)
		}
	}
	var gif bytes.Buffer
	gif.WriteString("GIF89a")
	for _, tc := range []struct {
		name string
		b    []byte
		want string
	}{
		{"text", []byte("not an image"), "not an image in a format cuecast reads"},
		{"gif", gif.Bytes(), "not an image in a format cuecast reads"},
		{"jpeg cut", smallJPEG(t, 8, 8)[:20], "jpeg: the header is cut short"},
		{"png cut", []byte("\x89PNG\r\n\x1a\n\x00\x00"), "png: the header is cut short"},
		{"pnm no size", []byte("P6\n# comment\n"), "pnm: the header is cut short"},
	} {
		if _, err := ImageHeader(tc.b); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: ImageHeader = %v, want %q", tc.name, err, tc.want)
		}
	}
	var b bytes.Buffer
	png.Encode(&b, image.NewGray(image.Rect(0, 0, 3, 2)))
	if info, err := ImageHeader(b.Bytes()); err != nil || info != (ImageInfo{"png", 3, 2}) {
		t.Errorf("Go's PNG: %+v, %v", info, err)
	}
}

// A damaged image, an empty file and a missing one are ImageErrors with the
// reason, not crashes; a header that lies about the size is caught after
// decoding.
func TestReadImageBadFiles(t *testing.T) {
	dir := t.TempDir()
	good := smallJPEG(t, 32, 32)
	for _, tc := range []struct {
		name string
		b    []byte
		want string
	}{
		{"garbage after the header", append(bytes.Clone(good[:200]), bytes.Repeat([]byte{0x55}, 64)...), ""},
		{"empty", nil, "empty file"},
		{"lies about its size", withJPEGSize(t, good, 64, 64), ""},
	} {
		p := writeFile(t, dir, strings.ReplaceAll(tc.name, " ", "_")+".jpg", tc.b)
		var f model.Frame
		err := ReadImage(p, &f)
		var ie *ImageError
		if tc.name == "lies about its size" && err == nil && f.Width == 64 {
			continue // libjpeg decoded it at its claimed size: fine, no crash
		}
		if err != nil && !errors.As(err, &ie) || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: ReadImage = %v, want an ImageError %q", tc.name, err, tc.want)
		}
	}
	var f model.Frame
	err := ReadImage(filepath.Join(dir, "missing.jpg"), &f)
	var ie *ImageError
	if !errors.As(err, &ie) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("ReadImage(missing) = %v, want an ImageError wrapping ErrNotExist", err)
	}
}
