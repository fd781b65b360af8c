package mirror

import (
	"fmt"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/eclipse/paho.mqtt.golang/packets"
)

// safeStore is paho's FileStore (the in-flight QoS 1 messages, kept on disk
// so a restart re-sends them) with its panics turned into reported errors:
// FileStore panics on any I/O error (a full disk, a read-only state
// directory), which would take the whole daemon down with the mirror. A
// failed Put leaves the message un-persisted; it is still sent if the
// connection holds, and the failure is in STATUS.
type safeStore struct {
	fs *mqtt.FileStore
	m  *Mirror
}

var _ mqtt.Store = (*safeStore)(nil)

func newSafeStore(dir string, m *Mirror) *safeStore {
	return &safeStore{fs: mqtt.NewFileStore(dir), m: m}
}

func (s *safeStore) guard(op string) {
	if r := recover(); r != nil {
		err := fmt.Errorf("mqtt: in-flight store %s: %v (is the state directory full or read-only?)", op, r)
		s.m.log.Error("mqtt: in-flight store failed", "op", op, "err", err)
		s.m.setErr(err)
	}
}

func (s *safeStore) Open() { defer s.guard("open"); s.fs.Open() }

func (s *safeStore) Put(key string, p packets.ControlPacket) {
	defer s.guard("put")
	s.fs.Put(key, p)
}

func (s *safeStore) Get(key string) (p packets.ControlPacket) {
	defer s.guard("get")
	return s.fs.Get(key)
}

func (s *safeStore) All() (keys []string) {
	defer s.guard("list")
	return s.fs.All()
}

func (s *safeStore) Del(key string) { defer s.guard("delete"); s.fs.Del(key) }
func (s *safeStore) Close()         { defer s.guard("close"); s.fs.Close() }
func (s *safeStore) Reset()         { defer s.guard("reset"); s.fs.Reset() }
