package config

import (
	"net"
	"strconv"
)

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
	// MaxConnections caps concurrent HTTP connections of every kind (REST,
	// pages, MJPEG viewers, WebSockets); further clients wait in the
	// kernel's accept queue until one closes. Keep it above
	// websocket.max_connections.
	MaxConnections int `toml:"max_connections" json:"max_connections"`
}

func defaultHTTP() HTTP {
	return HTTP{Listen: ":8080", AllowedOrigins: []string{}, MaxConnections: 4096}
}

func (h *HTTP) validate(s section) {
	_, port, err := net.SplitHostPort(h.Listen)
	if err != nil {
		s.fail("listen", "%q is not host:port (%v)", h.Listen, err)
	} else if n, perr := strconv.Atoi(port); perr != nil || n < 0 || n > 65535 {
		// net.Listen would refuse it only when the daemon starts, and
		// then the box is dark: refuse it here, where the file and line
		// are known.
		s.fail("listen", "%q: port %q is not a number in [0, 65535]", h.Listen, port)
	}
	s.rangeI(h.MaxConnections, 16, 1_000_000, "max_connections")
}
