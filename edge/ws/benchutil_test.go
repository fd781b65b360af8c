package ws

import (
	"net/url"
	"unsafe"
)

func parseURL(s string) (*url.URL, error) { return url.Parse(s) }

// unsafeString views b as a string without copying, for time.Parse in the
// benchmark reader (b is not modified while the string is used).
func unsafeString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }
