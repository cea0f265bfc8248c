//go:build !unix

package cloudtrail

// indexLocking is set where saves of one index by several processes are serialised.
const indexLocking = false

// lockIndex does nothing here: concurrent saves of one index each write a whole file,
// and the last rename wins.
func lockIndex(string) (unlock func()) { return func() {} }
