package investigate

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

const (
	roleKey     = "AKIAROLEHISTORYKEY01"
	roleSession = "ASIAROLEHISTORYSES01"
	roleAdmin   = "AKIAROLEHISTORYADM01"
)

// roleEvent is an IAM call on role by key; errCode marks it failed.
func roleEvent(t *testing.T, id, key, name, role, errCode string) Event {
	t.Helper()
	fail := ""
	if errCode != "" {
		fail = fmt.Sprintf(`,"errorCode":%q`, errCode)
	}
	e, err := DecodeRecord(fmt.Appendf(nil, `{"eventID":%q,"eventTime":"2026-11-20T09:00:00Z","eventSource":"iam.amazonaws.com","eventName":%q,"awsRegion":"us-east-1",
		"userIdentity":{"type":"IAMUser","accessKeyId":%q,"accountId":"111122223333"},"requestParameters":{"roleName":%q,"policyDocument":"{}"}%s}`, id, name, key, role, fail))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestRolesEditedAreTheTrustPoliciesTheKeysChanged(t *testing.T) {
	evs := []Event{
		roleEvent(t, "1", roleKey, "UpdateAssumeRolePolicy", "break-glass", ""),
		roleEvent(t, "2", roleSession, "UpdateAssumeRolePolicy", "deploy", ""),
		roleEvent(t, "3", roleKey, "UpdateAssumeRolePolicy", "break-glass", ""), // again: once
		roleEvent(t, "4", roleKey, "UpdateAssumeRolePolicy", "locked", "AccessDenied"),
		roleEvent(t, "5", roleAdmin, "UpdateAssumeRolePolicy", "admins-role", ""),
		roleEvent(t, "6", roleKey, "CreateRole", "new-role", ""),
		roleEvent(t, "7", roleKey, "GetRole", "read-role", ""),
	}
	ptrs := make([]*Event, len(evs))
	for i := range evs {
		ptrs[i] = &evs[i]
	}
	if got := RolesEdited(ptrs, []string{roleKey, roleSession}); !slices.Equal(got, []string{"break-glass", "deploy"}) {
		t.Errorf("roles edited %v, want [break-glass deploy]", got)
	}
	if got := RolesEdited(ptrs, []string{roleKey}); !slices.Equal(got, []string{"break-glass"}) {
		t.Errorf("roles edited by the key alone %v", got)
	}
	if r := RoleHistoryRole(&evs[6]); r != "" {
		t.Errorf("GetRole is no role history: %q", r)
	}
	if r := RoleHistoryRole(&evs[5]); r != "new-role" {
		t.Errorf("CreateRole names %q", r)
	}
}

// roleSource answers the key with a trust-policy edit, and the role round with the
// role's creation by an administrator, or with a failure when failRoles is set.
type roleSource struct {
	t         *testing.T
	failRoles bool
	queries   []EventQuery
}

func (s *roleSource) Name() string { return "roles" }

func (s *roleSource) Events(_ context.Context, q EventQuery, sink func([]Event)) (SourceReport, error) {
	s.queries = append(s.queries, q)
	rep := SourceReport{Source: s.Name(), Kind: "cloudtrail-lookup", Regions: []RegionStatus{{Region: "us-east-1", Status: RegionSearched}}}
	switch {
	case len(q.Roles) > 0 && s.failRoles:
		rep.Regions[0] = RegionStatus{Region: "us-east-1", Status: RegionThrottled, Error: "ThrottlingException"}
		return rep, errors.New("LookupEvents failed in every region")
	case len(q.Roles) > 0:
		sink([]Event{roleEvent(s.t, "create", roleAdmin, "CreateRole", q.Roles[0], "")})
	case len(q.AccessKeys) > 0:
		sink([]Event{roleEvent(s.t, "edit", roleKey, "UpdateAssumeRolePolicy", "break-glass", "")})
	}
	rep.Records, rep.Matched = 1, 1
	return rep, nil
}

// The role round comes once, after the key rounds, asks for the roles alone, and a
// failure in it is said of the role history, leaving the source searched in part.
func TestCollectAsksForTheHistoryOfEditedRoles(t *testing.T) {
	src := &roleSource{t: t}
	col := Collect(context.Background(), MustParseAccessKeyID(roleKey), []EventSource{src}, nil, CollectOptions{})
	if len(col.Errors) > 0 || col.Set.Len() != 2 || !slices.Equal(col.Roles, []string{"break-glass"}) {
		t.Fatalf("errors %v, %d events, roles %v", col.Errors, col.Set.Len(), col.Roles)
	}
	if len(src.queries) != 2 {
		t.Fatalf("%d queries, want the key's and the role round", len(src.queries))
	}
	if q := src.queries[1]; len(q.AccessKeys) != 0 || len(q.KeyPairs) != 0 || !slices.Equal(q.Roles, []string{"break-glass"}) || q.Pivot != src.queries[0].Pivot {
		t.Errorf("role round query %+v", q)
	}

	failing := &roleSource{t: t, failRoles: true}
	col = Collect(context.Background(), MustParseAccessKeyID(roleKey), []EventSource{failing}, nil, CollectOptions{})
	r := col.Reports[0]
	if r.Failed != "" || AssessSource(r, Window{}).Status != SearchPartial {
		t.Errorf("failed %q, status %s", r.Failed, AssessSource(r, Window{}).Status)
	}
	msgs := ""
	for _, p := range r.Problems {
		msgs += p.Message + "\n"
	}
	if !strings.Contains(msgs, "round 2 (role history): LookupEvents failed") || !strings.Contains(msgs, "throttled in round 2 (role history): ThrottlingException") {
		t.Errorf("problems %q", msgs)
	}
}
