#!/bin/bash
# Build OpenCV's imgcodecs and videoio modules as static archives holding
# only what the box uses, for the image's cuecastd and cuecast:
#   imgcodecs: JPEG (libjpeg-turbo) and PNG, plus OpenCV's own BMP, PxM,
#              PFM, HDR and Sun raster code (no TIFF, WebP, JPEG 2000,
#              OpenEXR, GDAL, GDCM);
#   videoio:   V4L2 cameras, Motion-JPEG AVI files and image sequences (no
#              FFmpeg, GStreamer, gPhoto2, DC1394).
# Debian's libopencv-imgcodecs406 and libopencv-videoio406 link GDAL, GDCM,
# OpenEXR, FFmpeg and GStreamer: their shared-library closure alone is
# about 106 MiB of squashfs, a third of the old root (docs/image.md).
# Core, imgproc, calib3d, features2d and flann stay Debian's shared
# libraries; these two archives are compiled from the same Debian source
# version against those modules' headers and link against them.
#
# Usage: image/opencv-min.sh ARCH OUTDIR      (ARCH: amd64 or arm64)
# Writes OUTDIR/lib/libopencv_{imgcodecs,videoio}.a and OUTDIR/stamp; does
# nothing when the stamp matches (same Debian version, same script).
# The source (the Debian orig tarball, fetched with apt's own tools from the
# host's Debian mirror) is kept in $OPENCV_SRC (default out/opencv-src).
set -euo pipefail

arch=${1:?usage: opencv-min.sh ARCH OUTDIR}
out=${2:?usage: opencv-min.sh ARCH OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
src_cache=${OPENCV_SRC:-$repo/out/opencv-src}
die() { echo "image/opencv-min.sh: $*" >&2; exit 1; }

ver=$(dpkg-query -W -f='${source:Version}' "libopencv-core-dev:$arch" 2>/dev/null) ||
	die "libopencv-core-dev:$arch is not installed: run 'make deps' (ARCH=$arch)"
stamp="$ver $(sha256sum "$0" | cut -c1-16)"
# The link names (libopencv_X.so) of the shared modules cuecastd links, for
# a foreign ARCH whose -dev package is not installed: make deps installs
# only the runtime libraries of calib3d and features2d for arm64 (their -dev
# packages pull in highgui's Qt/FFmpeg/GDAL closure). The symlinks point at
# the runtime library, so the binary's DT_NEEDED is its usual soname.
linknames() {
	local triplet m so
	triplet=$(dpkg-architecture -a"$arch" -qDEB_HOST_MULTIARCH 2>/dev/null)
	for m in core imgproc calib3d features2d flann; do
		[ -e "/usr/lib/$triplet/libopencv_$m.so" ] && continue
		so=$(ls "/usr/lib/$triplet/libopencv_$m.so."[0-9]* 2>/dev/null | sort -V | tail -n1)
		[ -n "$so" ] || die "/usr/lib/$triplet/libopencv_$m.so.*: not installed: run 'make deps'"
		ln -sfn "$so" "$out/lib/libopencv_$m.so"
	done
}
if [ -s "$out/lib/libopencv_videoio.a" ] && [ -s "$out/lib/libopencv_imgcodecs.a" ] &&
	[ "$(cat "$out/stamp" 2>/dev/null)" = "$stamp" ]; then
	linknames
	echo "opencv-min: $out is up to date ($stamp)"
	exit 0
fi
start=$(date +%s)
upstream=${ver%-*}    # 4.6.0+dfsg
tarball=$src_cache/opencv_${upstream}.orig.tar.xz

# The source: only the orig tarball (no contrib), by apt-get source
# --print-uris against a deb-src copy of the host's Debian sources, then
# apt-helper, which checks the hash apt's signed Sources index gives.
if [ ! -s "$tarball" ]; then
	echo "opencv-min: fetching the Debian source of OpenCV $ver"
	apt=$src_cache/apt
	rm -rf "$apt" && mkdir -p "$apt/sources" "$apt/lists/partial"
	n=0
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		grep -qi 'debian' "$f" || continue
		n=$((n + 1))
		case "$f" in
		*.sources) sed 's/^Types:.*/Types: deb-src/' "$f" > "$apt/sources/$n.sources" ;;
		*) sed -n 's/^deb \(.*\)/deb-src \1/p' "$f" > "$apt/sources/$n.list" ;;
		esac
	done
	[ "$n" -gt 0 ] || die "no Debian apt sources on this host"
	aptopts=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$apt/sources"
		-o "Dir::State::Lists=$apt/lists" -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
	apt-get -q "${aptopts[@]}" update >/dev/null
	uri=$(cd "$src_cache" && apt-get -q "${aptopts[@]}" source --print-uris "opencv=$ver" |
		awk -v f="opencv_${upstream}.orig.tar.xz" '$2 == f {print $1, $4}' | tr -d "'")
	[ -n "$uri" ] || die "no opencv=$ver source on the mirror"
	set -- $uri
	/usr/lib/apt/apt-helper download-file "$1" "$tarball.part" "$2"
	mv "$tarball.part" "$tarball"
fi

build=$out/build
rm -rf "$out" && mkdir -p "$build" "$out/lib"
echo "opencv-min: unpacking the modules it needs"
tree=$out/src
mkdir -p "$tree"
top=opencv-${upstream%%+*}
tar -xJf "$tarball" -C "$tree" --strip-components=1 \
	"$top/CMakeLists.txt" "$top/LICENSE" "$top/cmake" "$top/include" "$top/doc/CMakeLists.txt" "$top/data/CMakeLists.txt" \
	"$top/modules/core" "$top/modules/imgproc" "$top/modules/imgcodecs" "$top/modules/videoio"

cross=()
if [ "$arch" != "$(dpkg --print-architecture)" ]; then
	triplet=$(dpkg-architecture -a"$arch" -qDEB_HOST_MULTIARCH 2>/dev/null)
	cpu=$(dpkg-architecture -a"$arch" -qDEB_HOST_GNU_CPU 2>/dev/null)
	command -v "$triplet-g++" >/dev/null || die "$triplet-g++ not found: run 'make deps' (ARCH=$arch)"
	cross=(-DCMAKE_SYSTEM_NAME=Linux "-DCMAKE_SYSTEM_PROCESSOR=$cpu"
		"-DCMAKE_C_COMPILER=$triplet-gcc" "-DCMAKE_CXX_COMPILER=$triplet-g++"
		"-DCMAKE_LIBRARY_ARCHITECTURE=$triplet")
fi
off() { for o in "$@"; do printf -- '-D%s=OFF\n' "$o"; done; }
echo "opencv-min: configuring ($arch)"
# shellcheck disable=SC2046
cmake -G Ninja -S "$tree" -B "$build" -Wno-dev "${cross[@]}" \
	-DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF -DBUILD_LIST=imgcodecs,videoio \
	-DOPENCV_VCSVERSION="$ver" -DCMAKE_EXPORT_COMPILE_COMMANDS=OFF \
	-DWITH_JPEG=ON -DWITH_PNG=ON -DWITH_V4L=ON \
	$(off BUILD_TESTS BUILD_PERF_TESTS BUILD_EXAMPLES BUILD_opencv_apps BUILD_DOCS BUILD_JAVA \
		BUILD_opencv_python2 BUILD_opencv_python3 BUILD_JPEG BUILD_PNG BUILD_ZLIB \
		WITH_TIFF WITH_WEBP WITH_OPENJPEG WITH_JASPER WITH_OPENEXR WITH_GDAL WITH_GDCM WITH_AVIF \
		WITH_FFMPEG WITH_GSTREAMER WITH_1394 WITH_GPHOTO2 WITH_OPENCL WITH_IPP WITH_ITT WITH_TBB \
		WITH_EIGEN WITH_LAPACK WITH_PROTOBUF WITH_QUIRC WITH_ADE WITH_VA WITH_VA_INTEL WITH_OPENGL \
		WITH_GTK WITH_QT WITH_CAROTENE WITH_OPENVX WITH_OPENMP WITH_PTHREADS_PF \
		VIDEOIO_ENABLE_PLUGINS OPENCV_GENERATE_PKGCONFIG) >"$build/cmake.log" 2>&1 ||
	{ tail -n 30 "$build/cmake.log"; die "cmake failed (log: $build/cmake.log)"; }
grep -E 'JPEG:|PNG:|v4l/v4l2:|To be built:' "$build/cmake.log" | sed 's/^--/   /'

# Only these two modules' objects: building them as ninja targets would
# first build all of core and imgproc (their OpenCL-kernel steps wait for
# the libraries), which the image takes from Debian. Everything the two
# modules include is generated at configure time, so each object's own
# compile command (the last of `ninja -t commands OBJ`) is enough.
echo "opencv-min: compiling imgcodecs and videoio"
objs=$(cd "$build" && ninja -t targets all | sed -n 's#^\(modules/\(imgcodecs\|videoio\)/CMakeFiles/[^:]*\.o\):.*#\1#p')
[ -n "$objs" ] || die "no imgcodecs/videoio objects in the cmake build"
(cd "$build" && for o in $objs; do ninja -t commands "$o" | tail -n1; done) > "$build/compile.sh"
(cd "$build" && tr '\n' '\0' < compile.sh | xargs -0 -P"$(nproc)" -I{} sh -c '{}') ||
	die "compiling failed"
ar=ar
[ ${#cross[@]} -eq 0 ] || ar=$triplet-ar
for m in imgcodecs videoio; do
	"$ar" rcs "$out/lib/libopencv_$m.a" "$build"/modules/$m/CMakeFiles/opencv_$m.dir/src/*.o
done
rm -rf "$tree" "$build"/modules/*/CMakeFiles
linknames
echo "$stamp" > "$out/stamp"
ls -l "$out/lib"
echo "opencv-min: done in $(($(date +%s) - start)) s"
