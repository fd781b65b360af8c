package config

// WebSocket tunes the /ws server. Owned by edge/ws. Seed-system keys are
// noted where they map.
type WebSocket struct {
	// QueueSize bounds each client's outgoing queue (seed
	// api.websocket.broadcaster.frame_buffer.max_size = 100).
	QueueSize int `toml:"queue_size" json:"queue_size"`
	// Compression: permessage-deflate for text messages of at least
	// ThresholdBytes (seed compression.threshold_bytes = 1024, level = 6).
	Compression      bool `toml:"compression" json:"compression"`
	CompressionLevel int  `toml:"compression_level" json:"compression_level"`
	CompressionMin   int  `toml:"compression_threshold_bytes" json:"compression_threshold_bytes"`
	// Per-IP new connections per minute (seed 10) and per-client messages
	// per minute (seed 100).
	ConnectionsPerMinute int `toml:"connections_per_ip_per_minute" json:"connections_per_ip_per_minute"`
	MessagesPerMinute    int `toml:"messages_per_client_per_minute" json:"messages_per_client_per_minute"`
	MaxMessageBytes      int `toml:"max_message_bytes" json:"max_message_bytes"`
	// MaxConnections caps concurrent WebSocket clients (each costs ~12 KiB
	// idle plus its queue); further upgrades get HTTP 503.
	MaxConnections int `toml:"max_connections" json:"max_connections"`
	// PingInterval: the server pings every client this often.
	PingInterval Duration `toml:"ping_interval" json:"ping_interval"`
	// IdleTimeout closes (4001) a client nothing was received from for
	// this long (its pong answers the ping, so a live client never idles).
	IdleTimeout Duration `toml:"idle_timeout" json:"idle_timeout"`
	// WriteTimeout closes (4008) a client whose socket accepted no bytes
	// for this long: it stopped reading.
	WriteTimeout Duration `toml:"write_timeout" json:"write_timeout"`
}

func defaultWebSocket() WebSocket {
	return WebSocket{
		QueueSize: 100, Compression: false, CompressionLevel: 6, CompressionMin: 1024,
		ConnectionsPerMinute: 10, MessagesPerMinute: 100, MaxMessageBytes: 64 << 10, MaxConnections: 2000,
		PingInterval: Duration(15e9), IdleTimeout: Duration(45e9), WriteTimeout: Duration(10e9),
	}
}

func (c *WebSocket) validate(s section) {
	s.rangeI(c.QueueSize, 4, 100000, "queue_size")
	s.rangeI(c.CompressionLevel, 1, 9, "compression_level")
	s.rangeI(c.CompressionMin, 0, 1<<24, "compression_threshold_bytes")
	s.rangeI(c.ConnectionsPerMinute, 1, 1<<20, "connections_per_ip_per_minute")
	s.rangeI(c.MessagesPerMinute, 1, 1<<20, "messages_per_client_per_minute")
	s.rangeI(c.MaxMessageBytes, 512, 16<<20, "max_message_bytes")
	s.rangeI(c.MaxConnections, 1, 1_000_000, "max_connections")
	s.positive(c.PingInterval, "ping_interval")
	s.positive(c.IdleTimeout, "idle_timeout")
	s.positive(c.WriteTimeout, "write_timeout")
	s.check(c.IdleTimeout > c.PingInterval, "idle_timeout", "must be longer than ping_interval")
}
