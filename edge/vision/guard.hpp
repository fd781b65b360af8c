// The one exception guard of the C++ bridges (fisheye.cpp, imdecode.cpp): a
// C++ exception unwinding through a cgo call aborts the whole process (the
// daemon, or `cuecast detect` with every other image's result), so every
// entry point runs its body inside guarded and reports failure as -1 and a
// message instead.
#ifndef CUECAST_VISION_GUARD_HPP
#define CUECAST_VISION_GUARD_HPP
#include <opencv2/core.hpp>
#include <cstdio>
#include <exception>

namespace cuecast {

inline void setErr(char *err, int errlen, const char *msg) {
    if (err == nullptr || errlen <= 0) return;
    std::snprintf(err, (size_t)errlen, "%s", msg);
}

// setCvErr keeps OpenCV's own text (err, not what(): what() repeats the
// file and line, which say nothing to a user).
inline void setCvErr(char *err, int errlen, const cv::Exception &e) {
    setErr(err, errlen, e.err.empty() ? e.what() : e.err.c_str());
}

// guarded runs body and turns any C++ exception into err and -1 (onCv may
// look at an OpenCV exception first).
template <typename F, typename G>
int guarded(char *err, int errlen, F body, G onCv) {
    try {
        return body();
    } catch (const cv::Exception &e) {
        setCvErr(err, errlen, e);
        onCv(e);
    } catch (const std::bad_alloc &) {
        setErr(err, errlen, "out of memory");
    } catch (const std::exception &e) {
        setErr(err, errlen, e.what());
    } catch (...) {
        setErr(err, errlen, "unknown C++ exception");
    }
    return -1;
}

template <typename F>
int guarded(char *err, int errlen, F body) {
    return guarded(err, errlen, body, [](const cv::Exception &) {});
}

}  // namespace cuecast

#endif
