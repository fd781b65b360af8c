package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Error codes in {"error":{"code":...}}. They are part of the API: clients
// switch on them, so they never change meaning.
const (
	CodeBadRequest       = "bad_request"        // malformed JSON, unknown field or parameter, bad value
	CodeInvalidConfig    = "invalid_config"     // config rejected; details in "problems"
	CodeUnauthorized     = "unauthorized"       // token missing or wrong
	CodeCommandsDisabled = "commands_disabled"  // no http.token configured
	CodeNotFound         = "not_found"          // unknown path or id
	CodeMethodNotAllowed = "method_not_allowed" // path exists, method does not
	CodeTooLarge         = "too_large"          // request body over the limit
	CodeUnsupportedType  = "unsupported_media_type"
	CodeUnavailable      = "unavailable" // dependency not wired, or not ready
	CodeInternal         = "internal"
)

// apiError is a failure a handler answers with.
type apiError struct {
	Status   int             `json:"-"`
	Code     string          `json:"code"`
	Message  string          `json:"message"`
	Problems []configProblem `json:"problems,omitempty"`
	Allow    []string        `json:"allow,omitempty"`
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func errorf(status int, code, format string, args ...any) *apiError {
	return &apiError{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

func badRequest(format string, args ...any) *apiError {
	return errorf(http.StatusBadRequest, CodeBadRequest, format, args...)
}

func unavailable(what string) *apiError {
	return errorf(http.StatusServiceUnavailable, CodeUnavailable,
		"api: %s is not wired into this daemon; check cuecastd's startup log", what)
}

// writeJSON answers v with status. Encoding errors of our own types are bugs;
// they are logged, and the client sees a 500.
func (a *API) writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		a.log.Error("api: json.Marshal response", "err", err)
		b = []byte(`{"error":{"code":"internal","message":"api: response could not be encoded"}}`)
		status = http.StatusInternalServerError
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

func (a *API) writeError(w http.ResponseWriter, r *http.Request, e *apiError) {
	if e.Status >= 500 {
		a.log.Warn("api: request failed", "method", r.Method, "path", r.URL.Path, "status", e.Status, "code", e.Code, "err", e.Message)
	} else {
		a.log.Debug("api: request rejected", "method", r.Method, "path", r.URL.Path, "status", e.Status, "code", e.Code, "err", e.Message)
	}
	if e.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="cuecast"`)
	}
	if len(e.Allow) > 0 {
		w.Header().Set("Allow", strings.Join(e.Allow, ", "))
	}
	a.writeJSON(w, e.Status, struct {
		Error *apiError `json:"error"`
	}{e})
}

// handlerFunc is a handler that fails with an *apiError; serve adapts it.
type handlerFunc func(w http.ResponseWriter, r *http.Request) *apiError

// params checks that the query has only the allowed keys, each at most once,
// and returns them. Unknown parameters are errors, not ignored: a typo
// (?validateonly=true) must not silently apply a config.
func params(r *http.Request, allowed ...string) (url.Values, *apiError) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, badRequest("api: query: %v", err)
	}
	for k, v := range q {
		known := false
		for _, a := range allowed {
			if k == a {
				known = true
				break
			}
		}
		if !known {
			if len(allowed) == 0 {
				return nil, badRequest("api: unknown query parameter %q (this endpoint takes none)", k)
			}
			return nil, badRequest("api: unknown query parameter %q (known: %s)", k, strings.Join(allowed, ", "))
		}
		if len(v) > 1 {
			return nil, badRequest("api: query parameter %q given %d times", k, len(v))
		}
	}
	return q, nil
}

// boolParam parses an optional boolean parameter; absent is false.
func boolParam(q url.Values, key string) (bool, *apiError) {
	s, ok := q[key]
	if !ok {
		return false, nil
	}
	b, err := strconv.ParseBool(s[0])
	if err != nil {
		return false, badRequest("api: query parameter %s=%q is not a boolean (use true or false)", key, s[0])
	}
	return b, nil
}

// readBody reads at most limit bytes of the request body.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, *apiError) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return nil, errorf(http.StatusRequestEntityTooLarge, CodeTooLarge, "api: request body is over %d bytes", limit)
		}
		return nil, badRequest("api: reading request body: %v", err)
	}
	return b, nil
}

// noBody rejects a request that carries a body where none is expected, so a
// client that thinks it sent options learns they were not read.
func noBody(w http.ResponseWriter, r *http.Request) *apiError {
	b, e := readBody(w, r, 4096)
	if e != nil {
		return e
	}
	if len(bytes.TrimSpace(b)) > 0 {
		return badRequest("api: this endpoint takes no request body")
	}
	return nil
}

// mediaType is the request's Content-Type without parameters, "" if absent.
func mediaType(r *http.Request) (string, *apiError) {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return "", nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return "", badRequest("api: Content-Type %q: %v", ct, err)
	}
	return mt, nil
}

// jsonBody refuses a body declared as anything but JSON (no Content-Type
// is taken as JSON).
func jsonBody(r *http.Request) *apiError {
	mt, e := mediaType(r)
	if e != nil {
		return e
	}
	if mt != "" && mt != "application/json" {
		return errorf(http.StatusUnsupportedMediaType, CodeUnsupportedType, "api: Content-Type %q: send application/json", mt)
	}
	return nil
}

// decodeJSON decodes exactly one JSON value from the body into v, rejecting
// unknown fields and trailing data.
func decodeJSON(w http.ResponseWriter, r *http.Request, limit int64, v any) *apiError {
	if e := jsonBody(r); e != nil {
		return e
	}
	b, e := readBody(w, r, limit)
	if e != nil {
		return e
	}
	return strictJSON(b, v)
}

func strictJSON(b []byte, v any) *apiError {
	if len(bytes.TrimSpace(b)) == 0 {
		return badRequest("api: request body is empty; send a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badRequest("api: request body: %s", jsonErr(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return badRequest("api: request body: unexpected data after the JSON value")
	}
	return nil
}

// jsonErr rewords encoding/json's errors for a client.
func jsonErr(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("malformed JSON at byte %d: %v", se.Offset, se)
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "(top level)"
		}
		return fmt.Sprintf("field %s: got JSON %s, want %s", field, te.Value, te.Type)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "truncated JSON"
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}
