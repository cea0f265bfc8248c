package cloudtrail

import (
	"bytes"
	"io"
	"slices"
	"sort"

	"github.com/keypivot/keypivot/investigate"
)

// Files without an extension are sniffed as they are read, not when they are listed: the
// file is opened once, its beginning sniffed through a recorder, and the read goes on
// from the recorded bytes and the same open file.

// sniffed is what a file listed with Sniff turned out to be: CloudTrail (log), not a log,
// or not readable enough to tell (err).
type sniffed struct {
	index int // in the files scanned
	path  string
	log   bool
	err   error
}

// tell counts the file as a listing that sniffed it would have: no log is left out as
// such, a file that could not be read to tell is a problem naming it. It reports whether
// the file is left out.
func (s sniffed) tell(tally *SkipTally, problems *[]investigate.Problem) (leftOut bool) {
	switch {
	case s.err != nil:
		*problems = append(*problems, investigate.Problem{Where: s.path, Message: s.err.Error()})
	case !s.log:
		tally.Add(investigate.SkipNotLog, 1, s.path)
	default:
		return false
	}
	return true
}

// sniffOpen opens the file and sniffs its beginning (Sniff). When it is CloudTrail, the
// opener it returns reads the same open file from its start; otherwise the file is
// closed, and err says why it could not be told (nil: it is no log).
func sniffOpen(open Opener) (_ Opener, log bool, err error) {
	rc, err := open()
	if err != nil {
		return nil, false, err
	}
	rec := &recorder{r: rc}
	log, err = Sniff(rec)
	if err != nil || !log {
		rc.Close()
		return nil, false, err
	}
	rest := io.Reader(rc)
	if rec.err != nil {
		rest = errorReader{rec.err} // the file failed while sniffed: it fails there again
	}
	replay := struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(rec.buf), rest), rc}
	return func() (io.ReadCloser, error) { return replay, nil }, true, nil
}

// recorder keeps what is read through it, and the first error (EOF included).
type recorder struct {
	r   io.Reader
	buf []byte
	err error
}

func (r *recorder) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.buf = append(r.buf, p[:n]...)
	if err != nil && r.err == nil {
		r.err = err
	}
	return n, err
}

// errorReader fails every read with err.
type errorReader struct{ err error }

func (e errorReader) Read([]byte) (int, error) { return 0, e.err }

// learn folds into the listing what the scan found of its files listed with Sniff: those
// that are no log leave its files for its skips, those that could not be read for its
// problems, and those that are CloudTrail are no longer sniffed; the listing is then the
// one a listing that sniffed its files would have made.
func (l Listing) learn(sniffs []sniffed) Listing {
	if len(sniffs) == 0 {
		return l
	}
	var tally SkipTally
	for _, sk := range l.Skips {
		tally.Add(sk.Reason, sk.Count, sk.Example)
	}
	verdict := make(map[int]sniffed, len(sniffs))
	for _, sn := range sniffs {
		verdict[sn.index] = sn
	}
	out := l
	out.Files = make([]File, 0, len(l.Files))
	out.Problems = slices.Clone(l.Problems)
	for i, f := range l.Files {
		if sn, ok := verdict[i]; ok {
			if sn.tell(&tally, &out.Problems) {
				continue
			}
			f.Sniff = false // CloudTrail: read without sniffing from now on
		}
		out.Files = append(out.Files, f)
	}
	sort.SliceStable(out.Problems, func(i, j int) bool { return out.Problems[i].Where < out.Problems[j].Where })
	out.Skips, out.Skipped = tally.Skips()
	return out
}
