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
// (broker/outbox) by the hub goroutine and handed to paho in order by the
// drainer once connected; a record leaves the outbox only when the broker
// has acknowledged it (PUBACK). Paho keeps an in-memory copy of what is in
// flight and, with CleanSession false and a stable client id, re-sends it
// after a reconnect; after a daemon restart the outbox re-sends from its
// oldest unacknowledged record. The result: nothing produced while the
// broker is away, or while the daemon restarts, is lost (a message in flight
// at a crash may arrive twice: QoS 1 is at least once; dashboards can drop
// repeats by epoch and offset). Only the outbox bound drops messages, and
// then the loss is counted and alerted.
//
// Latest-wins streams (state, trajectory, config, performance, summary,
// snapshot) are rate limited by the hub (max_rate) and kept in one slot each
// by the sender: a newer value replaces an unsent one, nothing is queued
// while offline, and retained ones are published again on every connect.
//
// Commands are acknowledged (PUBACK) only once answered: applied, refused
// or, past the bounded queue's room, answered "busy" (cmdqueue.go). Every
// inbound message goes to one default handler, so commands the broker holds
// in the persistent session from while the daemon was away, delivered right
// after CONNACK, are answered too. Each command gets exactly one reply; a
// redelivery (DUP) of one already answered gets the same reply again, not a
// second application.
//
// The connection is owned by one goroutine (connect loop): paho's own
// retry is off so that the backoff, the circuit breaker and the reason of
// every failure are ours to report (STATUS, /api/v1/health).
//
// # Concurrency
//
// Run starts six goroutines, all owned by the Mirror and stopped by
// Shutdown (or by the end of Run's context): consume (hub -> outbox and
// slots), connect (the MQTT session), send (slots -> paho), drain (outbox ->
// paho), commands (inbound commands, Home Assistant birth, snapshots) and
// housekeep (outbox fsync, status detail).
// Paho's callbacks only hand work to these goroutines, never block: the
// message handler pushes onto the command queue (a mutex, no channel send).
package mirror
