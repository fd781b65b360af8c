// Bridge to cv::fisheye for what gocv v0.31 does not wrap: calibration,
// and remap tables into a chosen camera matrix. Plain C types only: no
// OpenCV type and no C++ exception crosses into Go.
#ifndef CUECAST_VISION_FISHEYE_H
#define CUECAST_VISION_FISHEYE_H
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif

// cuecastFisheyeCalibrate runs cv::fisheye::calibrate (RECOMPUTE_EXTRINSIC |
// FIX_SKEW, then again with CHECK_COND from the first pass's intrinsics) on
// nviews views of one board of npts points.
// obj holds the board's npts points as x, y, z; img holds nviews*npts
// pixels as x, y, view after view. On success it returns 0 and fills k
// (3x3, row-major), d (k1..k4) and *rms (pixels). On failure it returns -1,
// writes OpenCV's message into err (errlen bytes, NUL-terminated) and, when
// OpenCV named an ill-conditioned view, its index into *badView (else -1).
int cuecastFisheyeCalibrate(const double *obj, int npts, const double *img, int nviews,
                            int width, int height, int maxIter, double eps,
                            double *k, double *d, double *rms, int *badView,
                            char *err, int errlen);

// cuecastFisheyeNewCamera writes into knew the camera matrix of the
// undistorted image (cv::fisheye::estimateNewCameraMatrixForUndistortRectify,
// same size, identity rotation). 0 on success, -1 with err filled.
int cuecastFisheyeNewCamera(const double *k, const double *d, int width, int height,
                            double balance, double *knew, char *err, int errlen);

// cuecastFisheyeMaps fills the fixed-point remap tables (map1: height*width
// CV_16SC2, map2: height*width CV_16UC1, both continuous) that undistort the
// lens (k, d) into the camera knew (cv::fisheye::initUndistortRectifyMap).
// 0 on success, -1 with err filled.
int cuecastFisheyeMaps(const double *k, const double *d, const double *knew, int width, int height,
                       int16_t *map1, uint16_t *map2, char *err, int errlen);

#ifdef __cplusplus
}
#endif
#endif
