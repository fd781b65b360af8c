// Package filter is a subscription filter on one stream's publications: the
// fields of `data` a client keeps or drops, and the conditions `data` must
// meet for a publication to be sent at all (docs/protocol.md, "Filters").
//
// # Concepts
//
// A Schema describes what a stream's `data` can hold. It is derived from
// the Go type the stream publishes (SchemaOf), so a path a client names is
// checked against the real fields before anything is subscribed: an unknown
// path or an operator that cannot apply to a field is an *Error naming the
// path, and nothing changes.
//
// A Spec (the wire form) compiles against a Schema into a Filter. Filters
// are values: two clients that sent the same filter, in whatever order,
// get Filters with the same Key, and the hub shares the work of one
// filter (the condition's verdict, the projected JSON) between all the
// clients that hold it, per publication.
//
// A Doc is one publication's `data` parsed once into a tree whose leaves
// keep their raw bytes: Match reads it, Project copies the kept members
// byte for byte (field order and number formatting stay as published).
//
// # Concurrency
//
// Schema, Filter and Doc are immutable once built and safe for concurrent
// use; building them is the caller's single-goroutine work.
package filter
