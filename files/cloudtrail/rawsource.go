package cloudtrail

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/keypivot/keypivot/investigate"
)

// Records kept by reference. An event read from a log file keeps its place in the file
// (investigate.DecodeRecordAt), not its record: the file is read again, through the same
// parser, when the analyst opens the record. Reading it again costs what reading the
// file cost, up to the record (a few milliseconds for a delivered CloudTrail file), and
// saves holding every record of a case of millions of events.

// fileRecords is one log file as the events read from it refer to it.
type fileRecords struct {
	file  File
	open  Opener
	limit int
}

// reopenable reports whether the records of f can be read again later through the
// opener its scan was given, so that its events may refer to them. A file sniffed to
// be told from other files is opened once (its opener replays what the sniff read);
// an S3 object's opener carries the scan's context, which ends with the scan: their
// events hold their records.
func reopenable(f *File) bool {
	return !f.Sniff && !strings.HasPrefix(f.Path, "s3://")
}

// everyRecord wants every record: a file read again is split as it was when all its
// records were read.
var everyRecord = NewMatcher(investigate.EventQuery{})

// ReadRecord reads the file again up to the record at loc and returns it (for a
// LookupEvents result, the record in its CloudTrailEvent string).
func (f *fileRecords) ReadRecord(loc uint64) ([]byte, error) {
	w := workerPool.Get().(*worker)
	defer workerPool.Put(w)
	defer w.done()
	w.facts.reset()
	p := &parser{name: f.file.Path, base: f.file.Path, m: everyRecord, w: w, limit: f.limit, finding: true, want: loc}
	p.run(f.open, &f.file, nil)
	if p.found != nil {
		return p.found, nil
	}
	for _, pr := range p.problems {
		if pr.Where == f.file.Path {
			// The file could not be opened or read (to the record): that is the answer.
			return nil, errors.New(pr.Message)
		}
	}
	return nil, fmt.Errorf("no record at %s any more: the file changed since it was read", describeLoc(loc))
}

// describeLoc names a place as origins do: "line 3", "record 2", "line 3, record 2".
func describeLoc(loc uint64) string {
	line, rec := int(loc>>32), int(loc&(1<<32-1))
	switch {
	case line > 0 && rec > 0:
		return "line " + strconv.Itoa(line) + ", record " + strconv.Itoa(rec)
	case line > 0:
		return "line " + strconv.Itoa(line)
	}
	return "record " + strconv.Itoa(rec)
}
