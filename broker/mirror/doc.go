// Package mirror publishes cuecast's hub streams to an MQTT broker for
// remote dashboards, and takes a few commands back. It is a hub consumer like
// the WebSocket server: one hub client, drained by one goroutine.
//
// # Topics (docs/mqtt.md is the reference)
//
// Under base = <prefix>/<site>/<table>:
//
//	base/available            "online" | "offline" (LWT) | "stopped", retained QoS 1
//	base/<stream>             the hub publication envelope (JSON, encoded once by the hub)
//	base/summary              {"balls_on_table","fps","last_event",...}, retained, for Home Assistant
//	base/snapshot             JPEG, retained, after configured events and on request
//	base/cmd/<name>           commands in (ack, snapshot, alert)
//	base/cmd/<name>/reply     their replies, with the request's id
//
// # Delivery
//
// Queued streams (event, alert) are appended to an on-disk outbox
// (broker/outbox) by the hub goroutine, and handed to paho in order by the
// drainer once connected; paho persists each one in its FileStore before
// Publish returns, so the outbox cursor moves past a message only when paho
// holds it on disk. With CleanSession false and a stable client id, paho
// re-sends what was in flight on the next connect, also after a daemon
// restart. The result: nothing produced while the broker is away or the
// daemon restarts is lost, unless the outbox bound is reached, and then the
// loss is counted and alerted.
//
// Latest-wins streams (state, trajectory, config, performance, summary,
// snapshot) are rate limited by the hub (max_rate) and kept in one slot each
// by the sender: a newer value replaces an unsent one, nothing is queued
// while offline, and retained ones are published again on every connect.
//
// The connection is owned by one goroutine (connect loop): paho's own
// retry is off so that the backoff, the circuit breaker and the reason of
// every failure are ours to report (STATUS, /api/v1/health).
//
// # Concurrency
//
// Run starts five goroutines, all owned by the Mirror and stopped by
// Shutdown (or by the end of Run's context): consume (hub -> outbox and
// slots), connect (the MQTT session), send (slots -> paho), drain (outbox ->
// paho) and commands (inbound commands, Home Assistant birth, snapshots).
// Paho's callbacks only hand work to these goroutines, never block.
package mirror
