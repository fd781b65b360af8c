package vision

/*
#include "imdecode.h"
*/
import "C"

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"unsafe"

	"gocv.io/x/gocv"
)

// Image files (cuecast detect, --source image:, camera calibration) are read
// whole, their size is read from the header, and only then decoded, by
// OpenCV inside the exception guard (imdecode.cpp):
//
//   - an image over MaxImagePixels is refused before any pixel is decoded
//     (a JPEG whose header claimed 65500x65500 made OpenCV throw through
//     cgo and abort the process; a valid 20000x20000 PNG took 2.4 GB);
//   - a format whose header this file does not read is refused: OpenCV's
//     own pixel limit (OPENCV_IO_MAX_IMAGE_PIXELS) is fixed when its
//     library loads, at a billion pixels, so it cannot stand in;
//   - whatever OpenCV still throws comes back as an error, never an abort.

// MaxImagePixels is the largest image decoded: 40 megapixels (an 8K frame is
// 33, a 7952x5304 photo 42: downscale those first). As BGR it is 120 MB.
const MaxImagePixels = 40_000_000

// MaxImageFileBytes bounds an image file (a 40-megapixel PNG that does not
// compress at all is 120 MB).
const MaxImageFileBytes = 160 << 20

// ImageError is an image file that cannot be read: missing or unreadable,
// not in a format read here, damaged, or over MaxImagePixels. It is bad
// input (cuecast detect counts it as an unreadable file), never a crash.
type ImageError struct {
	Path string
	Msg  string
	Err  error // the underlying error, when there is one (os errors)
}

func (e *ImageError) Error() string { return "vision: read image " + e.Path + ": " + e.Msg }
func (e *ImageError) Unwrap() error { return e.Err }

// ImageInfo is what an image file's header says.
type ImageInfo struct {
	Format        string // jpeg, png, bmp, pnm, tiff, webp
	Width, Height int
}

// decodeImageFile reads path and decodes it into dst (flags: gocv.IMRead*).
func decodeImageFile(path string, flags gocv.IMReadFlag, dst *gocv.Mat) error {
	b, err := readImageFile(path)
	if err != nil {
		return err
	}
	return decodeImage(path, b, flags, dst)
}

// decodeImage checks the header of b (the file path) and decodes it.
func decodeImage(path string, b []byte, flags gocv.IMReadFlag, dst *gocv.Mat) error {
	info, err := ImageHeader(b)
	if err != nil {
		return &ImageError{Path: path, Msg: err.Error()}
	}
	if err := checkImageSize(info); err != nil {
		return &ImageError{Path: path, Msg: err.Error()}
	}
	if err := cvDecode(b, flags, MaxImagePixels, dst); err != nil {
		return &ImageError{Path: path, Msg: fmt.Sprintf("%s %dx%d: cannot decode: %v", info.Format, info.Width, info.Height, err)}
	}
	if dst.Cols() != info.Width || dst.Rows() != info.Height {
		return &ImageError{Path: path, Msg: fmt.Sprintf("%s header says %dx%d, the image decoded as %dx%d (a damaged or crafted file)", info.Format, info.Width, info.Height, dst.Cols(), dst.Rows())}
	}
	return nil
}

// cvDecode is cv::imdecode inside the exception guard: an OpenCV exception
// comes back as an error.
func cvDecode(b []byte, flags gocv.IMReadFlag, maxPixels int64, dst *gocv.Mat) error {
	if len(b) == 0 {
		return errors.New("no data")
	}
	var msg [256]byte
	// b is Go memory holding no pointers, read during the call only; dst's
	// pointer is C memory (gocv's cv::Mat): within the cgo rules.
	rc := C.cuecastImageDecode((*C.uint8_t)(unsafe.Pointer(&b[0])), C.size_t(len(b)), C.int(flags),
		C.longlong(maxPixels), unsafe.Pointer(dst.Ptr()), (*C.char)(unsafe.Pointer(&msg[0])), C.int(len(msg)))
	if rc != 0 {
		return errors.New(cString(msg[:]))
	}
	return nil
}

func checkImageSize(info ImageInfo) error {
	w, h := int64(info.Width), int64(info.Height)
	switch {
	case w <= 0 || h <= 0:
		return fmt.Errorf("%s header says %dx%d: not an image size (a damaged file?)", info.Format, w, h)
	case w*h > MaxImagePixels:
		return fmt.Errorf("%s is %dx%d, %.1f megapixels: the limit is %d megapixels (downscale it first)", info.Format, w, h, float64(w*h)/1e6, MaxImagePixels/1_000_000)
	}
	return nil
}

// readImageFile reads a whole image file, at most MaxImageFileBytes.
func readImageFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &ImageError{Path: path, Msg: "cannot open: " + errMsg(err), Err: err}
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxImageFileBytes+1))
	switch {
	case err != nil:
		return nil, &ImageError{Path: path, Msg: "cannot read: " + errMsg(err), Err: err}
	case len(b) > MaxImageFileBytes:
		return nil, &ImageError{Path: path, Msg: fmt.Sprintf("larger than %d MiB: not an image cuecast reads", MaxImageFileBytes>>20)}
	case len(b) == 0:
		return nil, &ImageError{Path: path, Msg: "empty file"}
	}
	return b, nil
}

// errMsg is an os error without the path the ImageError already names.
func errMsg(err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

var errShortHeader = errors.New("the header is cut short")

// ImageHeader reads the format and size from the start of an image file,
// without decoding it: JPEG, PNG, BMP, PNM (PBM, PGM, PPM), TIFF and WebP.
// Other formats are an error.
func ImageHeader(b []byte) (ImageInfo, error) {
	var (
		info ImageInfo
		err  error
	)
	switch {
	case bytes.HasPrefix(b, []byte{0xFF, 0xD8}):
		info.Format = "jpeg"
		info.Width, info.Height, err = jpegSize(b)
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		info.Format = "png"
		// The IHDR chunk comes first: length, "IHDR", width, height.
		if len(b) < 24 || string(b[12:16]) != "IHDR" {
			return info, fmt.Errorf("png: %w", errShortHeader)
		}
		info.Width, info.Height = int(int32(binary.BigEndian.Uint32(b[16:]))), int(int32(binary.BigEndian.Uint32(b[20:])))
	case bytes.HasPrefix(b, []byte("BM")):
		info.Format = "bmp"
		info.Width, info.Height, err = bmpSize(b)
	case len(b) >= 2 && b[0] == 'P' && b[1] >= '1' && b[1] <= '6':
		info.Format = "pnm"
		info.Width, info.Height, err = pnmSize(b)
	case bytes.HasPrefix(b, []byte("II*\x00")) || bytes.HasPrefix(b, []byte("MM\x00*")):
		info.Format = "tiff"
		info.Width, info.Height, err = tiffSize(b)
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		info.Format = "webp"
		info.Width, info.Height, err = webpSize(b)
	default:
		return info, errors.New("not an image in a format cuecast reads (JPEG, PNG, BMP, PPM/PGM, TIFF, WebP)")
	}
	if err != nil {
		return info, fmt.Errorf("%s: %w", info.Format, err)
	}
	return info, nil
}

// jpegSize finds the first start-of-frame marker (any of SOF0..SOF15, so
// progressive, lossless and arithmetic-coded files too).
func jpegSize(b []byte) (w, h int, err error) {
	i := 2
	for {
		if i >= len(b) {
			return 0, 0, errShortHeader
		}
		if b[i] != 0xFF {
			return 0, 0, errors.New("a segment does not start with a marker")
		}
		for i < len(b) && b[i] == 0xFF { // fill bytes before a marker
			i++
		}
		if i >= len(b) {
			return 0, 0, errShortHeader
		}
		m := b[i]
		i++
		switch {
		case m == 0xD8 || m == 0x01 || m >= 0xD0 && m <= 0xD7:
			continue // markers without a length
		case m == 0xD9 || m == 0xDA:
			return 0, 0, errors.New("no frame header before the image data")
		}
		if i+2 > len(b) {
			return 0, 0, errShortHeader
		}
		n := int(binary.BigEndian.Uint16(b[i:]))
		if n < 2 {
			return 0, 0, errors.New("a segment of length < 2")
		}
		if m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC {
			if i+7 > len(b) || n < 7 {
				return 0, 0, errShortHeader
			}
			return int(binary.BigEndian.Uint16(b[i+5:])), int(binary.BigEndian.Uint16(b[i+3:])), nil
		}
		i += n
	}
}

func bmpSize(b []byte) (w, h int, err error) {
	if len(b) < 26 {
		return 0, 0, errShortHeader
	}
	if binary.LittleEndian.Uint32(b[14:]) == 12 { // BITMAPCOREHEADER: 16-bit sizes
		return int(binary.LittleEndian.Uint16(b[18:])), int(binary.LittleEndian.Uint16(b[20:])), nil
	}
	w, h = int(int32(binary.LittleEndian.Uint32(b[18:]))), int(int32(binary.LittleEndian.Uint32(b[22:])))
	if h < 0 {
		h = -h // top-down rows
	}
	return w, h, nil
}

// pnmSize reads "P<n> <width> <height>" with whitespace and # comments.
func pnmSize(b []byte) (w, h int, err error) {
	i := 2
	var v [2]int
	for k := range v {
		for i < len(b) && (b[i] == '#' || isSpace(b[i])) {
			if b[i] == '#' {
				for i < len(b) && b[i] != '\n' && b[i] != '\r' {
					i++
				}
				continue
			}
			i++
		}
		start := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			if i-start >= 9 {
				return 0, 0, errors.New("a size of 10 digits or more")
			}
			v[k] = v[k]*10 + int(b[i]-'0')
			i++
		}
		if i == start {
			return 0, 0, errShortHeader
		}
	}
	return v[0], v[1], nil
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// tiffSize reads ImageWidth (256) and ImageLength (257) from the first IFD.
func tiffSize(b []byte) (w, h int, err error) {
	var bo binary.ByteOrder = binary.LittleEndian
	if b[0] == 'M' {
		bo = binary.BigEndian
	}
	if len(b) < 8 {
		return 0, 0, errShortHeader
	}
	off := int64(bo.Uint32(b[4:]))
	if off+2 > int64(len(b)) {
		return 0, 0, errShortHeader
	}
	n := int64(bo.Uint16(b[off:]))
	for k := int64(0); k < n; k++ {
		e := off + 2 + 12*k
		if e+12 > int64(len(b)) {
			return 0, 0, errShortHeader
		}
		tag, typ := bo.Uint16(b[e:]), bo.Uint16(b[e+2:])
		var v int
		switch typ {
		case 3: // SHORT
			v = int(bo.Uint16(b[e+8:]))
		case 4: // LONG
			v = int(int32(bo.Uint32(b[e+8:])))
		default:
			continue
		}
		switch tag {
		case 256:
			w = v
		case 257:
			h = v
		}
	}
	if w == 0 || h == 0 {
		return 0, 0, errors.New("no image width and length in the first directory")
	}
	return w, h, nil
}

// webpSize reads the canvas of a lossy (VP8), lossless (VP8L) or extended
// (VP8X) WebP.
func webpSize(b []byte) (w, h int, err error) {
	if len(b) < 30 {
		return 0, 0, errShortHeader
	}
	switch string(b[12:16]) {
	case "VP8 ":
		return int(binary.LittleEndian.Uint16(b[26:]) & 0x3FFF), int(binary.LittleEndian.Uint16(b[28:]) & 0x3FFF), nil
	case "VP8L":
		v := binary.LittleEndian.Uint32(b[21:])
		return int(v&0x3FFF) + 1, int(v>>14&0x3FFF) + 1, nil
	case "VP8X":
		w = int(b[24]) | int(b[25])<<8 | int(b[26])<<16
		h = int(b[27]) | int(b[28])<<8 | int(b[29])<<16
		return w + 1, h + 1, nil
	}
	return 0, 0, errors.New("an unknown WebP chunk")
}
