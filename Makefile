# cuecast — `make run` and `make test` are the whole set-up on a fresh Debian 12.
SHELL := /bin/bash
.DEFAULT_GOAL := help

GO      ?= go
BIN     := bin
export CGO_ENABLED := 1
# gocv v0.31.0 builds against Debian 12's OpenCV 4.6 through pkg-config.
# (The image's binaries link fewer modules: image/image.mk, docs/image.md.)
export CGO_CPPFLAGS :=
GOTESTFLAGS ?=
# Debian packages the build, the tests and the image need.
DEB_PKGS := build-essential pkg-config libopencv-dev mosquitto mosquitto-clients \
	chromium systemd systemd-container \
	qemu-system-x86 qemu-utils mmdebstrap debootstrap squashfs-tools e2fsprogs fdisk \
	dosfstools mtools ovmf systemd-boot cmake ninja-build
# veritysetup: the image's dm-verity hash trees (image/verity.sh) and the
# reference the Go hash tree is tested against (edge/update).
DEB_PKGS += cryptsetup-bin
# kmod (depmod) and openssl: image/defer.sh builds the root's module tables
# and certificate links with the host's tools (arch-neutral; no qemu-user).
DEB_PKGS += kmod openssl

.PHONY: help deps build run test test-go test-units bench fmt vet clean

help: ## show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

deps: ## install missing Debian packages and Go modules (idempotent)
	@missing=$$(for p in $(DEB_PKGS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q ' ok installed$$' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "deps: installing Debian packages:" $$missing; \
		if [ "$$(id -u)" != 0 ]; then SUDO=sudo; fi; \
		$$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q --no-install-recommends $$missing; \
	else echo "deps: Debian packages present"; fi
	@image/deps-arm64.sh
	@$(GO) mod download && echo "deps: Go modules present"

build: deps ## build bin/cuecastd and bin/cuecast
	$(GO) build -o $(BIN)/cuecastd ./cmd/cuecastd
	$(GO) build -o $(BIN)/cuecast ./cmd/cuecast

run: build ## run the daemon on its embedded defaults (simulator, local Mosquitto if up, no hardware)
	@mkdir -p out/state
	@pgrep -x mosquitto >/dev/null || { echo "run: starting a local Mosquitto on 127.0.0.1:1883"; mosquitto -d -p 1883 2>/dev/null || true; }
	@echo "run: open http://localhost:8080/ (table display) and http://localhost:8080/projector"
	$(BIN)/cuecastd --state-dir $(CURDIR)/out/state

test: deps test-go test-units image-test image-test-arm64 ## everything CI checks

test-go: ## Go tests (race detector on the cgo-free core)
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	CGO_ENABLED=0 $(GO) build ./edge/model/... ./edge/hub/... ./edge/core/... ./edge/physics/... ./edge/config/... ./edge/pipeline/... ./edge/referee/... ./edge/game/... ./edge/history/... ./edge/store/... ./edge/recorder/... ./edge/framestat/...
	$(GO) test -race -timeout 20m $(GOTESTFLAGS) ./edge/hub/... ./edge/core/... ./edge/supervise/... ./edge/pipeline/... ./edge/config/... ./edge/referee/... ./edge/game/... ./edge/history/... ./edge/store/... ./edge/recorder/...
	$(GO) test -timeout 30m $(GOTESTFLAGS) ./...

test-units: ## systemd-analyze verify + security score of the unit
	./systemd/check-units.sh

bench: deps ## run the benchmarks (results are recorded under docs/bench/)
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 2s ./...

fmt: ## gofmt the tree
	gofmt -w $$(git ls-files '*.go')

clean: ## remove build outputs
	rm -rf $(BIN) out

-include image/image.mk
