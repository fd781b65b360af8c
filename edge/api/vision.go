package api

import "net/http"

// visionPerformance serves the pipeline's latest per-stage timings and fps.
// Before the first frame it answers 503 "unavailable" rather than zeros that
// would read as a very fast pipeline.
func (a *API) visionPerformance(w http.ResponseWriter, r *http.Request) *apiError {
	if _, e := params(r); e != nil {
		return e
	}
	if a.deps.Vision == nil {
		return unavailable("the vision pipeline (performance)")
	}
	p, ok := a.deps.Vision.Performance()
	if !ok {
		return errorf(http.StatusServiceUnavailable, CodeUnavailable, "api: the vision pipeline has not processed a frame yet; check GET /api/v1/health for the source's state")
	}
	a.writeJSON(w, http.StatusOK, p)
	return nil
}
