package cloudtrail

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// record is one stored CloudTrail record with what LookupEvents answers and filters on.
type record struct {
	id, name, source string
	time             time.Time
	accessKeyID      string
	username         string
	readOnly         string // "true", "false" or "" when the record has none
	resources        []resource
	category         string // "management", "insight", or "" for other (data) events
	raw              string // the record, compact JSON
}

type resource struct {
	ResourceType string `json:",omitempty"`
	ResourceName string `json:",omitempty"`
}

// store holds one account's records of one region, in the order they were added.
type store struct {
	records []*record
	ids     map[string]bool
}

// AddRecords stores CloudTrail records (each a JSON object) under account and their own
// awsRegion. With account "", each record's recipientAccountId names its account. Records
// that LookupEvents does not return are stored but never answered: data and network
// activity events (managementEvent false, or an eventCategory other than Management and
// Insight), and, at lookup time, events outside the 90-day window. A record whose eventID
// is already stored in its account and region is skipped, as CloudTrail de-duplicates on
// it. Nothing is stored when any record is invalid; the error names the record's index.
func (s *Server) AddRecords(account string, raw [][]byte) error {
	type placed struct {
		sc  scope
		rec *record
	}
	recs := make([]placed, 0, len(raw))
	for i, b := range raw {
		rec, acct, region, err := parseRecord(b)
		if err != nil {
			return fmt.Errorf("record %d: %w", i, err)
		}
		if account != "" {
			acct = account
		}
		if acct == "" {
			return fmt.Errorf("record %d (eventID %s): no recipientAccountId, and AddRecords was given no account", i, rec.id)
		}
		recs = append(recs, placed{scope{acct, region}, rec})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range recs {
		st := s.stores[p.sc]
		if st == nil {
			st = &store{ids: map[string]bool{}}
			s.stores[p.sc] = st
		}
		if st.ids[p.rec.id] {
			continue
		}
		st.ids[p.rec.id] = true
		st.records = append(st.records, p.rec)
	}
	return nil
}

// LoadDir adds the records of every *.json file in dir (not its subdirectories). A file
// holds a bare JSON array of records, as the corpus does, or a log file's
// {"Records":[...]}. Nothing of a file is stored when it is invalid; the error names it.
func (s *Server) LoadDir(dir string) error {
	paths, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		return fmt.Errorf("%s: no *.json files", dir)
	}
	for _, p := range paths {
		raw, err := readRecords(p)
		if err == nil {
			err = s.AddRecords("", raw)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
	}
	return nil
}

func readRecords(path string) ([][]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	b = bytes.TrimSpace(b)
	var list []json.RawMessage
	if len(b) > 0 && b[0] == '{' {
		var file struct {
			Records []json.RawMessage `json:"Records"`
		}
		if err := json.Unmarshal(b, &file); err != nil {
			return nil, fmt.Errorf("not a CloudTrail log file: %v", err)
		}
		if file.Records == nil {
			return nil, fmt.Errorf("a JSON object without a Records array")
		}
		list = file.Records
	} else if err := json.Unmarshal(b, &list); err != nil {
		return nil, fmt.Errorf("not a JSON array of records: %v", err)
	}
	out := make([][]byte, len(list))
	for i, r := range list {
		out[i] = r
	}
	return out, nil
}

// parseRecord checks a record and lifts out what LookupEvents needs.
func parseRecord(b []byte) (rec *record, account, region string, err error) {
	var r struct {
		EventID            string          `json:"eventID"`
		EventTime          string          `json:"eventTime"`
		EventName          string          `json:"eventName"`
		EventSource        string          `json:"eventSource"`
		AWSRegion          string          `json:"awsRegion"`
		RecipientAccountID string          `json:"recipientAccountId"`
		ReadOnly           json.RawMessage `json:"readOnly"`
		ManagementEvent    *bool           `json:"managementEvent"`
		EventCategory      string          `json:"eventCategory"`
		UserIdentity       struct {
			Type        string `json:"type"`
			PrincipalID string `json:"principalId"`
			AccessKeyID string `json:"accessKeyId"`
			UserName    string `json:"userName"`
		} `json:"userIdentity"`
		Resources []struct {
			ARN  string `json:"ARN"`
			Type string `json:"type"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, "", "", fmt.Errorf("not a CloudTrail record: %v", err)
	}
	var missing []string
	for _, f := range []struct{ name, v string }{
		{"eventID", r.EventID}, {"eventTime", r.EventTime}, {"eventName", r.EventName},
		{"eventSource", r.EventSource}, {"awsRegion", r.AWSRegion},
	} {
		if f.v == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return nil, "", "", fmt.Errorf("not a CloudTrail record: no %s", strings.Join(missing, ", "))
	}
	t, err := time.Parse(time.RFC3339, r.EventTime)
	if err != nil {
		return nil, "", "", fmt.Errorf("eventID %s: eventTime %q is not an RFC 3339 time", r.EventID, r.EventTime)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, b); err != nil {
		return nil, "", "", err
	}
	rec = &record{
		id:          r.EventID,
		name:        r.EventName,
		source:      r.EventSource,
		time:        t.UTC(),
		accessKeyID: r.UserIdentity.AccessKeyID,
		username:    username(r.UserIdentity.Type, r.UserIdentity.UserName, r.UserIdentity.PrincipalID),
		readOnly:    strings.ToLower(strings.Trim(string(r.ReadOnly), `"`)),
		category:    category(r.EventCategory, r.ManagementEvent),
		raw:         compact.String(),
	}
	if rec.readOnly != "true" && rec.readOnly != "false" {
		rec.readOnly = ""
	}
	for _, res := range r.Resources {
		rec.resources = append(rec.resources, resource{ResourceType: res.Type, ResourceName: res.ARN})
	}
	return rec, r.RecipientAccountID, r.AWSRegion, nil
}

// category is which LookupEvents category a record falls in: "management", "insight",
// or "" for events LookupEvents never returns. Records from before eventCategory existed
// are management events unless managementEvent says otherwise.
func category(eventCategory string, managementEvent *bool) string {
	switch strings.ToLower(eventCategory) {
	case "insight":
		return "insight"
	case "management":
		return "management"
	case "":
		if managementEvent == nil || *managementEvent {
			return "management"
		}
	}
	return ""
}

// username is LookupEvents' Username: the IAM user's name, the session name of an assumed
// role or federated user, "root" for the root user.
func username(typ, userName, principalID string) string {
	if userName != "" {
		return userName
	}
	switch typ {
	case "Root":
		return "root"
	case "AssumedRole", "FederatedUser":
		if _, session, ok := strings.Cut(principalID, ":"); ok {
			return session
		}
	}
	return ""
}

// sortNewestFirst orders by time, newest first, then by eventID, descending: the order
// pages are cut in.
func sortNewestFirst(rs []*record) {
	slices.SortFunc(rs, func(a, b *record) int {
		if c := b.time.Compare(a.time); c != 0 {
			return c
		}
		return strings.Compare(b.id, a.id)
	})
}
