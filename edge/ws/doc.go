// Package ws serves cuecast's WebSocket protocol (docs/protocol.md) on
// gobwas/ws, on top of edge/hub.
//
// # Connections
//
// ServeHTTP checks the Origin (same host only when the Host is an IP
// literal, localhost, this machine or named in http.allowed_origins: DNS
// rebinding), reserves one of max_connections and checks the per-IP
// connection rate, then upgrades
// the hijacked connection with ws.HTTPUpgrader (no copy of the request, no
// per-connection bufio kept afterwards). Each connection is one hub.Client
// and exactly two goroutines:
//
//   - the reader, the only reader of the socket: frame headers are read
//     into a buffer inside the connection, payloads into pooled buffers
//     taken when a message arrives and returned when it is handled, so an
//     idle connection holds no message buffer. It enforces the message
//     size (1009), the message rate, the idle timeout (4001) and answers
//     control frames.
//   - the writer, the only writer of the socket (gobwas/ws does no
//     locking): it takes queued replies and due publications (hub priority
//     order) and sends them in one vectored write (net.Buffers, writev).
//     Publication frames are compiled once per publication and shared by
//     every connection (hub.Publication.Cached); permessage-deflate output
//     too, compressed once; JPEG payloads go out as their own iovec, never
//     copied or compressed.
//
// A peer that stops reading costs only itself: conflating streams keep one
// pending value, a never-dropped stream overflowing its queue ends the hub
// client, whose OnEnd aborts the blocked write at once; the connection is
// closed with 4008 (slow consumer, resume). Whichever goroutine exits last
// closes the socket and the hub client.
//
// # Accessors for administration (stable; edge/api uses them)
//
//   - Server.Connections, Server.Connection(id): hub.ClientInfo of every
//     WebSocket client plus compression, authorization, messages received
//     and messages refused by the rate limit.
//   - Server.Disconnect(id), Server.DisconnectReason(id, reason): close one
//     client with 4000 (and the reason in the close frame).
//   - Server.Stats: accepted and refused upgrades (origin, rate), failed
//     handshakes, messages in, errors sent, closes by close code.
//   - Server.RegisterCommand: add a command to the token-gated command
//     message (broadcast_alert is built in); Server.Commands lists them.
//   - Server.Reload: apply a new [websocket]/[http] config (SIGHUP, REST).
//
// Delivery figures (latency, messages, bytes, drops per stream) are the
// hub's: hub.Metrics and hub.Client(id).Info; per-client subscribe and
// unsubscribe go through hub.Client(id) as well.
//
// # Concurrency
//
// Server methods are safe for concurrent use. Reload swaps an immutable
// settings snapshot; each message is handled with the snapshot current when
// it arrived, and a bearer token given at upgrade is checked against the
// current http.token at every command. Command handlers run on the requesting connection's
// reader goroutine.
package ws
