#include "kernels.h"

// Plain comparisons instead of std::fmax/fabs: without -ffast-math gcc keeps
// their NaN semantics and calls libm, which costs 10x here.
static inline float absf(float x) { return x < 0 ? -x : x; }
static inline float maxf(float a, float b) { return a > b ? a : b; }
static inline float minf(float a, float b) { return a < b ? a : b; }

void cuecastFeltMask(const uint8_t *__restrict__ bgr, const float *__restrict__ bright, const float *__restrict__ dark,
                     const float *__restrict__ invFeltSum, const uint8_t *__restrict__ outside,
                     uint8_t *__restrict__ out, float *__restrict__ ratio, int n,
                     float tol, float tolS, float cb, float cg, float cr) {
    for (int i = 0; i < n; i++) {
        float b = bgr[3 * i], g = bgr[3 * i + 1], r = bgr[3 * i + 2];
        float s = b + g + r + 1.0f;
        ratio[i] = outside[i] ? 1.0f : s * invFeltSum[i];
        float ts = maxf(tol * s, minf(1.8f * tol * s, tolS));
        float d = absf(b - cb * s) + absf(g - cg * s) + absf(r - cr * s);
        float mx = maxf(b, maxf(g, r));
        float bt = bright[i], dt = dark[i];
        float nf = (d > ts || mx > bt || s < dt) ? 255.0f : 0.0f;
        out[i] = (uint8_t)(outside[i] ? 0.0f : nf);
    }
}
