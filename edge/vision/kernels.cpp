#include "kernels.h"

// Plain comparisons instead of std::fmax/fabs: without -ffast-math gcc keeps
// their NaN semantics and calls libm. The loop vectorises with SSE4.1 or
// AVX2 (baseline x86-64 lacks the byte -> float widening gcc needs), so on
// x86-64 gcc builds clones for both and picks one at load time (ifunc).
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define CUECAST_CLONES __attribute__((target_clones("avx2", "sse4.1", "default")))
#else
#define CUECAST_CLONES
#endif

CUECAST_CLONES
void cuecastFeltMask(const uint8_t *__restrict__ bgr, const float *__restrict__ bright, const float *__restrict__ dark,
                     const float *__restrict__ invFeltSum, const uint8_t *__restrict__ outside,
                     uint8_t *__restrict__ out, float *__restrict__ ratio, int n,
                     float tol, float tolS, float cb, float cg, float cr) {
    for (int i = 0; i < n; i++) {
        float b = bgr[3 * i], g = bgr[3 * i + 1], r = bgr[3 * i + 2];
        float s = b + g + r + 1.0f;
        int in = outside[i] == 0;
        // Outside pixels get ratio 1 (neutral for the shading filter);
        // an arithmetic select, which gcc vectorises where ?: stops it.
        float inF = (float)in;
        ratio[i] = s * invFeltSum[i] * inF + (1.0f - inF);
        float ts1 = tol * s, ts2 = 1.8f * tol * s;
        float ts = ts2 < tolS ? ts2 : tolS;
        ts = ts1 > ts ? ts1 : ts;
        float db = b - cb * s, dg = g - cg * s, dr = r - cr * s;
        float d = (db < 0 ? -db : db) + (dg < 0 ? -dg : dg) + (dr < 0 ? -dr : dr);
        float mx = b > g ? b : g;
        mx = mx > r ? mx : r;
        int nf = (d > ts) | (mx > bright[i]) | (s < dark[i]);
        out[i] = (uint8_t)((nf & in) * 255);
    }
}
