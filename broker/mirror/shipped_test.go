package mirror

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"github.com/cuecast/cuecast/broker/internal/mqtttest"
	"github.com/cuecast/cuecast/edge/config"
	"github.com/cuecast/cuecast/edge/hub"
	"github.com/cuecast/cuecast/edge/model"
)

// These tests run the Mosquitto configs the box ships (broker/mosquitto),
// rewritten only where a test must differ: ports, paths, certificates and
// the bridge's restart backoff. Each rewrite must match the shipped text, so
// a change to the shipped files that the tests no longer cover fails here.

const shippedDir = "../mosquitto"

// shipped reads a shipped config and applies old -> new replacements.
func shipped(t *testing.T, name string, repl ...string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(shippedDir, name))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for i := 0; i < len(repl); i += 2 {
		if !strings.Contains(s, repl[i]) {
			t.Fatalf("%s no longer contains %q: update the test's rewrite", name, repl[i])
		}
		s = strings.ReplaceAll(s, repl[i], repl[i+1])
	}
	return s
}

// localBroker runs the shipped mosquitto.conf: loopback listener on the
// broker's port, the LAN listener on lanPort (loopback too, in a test),
// persistence in the broker's dir, conf.d from confDir.
func localBroker(t *testing.T, confDir string) (b *mqtttest.Broker, lanPort int, passwd string) {
	t.Helper()
	passwd = filepath.Join(t.TempDir(), "cuecast.passwd")
	for _, u := range [][2]string{{"dashboard", "dash-secret"}, {"homeassistant", "ha-secret"}, {"technician", "tech-secret"}} {
		args := []string{"-b", passwd, u[0], u[1]}
		if _, err := os.Stat(passwd); err != nil {
			args = append([]string{"-c"}, args...)
		}
		if out, err := exec.Command("mosquitto_passwd", args...).CombinedOutput(); err != nil {
			t.Skipf("mosquitto_passwd: %v: %s", err, out)
		}
	}
	acl, _ := filepath.Abs(filepath.Join(shippedDir, "cuecast.acl"))
	lanPort = mqtttest.FreePort(t)
	conf := shipped(t, "mosquitto.conf",
		"listener 1883 127.0.0.1", "listener {{PORT}} 127.0.0.1",
		"listener 1884\n", fmt.Sprintf("listener %d 127.0.0.1\n", lanPort),
		"/var/lib/mosquitto/", "{{DIR}}/",
		"autosave_interval 30", "autosave_interval 1",
		"/etc/mosquitto/cuecast.passwd", passwd,
		"/etc/mosquitto/cuecast.acl", acl,
		"/etc/mosquitto/conf.d", confDir,
	)
	return mqtttest.New(t, "local", conf), lanPort, passwd
}

func TestShippedLocalBrokerAuthAndACL(t *testing.T) {
	b, lan, _ := localBroker(t, t.TempDir())
	b.Start()
	cfg, box := testConfig(t, b.URL()) // the daemon on the open loopback listener
	r := startRig(t, cfg, box, nil)
	r.waitConnected()
	lanURL := fmt.Sprintf("tcp://127.0.0.1:%d", lan)

	connect := func(user, pass string) (mqtt.Client, error) {
		c := mqtt.NewClient(mqtt.NewClientOptions().AddBroker(lanURL).SetClientID("t-" + user + pass).SetUsername(user).SetPassword(pass).SetAutoReconnect(false))
		tok := c.Connect()
		tok.WaitTimeout(5 * time.Second)
		return c, tok.Error()
	}
	if c, err := connect("dashboard", "wrong"); err == nil {
		c.Disconnect(0)
		t.Fatal("LAN listener accepted a wrong password")
	}
	if c, err := connect("", ""); err == nil {
		c.Disconnect(0)
		t.Fatal("LAN listener accepted an anonymous client")
	}

	// The dashboard user reads the table's topics and may send commands;
	// it may not publish as the box.
	auth := func(user, pass string) func(*mqtt.ClientOptions) {
		return func(o *mqtt.ClientOptions) { o.SetUsername(user).SetPassword(pass) }
	}
	dash := mqtttest.SubscribeWith(t, lanURL, "dash", true, auth("dashboard", "dash-secret"), "cuecast/#")
	local := mqtttest.Subscribe(t, b.URL(), "local-watch", true, r.m.Topic("event"))
	r.hub.Publish(hub.StreamEvent, model.Event{Type: model.EventRackDetected, Time: time.Now()})
	waitFor(t, "the event on the LAN listener", 10*time.Second, func() bool { return len(dash.Messages(r.m.Topic("event"))) == 1 })

	dash.C.Publish(r.m.Topic("event"), 1, false, `{"forged":true}`).Wait()
	dash.C.Publish(r.m.Topic("cmd/alert"), 1, false, `{"id":"lan1","level":"info","code":"lan_test","message":"hello from the LAN"}`).Wait()
	waitFor(t, "the command reply", 10*time.Second, func() bool { return len(dash.Messages(r.m.Topic("cmd/alert/reply"))) == 1 })
	var rep Reply
	m, _ := dash.Last(r.m.Topic("cmd/alert/reply"))
	if json.Unmarshal(m.Payload, &rep); !rep.OK || rep.ID != "lan1" {
		t.Fatalf("reply to the LAN command = %s, want ok", m.Payload)
	}
	if n := len(local.Messages(r.m.Topic("event"))); n != 1 {
		t.Fatalf("a loopback subscriber got %d events, want 1: the ACL let the dashboard user publish as the box", n)
	}
	// Home Assistant may use its own topics.
	ha := mqtttest.SubscribeWith(t, lanURL, "ha", true, auth("homeassistant", "ha-secret"), "homeassistant/sensor/#")
	waitFor(t, "HA discovery readable by homeassistant", 10*time.Second, func() bool { return len(ha.Messages("")) >= 4 })
}

func TestShippedBridgeStoreAndForward(t *testing.T) {
	tf := mqtttest.NewTLS(t)
	// The remote: a TLS listener requiring client certificates, persistent.
	remote := mqtttest.New(t, "remote", fmt.Sprintf(`
listener {{PORT}} 127.0.0.1
cafile %s
certfile %s
keyfile %s
require_certificate true
use_identity_as_username true
persistence true
persistence_location {{DIR}}/
autosave_interval 1
`, tf.CA, tf.ServerCert, tf.ServerKey))
	remote.Start()
	remoteTLS := func(o *mqtt.ClientOptions) {
		mc := config.MQTT{URL: "ssl://127.0.0.1:8883", CAFile: tf.CA, CertFile: tf.ClientCert, KeyFile: tf.ClientKey}
		c, err := mc.TLSConfig()
		if err != nil {
			t.Fatal(err)
		}
		o.SetTLSConfig(c)
	}
	remoteURL := fmt.Sprintf("ssl://127.0.0.1:%d", remote.Port)
	// The remote dashboard holds a persistent session from the start.
	events := "cuecast/test/t1/event"
	sub := mqtttest.SubscribeWith(t, remoteURL, "remote-dashboard", false, remoteTLS, events, "cuecast/test/t1/bridge", "cuecast/test/t1/cmd/#")

	confDir := t.TempDir()
	bridge := shipped(t, "conf.d/bridge.conf.example",
		"@REMOTE@", fmt.Sprintf("127.0.0.1:%d", remote.Port),
		"@SITE@", "test", "@TABLE@", "t1",
		"/etc/mosquitto/certs/uplink-ca.crt", tf.CA,
		"/etc/mosquitto/certs/box.crt", tf.ClientCert,
		"/etc/mosquitto/certs/box.key", tf.ClientKey,
		// Shipped backoff is 5-60 s; the test waits for one reconnect.
		"restart_timeout 5 60", "restart_timeout 1 2",
	)
	if err := os.WriteFile(filepath.Join(confDir, "bridge.conf"), []byte(bridge), 0o600); err != nil {
		t.Fatal(err)
	}
	local, _, _ := localBroker(t, confDir)
	local.Start()
	cfg, box := testConfig(t, local.URL())
	r := startRig(t, cfg, box, nil)
	r.waitConnected()
	waitFor(t, "bridge notification 1 on the remote", 15*time.Second, func() bool {
		m, ok := sub.Last("cuecast/test/t1/bridge")
		return ok && string(m.Payload) == "1"
	})

	n := 0
	publish := func(k int) {
		for range k {
			n++
			r.hub.Publish(hub.StreamEvent, model.Event{Type: model.EventBallPocketed, Time: time.Now(), Balls: []string{fmt.Sprint(n%15 + 1)}})
		}
	}
	publish(20)
	waitFor(t, "20 events across the bridge", 15*time.Second, func() bool { return len(sub.Messages(events)) >= 20 })

	remote.Stop()
	publish(200) // the uplink is down: the local broker queues for the bridge
	// They reach the local broker (the daemon's outbox is empty), and wait there.
	waitFor(t, "the mirror to hand everything to the local broker", 15*time.Second, func() bool {
		st := r.m.Status()
		return st.Queued == 0 && st.Connected
	})
	remote.Start()
	waitFor(t, fmt.Sprintf("all %d events on the remote", n), 60*time.Second, func() bool { return len(sub.Messages(events)) >= n })
	checkInOrder(t, sub.Messages(events), n)

	// Commands come in over the bridge and their replies go out.
	rs := mqtttest.SubscribeWith(t, remoteURL, "remote-replies", true, remoteTLS, "cuecast/test/t1/cmd/+/reply")
	sub.C.Publish("cuecast/test/t1/cmd/alert", 1, false, `{"id":"up1","level":"info","code":"from_hq","message":"hello from HQ"}`).Wait()
	waitFor(t, "the reply across the bridge", 15*time.Second, func() bool { return len(rs.Messages("")) == 1 })
	time.Sleep(500 * time.Millisecond)
	if got := len(sub.Messages("cuecast/test/t1/cmd/alert")); got != 1 {
		t.Errorf("remote saw the command %d times, want 1 (bridge loop?)", got)
	}
}

// The mirror with username and password_file, through the LAN listener:
// a wrong password is reported with a hint and retried; the right one works
// even though the ACL refuses this user the Home Assistant topics.
func TestPasswordFileAuth(t *testing.T) {
	b, lan, _ := localBroker(t, t.TempDir())
	b.Start()
	lanURL := fmt.Sprintf("tcp://127.0.0.1:%d", lan)
	pw := filepath.Join(t.TempDir(), "mqtt.pw")

	os.WriteFile(pw, []byte("wrong\n"), 0o600)
	cfg, box := testConfig(t, lanURL)
	cfg.Username, cfg.PasswordFile = "technician", pw
	cfg.CircuitThreshold, cfg.CircuitTimeout = 3, config.Duration(time.Hour)
	r := startRig(t, cfg, box, nil)
	waitFor(t, "the circuit to open after 3 refused connects", 15*time.Second, func() bool { return r.m.Status().Circuit == "open" })
	if st := r.m.Status(); st.Connected || !strings.Contains(st.LastError, "circuit open") || !strings.Contains(st.LastError, "check") {
		t.Fatalf("Status with a wrong password = %+v, want refused with a hint and the circuit open", st)
	}
	r.stop()

	// The password file is read at every attempt: fixing it is enough.
	os.WriteFile(pw, []byte("tech-secret\n"), 0o600)
	r = startRig(t, cfg, box, nil)
	r.waitConnected()
	s := mqtttest.Subscribe(t, b.URL(), "watch", true, r.m.Topic("event"))
	r.hub.Publish(hub.StreamEvent, model.Event{Type: model.EventShotStarted, Time: time.Now()})
	waitFor(t, "an event through the authenticated listener", 10*time.Second, func() bool { return len(s.Messages("")) == 1 })
}
