#include <opencv2/core.hpp>
#include "threads.h"

void cuecastSetNumThreads(int n) { cv::setNumThreads(n); }
int cuecastGetNumThreads(void) { return cv::getNumThreads(); }
