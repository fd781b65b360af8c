package config

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// MQTT is the mirror to a broker. Owned by broker/mirror; documented in
// docs/mqtt.md. Topics are <topic_prefix>/<box.site>/<box.table>/<stream>.
type MQTT struct {
	// URL: tcp://host:1883, ssl://host:8883 (also mqtt://, mqtts://, tls://),
	// or "off" to run without a broker.
	URL string `toml:"url" json:"url"`
	// ClientID is the MQTT client id. Empty derives a stable one from the
	// box ("cuecast-<site>-<table>"): the broker keeps the persistent session
	// (QoS 1 queue) under this id, so it must not change between restarts.
	ClientID string `toml:"client_id" json:"client_id"`
	// Username and either Password or PasswordFile (one line, for keeping the
	// secret out of a world-readable config; a trailing newline is ignored).
	Username     string `toml:"username" json:"username"`
	Password     string `toml:"password" json:"-"`
	PasswordFile string `toml:"password_file" json:"password_file"`
	// TLS (ssl:// URLs): CAFile is a PEM bundle of the CAs trusted for the
	// broker's certificate (empty: the system roots); CertFile and KeyFile are
	// the box's client certificate and key in PEM, for brokers that
	// authenticate clients by certificate. ServerName overrides the name
	// checked in the broker's certificate (empty: the URL's host).
	CAFile     string `toml:"ca_file" json:"ca_file"`
	CertFile   string `toml:"cert_file" json:"cert_file"`
	KeyFile    string `toml:"key_file" json:"key_file"`
	ServerName string `toml:"server_name" json:"server_name"`
	// TopicPrefix is the first level(s) of every topic (default "cuecast").
	TopicPrefix string `toml:"topic_prefix" json:"topic_prefix"`
	// KeepAlive is the MQTT keep-alive; ConnectTimeout bounds one connect
	// attempt (TCP, TLS and CONNACK).
	KeepAlive      Duration `toml:"keepalive" json:"keepalive"`
	ConnectTimeout Duration `toml:"connect_timeout" json:"connect_timeout"`
	// Reconnect backoff: the wait after a failed connect starts at
	// ReconnectMin and doubles (with jitter) up to ReconnectMax.
	ReconnectMin Duration `toml:"reconnect_min" json:"reconnect_min"`
	ReconnectMax Duration `toml:"reconnect_max" json:"reconnect_max"`
	// Seed broadcast_max_retries = 3, circuit_breaker_threshold = 10,
	// circuit_breaker_timeout_sec = 30: after CircuitThreshold consecutive
	// failed connects the mirror stops trying for CircuitTimeout (the circuit
	// is open; STATUS says so). PublishRetries is how many acknowledgement
	// timeouts in a row a queued message may take before the connection is
	// declared dead and re-established (the message itself is never dropped).
	PublishRetries   int      `toml:"publish_retries" json:"publish_retries"`
	CircuitThreshold int      `toml:"circuit_breaker_threshold" json:"circuit_breaker_threshold"`
	CircuitTimeout   Duration `toml:"circuit_breaker_timeout" json:"circuit_breaker_timeout"`
	// AckTimeout is how long a queued (QoS >= 1) message may wait for the
	// broker's acknowledgement before it counts as one failed try.
	AckTimeout Duration `toml:"ack_timeout" json:"ack_timeout"`
	// InFlight bounds queued messages handed to the broker and not yet
	// acknowledged (the rest wait in the on-disk store).
	InFlight int `toml:"inflight" json:"inflight"`
	// StoreDir holds the on-disk outbox of queued messages (events, alerts)
	// kept until the broker acknowledges them. Empty is <box.state_dir>/mqtt. StoreMaxBytes bounds the outbox: past it the
	// oldest queued messages are dropped, counted and alerted.
	StoreDir      string `toml:"store_dir" json:"store_dir"`
	StoreMaxBytes int64  `toml:"store_max_bytes" json:"store_max_bytes"`
	// StoreSync is how often the outbox is fsynced while it has unsynced
	// appends: "0s" fsyncs every message before it is queued (safest, slow on
	// an SD card); the default "1s" may lose up to a second of queued events
	// on power loss, never on a daemon crash or restart.
	StoreSync Duration `toml:"store_sync" json:"store_sync"`
	// SnapshotOn lists the event types (model.Event*) after which a JPEG
	// snapshot is published retained on .../snapshot; empty disables it.
	// SnapshotMinInterval rate-limits snapshots.
	SnapshotOn          []string `toml:"snapshot_on" json:"snapshot_on"`
	SnapshotMinInterval Duration `toml:"snapshot_min_interval" json:"snapshot_min_interval"`
	// HADiscovery publishes Home Assistant MQTT discovery under
	// HADiscoveryPrefix at every connect and whenever Home Assistant's birth
	// message (<ha_prefix>/status = online) is seen.
	HADiscovery       bool   `toml:"ha_discovery" json:"ha_discovery"`
	HADiscoveryPrefix string `toml:"ha_discovery_prefix" json:"ha_discovery_prefix"`
	// Commands enables inbound commands on .../cmd/<name>.
	Commands bool `toml:"commands" json:"commands"`
	// Streams is the per-stream policy.
	Streams MQTTStreams `toml:"streams" json:"streams"`
}

// MQTTStreams is the publishing policy of each mirrored hub stream. Event and
// alert are queued (on disk while the broker is away, QoS >= 1); the others
// are "latest wins": throttled to MaxRate, the newest value replacing an
// unsent older one, and not queued while offline (retained ones are re-sent
// on reconnect).
type MQTTStreams struct {
	State       MQTTStream `toml:"state" json:"state"`
	Trajectory  MQTTStream `toml:"trajectory" json:"trajectory"`
	Event       MQTTStream `toml:"event" json:"event"`
	Alert       MQTTStream `toml:"alert" json:"alert"`
	Config      MQTTStream `toml:"config" json:"config"`
	Performance MQTTStream `toml:"performance" json:"performance"`
	Game        MQTTStream `toml:"game" json:"game"`
}

// MQTTStream is one stream's policy.
type MQTTStream struct {
	Publish bool    `toml:"publish" json:"publish"`   // mirror this stream at all
	QoS     int     `toml:"qos" json:"qos"`           // 0, 1 or 2
	Retain  bool    `toml:"retain" json:"retain"`     // broker keeps the last message for new subscribers
	MaxRate float64 `toml:"max_rate" json:"max_rate"` // messages per second, 0 = unlimited (latest-wins streams only)
}

// ByName returns the policy of the named hub stream and whether the mirror
// knows that stream.
func (s *MQTTStreams) ByName(name string) (MQTTStream, bool) {
	switch name {
	case "state":
		return s.State, true
	case "trajectory":
		return s.Trajectory, true
	case "event":
		return s.Event, true
	case "alert":
		return s.Alert, true
	case "config":
		return s.Config, true
	case "performance":
		return s.Performance, true
	case "game":
		return s.Game, true
	}
	return MQTTStream{}, false
}

func defaultMQTT() MQTT {
	return MQTT{
		URL:            "tcp://127.0.0.1:1883",
		TopicPrefix:    "cuecast",
		KeepAlive:      Duration(30e9),
		ConnectTimeout: Duration(10e9),
		ReconnectMin:   Duration(1e9),
		ReconnectMax:   Duration(60e9),
		PublishRetries: 3, CircuitThreshold: 10, CircuitTimeout: Duration(30e9),
		AckTimeout:          Duration(10e9),
		InFlight:            32,
		StoreMaxBytes:       64 << 20,
		StoreSync:           Duration(1e9),
		SnapshotOn:          []string{"shot_ended"},
		SnapshotMinInterval: Duration(2e9),
		HADiscovery:         true,
		HADiscoveryPrefix:   "homeassistant",
		Commands:            true,
		Streams: MQTTStreams{
			State:       MQTTStream{Publish: true, QoS: 0, Retain: true, MaxRate: 5},
			Trajectory:  MQTTStream{Publish: true, QoS: 0, Retain: false, MaxRate: 10},
			Event:       MQTTStream{Publish: true, QoS: 1},
			Alert:       MQTTStream{Publish: true, QoS: 1},
			Config:      MQTTStream{Publish: true, QoS: 1, Retain: true},
			Performance: MQTTStream{Publish: true, QoS: 0, Retain: true, MaxRate: 1},
			Game:        MQTTStream{Publish: true, QoS: 1, Retain: true},
		},
	}
}

// Off reports whether the mirror is disabled.
func (c *MQTT) Off() bool { return c.URL == "off" }

// ClientIDFor returns the configured client id, or the stable one derived
// from the box's site and table.
func (c *MQTT) ClientIDFor(b Box) string {
	if c.ClientID != "" {
		return c.ClientID
	}
	return "cuecast-" + b.Site + "-" + b.Table
}

// StoreDirFor returns where the mirror keeps its on-disk state.
func (c *MQTT) StoreDirFor(b Box) string {
	if c.StoreDir != "" {
		return c.StoreDir
	}
	return b.StateDir + "/mqtt"
}

// TLSScheme reports whether the URL asks for TLS.
func (c *MQTT) TLSScheme() bool {
	u, err := url.Parse(c.URL)
	if err != nil {
		return false
	}
	switch u.Scheme {
	case "ssl", "tls", "mqtts", "tcps":
		return true
	}
	return false
}

// ReadPassword returns Password, or the first line of PasswordFile.
func (c *MQTT) ReadPassword() (string, error) {
	if c.PasswordFile == "" {
		return c.Password, nil
	}
	b, err := os.ReadFile(c.PasswordFile)
	if err != nil {
		return "", fmt.Errorf("mqtt: read password_file: %w", err)
	}
	line, rest, _ := bytes.Cut(b, []byte("\n"))
	line = bytes.TrimSuffix(line, []byte("\r"))
	if len(line) == 0 {
		return "", fmt.Errorf("mqtt: password_file %s: first line is empty (write the password on one line)", c.PasswordFile)
	}
	if len(bytes.TrimSpace(rest)) > 0 {
		return "", fmt.Errorf("mqtt: password_file %s: more than one line (write only the password)", c.PasswordFile)
	}
	return string(line), nil
}

// TLSConfig builds the client TLS configuration from CAFile, CertFile and
// KeyFile: nil for a plain tcp:// URL. It reads the files every call, so a
// renewed certificate is picked up on the next connect or config reload.
func (c *MQTT) TLSConfig() (*tls.Config, error) {
	if !c.TLSScheme() {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: c.ServerName}
	if c.CAFile != "" {
		pem, err := os.ReadFile(c.CAFile)
		if err != nil {
			return nil, fmt.Errorf("mqtt: read ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("mqtt: ca_file %s holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)", c.CAFile)
		}
		cfg.RootCAs = pool
	}
	if c.CertFile != "" || c.KeyFile != "" {
		cert, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("mqtt: load cert_file/key_file: %w (both must be PEM and the key must match the certificate)", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

// topicPath is one or more MQTT topic levels without wildcards.
var topicPath = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}(/[A-Za-z0-9_-]{1,64}){0,3}$`)

// eventTypes are the model.Event types a snapshot may follow (kept here, not
// imported, because config stays at the bottom of the dependency graph).
var eventTypes = []string{"shot_started", "ball_collision", "ball_pocketed", "shot_ended", "rack_detected", "table_cleared"}

func (c *MQTT) validate(s section) {
	c.validateURL(s)
	s.check(topicPath.MatchString(c.TopicPrefix), "topic_prefix", "%q must be 1-4 topic levels of letters, digits, '-' or '_' separated by '/' (no wildcards, no leading or trailing '/')", c.TopicPrefix)
	s.check(topicPath.MatchString(c.HADiscoveryPrefix), "ha_discovery_prefix", "%q must be 1-4 topic levels of letters, digits, '-' or '_'", c.HADiscoveryPrefix)
	if c.ClientID != "" {
		ok := len(c.ClientID) <= 128
		for _, r := range c.ClientID {
			if !unicode.IsPrint(r) || r == ' ' || r == '+' || r == '#' || r == '/' {
				ok = false
			}
		}
		s.check(ok, "client_id", "%q must be at most 128 printable characters without spaces, '/', '+' or '#' (empty derives cuecast-<site>-<table>)", c.ClientID)
	}
	if c.Password != "" && c.PasswordFile != "" {
		s.fail("password_file", "set either password or password_file, not both")
	}
	if (c.Password != "" || c.PasswordFile != "") && c.Username == "" {
		s.fail("username", "must be set when a password is given")
	}
	if c.PasswordFile != "" && !c.Off() {
		if _, err := c.ReadPassword(); err != nil {
			s.fail("password_file", "%v", strings.TrimPrefix(err.Error(), "mqtt: "))
		}
	}
	c.validateTLS(s)
	s.check(c.KeepAlive.D() >= 1e9, "keepalive", "%s must be at least 1s", c.KeepAlive.D())
	s.positive(c.ConnectTimeout, "connect_timeout")
	s.positive(c.ReconnectMin, "reconnect_min")
	s.positive(c.ReconnectMax, "reconnect_max")
	s.check(c.ReconnectMax >= c.ReconnectMin, "reconnect_max", "must be at least reconnect_min (%s)", c.ReconnectMin.D())
	s.rangeI(c.PublishRetries, 0, 100, "publish_retries")
	s.rangeI(c.CircuitThreshold, 1, 1000, "circuit_breaker_threshold")
	s.positive(c.CircuitTimeout, "circuit_breaker_timeout")
	s.positive(c.AckTimeout, "ack_timeout")
	s.rangeI(c.InFlight, 1, 1000, "inflight")
	s.check(c.StoreMaxBytes >= 64<<10 && c.StoreMaxBytes <= 64<<30, "store_max_bytes", "%d is out of range [65536, 68719476736]", c.StoreMaxBytes)
	s.check(c.StoreSync >= 0, "store_sync", "must not be negative (\"0s\" syncs every message)")
	for _, e := range c.SnapshotOn {
		known := false
		for _, t := range eventTypes {
			known = known || e == t
		}
		s.check(known, "snapshot_on", "%q is not an event type (one of %s)", e, strings.Join(eventTypes, ", "))
	}
	s.positive(c.SnapshotMinInterval, "snapshot_min_interval")
	c.validateStream(s, "state", c.Streams.State, false)
	c.validateStream(s, "trajectory", c.Streams.Trajectory, false)
	c.validateStream(s, "event", c.Streams.Event, true)
	c.validateStream(s, "alert", c.Streams.Alert, true)
	c.validateStream(s, "config", c.Streams.Config, false)
	c.validateStream(s, "performance", c.Streams.Performance, false)
	c.validateStream(s, "game", c.Streams.Game, false)
}

func (c *MQTT) validateStream(s section, name string, p MQTTStream, queued bool) {
	key := "streams." + name + "."
	if queued {
		s.check(p.QoS == 1 || p.QoS == 2, key+"qos", "%d: %s is queued on disk while the broker is away and needs qos 1 or 2", p.QoS, name)
		s.check(p.MaxRate == 0, key+"max_rate", "%s is never throttled (every message is delivered); remove max_rate", name)
	} else {
		s.rangeI(p.QoS, 0, 2, key+"qos")
		// The hub's range (hub.MinRateHz, hub.MaxRateHzLimit): below 0.001
		// the interval overflows into no throttle at all.
		s.check(p.MaxRate == 0 || p.MaxRate >= 0.001 && p.MaxRate <= 1000, key+"max_rate", "%v: want 0 (no limit) or 0.001 to 1000 messages per second", p.MaxRate)
	}
}

func (c *MQTT) validateURL(s section) {
	if c.Off() {
		return
	}
	u, err := url.Parse(c.URL)
	if err != nil {
		s.fail("url", "%q is not a URL: %v (example: tcp://127.0.0.1:1883, or \"off\")", c.URL, errors.Unwrap(err))
		return
	}
	switch u.Scheme {
	case "tcp", "mqtt", "ssl", "tls", "mqtts", "tcps":
	default:
		s.fail("url", "%q: scheme must be tcp:// or mqtt:// (plain), ssl://, tls:// or mqtts:// (TLS), or the URL \"off\"", c.URL)
		return
	}
	host, port, err := net.SplitHostPort(u.Host)
	if err != nil || host == "" {
		s.fail("url", "%q must name a host and a port (example: %s://broker.example:%d)", c.URL, u.Scheme, map[bool]int{true: 8883, false: 1883}[c.TLSScheme()])
		return
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		s.fail("url", "%q: port %q is not in 1-65535", c.URL, port)
		return
	}
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
		s.fail("url", "%q: only scheme://host:port is allowed (put credentials in username and password_file)", c.URL)
	}
}

func (c *MQTT) validateTLS(s section) {
	tlsKeys := c.CAFile != "" || c.CertFile != "" || c.KeyFile != ""
	if c.Off() {
		return
	}
	if tlsKeys && !c.TLSScheme() {
		s.fail("url", "%q is plain MQTT but ca_file/cert_file/key_file are set: use ssl://host:8883", c.URL)
		return
	}
	if (c.CertFile == "") != (c.KeyFile == "") {
		s.fail(map[bool]string{true: "key_file", false: "cert_file"}[c.CertFile != ""], "cert_file and key_file go together (the client certificate and its private key)")
		return
	}
	if !c.TLSScheme() {
		return
	}
	if c.CAFile != "" {
		if pem, err := os.ReadFile(c.CAFile); err != nil {
			s.fail("ca_file", "%v", err)
		} else if !x509.NewCertPool().AppendCertsFromPEM(pem) {
			s.fail("ca_file", "%s holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)", c.CAFile)
		}
	}
	if c.CertFile != "" {
		missing := false
		for _, kf := range [][2]string{{"cert_file", c.CertFile}, {"key_file", c.KeyFile}} {
			if _, err := os.Stat(kf[1]); err != nil {
				s.fail(kf[0], "%v", err)
				missing = true
			}
		}
		if missing {
			return
		}
		if _, err := tls.LoadX509KeyPair(c.CertFile, c.KeyFile); err != nil {
			s.fail("cert_file", "%s with key_file %s: %v", c.CertFile, c.KeyFile, err)
		}
	}
}
