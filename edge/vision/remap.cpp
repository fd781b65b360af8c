#include <opencv2/imgproc.hpp>
#include "remap.h"

int cuecastRemapBGR(const uint8_t *pix, int w, int h, void *map1, void *map2, void *dst) {
    try {
        // A header only: OpenCV reads the caller's pixels in place and
        // keeps no reference past this call.
        const cv::Mat src(h, w, CV_8UC3, const_cast<uint8_t *>(pix));
        cv::remap(src, *static_cast<cv::Mat *>(dst), *static_cast<cv::Mat *>(map1),
                  *static_cast<cv::Mat *>(map2), cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar());
    } catch (const cv::Exception &) {
        return -1;
    }
    return 0;
}
