//go:build !linux

package cloudtrail

import (
	"io/fs"
	"time"
)

// fileSig is what the key index compares to know a local file unchanged, besides its
// size: its modification time, in UTC (the same whatever TZ the run has).
func fileSig(info fs.FileInfo) string { return info.ModTime().UTC().Format(time.RFC3339Nano) }
