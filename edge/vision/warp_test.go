package vision

import (
	"bytes"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/model"
	"gocv.io/x/gocv"
)

// TestWarpMapsMatchWarpPerspective: the cached maps (warp.go) give the very
// bytes warpPerspective gives, for the homographies the detector fits on
// simulator frames (720p, 1080p, a turned and tilted table) and on the real
// 1080p bench frames (when the shared footage is there), and for those
// homographies moved by a fraction of a pixel.
func TestWarpMapsMatchWarpPerspective(t *testing.T) {
	if !warpMapsUsable {
		t.Skip("warpMaps are used on amd64 only")
	}
	var frames []*model.Frame
	var names []string
	for _, sz := range [][2]int{{1280, 720}, {1920, 1080}} {
		frames = append(frames, simFrame(t, sz[0], sz[1]))
		names = append(names, "sim")
	}
	root := filepath.Join(sharedData, "overhead")
	if _, err := os.Stat(root); err == nil {
		for _, name := range realBenchFrames {
			var f model.Frame
			if err := ReadImage(filepath.Join(root, name), &f); err != nil {
				t.Fatal(err)
			}
			f.Captured = time.Unix(0, 0)
			frames, names = append(frames, &f), append(names, name)
		}
	} else {
		t.Logf("no shared real footage at %s: simulator frames only", root)
	}
	cfg := config.Default().Vision
	cfg.Threads = 1
	for i, f := range frames {
		table := model.Standard(model.Table9ft)
		if f.Truth != nil {
			table = f.Truth.Table
		}
		d, err := NewDetector(cfg, DetectorOptions{Table: table})
		if err != nil {
			t.Fatal(err)
		}
		var det model.Detection
		if err := d.Detect(f, &det); err != nil || det.Table == nil {
			d.Close()
			t.Fatalf("%s: no table (err %v)", names[i], err)
		}
		src, err := d.frame.load(f)
		if err != nil {
			d.Close()
			t.Fatal(err)
		}
		var m [9]float64
		for k := range m {
			m[k] = d.bf.m.GetDoubleAt(k/3, k%3)
		}
		w, h := d.bf.w, d.bf.h
		for _, shift := range []float64{0, 0.37, -1.21} {
			mm := m
			mm[2] += shift
			mm[5] -= shift / 2
			mm[6] *= 1 + shift*1e-3
			compareWarps(t, names[i], src, mm, w, h)
		}
		d.Close()
	}
}

func compareWarps(t *testing.T, name string, src gocv.Mat, m [9]float64, w, h int) {
	t.Helper()
	mm := gocv.NewMatWithSize(3, 3, gocv.MatTypeCV64F)
	defer mm.Close()
	for k := range m {
		mm.SetDoubleAt(k/3, k%3, m[k])
	}
	want, got := gocv.NewMat(), gocv.NewMat()
	defer want.Close()
	defer got.Close()
	gocv.WarpPerspectiveWithParams(src, &want, mm, image.Pt(w, h),
		gocv.InterpolationLinear|gocv.WarpInverseMap, gocv.BorderConstant, color.RGBA{})
	var p warpMaps
	defer p.close()
	p.warp(src, &got, m, w, h)
	p.warp(src, &got, m, w, h) // the cached maps
	a, _ := want.DataPtrUint8()
	b, _ := got.DataPtrUint8()
	if got.Rows() != h || got.Cols() != w || got.Type() != want.Type() || !bytes.Equal(a, b) {
		n := 0
		for k := range min(len(a), len(b)) {
			if a[k] != b[k] {
				n++
			}
		}
		t.Errorf("%s: remap through the cached maps differs from warpPerspective: %dx%d %v vs %dx%d %v, %d of %d bytes differ",
			name, got.Cols(), got.Rows(), got.Type(), want.Cols(), want.Rows(), want.Type(), n, len(a))
	}
	// The same remap reading a copy of the pixels in Go memory in place
	// (warpPix, the steady state's way: no Mat of the frame).
	sp, _ := src.DataPtrUint8()
	pix := append([]byte(nil), sp...)
	if err := p.warpPix(pix, src.Cols(), src.Rows(), &got, m, w, h); err != nil {
		t.Fatalf("%s: warpPix: %v", name, err)
	}
	if c, _ := got.DataPtrUint8(); !bytes.Equal(a, c) {
		t.Errorf("%s: warpPix differs from warpPerspective", name)
	}
	if p.warpPix(pix[:len(pix)-1], src.Cols(), src.Rows(), &got, m, w, h) == nil {
		t.Errorf("%s: warpPix took a short frame", name)
	}
}

// BenchmarkWarp is the rectifying warp of a 720p simulator frame alone:
// warpPerspective against the remap through cached maps (warp.go):
// go test ./edge/vision -run ^$ -bench Warp -benchtime 200x
func BenchmarkWarp(b *testing.B) {
	f := simFrame(b, 1280, 720)
	cfg := config.Default().Vision
	cfg.Threads = 1
	d, err := NewDetector(cfg, DetectorOptions{Table: f.Truth.Table})
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	var det model.Detection
	if err := d.Detect(f, &det); err != nil || det.Table == nil {
		b.Fatalf("no table (err %v)", err)
	}
	src, err := d.frame.load(f)
	if err != nil {
		b.Fatal(err)
	}
	var m [9]float64
	for k := range m {
		m[k] = d.bf.m.GetDoubleAt(k/3, k%3)
	}
	dst := gocv.NewMat()
	defer dst.Close()
	for _, maps := range []bool{false, true} {
		name := "perspective"
		if maps {
			name = "maps"
		}
		b.Run(name, func(b *testing.B) {
			var p warpMaps
			defer p.close()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			b.ResetTimer()
			cpu0 := threadCPU()
			for i := 0; i < b.N; i++ {
				if maps {
					p.warp(src, &dst, m, d.bf.w, d.bf.h)
				} else {
					gocv.WarpPerspectiveWithParams(src, &dst, d.bf.m, image.Pt(d.bf.w, d.bf.h),
						gocv.InterpolationLinear|gocv.WarpInverseMap, gocv.BorderConstant, color.RGBA{})
				}
			}
			b.ReportMetric(float64((threadCPU()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
		})
	}
}
