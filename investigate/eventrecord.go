package investigate

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
)

// The record an event was decoded from. A key with millions of events cannot hold
// millions of kilobyte records: an event read from a log file that can be read again
// keeps only where its record is (a RawSource and a place in it), and the record is read
// again when an analyst opens it. The parts of the record the case's findings read, its
// requestParameters, responseElements and additionalEventData, are kept in memory
// either way, interned (a spree of the same call repeats them). An event read from a
// source that cannot be read again (an API's answer) keeps its whole record, and its
// parameters are slices of it.

// RawSource reads again the records of events that keep them by reference: a log file,
// read again to the record's place in it.
type RawSource interface {
	// ReadRecord returns the record at loc, the place DecodeRecordAt was given, or why it
	// cannot be read any more (the file is gone, unreadable, or shorter).
	ReadRecord(loc uint64) ([]byte, error)
}

// span is a [start, end) range of an event's data.
type span struct{ start, end uint32 }

func (s span) of(data string) json.RawMessage {
	if s.end <= s.start {
		return nil
	}
	return json.RawMessage(data[s.start:s.end])
}

// Request is the record's requestParameters as recorded; nil when it had none (or null).
func (e *Event) Request() json.RawMessage { return e.request.of(e.data) }

// Response is the record's responseElements as recorded: nil when it had none, or null
// (a failed call).
func (e *Event) Response() json.RawMessage { return e.response.of(e.data) }

// AdditionalEventData is the record's additionalEventData (the tokens of a model
// invocation, a console login's MFAUsed); nil when it had none.
func (e *Event) AdditionalEventData() json.RawMessage {
	if e.rawHeld {
		return heldAdditional(e.loc).of(e.data)
	}
	return span{e.response.end, uint32(len(e.data))}.of(e.data)
}

// An event that holds its record has no source to read it again from, so its loc is
// free: it keeps there where additionalEventData is in the record, start<<32|end, rather
// than every event carrying a third span. heldAdditional and packAdditional read and
// write it.

// heldAdditional is the span of additionalEventData packed in loc by packAdditional.
func heldAdditional(loc uint64) span { return span{uint32(loc >> 32), uint32(loc)} }

// packAdditional packs s, where additionalEventData is in a held record, into a loc.
func packAdditional(s span) uint64 { return uint64(s.start)<<32 | uint64(s.end) }

// Raw returns the whole record as it was read: held in memory, or read again from its
// source. It fails when the record can no longer be read (its file changed, was removed
// or cannot be opened) or is no longer the event's (the file was rewritten). An event
// made without a record (SetParameters) has none: nil, nil.
func (e *Event) Raw() (json.RawMessage, error) {
	if e.src == nil {
		if !e.rawHeld {
			return nil, nil
		}
		return json.RawMessage(e.data), nil
	}
	raw, err := e.src.ReadRecord(e.loc)
	if err != nil {
		return nil, err
	}
	var r struct {
		EventID string `json:"eventID"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("the record there is no longer readable JSON (the file changed since it was read): %w", jsonErr(err))
	}
	if r.EventID != e.ID {
		return nil, fmt.Errorf("the record there is now event %q, not %q: the file changed since it was read", r.EventID, e.ID)
	}
	return raw, nil
}

// RawKeptByReference reports whether the event's record is read again from its source
// when asked for, rather than held.
func (e *Event) RawKeptByReference() bool { return e.src != nil }

// SetParameters gives an event made without a record its requestParameters and
// responseElements (for events built in code rather than decoded).
func (e *Event) SetParameters(request, response json.RawMessage) error {
	e.src, e.loc = nil, 0
	return e.keepParts(nullToNil(request), nullToNil(response), nil)
}

// holdRecord makes the event hold raw, its whole record (copied once: the domain does
// not reach for unsafe), with its parameters req and resp and its additional data add
// as places in it (add's packed in loc: see heldAdditional).
func (e *Event) holdRecord(raw []byte, req, resp, add rawValue) error {
	if uint64(len(raw)) > math.MaxUint32 {
		return errors.New("record over 4 GiB")
	}
	var ok1, ok2, ok3 bool
	var additional span
	e.request, ok1 = spanWithin(raw, req)
	e.response, ok2 = spanWithin(raw, resp)
	additional, ok3 = spanWithin(raw, add)
	if !ok1 || !ok2 || !ok3 {
		// encoding/json hands Unmarshalers slices of its input: were that to change, the
		// parameters would be lost, so say so rather than hold an event without them.
		return errors.New("cannot place requestParameters, responseElements or additionalEventData in the record")
	}
	e.data = string(raw)
	e.rawHeld = true
	e.src, e.loc = nil, packAdditional(additional)
	return nil
}

// referRecord makes the event refer to its record at loc in src, keeping only the parts
// the case reads.
func (e *Event) referRecord(src RawSource, loc uint64, r *record) error {
	e.src, e.loc = src, loc
	return e.keepParts(nullToNil(json.RawMessage(r.RequestParameters)), nullToNil(json.RawMessage(r.ResponseElements)), nullToNil(json.RawMessage(r.AdditionalEventData)))
}

// keepParts makes the event hold the parts of its record the case reads (not the
// record): one string, interned when short, request, response and additional data one
// after the other.
func (e *Event) keepParts(req, resp, add json.RawMessage) error {
	e.rawHeld = false
	e.request, e.response, e.data = span{}, span{}, ""
	n := len(req) + len(resp) + len(add)
	switch {
	case n == 0:
		return nil
	case uint64(n) > math.MaxUint32:
		return errors.New("parameters over 4 GiB")
	}
	var b strings.Builder // the parts in one string, without a second copy
	b.Grow(n)
	b.Write(req)
	b.Write(resp)
	b.Write(add)
	e.data = Intern(b.String())
	e.request = span{0, uint32(len(req))}
	e.response = span{uint32(len(req)), uint32(len(req) + len(resp))}
	return nil
}

// spanWithin is where v (a slice of raw, as rawValue decodes it) is in raw; empty for a
// missing or null value; ok is false when v is not a slice of raw.
func spanWithin(raw []byte, v rawValue) (span, bool) {
	if len(nullToNil(json.RawMessage(v))) == 0 {
		return span{}, true
	}
	start, end, ok := within(raw, v)
	if !ok {
		return span{}, false
	}
	return span{uint32(start), uint32(end)}, true
}
