package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	toml "github.com/pelletier/go-toml/v2"

	"github.com/cuecast/cuecast/edge/config"
)

// maxConfigBody bounds PUT /api/v1/config. A full config is a few KiB.
const maxConfigBody = 1 << 20

// configProblem is one config.Problem as JSON.
type configProblem struct {
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`
	Key     string `json:"key,omitempty"`
	Message string `json:"message"`
}

// configView is a config as clients see it: the TOML document's own keys
// (http.token included, redacted), not the Go struct's JSON tags, so that the
// JSON a GET returns is exactly what a PUT accepts.
func configView(c config.Config) (map[string]any, error) {
	b, err := toml.Marshal(redact(c))
	if err != nil {
		return nil, fmt.Errorf("api: toml.Marshal config: %w", err)
	}
	var m map[string]any
	if err := toml.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("api: toml.Unmarshal own config: %w", err)
	}
	return m, nil
}

func (a *API) getConfig(w http.ResponseWriter, r *http.Request) *apiError {
	if _, e := params(r); e != nil {
		return e
	}
	if a.deps.Config == nil {
		return unavailable("the configuration manager")
	}
	v, err := configView(a.deps.Config.Current())
	if err != nil {
		return errorf(http.StatusInternalServerError, CodeInternal, "%v", err)
	}
	a.writeJSON(w, http.StatusOK, v)
	return nil
}

// putConfig replaces the whole configuration, like editing the file and
// sending SIGHUP: keys left out take their defaults. The body is the TOML
// file (Content-Type application/toml or text/plain) or the same document as
// JSON (application/json; what GET returns). ?validate_only=true checks and
// changes nothing.
func (a *API) putConfig(w http.ResponseWriter, r *http.Request) *apiError {
	q, e := params(r, "validate_only")
	if e != nil {
		return e
	}
	validateOnly, e := boolParam(q, "validate_only")
	if e != nil {
		return e
	}
	mt, e := mediaType(r)
	if e != nil {
		return e
	}
	body, e := readBody(w, r, maxConfigBody)
	if e != nil {
		return e
	}
	if len(bytes.TrimSpace(body)) == 0 {
		// An empty file is a valid config (all defaults); an empty PUT is
		// far more likely a client bug than a wish to reset. Reset has its
		// own endpoint.
		return badRequest("api: empty body; send the whole config as TOML or JSON (POST /api/v1/config/reset restores the defaults)")
	}
	isJSON := false
	switch mt {
	case "application/json":
		isJSON = true
	case "application/toml", "text/plain", "text/x-toml":
	case "":
		isJSON = bytes.TrimSpace(body)[0] == '{'
	default:
		return errorf(http.StatusUnsupportedMediaType, CodeUnsupportedType, "api: Content-Type %q: send application/toml or application/json", mt)
	}
	doc := body
	source := "request body"
	if isJSON {
		var err error
		if doc, err = jsonToTOML(body); err != nil {
			return badRequest("api: config JSON: %v", err)
		}
		source = "request body (JSON)"
	}
	if a.deps.Config == nil {
		return unavailable("the configuration manager")
	}
	// Parse here too, before the manager: it lets us put back redacted
	// secrets, and it gives the client file:line:key problems for the
	// document it actually sent.
	cfg, err := config.Parse(source, doc)
	if err != nil {
		return a.configError(err, isJSON)
	}
	if restoreSecrets(&cfg, a.deps.Config.Current()) {
		// The document said "keep the secret"; the file must hold the real
		// one. Re-encoding drops the sender's comments, which is the price
		// of never sending secrets to clients.
		if doc, err = toml.Marshal(cfg); err != nil {
			return errorf(http.StatusInternalServerError, CodeInternal, "api: toml.Marshal config: %v", err)
		}
	}
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	if err := a.deps.Config.Apply(ctx, doc, validateOnly); err != nil {
		return a.configError(err, isJSON)
	}
	shown := cfg
	if !validateOnly {
		shown = a.deps.Config.Current()
		a.log.Info("api: config applied", "remote", r.RemoteAddr, "bytes", len(doc))
	}
	v, err := configView(shown)
	if err != nil {
		return errorf(http.StatusInternalServerError, CodeInternal, "%v", err)
	}
	a.writeJSON(w, http.StatusOK, map[string]any{"valid": true, "applied": !validateOnly, "config": v})
	return nil
}

// configError turns a manager or parser error into a response: a
// *config.Error is the client's fault (400 with every problem), anything else
// is ours.
func (a *API) configError(err error, fromJSON bool) *apiError {
	var ce *config.Error
	if errors.As(err, &ce) {
		e := errorf(http.StatusBadRequest, CodeInvalidConfig, "api: the config was rejected and nothing changed; see problems")
		for _, p := range ce.Problems {
			cp := configProblem{File: p.File, Line: p.Line, Key: p.Key, Message: p.Msg}
			if fromJSON {
				// Lines point into the TOML we generated, not at anything
				// the client wrote.
				cp.Line = 0
			}
			e.Problems = append(e.Problems, cp)
		}
		return e
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return errorf(http.StatusServiceUnavailable, CodeUnavailable, "api: applying the config did not finish: %v; GET /api/v1/config shows what is running", err)
	}
	return errorf(http.StatusInternalServerError, CodeInternal, "%v", err)
}

// resetConfig restores the defaults (secrets included: a reset box has no
// token, so this is the last command it accepts until one is set again).
func (a *API) resetConfig(w http.ResponseWriter, r *http.Request) *apiError {
	if _, e := params(r); e != nil {
		return e
	}
	if e := noBody(w, r); e != nil {
		return e
	}
	if a.deps.Config == nil {
		return unavailable("the configuration manager")
	}
	ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
	defer cancel()
	if err := a.deps.Config.Reset(ctx); err != nil {
		return a.configError(err, false)
	}
	a.log.Info("api: config reset to defaults", "remote", r.RemoteAddr)
	v, err := configView(a.deps.Config.Current())
	if err != nil {
		return errorf(http.StatusInternalServerError, CodeInternal, "%v", err)
	}
	a.writeJSON(w, http.StatusOK, map[string]any{"applied": true, "config": v})
	return nil
}

// exportConfig downloads the running config as a TOML file, secrets
// redacted; PUT it back (edited or not) and the secrets are kept.
func (a *API) exportConfig(w http.ResponseWriter, r *http.Request) *apiError {
	if _, e := params(r); e != nil {
		return e
	}
	if a.deps.Config == nil {
		return unavailable("the configuration manager")
	}
	b, err := toml.Marshal(redact(a.deps.Config.Current()))
	if err != nil {
		return errorf(http.StatusInternalServerError, CodeInternal, "api: toml.Marshal config: %v", err)
	}
	var out bytes.Buffer
	fmt.Fprintf(&out, "# cuecast configuration, exported %s.\n", a.now().UTC().Format(time.RFC3339))
	fmt.Fprintf(&out, "# Secrets read %q: PUT /api/v1/config with this file keeps the box's own.\n\n", Redacted)
	out.Write(b)
	h := w.Header()
	h.Set("Content-Type", "application/toml; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="cuecast.toml"`)
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(out.Len()))
	w.WriteHeader(http.StatusOK)
	w.Write(out.Bytes())
	return nil
}

// jsonToTOML turns a JSON config document into the equivalent TOML, so both
// go through config.Parse and the manager identically. Numbers keep their
// integer-ness (2 stays an integer, 2.5 a float); null is refused because TOML
// has none ("leave the key out to take the default").
func jsonToTOML(b []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, errors.New(jsonErr(err))
	}
	if dec.More() {
		return nil, errors.New("unexpected data after the JSON object")
	}
	if m == nil {
		return nil, errors.New("want a JSON object, got null")
	}
	v, err := fromJSONValue(m, "")
	if err != nil {
		return nil, err
	}
	return toml.Marshal(v)
}

func fromJSONValue(v any, key string) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, fmt.Errorf("%s: null is not a value in a config; leave the key out to take its default", key)
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i, nil
		}
		f, err := x.Float64()
		if err != nil {
			return nil, fmt.Errorf("%s: %v", key, err)
		}
		return f, nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			sub := k
			if key != "" {
				sub = key + "." + k
			}
			c, err := fromJSONValue(e, sub)
			if err != nil {
				return nil, err
			}
			out[k] = c
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			c, err := fromJSONValue(e, fmt.Sprintf("%s[%d]", key, i))
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	}
	return v, nil // string, bool
}
