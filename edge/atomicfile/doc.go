// Package atomicfile replaces files so that a crash or power cut at any
// moment leaves either the old file or the new one, never a torn one: the
// data goes to a temporary file in the same directory (rename is atomic
// only within one file system), which is fsynced, renamed over the target,
// and then the directory is fsynced so the rename itself is durable.
//
// Every writer of state in the tree uses it: the config file (REST), the
// camera and projector calibrations, the alert store, the game's saved
// state, the label set and captured frames, the update spool's status, the
// queued firmware bundle and the boot slots' kernel files; and the CLI's
// outputs (a signed bundle, a history export).
//
// Temporary files are named "."+base(target)+".tmp-*" and created with
// O_EXCL, so a symlink planted in a writable directory cannot redirect the
// write; RemoveTemps clears those a crash left behind.
//
// Concurrency: the functions hold no state. Two writers of the same target
// must serialise themselves (the last rename wins).
package atomicfile
