//go:build unix

package cloudtrail

import (
	"errors"
	"os"
	"syscall"
	"time"
)

// indexLocking is set where saves of one index by several processes are serialised.
const indexLocking = true

// lockIndex takes the advisory lock of an index file (flock on path.lock), so that the
// read, merge and rename of one save do not interleave with another process's: no save
// loses what another saved. It waits at most lockWait for a process holding it, then goes
// on without it (the last rename wins); where locks do not work, it goes on at once.
func lockIndex(path string) (unlock func()) {
	f, err := os.OpenFile(path+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return func() {}
	}
	fd := int(f.Fd())
	for waited := time.Duration(0); ; waited += lockPoll {
		err := syscall.Flock(fd, syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() {
				_ = syscall.Flock(fd, syscall.LOCK_UN)
				f.Close()
			}
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) || waited >= lockWait {
			f.Close()
			return func() {}
		}
		time.Sleep(lockPoll)
	}
}

const (
	lockWait = 5 * time.Second
	lockPoll = 5 * time.Millisecond
)
