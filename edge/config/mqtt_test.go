package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// selfSigned writes a certificate and its key (PEM) and returns the paths.
func selfSigned(t *testing.T, dir, name string) (cert, key string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(k)
	cert, key = filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
	os.WriteFile(cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	return cert, key
}

func TestMQTTValidation(t *testing.T) {
	dir := t.TempDir()
	ca, _ := selfSigned(t, dir, "ca")
	cert, key := selfSigned(t, dir, "box")
	_, otherKey := selfSigned(t, dir, "other")
	notPEM := filepath.Join(dir, "garbage.pem")
	os.WriteFile(notPEM, []byte("this is not a certificate\n"), 0o600)
	pw := filepath.Join(dir, "pw")
	os.WriteFile(pw, []byte("s3cret\n"), 0o600)
	pw2 := filepath.Join(dir, "pw2")
	os.WriteFile(pw2, []byte("a\nb\n"), 0o600)
	missing := filepath.Join(dir, "missing.pem")

	cases := []struct {
		name string
		toml string
		key  string // "" = valid
		msg  string // substring of the problem
		line int
	}{
		{"defaults", ``, "", "", 0},
		{"off", "[mqtt]\nurl = \"off\"\n", "", "", 0},
		{"full TLS", "[mqtt]\nurl = \"ssl://broker.example:8883\"\nca_file = \"" + ca + "\"\ncert_file = \"" + cert + "\"\nkey_file = \"" + key + "\"\nusername = \"box\"\npassword_file = \"" + pw + "\"\n", "", "", 0},
		{"no scheme", "[mqtt]\nurl = \"broker:1883\"\n", "mqtt.url", "scheme", 2},
		{"http scheme", "[mqtt]\nurl = \"http://broker:1883\"\n", "mqtt.url", "scheme", 2},
		{"no port", "[mqtt]\nurl = \"tcp://broker\"\n", "mqtt.url", "host and a port", 2},
		{"bad port", "[mqtt]\nurl = \"tcp://broker:99999\"\n", "mqtt.url", "port", 2},
		{"credentials in URL", "[mqtt]\nurl = \"tcp://u:p@broker:1883\"\n", "mqtt.url", "credentials", 2},
		{"not a URL", "[mqtt]\nurl = \"tcp://[::1\"\n", "mqtt.url", "not a URL", 2},
		{"TLS files on tcp", "[mqtt]\nurl = \"tcp://broker:1883\"\nca_file = \"" + ca + "\"\n", "mqtt.url", "ssl://", 2},
		{"missing CA", "[mqtt]\nurl = \"ssl://broker:8883\"\nca_file = \"" + missing + "\"\n", "mqtt.ca_file", "no such file", 3},
		{"CA not PEM", "[mqtt]\nurl = \"ssl://broker:8883\"\nca_file = \"" + notPEM + "\"\n", "mqtt.ca_file", "no PEM certificate", 3},
		{"cert without key", "[mqtt]\nurl = \"ssl://broker:8883\"\ncert_file = \"" + cert + "\"\n", "mqtt.key_file", "go together", 0},
		{"missing key", "[mqtt]\nurl = \"ssl://broker:8883\"\ncert_file = \"" + cert + "\"\nkey_file = \"" + missing + "\"\n", "mqtt.key_file", "no such file", 4},
		{"key does not match", "[mqtt]\nurl = \"ssl://broker:8883\"\ncert_file = \"" + cert + "\"\nkey_file = \"" + otherKey + "\"\n", "mqtt.cert_file", "private key does not match", 3},
		{"cert not PEM", "[mqtt]\nurl = \"ssl://broker:8883\"\ncert_file = \"" + notPEM + "\"\nkey_file = \"" + key + "\"\n", "mqtt.cert_file", "PEM", 3},
		{"password and file", "[mqtt]\nusername = \"u\"\npassword = \"x\"\npassword_file = \"" + pw + "\"\n", "mqtt.password_file", "not both", 4},
		{"password without user", "[mqtt]\npassword = \"x\"\n", "mqtt.username", "must be set", 0},
		{"password file missing", "[mqtt]\nusername = \"u\"\npassword_file = \"" + missing + "\"\n", "mqtt.password_file", "no such file", 3},
		{"password file two lines", "[mqtt]\nusername = \"u\"\npassword_file = \"" + pw2 + "\"\n", "mqtt.password_file", "more than one line", 3},
		{"bad prefix", "[mqtt]\ntopic_prefix = \"cue/#\"\n", "mqtt.topic_prefix", "wildcards", 2},
		{"bad client id", "[mqtt]\nclient_id = \"a b\"\n", "mqtt.client_id", "printable", 2},
		{"event qos 0", "[mqtt.streams.event]\nqos = 0\n", "mqtt.streams.event.qos", "qos 1 or 2", 2},
		{"event rate", "[mqtt.streams.alert]\nmax_rate = 5.0\n", "mqtt.streams.alert.max_rate", "never throttled", 2},
		{"state rate too small to throttle", "[mqtt.streams.state]\nmax_rate = 1e-10\n", "mqtt.streams.state.max_rate", "0 (no limit) or 0.001 to 1000", 2},
		{"state qos 3", "[mqtt.streams.state]\nqos = 3\n", "mqtt.streams.state.qos", "out of range", 2},
		{"unknown stream", "[mqtt.streams.frame]\nqos = 0\n", "mqtt.streams.frame", "unknown key", 0},
		{"snapshot event", "[mqtt]\nsnapshot_on = [\"shot_ended\", \"goal\"]\n", "mqtt.snapshot_on", "not an event type", 2},
		{"tiny store", "[mqtt]\nstore_max_bytes = 1000\n", "mqtt.store_max_bytes", "out of range", 2},
		{"backoff order", "[mqtt]\nreconnect_min = \"10s\"\nreconnect_max = \"1s\"\n", "mqtt.reconnect_max", "at least reconnect_min", 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("cuecast.toml", []byte(c.toml))
			if c.key == "" {
				if err != nil {
					t.Fatalf("Parse = %v, want valid", err)
				}
				return
			}
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("Parse = %v, want a problem with %s", err, c.key)
			}
			for _, p := range ce.Problems {
				if strings.HasPrefix(p.Key, c.key) && strings.Contains(p.Msg, c.msg) {
					if c.line != 0 && p.Line != c.line {
						t.Errorf("problem %q at line %d, want %d", p, p.Line, c.line)
					}
					return
				}
			}
			t.Fatalf("Parse = %v, want a problem with %s mentioning %q", err, c.key, c.msg)
		})
	}
}

func TestMQTTDerived(t *testing.T) {
	c := Default()
	if got := c.MQTT.ClientIDFor(c.Box); got != "cuecast-dev-table1" {
		t.Errorf("ClientIDFor(default) = %q, want cuecast-dev-table1", got)
	}
	if got := c.MQTT.StoreDirFor(c.Box); got != "/var/lib/cuecast/mqtt" {
		t.Errorf("StoreDirFor(default) = %q", got)
	}
	if cfg, err := c.MQTT.TLSConfig(); cfg != nil || err != nil {
		t.Errorf("TLSConfig(tcp://) = %v, %v; want nil, nil", cfg, err)
	}
}
