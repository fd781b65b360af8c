// Package ws serves cuecast's WebSocket protocol (docs/protocol.md) on
// gobwas/ws, on top of edge/hub.
//
// # Connections
//
// ServeHTTP checks the Origin and the per-IP connection rate, then upgrades
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
// # Concurrency
//
// Server methods are safe for concurrent use. Reload swaps an immutable
// settings snapshot. Command handlers run on the requesting connection's
// reader goroutine.
package ws
