// distanceTransform without labels, which gocv v0.31 does not wrap.
#ifndef CUECAST_VISION_DISTANCE_H
#define CUECAST_VISION_DISTANCE_H
#ifdef __cplusplus
extern "C" {
#endif
// cuecastDistanceL2 runs cv::distanceTransform(src, dst, DIST_L2, 5) on
// two cv::Mat pointers (gocv Mats). It returns 0, or -1 when OpenCV threw
// (the message is not kept: the caller's input is a mask it made itself).
int cuecastDistanceL2(void *src, void *dst);
#ifdef __cplusplus
}
#endif
#endif
