// Bridge to cv::imdecode with the exception guard (guard.hpp): gocv's
// IMRead lets a cv::Exception (an image too large, an allocation that
// failed) unwind through cgo and abort the process.
#ifndef CUECAST_VISION_IMDECODE_H
#define CUECAST_VISION_IMDECODE_H
#include <stddef.h>
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif

// cuecastImageDecode decodes the n bytes of an image file at buf with
// cv::imdecode (flags: cv::IMREAD_*) into dst, a cv::Mat* (a gocv Mat's
// pointer). It returns 0 on success; -1 with err filled (errlen bytes,
// NUL-terminated) when OpenCV threw, or when the result is empty (not an
// image OpenCV reads) or has more than maxPixels pixels. buf is only read
// during the call.
int cuecastImageDecode(const uint8_t *buf, size_t n, int flags, long long maxPixels, void *dst,
                       char *err, int errlen);

#ifdef __cplusplus
}
#endif
#endif
