// Per-pixel kernels that the Go compiler does not vectorise; gcc -O2 does.
#ifndef CUECAST_VISION_KERNELS_H
#define CUECAST_VISION_KERNELS_H
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif
// cuecastFeltMask writes 255 to out[i] where pixel i of bgr is not cloth,
// 0 where it is or where outside[i] is set. See ballFinder.candidates.
void cuecastFeltMask(const uint8_t *bgr, const float *bright, const float *dark,
                     const uint8_t *outside, uint8_t *out, int n,
                     float tol, float tolS, float cb, float cg, float cr);
// cuecastRadialVotes is a fixed-radius radial symmetry transform: every
// pixel of the interleaved BGR image bgr (w x h) whose colour gradient (the
// strongest channel's 3x3 Sobel derivatives) is at least minMag votes for
// the points r pixels away along and against its gradient, with weight
// min(1, |g| / fullMag), splatted bilinearly into acc (w*h floats, zeroed
// here; w at most 2048). Only the pixels off the image's edge vote (their
// Sobel needs no border), and not those with outside[i] set. A ball's rim,
// whatever its colour against the cloth or its neighbours, votes for its
// centre.
void cuecastRadialVotes(const uint8_t *bgr, const uint8_t *outside, int w, int h, float r,
                        float minMag, float fullMag, float *acc);
// cuecastSobelRow is the votes' Sobel of one row (pixels 1..n-2; see
// kernels.cpp), for the test against OpenCV's.
void cuecastSobelRow(const uint8_t *up, const uint8_t *mid, const uint8_t *down, int n,
                     int16_t *gx, int16_t *gy);
#ifdef __cplusplus
}
#endif
#endif
