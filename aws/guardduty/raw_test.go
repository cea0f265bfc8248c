package guardduty

import (
	"encoding/json"
	"testing"

	"github.com/keypivot/keypivot/aws/fanout/fanouttest"
	gdtest "github.com/keypivot/keypivot/internal/testserver/guardduty"
	"github.com/keypivot/keypivot/investigate"
)

// A finding read for a key (a case) carries its document as GuardDuty gave it, for the
// analyst to read; read for the ranking (every key) it carries none.
func TestFindingOfAKeyCarriesItsDocument(t *testing.T) {
	sess, g := env(t)
	if err := g.AddFindings("us-east-1", gdtest.SampleFindings(sess.Identity.Account, "us-east-1", userKey)...); err != nil {
		t.Fatal(err)
	}
	src := &Source{Session: sess, Regions: []string{"us-east-1"}}
	got, _ := fanouttest.Read(t, src, investigate.AlertQuery{AccessKeys: investigate.KeyIDs(userKey)})
	if len(got) == 0 {
		t.Fatal("no finding read for the key")
	}
	for _, a := range got {
		var doc struct {
			Id       string
			Type     string
			Resource struct{ AccessKeyDetails struct{ AccessKeyId string } }
		}
		if err := json.Unmarshal(a.Raw, &doc); err != nil {
			t.Fatalf("%s: raw document %.200q: %v", a.ID, a.Raw, err)
		}
		if a.RawSize != len(a.Raw) || doc.Id == "" || doc.Type != a.RuleID || doc.Resource.AccessKeyDetails.AccessKeyId != userKey {
			t.Errorf("%s (%s): raw document of %d bytes (size %d) holds id %q, type %q, key %q", a.ID, a.RuleID, len(a.Raw), a.RawSize,
				doc.Id, doc.Type, doc.Resource.AccessKeyDetails.AccessKeyId)
		}
	}

	ranked, _ := fanouttest.Read(t, src, investigate.AlertQuery{})
	if len(ranked) == 0 {
		t.Fatal("no finding read for the ranking")
	}
	for _, a := range ranked {
		if a.Raw != nil || a.RawSize != 0 {
			t.Errorf("%s: read for the ranking, yet kept a document of %d bytes", a.ID, a.RawSize)
		}
	}
}
