// cv::remap over pixels the caller owns, which gocv v0.31 cannot take
// without a copy into a Mat.
#ifndef CUECAST_VISION_REMAP_H
#define CUECAST_VISION_REMAP_H
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif
// cuecastRemapBGR runs cv::remap(src, dst, map1, map2, INTER_LINEAR,
// BORDER_CONSTANT, 0) with src the packed w x h BGR pixels at pix, read
// only during the call (the Mat header over them is gone when it returns);
// map1, map2 and dst are cv::Mat pointers (gocv Mats). It returns 0, or -1
// when OpenCV threw.
int cuecastRemapBGR(const uint8_t *pix, int w, int h, void *map1, void *map2, void *dst);
#ifdef __cplusplus
}
#endif
#endif
