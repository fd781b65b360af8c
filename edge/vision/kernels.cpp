#include "kernels.h"

#include <math.h>
#include <string.h>

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
                     const uint8_t *__restrict__ outside, uint8_t *__restrict__ out, int n,
                     float tol, float tolS, float cb, float cg, float cr) {
    for (int i = 0; i < n; i++) {
        float b = bgr[3 * i], g = bgr[3 * i + 1], r = bgr[3 * i + 2];
        float s = b + g + r + 1.0f;
        int in = outside[i] == 0;
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

static inline void splat(float *acc, int w, int h, float x, float y, float v) {
    // Pixel centres are at +0.5: shift so (x, y) is in index space. A
    // truncating cast instead of floorf: on baseline x86-64 floorf is a
    // libm call, and negative positions are rejected first anyway.
    x -= 0.5f;
    y -= 0.5f;
    if (x < 0 || y < 0) {
        return;
    }
    int x0 = (int)x, y0 = (int)y;
    if (x0 + 1 >= w || y0 + 1 >= h) {
        return;
    }
    float tx = x - (float)x0, ty = y - (float)y0;
    float *p = acc + (size_t)y0 * w + x0;
    p[0] += v * (1 - tx) * (1 - ty);
    p[1] += v * tx * (1 - ty);
    p[w] += v * (1 - tx) * ty;
    p[w + 1] += v * tx * ty;
}

// rowBest computes, for one row of n pixels, the squared gradient of the
// strongest channel and its components. Selects, not branches (which
// channel wins is noise on the cloth), so gcc vectorises the loop.
CUECAST_CLONES
static void rowBest(const int16_t *__restrict__ px, const int16_t *__restrict__ py, int n,
                    float *__restrict__ best, float *__restrict__ bx, float *__restrict__ by) {
    for (int x = 0; x < n; x++) {
        float ax0 = px[3 * x], ay0 = py[3 * x], ax1 = px[3 * x + 1], ay1 = py[3 * x + 1];
        float ax2 = px[3 * x + 2], ay2 = py[3 * x + 2];
        float m0 = ax0 * ax0 + ay0 * ay0, m1 = ax1 * ax1 + ay1 * ay1, m2 = ax2 * ax2 + ay2 * ay2;
        float b = m1 > m0 ? m1 : m0, gx = m1 > m0 ? ax1 : ax0, gy = m1 > m0 ? ay1 : ay0;
        best[x] = m2 > b ? m2 : b;
        bx[x] = m2 > b ? ax2 : gx;
        by[x] = m2 > b ? ay2 : gy;
    }
}

// sobelRow writes the 3x3 Sobel derivatives (OpenCV's Sobel, ksize 3,
// scale 1: [-1 0 1] across, [1 2 1] along) of every channel of row y of the
// interleaved BGR image whose rows up, mid, down are y-1, y, y+1, for the
// pixels 1..n-2; the first and last pixel (which need a border) are set
// to 0 and never read by the votes. Exact integers: the same int16 values
// as OpenCV's CV_16S Sobel at these pixels, whatever its border mode.
CUECAST_CLONES
static void sobelRow(const uint8_t *__restrict__ up, const uint8_t *__restrict__ mid,
                     const uint8_t *__restrict__ down, int n, int16_t *__restrict__ gx,
                     int16_t *__restrict__ gy) {
    for (int c = 0; c < 3; c++) {
        gx[c] = gy[c] = 0;
        gx[3 * (n - 1) + c] = gy[3 * (n - 1) + c] = 0;
    }
    for (int i = 3; i < 3 * (n - 1); i++) {
        int l = i - 3, r = i + 3;
        gx[i] = (int16_t)((up[r] - up[l]) + 2 * (mid[r] - mid[l]) + (down[r] - down[l]));
        gy[i] = (int16_t)((down[l] + 2 * down[i] + down[r]) - (up[l] + 2 * up[i] + up[r]));
    }
}

void cuecastSobelRow(const uint8_t *up, const uint8_t *mid, const uint8_t *down, int n,
                     int16_t *gx, int16_t *gy) {
    sobelRow(up, mid, down, n, gx, gy);
}

void cuecastRadialVotes(const uint8_t *__restrict__ bgr, const uint8_t *__restrict__ outside,
                        int w, int h, float r, float minMag, float fullMag,
                        float *__restrict__ acc) {
    memset(acc, 0, sizeof(float) * (size_t)w * h);
    float min2 = minMag * minMag, invFull = 1.0f / fullMag;
    // Row buffers: the table view is a few hundred pixels wide.
    float best[2048], bxs[2048], bys[2048];
    int16_t gx[3 * 2048], gy[3 * 2048];
    if (w > 2048 || w < 3) {
        return;
    }
    for (int y = 1; y < h - 1; y++) {
        const uint8_t *row = bgr + 3 * (size_t)y * w;
        sobelRow(row - 3 * (size_t)w, row, row + 3 * (size_t)w, w, gx, gy);
        rowBest(gx, gy, w, best, bxs, bys);
        const uint8_t *out = outside + (size_t)y * w;
        for (int x = 1; x < w - 1; x++) {
            // Most pixels are cloth: one predictable branch skips them.
            if (best[x] < min2 || out[x]) {
                continue;
            }
            float m = sqrtf(best[x]);
            float wgt = m * invFull;
            wgt = wgt > 1 ? 1 : wgt;
            float ux = bxs[x] / m * r, uy = bys[x] / m * r;
            float cx = (float)x + 0.5f, cy = (float)y + 0.5f;
            splat(acc, w, h, cx + ux, cy + uy, wgt);
            splat(acc, w, h, cx - ux, cy - uy, wgt);
        }
    }
}
