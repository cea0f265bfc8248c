//go:build linux

package cloudtrail

import (
	"io/fs"
	"strconv"
	"syscall"
	"time"
)

// fileSig is what the key index compares to know a local file unchanged, besides its
// size: the modification time (in UTC: the same whatever TZ the run has), and the
// status-change time and inode, which no one sets by hand, so that a rewrite of the same
// size with its modification time kept (cp -p, touch -r, a coarse file system) is not
// mistaken for the file that was indexed.
func fileSig(info fs.FileInfo) string {
	s := info.ModTime().UTC().Format(time.RFC3339Nano)
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		sec, nsec := st.Ctim.Unix()
		s += " c" + strconv.FormatInt(sec, 10) + "." + strconv.FormatInt(nsec, 10) + " i" + strconv.FormatUint(uint64(st.Ino), 10)
	}
	return s
}
