# image/image.mk: the firmware image targets, included by the top Makefile.
#   make image        build image/build/image/disk.img (kiosk on)
#   make bundle       sign image/build/image/root.img into an update bundle
#   make bundle-key   make a development signing key if there is none
#   make image-test   build the boot-test image and boot it under QEMU, then
#                     the kiosk image on a virtual display (KIOSK_TEST=0: not)
#   ARCH=arm64        the same for arm64 (cross-compiled; see docs/image.md)
# See docs/image.md.

HOST_ARCH      := $(shell dpkg --print-architecture 2>/dev/null || echo amd64)
ARCH           ?= $(HOST_ARCH)
IMAGE_SUFFIX   := $(if $(filter-out $(HOST_ARCH),$(ARCH)),-$(ARCH))
IMAGE_OUT      ?= image/build/image$(IMAGE_SUFFIX)
IMAGE_TEST_OUT ?= image/build/test$(IMAGE_SUFFIX)
IMAGE_KIOSK_OUT ?= image/build/kiosk-test$(IMAGE_SUFFIX)
# KIOSK_TEST=1 (default): make image-test also boots the kiosk image and
# checks its screen (image/kiosk-test.sh: a kiosk image build and a boot
# more, ~3.5 min on a quiet machine; docs/image.md "Kiosk on screen").
KIOSK_TEST     ?= 1
CUECASTD_BIN   ?= $(BIN)/cuecastd
CUECAST_BIN    ?= $(BIN)/cuecast
# The key that signs bundles; the image trusts $(UPDATE_KEY).pub. A release
# build passes UPDATE_KEY=/path/to/release.key (UPDATE_PUB alone is enough
# for `make image`). The default is a development key made on first use.
UPDATE_KEY     ?= image/build/dev-update.key
UPDATE_PUB     ?= $(UPDATE_KEY).pub
IMAGE_VERSION  ?= $(shell git describe --always --dirty 2>/dev/null || date -u +%Y%m%d.%H%M)
KIOSK          ?= 1

# The image's own cuecastd and cuecast: built for $(ARCH), with OpenCV's
# imgcodecs and videoio from image/opencv-min.sh (JPEG, PNG, V4L2, MJPEG
# AVI; static) instead of Debian's, whose FFmpeg/GStreamer/GDAL closure is
# a third of the old root. The dev build (make build) keeps Debian's, so
# tests can play the MP4 footage. Cached under out/.
OPENCV_MIN     := out/opencv-min/$(ARCH)
IMAGE_BIN      := out/image-bin/$(ARCH)
IMAGE_TRIPLET  := $(shell dpkg-architecture -a$(ARCH) -qDEB_HOST_MULTIARCH 2>/dev/null)
# gocv's customenv tag with edge/vision/cgo_customenv.go's flags links only
# the OpenCV modules cuecast calls; opencvmin takes imgcodecs and videoio
# from $(OPENCV_MIN). gocv needs the include path and cgo must be allowed
# --gc-sections. The dev build (make build, the Go tests) has neither tag.
IMAGE_GOENV    := GOFLAGS="$(strip $(GOFLAGS) -tags=customenv,opencvmin)" \
	CGO_CPPFLAGS="-I/usr/include/opencv4" CGO_LDFLAGS_ALLOW="-Wl,--gc-sections" \
	CGO_LDFLAGS="-L$(CURDIR)/$(OPENCV_MIN)/lib" \
	$(if $(IMAGE_SUFFIX),GOARCH=$(ARCH) CC=$(IMAGE_TRIPLET)-gcc CXX=$(IMAGE_TRIPLET)-g++)
# The vision tests that exercise imgcodecs and videoio, run against the
# image's OpenCV build (native architecture only).
IMAGE_OPENCV_TESTS := TestJPEGEncoder|TestVideoFileLoopsAndEnds|TestStillImagePaced|TestCameraMissingDevice|TestCalibrateCamera|TestDetectWithLens

.PHONY: image bundle bundle-key image-test image-test-arm64 image-bins image-opencv-test

bundle-key: $(CUECAST_BIN)
	@if [ ! -e $(UPDATE_KEY) ]; then \
		mkdir -p $(dir $(UPDATE_KEY)); \
		echo "bundle-key: no $(UPDATE_KEY): making a DEVELOPMENT signing key (never ship it)"; \
		$(CUECAST_BIN) bundle -genkey $(UPDATE_KEY); \
	fi

$(CUECASTD_BIN) $(CUECAST_BIN):
	$(MAKE) build

image-bins: deps ## build the image's cuecastd and cuecast for ARCH (out/image-bin/ARCH)
	image/opencv-min.sh $(ARCH) $(OPENCV_MIN)
	@mkdir -p out && [ -e out/go.mod ] || echo "module ignored/out" > out/go.mod
	$(IMAGE_GOENV) $(GO) build -trimpath -ldflags='-s -w' -o $(IMAGE_BIN)/cuecastd ./cmd/cuecastd
	$(IMAGE_GOENV) $(GO) build -trimpath -ldflags='-s -w' -o $(IMAGE_BIN)/cuecast ./cmd/cuecast

image-opencv-test: image-bins ## vision tests against the image's OpenCV (imgcodecs, videoio)
	$(if $(IMAGE_SUFFIX),@echo "image-opencv-test: $(ARCH) binaries are not run on this $(HOST_ARCH) host",\
	$(IMAGE_GOENV) $(GO) test -trimpath -count=1 -run '$(IMAGE_OPENCV_TESTS)' ./edge/vision/)

image: image-bins bundle-key ## build the disk image (image/build/image/disk.img)
	OUT=$(IMAGE_OUT) ARCH=$(ARCH) CUECASTD=$(IMAGE_BIN)/cuecastd CUECAST=$(IMAGE_BIN)/cuecast \
		UPDATE_PUB=$(UPDATE_PUB) VERSION=$(IMAGE_VERSION) KIOSK=$(KIOSK) image/build.sh

bundle: $(CUECAST_BIN) ## sign the last built root into an update bundle
	@test -s $(IMAGE_OUT)/root.img || { echo "bundle: no $(IMAGE_OUT)/root.img: run make image first"; exit 1; }
	$(CUECAST_BIN) bundle -key $(UPDATE_KEY) -root $(IMAGE_OUT)/root.img \
		-o $(IMAGE_OUT)/cuecast-$$(cat $(IMAGE_OUT)/version).bundle

image-test: build image-opencv-test ## boot the test image under QEMU: READY, watchdog, A/B update, verity, rollback; then the kiosk on screen (KIOSK_TEST=0: not)
	ARCH=$(ARCH) CUECASTD=$(IMAGE_BIN)/cuecastd CUECAST=$(IMAGE_BIN)/cuecast HOST_CUECAST=$(CUECAST_BIN) \
		OUT=$(IMAGE_TEST_OUT) GO=$(GO) image/image-test.sh
	ARCH=$(ARCH) CUECASTD=$(IMAGE_BIN)/cuecastd CUECAST=$(IMAGE_BIN)/cuecast HOST_CUECAST=$(CUECAST_BIN) \
		OUT=$(IMAGE_KIOSK_OUT) GO=$(GO) KIOSK_TEST=$(KIOSK_TEST) image/kiosk-test.sh

# IMAGE_TEST_ARM64=1 makes `make test` also build and boot the arm64 test
# image (cross-built, root through qemu-user, booted under TCG). Off in
# `make test` itself (it would take make test past its 45-minute budget on
# a loaded 2-core host); .ci/run runs it after make test. On a clean clone
# it takes 30-39 min at load 7-13 (opencv-min 2.5-4 min, Go cross build up
# to 4.5 min, root 10-13 min, boot test 17 min: docs/bench/image.md, "arm64
# in CI"). The one unexplained failure (a silent forwarded port, 1 of 9
# runs) is diagnosed by the harness if it recurs ("the silent port").
IMAGE_TEST_ARM64 ?= 0
image-test-arm64: ## the boot test for the arm64 image under qemu-system-aarch64 (TCG)
	@if [ "$(IMAGE_TEST_ARM64)" = 1 ]; then $(MAKE) --no-print-directory image-test ARCH=arm64; \
	else echo "SKIP: image-test-arm64 (IMAGE_TEST_ARM64=$(IMAGE_TEST_ARM64)): the arm64 image was NOT tested (make image-test-arm64 IMAGE_TEST_ARM64=1 runs it)"; fi
