package investigate

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"unsafe"
)

// recordJSON is a CloudTrail record with the given id, user agent and parts.
func recordJSON(id, ua, req, resp, add string) []byte {
	idPart := ""
	if id != "" {
		idPart = fmt.Sprintf(`"eventID":%q,`, id)
	}
	return fmt.Appendf(nil, `{"eventVersion":"1.09",%s"eventTime":"2026-11-20T09:00:00Z","eventSource":"sts.amazonaws.com","eventName":"GetSessionToken","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.9","userAgent":%q,"readOnly":false,"userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/alice","accountId":"111122223333","accessKeyId":"AKIAEVENTRECORD00001","userName":"alice"},"requestParameters":%s,"responseElements":%s,"additionalEventData":%s,"recipientAccountId":"111122223333"}`,
		idPart, ua, req, resp, add)
}

func TestDecodeRecordHoldsTheRecordWithItsPartsAsSlices(t *testing.T) {
	raw := recordJSON("e1", "aws-cli/2.15", ` {"durationSeconds": 900} `, `{"credentials":{"accessKeyId":"ASIAEVENTRECORD00001"}}`, `{"MFAUsed":"No"}`)
	e, err := DecodeRecord(raw)
	if err != nil {
		t.Fatal(err)
	}
	if e.RawKeptByReference() {
		t.Fatal("a decoded record is kept by reference")
	}
	got, err := e.Raw()
	if err != nil || !bytes.Equal(got, raw) {
		t.Fatalf("Raw = %s, %v", got, err)
	}
	if string(e.Request()) != `{"durationSeconds": 900}` || string(e.Response()) != `{"credentials":{"accessKeyId":"ASIAEVENTRECORD00001"}}` ||
		string(e.AdditionalEventData()) != `{"MFAUsed":"No"}` {
		t.Fatalf("parts: %s | %s | %s", e.Request(), e.Response(), e.AdditionalEventData())
	}
	// Null and missing parts are nil, as they always were.
	e, err = DecodeRecord(recordJSON("e2", "x", "null", "null", "null"))
	if err != nil || e.Request() != nil || e.Response() != nil || e.AdditionalEventData() != nil {
		t.Fatalf("null parts: %q %q %q %v", e.Request(), e.Response(), e.AdditionalEventData(), err)
	}
}

// mapSource is a RawSource over records in memory, by place; err, when set, is its
// answer to every read.
type mapSource struct {
	records map[uint64][]byte
	err     error
	reads   int
}

func (m *mapSource) ReadRecord(loc uint64) ([]byte, error) {
	m.reads++
	if m.err != nil {
		return nil, m.err
	}
	r, ok := m.records[loc]
	if !ok {
		return nil, errors.New("no such record")
	}
	return r, nil
}

func TestDecodeRecordAtKeepsTheRecordByReference(t *testing.T) {
	raw := recordJSON("e1", "aws-cli/2.15", `{"durationSeconds":900}`, `{"credentials":{"accessKeyId":"ASIAEVENTRECORD00001"}}`, `{"MFAUsed":"No"}`)
	src := &mapSource{records: map[uint64][]byte{7: bytes.Clone(raw)}}
	buf := bytes.Clone(raw)
	e, err := DecodeRecordAt(buf, src, 7)
	if err != nil {
		t.Fatal(err)
	}
	// The reader reuses its buffer: nothing of the event may change.
	for i := range buf {
		buf[i] = 'X'
	}
	if !e.RawKeptByReference() || e.ID != "e1" || e.UserAgent != "aws-cli/2.15" || e.Signer() != "AKIAEVENTRECORD00001" {
		t.Fatalf("event %+v", e)
	}
	if string(e.Request()) != `{"durationSeconds":900}` || string(e.Response()) != `{"credentials":{"accessKeyId":"ASIAEVENTRECORD00001"}}` ||
		string(e.AdditionalEventData()) != `{"MFAUsed":"No"}` {
		t.Fatalf("parts: %s | %s | %s", e.Request(), e.Response(), e.AdditionalEventData())
	}
	if src.reads != 0 {
		t.Fatalf("the parts were read again from the source (%d reads): they must be held", src.reads)
	}
	got, err := e.Raw()
	if err != nil || !bytes.Equal(got, raw) || src.reads != 1 {
		t.Fatalf("Raw = %s, %v (%d reads)", got, err, src.reads)
	}

	// The source now holds another record at that place: said, not shown as this one.
	src.records[7] = recordJSON("e9", "other", "null", "null", "null")
	if _, err := e.Raw(); err == nil || !strings.Contains(err.Error(), `now event "e9", not "e1"`) || !strings.Contains(err.Error(), "changed since it was read") {
		t.Fatalf("another record: %v", err)
	}
	src.records[7] = []byte(`{"Records":[`)
	if _, err := e.Raw(); err == nil || !strings.Contains(err.Error(), "no longer readable JSON") {
		t.Fatalf("damaged record: %v", err)
	}
	src.err = errors.New("open trail/a.json.gz: no such file or directory")
	if raw, err := e.Raw(); err == nil || raw != nil || !strings.Contains(err.Error(), "no such file") {
		t.Fatalf("gone: %s, %v", raw, err)
	}
}

func TestARecordWithoutAnIDIsHeld(t *testing.T) {
	raw := recordJSON("", "aws-cli/2.15", `{"a":1}`, "null", "null")
	src := &mapSource{err: errors.New("never read")}
	buf := bytes.Clone(raw)
	e, err := DecodeRecordAt(buf, src, 1)
	if err != nil {
		t.Fatal(err)
	}
	buf[0] = 'X'
	if e.RawKeptByReference() {
		t.Fatal("a record without an eventID is kept by reference: nothing would tell it is still the same")
	}
	if got, err := e.Raw(); err != nil || !bytes.Equal(got, raw) || string(e.Request()) != `{"a":1}` {
		t.Fatalf("Raw = %s, %v; request %s", got, err, e.Request())
	}
}

func TestSetParametersGivesAnEventWithoutARecordItsParts(t *testing.T) {
	var e Event
	e.SetParameters([]byte(`{"userName":"bob"}`), []byte("null"))
	if string(e.Request()) != `{"userName":"bob"}` || e.Response() != nil || e.AdditionalEventData() != nil {
		t.Fatalf("parts: %q %q %q", e.Request(), e.Response(), e.AdditionalEventData())
	}
	if raw, err := e.Raw(); raw != nil || err != nil {
		t.Fatalf("an event without a record has Raw %q, %v", raw, err)
	}
}

func TestRepeatedValuesAreHeldOnce(t *testing.T) {
	// Two records decoded from separate buffers share their repeated values' memory.
	a, err := DecodeRecordAt(recordJSON("e1", "Boto3/1.34 \u00e9", `{"maxResults":50}`, "null", "null"), &mapSource{}, 1)
	if err != nil {
		t.Fatal(err)
	}
	b, err := DecodeRecord(recordJSON("e2", "Boto3/1.34 \u00e9", `{"maxResults":50}`, "null", "null"))
	if err != nil {
		t.Fatal(err)
	}
	same := func(what, x, y string) {
		t.Helper()
		if x != y || unsafe.StringData(x) != unsafe.StringData(y) {
			t.Errorf("%s: %q and %q are not one copy", what, x, y)
		}
	}
	same("user agent", a.UserAgent, b.UserAgent)
	same("event source", a.Source, b.Source)
	same("region", a.Region, b.Region)
	same("source address", a.SourceIP, b.SourceIP)
	same("account", a.RecipientAccount, b.RecipientAccount)
	if a.Identity != b.Identity {
		t.Errorf("the same caller's identities are two copies: %p %p", a.Identity, b.Identity)
	}
	if a.ID == b.ID {
		t.Fatal("the ids are the same")
	}
	// Parameters held apart from their record are interned too.
	c, err := DecodeRecordAt(recordJSON("e3", "x", `{"maxResults":50}`, "null", "null"), &mapSource{}, 2)
	if err != nil {
		t.Fatal(err)
	}
	if unsafe.StringData(a.data) != unsafe.StringData(c.data) {
		t.Error("the same parameters are held twice")
	}

	// Another caller has an identity of its own.
	other := bytes.Replace(recordJSON("e4", "x", "null", "null", "null"), []byte("user/alice"), []byte("user/bob"), 1)
	d, err := DecodeRecord(other)
	if err != nil {
		t.Fatal(err)
	}
	if d.Identity == a.Identity || d.Identity.ARN != "arn:aws:iam::111122223333:user/bob" || a.Identity.ARN != "arn:aws:iam::111122223333:user/alice" {
		t.Fatalf("identities: %+v %+v", a.Identity, d.Identity)
	}
}

func TestInternedFieldsDecodeLikeStrings(t *testing.T) {
	// Escapes and invalid UTF-8 decode as encoding/json decodes strings.
	raw := []byte(`{"eventID":"e1","eventTime":"2026-11-20T09:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","userAgent":"a\u0041\"b\\c","sourceIPAddress":"1.2.3.4` + "\xff" + `","errorCode":null,"userIdentity":{"type":"IAMUser","accessKeyId":"AKIA\/X"}}`)
	e, err := DecodeRecord(raw)
	if err != nil {
		t.Fatal(err)
	}
	var want struct {
		UserAgent string `json:"userAgent"`
		SourceIP  string `json:"sourceIPAddress"`
	}
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	if e.UserAgent != want.UserAgent || e.UserAgent != `aA"b\c` || e.SourceIP != want.SourceIP || e.ErrorCode != "" || e.Signer() != "AKIA/X" {
		t.Fatalf("decoded %q %q %q %q, want %q %q", e.UserAgent, e.SourceIP, e.ErrorCode, e.Signer(), want.UserAgent, want.SourceIP)
	}
	// A value of the wrong kind is named by its field, as before.
	_, err = DecodeRecord([]byte(`{"eventID":"e1","eventTime":"2026-11-20T09:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","userIdentity":{"userName":{"a":1}}}`))
	if err == nil || err.Error() != "not a CloudTrail record: field userIdentity.userName: want a string, got JSON object" {
		t.Fatalf("error: %v", err)
	}
	_, err = DecodeRecord([]byte(`{"eventID":"e1","eventTime":"2026-11-20T09:00:00Z","eventSource":"s3.amazonaws.com","eventName":5}`))
	if err == nil || err.Error() != "not a CloudTrail record: field eventName: want a string, got JSON number" {
		t.Fatalf("error: %v", err)
	}
}
