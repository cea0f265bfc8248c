//go:build !unix

package cloudtrail

import (
	"io"
	"os"
)

// openLocal opens a log file for one sequential read.
func openLocal(name string) (io.ReadCloser, error) { return os.Open(name) }
