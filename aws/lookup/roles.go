package lookup

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/keypivot/keypivot/aws/awsconfig"
	"github.com/keypivot/keypivot/investigate"
)

// RoleLookupEvents are the events of a role's history read for EventQuery.Roles: those
// that give a role its trust policy or delete it. LookupEvents cannot filter on the role
// name, so every event of these names is read and matched here; the role's permission
// policy changes (the rest of investigate.RoleHistoryEvents) are not read, and the
// report says so.
var RoleLookupEvents = []string{"CreateRole", "UpdateAssumeRolePolicy", "DeleteRole"}

// roleTasks searches the history of roles in us-east-1, where IAM logs, of the caller's
// account and of every account configured with a profile: the query names roles, not
// their accounts.
func (s *Source) roleTasks(roles []string, rep *investigate.SourceReport) []task {
	if len(roles) == 0 {
		return nil
	}
	sessions := []*awsconfig.Session{s.Session}
	accounts := []string{s.Session.Identity.Account}
	for _, acct := range slices.Sorted(maps.Keys(s.Accounts)) {
		if sess := s.Accounts[acct]; sess != nil && !slices.Contains(accounts, acct) {
			sessions = append(sessions, sess)
			accounts = append(accounts, acct)
		}
	}
	var tasks []task
	for i, sess := range sessions {
		for _, name := range RoleLookupEvents {
			tasks = append(tasks, task{sess: sess, account: accounts[i], region: GlobalRegion, eventName: name, roles: roles})
		}
	}
	var others []string
	for _, n := range investigate.RoleHistoryEvents {
		if !slices.Contains(RoleLookupEvents, n) {
			others = append(others, n)
		}
	}
	where := "account " + accounts[0]
	if len(accounts) > 1 {
		where = "accounts " + strings.Join(accounts, ", ")
	}
	rep.Notes = append(rep.Notes, fmt.Sprintf("history of %s (earlier trust policies): every %s event of %s in %s was read and matched on the role name (LookupEvents cannot filter on it); %s calls by others were not searched, nor accounts without a profile",
		investigate.Plural(len(roles), "role"), strings.Join(RoleLookupEvents, ", "), GlobalRegion, where, strings.Join(others, ", ")))
	return tasks
}
