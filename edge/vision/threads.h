// Small C bridge for the OpenCV calls gocv v0.31 does not wrap.
#ifndef CUECAST_VISION_THREADS_H
#define CUECAST_VISION_THREADS_H
#ifdef __cplusplus
extern "C" {
#endif
void cuecastSetNumThreads(int n);
int cuecastGetNumThreads(void);
#ifdef __cplusplus
}
#endif
#endif
