package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"
)

// Route says how the edge treats one /api/v1 route. Every route, the API's
// own and those other packages mount with Handle, goes through the same
// steps in this order:
//
//  1. a command route (one that changes something) checks the token before
//     anything else: before the handler runs and before one byte of the
//     body is read. A refused request is answered at once with
//     "Connection: close" and a read deadline in the past, so the server
//     neither waits for nor drains the body it would throw away (an
//     unauthenticated client trickling a large body cannot hold the
//     connection);
//  2. the body is bounded in size (MaxBody) and in time (BodyTimeout, from
//     the moment the headers were read);
//  3. the handler runs; an error response it writes leaves in the one error
//     envelope {"error":{"code":...,"message":...}} whatever shape the
//     handler wrote.
type Route struct {
	// Command marks a route that changes something: it needs http.token.
	Command bool
	// MaxBody bounds the request body in bytes; 0 means DefaultMaxBody for
	// a command and DefaultMaxReadBody otherwise.
	MaxBody int64
	// BodyTimeout bounds reading the whole body; 0 means DefaultBodyTimeout.
	BodyTimeout time.Duration
	// Timeout bounds the whole exchange of a request with a body: reading
	// it, handling it, writing the answer (the server's WriteTimeout,
	// counted from the headers, would cut a long upload's answer). 0 means
	// BodyTimeout + WriteTimeout.
	Timeout time.Duration
}

// Edge defaults.
const (
	DefaultMaxBody     = 64 << 10 // a command's JSON
	DefaultMaxReadBody = 4 << 10  // a GET carries no body worth reading
	DefaultBodyTimeout = 30 * time.Second
)

// ErrInvalid marks an error that is the client's fault (bad input): a
// handler registered with HandleFunc returning an error that wraps it
// answers 400. ErrNotFound answers 404; anything else 500.
var ErrInvalid = errors.New("invalid request")

// Handle mounts h on pattern ("METHOD /api/v1/...") behind the edge. It
// must be called before the API serves (during assembly); a pattern outside
// /api/v1/ or without a method is a wiring bug and panics.
func (a *API) Handle(pattern string, h http.Handler, rt Route) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok || method == "" || !strings.HasPrefix(path, "/api/v1/") {
		panic("api: Handle " + pattern + `: want "METHOD /api/v1/..."`)
	}
	a.mux.Handle(pattern, a.edge(rt, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ew := &envelopeWriter{ResponseWriter: w}
		h.ServeHTTP(ew, r)
		ew.finish(a, r)
	})))
}

// HandleFunc mounts f like Handle; an error f returns is answered in the
// envelope (see ErrInvalid). f must not have written anything when it
// returns an error.
func (a *API) HandleFunc(pattern string, f func(w http.ResponseWriter, r *http.Request) error, rt Route) {
	a.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := f(w, r); err != nil {
			a.writeError(w, r, asAPIError(err))
		}
	}), rt)
}

func asAPIError(err error) *apiError {
	var ae *apiError
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.Is(err, ErrInvalid):
		return badRequest("%v", err)
	case errors.Is(err, ErrNotFound):
		return errorf(http.StatusNotFound, CodeNotFound, "%v", err)
	}
	var mb *http.MaxBytesError
	if errors.As(err, &mb) {
		return errorf(http.StatusRequestEntityTooLarge, CodeTooLarge, "api: request body is over %d bytes", mb.Limit)
	}
	return errorf(http.StatusInternalServerError, CodeInternal, "%v", err)
}

// handle registers one of the API's own handlers behind the edge.
func (a *API) handle(pattern string, h handlerFunc, rt Route) {
	a.mux.Handle(pattern, a.edge(rt, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if e := h(w, r); e != nil {
			a.writeError(w, r, e)
		}
	})))
}

// edge is the middleware every /api/v1 route runs behind (see Route).
func (a *API) edge(rt Route, next http.Handler) http.Handler {
	max := rt.MaxBody
	if max <= 0 {
		max = DefaultMaxReadBody
		if rt.Command {
			max = DefaultMaxBody
		}
	}
	timeout := rt.BodyTimeout
	if timeout <= 0 {
		timeout = DefaultBodyTimeout
	}
	total := rt.Timeout
	if total <= 0 {
		total = timeout + WriteTimeout
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rt.Command {
			if e := a.authorize(r); e != nil {
				a.refuseUnread(w, r, e)
				return
			}
		}
		if r.ContentLength > max {
			// Declared too large: refuse before reading, like a bad token.
			a.refuseUnread(w, r, errorf(http.StatusRequestEntityTooLarge, CodeTooLarge, "api: request body is %d bytes, at most %d accepted", r.ContentLength, max))
			return
		}
		if r.ContentLength != 0 {
			// The body must arrive within timeout of the headers; a slow
			// sender is cut, not waited for. The answer may follow within
			// total. Unsupported (a recorder in tests) is harmless: the
			// server's own timeouts still apply.
			now := time.Now()
			rc := http.NewResponseController(w)
			rc.SetReadDeadline(now.Add(timeout))
			rc.SetWriteDeadline(now.Add(total))
			r.Body = http.MaxBytesReader(w, r.Body, max)
		}
		next.ServeHTTP(w, r)
	})
}

// refuseUnread answers e without reading the request body and makes the
// server drop the connection instead of draining what the client is still
// sending.
func (a *API) refuseUnread(w http.ResponseWriter, r *http.Request, e *apiError) {
	if r.ContentLength != 0 {
		w.Header().Set("Connection", "close")
		// A deadline in the past makes any read the server still attempts
		// (net/http drains small unread bodies on Close) fail at once.
		http.NewResponseController(w).SetReadDeadline(time.Unix(1, 0))
	}
	a.writeError(w, r, e)
}

// envelopeWriter holds back an error response a mounted handler writes so
// it can leave in the API's error envelope. Successful responses pass
// through untouched (streaming included).
type envelopeWriter struct {
	http.ResponseWriter
	status  int
	errBody []byte // held while status >= 400
	over    bool   // the error body outgrew the buffer: passed through raw
}

const maxHeldError = 16 << 10

func (w *envelopeWriter) WriteHeader(code int) {
	if w.status != 0 {
		return
	}
	w.status = code
	if code < 400 {
		w.ResponseWriter.WriteHeader(code)
	}
}

func (w *envelopeWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if w.status < 400 || w.over {
		return w.ResponseWriter.Write(b)
	}
	if len(w.errBody)+len(b) > maxHeldError {
		// Not an error message but a document: give up rewriting.
		w.over = true
		w.ResponseWriter.WriteHeader(w.status)
		if _, err := w.ResponseWriter.Write(w.errBody); err != nil {
			return 0, err
		}
		return w.ResponseWriter.Write(b)
	}
	w.errBody = append(w.errBody, b...)
	return len(b), nil
}

// Unwrap lets http.ResponseController reach the connection (deadlines,
// flushing).
func (w *envelopeWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush passes through for streaming successes.
func (w *envelopeWriter) Flush() {
	if w.status != 0 && w.status < 400 {
		if f, ok := w.ResponseWriter.(http.Flusher); ok {
			f.Flush()
		}
	}
}

// finish sends a held error response in the envelope.
func (w *envelopeWriter) finish(a *API, r *http.Request) {
	if w.status < 400 || w.over {
		return
	}
	var env struct {
		Error json.RawMessage `json:"error"`
	}
	var inner struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	if json.Unmarshal(w.errBody, &env) == nil && json.Unmarshal(env.Error, &inner) == nil && inner.Code != "" && inner.Message != "" {
		// Already the envelope (display, update).
		h := w.Header()
		h.Del("Content-Length")
		h.Set("Content-Type", "application/json")
		w.ResponseWriter.WriteHeader(w.status)
		w.ResponseWriter.Write(w.errBody)
		return
	}
	msg := ""
	var s string
	if json.Unmarshal(env.Error, &s) == nil {
		msg = s // {"error":"text"}
	} else if len(env.Error) == 0 {
		msg = string(bytes.TrimSpace(w.errBody)) // plain text (http.Error)
	} else {
		msg = string(env.Error)
	}
	if msg == "" {
		msg = http.StatusText(w.status)
	}
	w.Header().Del("Content-Length")
	w.Header().Del("X-Content-Type-Options")
	a.writeError(w.ResponseWriter, r, &apiError{Status: w.status, Code: codeForStatus(w.status), Message: msg})
}

// codeForStatus is the error code for a status a mounted handler chose.
func codeForStatus(status int) string {
	switch status {
	case http.StatusUnauthorized:
		return CodeUnauthorized
	case http.StatusForbidden:
		return CodeCommandsDisabled
	case http.StatusNotFound:
		return CodeNotFound
	case http.StatusMethodNotAllowed:
		return CodeMethodNotAllowed
	case http.StatusRequestEntityTooLarge:
		return CodeTooLarge
	case http.StatusUnsupportedMediaType:
		return CodeUnsupportedType
	case http.StatusServiceUnavailable:
		return CodeUnavailable
	}
	if status >= 500 {
		return CodeInternal
	}
	return CodeBadRequest
}
