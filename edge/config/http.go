package config

import "net"

// HTTP is the daemon's web server: REST, WebSocket, MJPEG and pages.
type HTTP struct {
	Listen string `toml:"listen" json:"listen"`
	// Token authorises commands: WebSocket command messages, POST/PUT on the
	// REST API. Empty means commands are refused (read-only box).
	Token string `toml:"token" json:"-"`
	// AllowedOrigins lists Origin values a browser may open /ws from. The
	// box's own pages are allowed when the page's host is an IP address,
	// localhost or the box's hostname (a guard against DNS rebinding); a
	// box reached under another name lists that origin here. "*" allows any.
	AllowedOrigins []string `toml:"allowed_origins" json:"allowed_origins"`
}

func defaultHTTP() HTTP {
	return HTTP{Listen: ":8080", AllowedOrigins: []string{}}
}

func (h *HTTP) validate(s section) {
	_, _, err := net.SplitHostPort(h.Listen)
	s.check(err == nil, "listen", "%q is not host:port (%v)", h.Listen, err)
}
