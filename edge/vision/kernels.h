// Per-pixel kernels that the Go compiler does not vectorise; gcc -O2 does.
#ifndef CUECAST_VISION_KERNELS_H
#define CUECAST_VISION_KERNELS_H
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif
// cuecastFeltMask writes 255 to out[i] where pixel i of bgr is not cloth,
// 0 where it is or where outside[i] is set. See ballFinder.candidates.
// ratio[i] receives the pixel's brightness relative to the cloth's there
// (invFeltSum is 1 / the cloth's B+G+R).
void cuecastFeltMask(const uint8_t *bgr, const float *bright, const float *dark,
                     const float *invFeltSum, const uint8_t *outside,
                     uint8_t *out, float *ratio, int n,
                     float tol, float tolS, float cb, float cg, float cr);
#ifdef __cplusplus
}
#endif
#endif
