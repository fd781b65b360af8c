# image/image.mk: the firmware image targets, included by the top Makefile.
#   make image        build image/build/image/disk.img (kiosk on)
#   make bundle       sign image/build/image/root.img into an update bundle
#   make bundle-key   make a development signing key if there is none
#   make image-test   build the boot-test image and boot it under QEMU
# See docs/image.md.

IMAGE_OUT      ?= image/build/image
IMAGE_TEST_OUT ?= image/build/test
CUECASTD_BIN   ?= $(BIN)/cuecastd
CUECAST_BIN    ?= $(BIN)/cuecast
# The key that signs bundles; the image trusts $(UPDATE_KEY).pub. A release
# build passes UPDATE_KEY=/path/to/release.key (UPDATE_PUB alone is enough
# for `make image`). The default is a development key made on first use.
UPDATE_KEY     ?= image/build/dev-update.key
UPDATE_PUB     ?= $(UPDATE_KEY).pub
IMAGE_VERSION  ?= $(shell git describe --always --dirty 2>/dev/null || date -u +%Y%m%d.%H%M)
KIOSK          ?= 1

.PHONY: image bundle bundle-key image-test

bundle-key: $(CUECAST_BIN)
	@if [ ! -e $(UPDATE_KEY) ]; then \
		mkdir -p $(dir $(UPDATE_KEY)); \
		echo "bundle-key: no $(UPDATE_KEY): making a DEVELOPMENT signing key (never ship it)"; \
		$(CUECAST_BIN) bundle -genkey $(UPDATE_KEY); \
	fi

$(CUECASTD_BIN) $(CUECAST_BIN):
	$(MAKE) build

image: build bundle-key ## build the disk image (image/build/image/disk.img)
	OUT=$(IMAGE_OUT) CUECASTD=$(CUECASTD_BIN) CUECAST=$(CUECAST_BIN) UPDATE_PUB=$(UPDATE_PUB) \
		VERSION=$(IMAGE_VERSION) KIOSK=$(KIOSK) image/build.sh

bundle: $(CUECAST_BIN) ## sign the last built root into an update bundle
	@test -s $(IMAGE_OUT)/root.img || { echo "bundle: no $(IMAGE_OUT)/root.img: run make image first"; exit 1; }
	$(CUECAST_BIN) bundle -key $(UPDATE_KEY) -root $(IMAGE_OUT)/root.img \
		-o $(IMAGE_OUT)/cuecast-$$(cat $(IMAGE_OUT)/version).bundle

image-test: build ## boot the test image under QEMU: READY, watchdog, A/B update and rollback
	CUECASTD=$(CUECASTD_BIN) CUECAST=$(CUECAST_BIN) OUT=$(IMAGE_TEST_OUT) GO=$(GO) image/image-test.sh
