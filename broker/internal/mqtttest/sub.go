package mqtttest

import (
	"sync"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
)

// Msg is one received message.
type Msg struct {
	Topic    string
	Payload  []byte
	Retained bool
	Dup      bool
}

// Sub is a test subscriber recording every message it receives. With a
// client id and clean=false it holds a persistent session: the broker
// queues QoS 1 messages for it while it is away.
type Sub struct {
	C mqtt.Client

	mu   sync.Mutex
	msgs []Msg
}

// Subscribe connects to url and subscribes to filters at QoS 1. It
// reconnects on its own (a broker restart). Disconnected at test end.
func Subscribe(t testing.TB, url, clientID string, clean bool, filters ...string) *Sub {
	t.Helper()
	return SubscribeWith(t, url, clientID, clean, nil, filters...)
}

// SubscribeWith is Subscribe with extra client options (credentials, TLS).
func SubscribeWith(t testing.TB, url, clientID string, clean bool, edit func(*mqtt.ClientOptions), filters ...string) *Sub {
	t.Helper()
	s := &Sub{}
	subs := map[string]byte{}
	for _, f := range filters {
		subs[f] = 1
	}
	opts := mqtt.NewClientOptions().AddBroker(url).SetClientID(clientID).SetCleanSession(clean).
		SetAutoReconnect(true).SetMaxReconnectInterval(500 * time.Millisecond).SetConnectRetry(false).
		SetOrderMatters(true).
		SetOnConnectHandler(func(c mqtt.Client) {
			if len(subs) > 0 {
				c.SubscribeMultiple(subs, s.record)
			}
		})
	if edit != nil {
		edit(opts)
	}
	s.C = mqtt.NewClient(opts)
	if tok := s.C.Connect(); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("mqtttest: subscriber connect %s: %v", url, tok.Error())
	}
	// The OnConnect subscribe is asynchronous; subscribe once more and wait
	// so the caller knows the subscription is in place.
	if len(subs) == 0 {
		t.Cleanup(func() { s.C.Disconnect(100) })
		return s
	}
	if tok := s.C.SubscribeMultiple(subs, s.record); !tok.WaitTimeout(10*time.Second) || tok.Error() != nil {
		t.Fatalf("mqtttest: subscribe: %v", tok.Error())
	}
	t.Cleanup(func() { s.C.Disconnect(100) })
	return s
}

func (s *Sub) record(_ mqtt.Client, m mqtt.Message) {
	s.mu.Lock()
	s.msgs = append(s.msgs, Msg{Topic: m.Topic(), Payload: append([]byte(nil), m.Payload()...), Retained: m.Retained(), Dup: m.Duplicate()})
	s.mu.Unlock()
}

// Messages returns a copy of what was received on topic ("" for all).
func (s *Sub) Messages(topic string) []Msg {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Msg
	for _, m := range s.msgs {
		if topic == "" || m.Topic == topic {
			out = append(out, m)
		}
	}
	return out
}

// Last returns the last payload received on topic and whether there is one.
func (s *Sub) Last(topic string) (Msg, bool) {
	ms := s.Messages(topic)
	if len(ms) == 0 {
		return Msg{}, false
	}
	return ms[len(ms)-1], true
}
