package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"
)

// authorize checks the command token. The configured token is read on every
// request so a config reload that sets or changes it applies at once.
//
// Both sides are hashed before the constant-time compare: ConstantTimeCompare
// returns early on a length mismatch, which would leak the token's length.
func (a *API) authorize(r *http.Request) *apiError {
	if a.deps.Config == nil {
		return errorf(http.StatusForbidden, CodeCommandsDisabled, "api: commands are disabled: no configuration is wired, so no http.token is known")
	}
	want := a.deps.Config.Current().HTTP.Token
	if want == "" {
		return errorf(http.StatusForbidden, CodeCommandsDisabled, "api: commands are disabled on this box; set http.token in the config file to enable them")
	}
	got, ok := requestToken(r)
	if !ok {
		return errorf(http.StatusUnauthorized, CodeUnauthorized, "api: this endpoint needs the command token: send \"Authorization: Bearer TOKEN\" or \"X-Cuecast-Token: TOKEN\"")
	}
	g, w := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want))
	if subtle.ConstantTimeCompare(g[:], w[:]) != 1 {
		return errorf(http.StatusUnauthorized, CodeUnauthorized, "api: wrong token (it is http.token in the box's config file)")
	}
	return nil
}

// requestToken takes the token from Authorization: Bearer or X-Cuecast-Token.
func requestToken(r *http.Request) (string, bool) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, tok, ok := strings.Cut(h, " ")
		if ok && strings.EqualFold(scheme, "Bearer") {
			tok = strings.TrimSpace(tok)
			return tok, tok != ""
		}
	}
	if tok := r.Header.Get("X-Cuecast-Token"); tok != "" {
		return tok, true
	}
	return "", false
}
