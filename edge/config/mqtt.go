package config

import (
	"net/url"
)

// MQTT is the mirror to a broker. Owned by broker/.
type MQTT struct {
	// URL: tcp://host:1883, ssl://host:8883, or "off".
	URL string `toml:"url" json:"url"`
	// Seed broadcast_max_retries = 3, circuit_breaker_threshold = 10,
	// circuit_breaker_timeout_sec = 30: after Threshold consecutive failed
	// connects the mirror waits CircuitTimeout before trying again.
	PublishRetries   int      `toml:"publish_retries" json:"publish_retries"`
	CircuitThreshold int      `toml:"circuit_breaker_threshold" json:"circuit_breaker_threshold"`
	CircuitTimeout   Duration `toml:"circuit_breaker_timeout" json:"circuit_breaker_timeout"`
}

func defaultMQTT() MQTT {
	return MQTT{URL: "tcp://127.0.0.1:1883", PublishRetries: 3, CircuitThreshold: 10, CircuitTimeout: Duration(30e9)}
}

func (c *MQTT) validate(s section) {
	if c.URL != "off" {
		u, err := url.Parse(c.URL)
		switch {
		case err != nil:
			s.fail("url", "%q is not a URL: %v", c.URL, err)
		case u.Scheme != "tcp" && u.Scheme != "ssl" && u.Scheme != "tls" && u.Scheme != "mqtt" && u.Scheme != "mqtts":
			s.fail("url", "%q: scheme must be tcp://, ssl:// (or mqtt://, mqtts://), or the URL \"off\"", c.URL)
		case u.Host == "":
			s.fail("url", "%q has no host", c.URL)
		}
	}
	s.rangeI(c.PublishRetries, 0, 100, "publish_retries")
	s.rangeI(c.CircuitThreshold, 1, 1000, "circuit_breaker_threshold")
	s.positive(c.CircuitTimeout, "circuit_breaker_timeout")
}
