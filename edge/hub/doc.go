// Package hub is cuecast's streams hub: the one registry of subscriptions
// and the fan-out from publishers (vision, core, supervisor) to consumers
// (WebSocket clients, the MQTT mirror, tests). It imports no transport and no
// cgo (deps_test.go enforces it).
//
// # Concepts
//
// A Stream is one of alert, config, event, trajectory, state, performance,
// frame, game. Every Publication carries its stream, the process Epoch (random per
// start), a per-stream Offset (+1 per publication, first is 1), its time and
// its data, encoded once (JSON) and shared by every subscriber and the
// history; transports cache their own encodings on it (Publication.Cached),
// so a publication is framed once however many clients receive it.
//
// Streams come in two kinds. Never-dropped streams (alert, config, event)
// keep a history bounded by count and age (config.Hub) and deliver every
// publication in order; a client whose queue of them overflows is ended with
// ErrSlowConsumer and recovers by resuming. Conflating streams (trajectory,
// state, performance, frame, game) keep only their latest value; a slow client
// gets the latest (latest wins), optionally at most MaxRateHz per stream.
//
// A Client is a subscriber with one bounded queue drained by its owner with
// Next, in priority order: alert and config, event, trajectory, state,
// performance, frame, game. Subscribe registers streams and queues, in the same
// critical section, the latest values or the publications missed since a
// resume Position, so replay and live traffic join without gap or duplicate.
//
// Clients may belong to a group (projector, display, technician);
// PublishGroup targets one group (the latest value is kept for at most 64
// groups per stream). Alerts carry ids; Ack records who acknowledged one and
// republishes it with acked true (Client.Ack only for alerts the client can
// see); unacknowledged alerts are redelivered to every new or resuming alert
// subscriber.
//
// With WithAlertStore, alerts and their acknowledgement survive a restart:
// every raise and ack rewrites a small JSON snapshot atomically
// (alertstore.go says why a snapshot and not a log); New loads it, keeps
// acknowledged alerts as acknowledged, and republishes each unacknowledged
// one in the new epoch with its original id and time and "restored":true.
// The store is bounded like the book it mirrors (hub.alert_retention,
// hub.alert_max_age); a corrupt file is set aside and the hub starts empty; a
// failed write is logged and counted (Metrics.AlertStoreErrors) and never
// fails or delays a publication to clients.
//
// # Accessors for administration (stable; edge/api and the MQTT mirror use them)
//
//   - Hub.Clients, Hub.Client(id), Client.Info: every client with id, group,
//     remote, transport, streams, max rates, last delivered offsets, queue
//     length, delivered/bytes/dropped/errors and latency (min, max, avg,
//     jitter = standard deviation).
//   - Client.Subscribe, Client.Unsubscribe, Client.Disconnect,
//     Client.DisconnectReason: per-client admin by id (Disconnect makes the
//     transport close with its "by administrator" code; DisconnectedReason
//     recovers the reason from the error Next returns).
//   - Hub.Metrics: per stream and overall: offset, subscribers, published,
//     history held, delivered, bytes, dropped (conflated), errors and latency
//     over the last 30-60 s with p50/p99; slow-consumer and protocol-error
//     counts.
//   - Hub.Alerts, Hub.Alert(id), Hub.Ack, Hub.RaiseAlert, Hub.RaiseAlertGroup:
//     alert ack state.
//   - Hub.Latest, Hub.Offset, Hub.Watchers, Hub.Epoch.
//
// Transports report what they wrote with Client.RecordDelivery (latency is
// publication time to write, minus any hold the client's max rate asked
// for; a publication replayed at subscribe counts from the subscribe, not
// from when it was first published), Client.RecordWriteError and
// Client.RecordError.
//
// Alerts that clients raise (REST, the WebSocket broadcast_alert command,
// the MQTT cmd/alert command) are checked here once, by one set of rules:
// AlertFromFields and DecodeAlert build an AlertRequest, RaiseRequest
// raises it; a refusal wraps ErrBadAlert and its text is the same on every
// transport.
//
// # Concurrency
//
// All methods are safe for concurrent use. Hub.mu guards the registry
// (client -> streams), the by-stream index derived from it, offsets, history,
// latest values and alert state; Publish holds it while it fans out, which
// costs one short per-client lock and no allocation per subscriber. A client
// never blocks a publisher: enqueueing is bounded work, and slow-consumer
// cuts are logged after Hub.mu is released. Lock order is
// Hub.mu, then Client.mu; statistics have their own locks taken alone. The
// alert store's write lock is taken alone, after Hub.mu is released: a raise
// or ack waits for its own fsync, nobody else does.
package hub
