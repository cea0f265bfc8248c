package remediate

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keypivot/keypivot/internal/testserver/loopback"
	"github.com/keypivot/keypivot/internal/testserver/moto"
	"github.com/keypivot/keypivot/investigate"
)

// A trust policy changed again since the attacker's edit (a responder's fix, say) is
// never overwritten by the restore: keypivot refuses, names why, and writes nothing.
func TestRestoreNeverOverwritesATrustPolicyChangedSince(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := &env{srv: moto.Start(t), wire: &wire{next: loopback.HTTPClient()}, journalPath: filepath.Join(t.TempDir(), "journal.jsonl")}
	d := e.srv.Seed(t, leakAccount)
	fixed := `{"Version":"2012-10-17","Statement":[{"Sid":"fixed","Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	d.Role("ops", moto.LambdaTrust)
	d.TrustPolicy("ops", fixed)
	tr := leakTrail(t)
	admin := &trail{t: t, account: leakAccount, user: "admin", key: "AKIAQQQQQQQQQQQQQQQ5", at: tr.at.Add(-3 * time.Hour), n: 100}
	admin.iam("CreateRole", map[string]any{"roleName": "ops", "assumeRolePolicyDocument": moto.LambdaTrust}, nil)
	tr.iam("UpdateAssumeRolePolicy", map[string]any{"roleName": "ops", "policyDocument": attackTrust}, nil)
	rem := &Remediator{Session: e.sessionIn(t, leakAccount, "responder")}
	caller, err := rem.Caller(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cs := investigate.BuildCase(investigate.CaseInput{Key: investigate.MustParseAccessKeyID(leakKey), Events: append(admin.events, tr.events...), Now: clock})
	a := action(t, investigate.PlanRemediation(cs, &caller, clock), investigate.ActRestoreTrustPolicy)
	run := &investigate.Runner{Remediator: rem, Journal: e.openJournal(t), Now: func() time.Time { return clock }}
	o := run.Run(ctx, a, a.ConfirmToken, "")
	if o.Err == nil || !strings.Contains(o.Error, "changed since") || e.wire.count("UpdateAssumeRolePolicy") != 0 || !investigate.SamePolicy(trustOf(t, d, "ops"), fixed) {
		t.Fatalf("outcome %+v, %d writes, trust now %s", o, e.wire.count("UpdateAssumeRolePolicy"), trustOf(t, d, "ops"))
	}
}
