// Package outbox is the MQTT mirror's bounded, crash-safe queue of messages
// that must reach the broker (events and alerts): an append-only log on disk
// that survives a broker outage and a daemon restart during one.
//
// Every queued message is appended here first and handed to paho in order
// once connected; it stays here until the broker acknowledged it (Commit).
// Paho's own store is then only the in-process copy it re-sends after a
// reconnect, and this log is the one durable copy.
//
// Layout: <dir>/<first-seq, 16 hex digits>.seg files, each a run of records
//
//	u32 body length | u32 CRC-32C of body | body
//	body = u8 flags (qos in bits 0-1, retain in bit 2) | u16 topic length | topic | payload
//
// and <dir>/cursor, the sequence number of the oldest record the broker has
// not acknowledged (u64 + CRC-32C, rewritten in place). Reading (Next) runs
// ahead of the cursor by the records in flight; after a restart it starts
// again at the cursor, so a record in flight at a crash is sent twice, never
// lost (QoS 1 is at least once). Sequence numbers are implicit:
// a segment's first record has the number in its name, the next one +1.
//
// Bounds: the total size of the segments stays under MaxBytes. Appending past
// it deletes whole segments, oldest first; records in them that were not yet
// delivered are counted as dropped and the count returned to the caller (the
// mirror raises an alert). Nothing else ever drops a record.
//
// Durability: with SyncEvery = 0 every Append and Commit is fsynced before it
// returns; otherwise Sync (called by the owner on a ticker) fsyncs what is
// dirty, and a daemon crash still loses nothing (the page cache survives it),
// only a power cut may lose the last SyncEvery of appends. On Open a torn
// record at the end of the newest segment (a crash mid-write) is cut off.
//
// Concurrency: an Outbox is safe for one appender and one reader (Next and
// Commit) at the same time; a mutex guards all state.
package outbox
