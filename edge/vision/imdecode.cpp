#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include "guard.hpp"
#include "imdecode.h"

extern "C" int cuecastImageDecode(const uint8_t *buf, size_t n, int flags, long long maxPixels, void *dst,
                                  char *err, int errlen) {
    return cuecast::guarded(err, errlen, [&]() {
        cv::Mat *out = static_cast<cv::Mat *>(dst);
        if (n == 0 || n > (size_t)INT32_MAX) {
            cuecast::setErr(err, errlen, "empty or larger than 2 GiB");
            return -1;
        }
        // A header over the caller's buffer: imdecode reads it, keeps none
        // of it.
        cv::Mat in(1, (int)n, CV_8UC1, const_cast<uint8_t *>(buf));
        cv::Mat m = cv::imdecode(in, flags);
        if (m.empty()) {
            cuecast::setErr(err, errlen, "not an image OpenCV can decode (or a damaged one)");
            return -1;
        }
        if ((long long)m.rows * (long long)m.cols > maxPixels) {
            cuecast::setErr(err, errlen, "more pixels than the limit");
            return -1;
        }
        *out = m;
        return 0;
    });
}
