package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Write replaces path with data, with permissions perm.
func Write(path string, data []byte, perm fs.FileMode) error {
	f, err := Create(path, perm)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Abort()
		return fmt.Errorf("atomicfile: write %s: %w (disk full?)", path, err)
	}
	return f.Commit()
}

// File is a pending replacement of a target file: write (and read back,
// seek) through it, then Commit to put it in place or Abort to drop it.
type File struct {
	*os.File
	target string
	perm   fs.FileMode
	done   bool
}

// Create starts a replacement of path. The directory must exist (creating
// it is the caller's call: a state directory that vanished is worth an
// error, not a silent mkdir in the wrong place).
func Create(path string, perm fs.FileMode) (*File, error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, TempPrefix(path)+"*")
	if err != nil {
		return nil, fmt.Errorf("atomicfile: %w (does %s exist and is it writable?)", err, dir)
	}
	return &File{File: f, target: path, perm: perm}, nil
}

// Commit makes the written data durable and puts it in place of the
// target: fsync, chmod, close, rename, fsync the directory. After an error
// the target is unchanged (unless only the final directory fsync failed:
// then the new file is in place but its durability across a power cut is
// not known) and the temporary file is removed.
func (f *File) Commit() error {
	if f.done {
		return errors.New("atomicfile: commit " + f.target + ": already committed or aborted")
	}
	f.done = true
	name := f.Name()
	err := f.Sync()
	if err == nil {
		err = f.Chmod(f.perm)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(name, f.target)
	}
	if err != nil {
		os.Remove(name)
		return fmt.Errorf("atomicfile: replace %s: %w (disk full or read-only?)", f.target, err)
	}
	if err := SyncDir(filepath.Dir(f.target)); err != nil {
		return fmt.Errorf("atomicfile: %s written, but: %w", f.target, err)
	}
	return nil
}

// Abort drops the replacement; the target is unchanged. Safe after Commit
// and twice.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	f.Close()
	os.Remove(f.Name())
}

// SyncDir fsyncs a directory, making renames and creations in it durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("atomicfile: fsync %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("atomicfile: fsync %s: %w", dir, err)
	}
	return nil
}

// TempPrefix is the name prefix of path's temporary files (hidden, same
// directory).
func TempPrefix(path string) string { return "." + filepath.Base(path) + ".tmp-" }

// RemoveTemps removes the temporary files of path that an interrupted write
// left behind (a crash between Create and Commit) and returns their names.
// Call it before the first write, while no other writer of path runs.
func RemoveTemps(path string) ([]string, error) {
	dir, prefix := filepath.Dir(path), TempPrefix(path)
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var removed []string
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), prefix) {
			p := filepath.Join(dir, e.Name())
			if err := os.Remove(p); err != nil {
				return removed, err
			}
			removed = append(removed, p)
		}
	}
	return removed, nil
}
