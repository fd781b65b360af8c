#include <opencv2/imgproc.hpp>
#include "distance.h"

int cuecastDistanceL2(void *src, void *dst) {
    try {
        cv::distanceTransform(*static_cast<cv::Mat *>(src), *static_cast<cv::Mat *>(dst), cv::DIST_L2, 5);
    } catch (const cv::Exception &) {
        return -1;
    }
    return 0;
}
