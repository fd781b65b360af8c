#include <opencv2/core.hpp>
#include <opencv2/calib3d.hpp>
#include <cstdio>
#include <cstring>
#include <exception>
#include <vector>
#include "fisheye.h"
#include "guard.hpp"

namespace {

using cuecast::guarded;
using cuecast::setErr;

cv::Matx33d mat33(const double *k) {
    return cv::Matx33d(k[0], k[1], k[2], k[3], k[4], k[5], k[6], k[7], k[8]);
}

}  // namespace

// Every entry point runs inside guarded: an exception unwinding through the
// cgo call would abort the whole daemon.
extern "C" int cuecastFisheyeCalibrate(const double *obj, int npts, const double *img, int nviews,
                                       int width, int height, int maxIter, double eps,
                                       double *k, double *d, double *rms, int *badView,
                                       char *err, int errlen) {
    *badView = -1;
    auto body = [&]() {
        std::vector<cv::Point3d> board(npts);
        for (int i = 0; i < npts; i++) board[i] = cv::Point3d(obj[3 * i], obj[3 * i + 1], obj[3 * i + 2]);
        std::vector<std::vector<cv::Point3d>> objs(nviews, board);
        std::vector<std::vector<cv::Point2d>> imgs(nviews, std::vector<cv::Point2d>(npts));
        for (int v = 0; v < nviews; v++)
            for (int i = 0; i < npts; i++) {
                const double *p = img + 2 * ((size_t)v * npts + i);
                imgs[v][i] = cv::Point2d(p[0], p[1]);
            }
        cv::Matx33d K;
        cv::Vec4d D;
        std::vector<cv::Vec3d> rvecs, tvecs;
        cv::TermCriteria crit(cv::TermCriteria::COUNT + cv::TermCriteria::EPS, maxIter, eps);
        cv::Size size(width, height);
        // Two passes. OpenCV starts from f = max(w, h) / pi, far from a real
        // lens's focal length; with CALIB_CHECK_COND that bad start alone
        // makes boards far off the axis look ill-conditioned (exactly the
        // views that pin the distortion down). So the first pass solves
        // without the check, and the second, the one that counts, starts
        // from its intrinsics with the check on: it then refuses only views
        // ill-conditioned under a sound lens model.
        int base = cv::fisheye::CALIB_RECOMPUTE_EXTRINSIC | cv::fisheye::CALIB_FIX_SKEW;
        cv::fisheye::calibrate(objs, imgs, size, K, D, rvecs, tvecs, base, crit);
        int flags = base | cv::fisheye::CALIB_CHECK_COND | cv::fisheye::CALIB_USE_INTRINSIC_GUESS;
        *rms = cv::fisheye::calibrate(objs, imgs, size, K, D, rvecs, tvecs, flags, crit);
        for (int i = 0; i < 9; i++) k[i] = K.val[i];
        for (int i = 0; i < 4; i++) d[i] = D[i];
        return 0;
    };
    auto badViewOf = [&](const cv::Exception &e) {
        // OpenCV 4.x: "CALIB_CHECK_COND - Ill-conditioned matrix for input array %d".
        const char *tag = std::strstr(e.err.c_str(), "input array ");
        int idx;
        if (tag != nullptr && std::sscanf(tag, "input array %d", &idx) == 1 && idx >= 0 && idx < nviews)
            *badView = idx;
    };
    return guarded(err, errlen, body, badViewOf);
}

extern "C" int cuecastFisheyeNewCamera(const double *k, const double *d, int width, int height,
                                       double balance, double *knew, char *err, int errlen) {
    return guarded(err, errlen, [&]() {
        cv::Matx33d K = mat33(k), P;
        cv::Vec4d D(d[0], d[1], d[2], d[3]);
        cv::Size sz(width, height);
        cv::fisheye::estimateNewCameraMatrixForUndistortRectify(K, D, sz, cv::Matx33d::eye(), P, balance, sz, 1.0);
        for (int i = 0; i < 9; i++) knew[i] = P.val[i];
        return 0;
    });
}

extern "C" int cuecastFisheyeMaps(const double *k, const double *d, const double *knew, int width, int height,
                                  int16_t *map1, uint16_t *map2, char *err, int errlen) {
    return guarded(err, errlen, [&]() {
        cv::Matx33d K = mat33(k), P = mat33(knew);
        cv::Vec4d D(d[0], d[1], d[2], d[3]);
        cv::Mat m1, m2;
        cv::fisheye::initUndistortRectifyMap(K, D, cv::Matx33d::eye(), P, cv::Size(width, height), CV_16SC2, m1, m2);
        // Copy into the caller's buffers (headers over them; copyTo into a
        // header of the same size and type writes in place).
        cv::Mat out1(height, width, CV_16SC2, map1), out2(height, width, CV_16UC1, map2);
        m1.copyTo(out1);
        m2.copyTo(out2);
        if (out1.data != (uchar *)map1 || out2.data != (uchar *)map2) {
            setErr(err, errlen, "remap tables came back with another size or type");
            return -1;
        }
        return 0;
    });
}
