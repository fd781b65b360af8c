//go:build customenv

package vision

// With gocv's customenv tag (the Makefile builds with it) gocv carries no
// link flags of its own: these name only the OpenCV modules cuecast calls,
// so highgui (Qt), dnn, objdetect, ... and their libraries stay out of the
// binary. --gc-sections drops gocv's wrappers of the modules not linked.
// gocv still needs CGO_CPPFLAGS=-I/usr/include/opencv4 in the environment
// to compile, and cgo needs CGO_LDFLAGS_ALLOW=-Wl,--gc-sections to accept
// that flag (the Makefile exports both).
//
// The opencvmin tag (make image-bins) takes imgcodecs and videoio from the
// static archives image/opencv-min.sh builds (JPEG, PNG, V4L2, MJPEG AVI;
// CGO_LDFLAGS gives their -L directory) instead of Debian's shared ones,
// whose FFmpeg, GStreamer and GDAL closure is most of a root filesystem.
// Static archives come first: the libraries after them resolve their
// references.

/*
#cgo opencvmin LDFLAGS: -Wl,-Bstatic -lopencv_videoio -lopencv_imgcodecs -Wl,-Bdynamic -ljpeg -lpng16 -lz
#cgo !opencvmin LDFLAGS: -lopencv_videoio -lopencv_imgcodecs
#cgo LDFLAGS: -Wl,--gc-sections -lopencv_calib3d -lopencv_features2d -lopencv_flann -lopencv_imgproc -lopencv_core
*/
import "C"
