package investigate

import "slices"

// RoleHistoryEvents are the IAM calls that make up a role's history, whoever made them:
// its creation and deletion, its trust policy, and its permission policies. The role
// round of Collect asks the sources for them (EventQuery.Roles), so that the trust
// policy a role had before the case's keys changed it (CreateRole, an earlier
// UpdateAssumeRolePolicy, usually by an administrator or Terraform) and its later
// repairs are in the case.
var RoleHistoryEvents = []string{
	"CreateRole", "UpdateAssumeRolePolicy", "DeleteRole",
	"AttachRolePolicy", "DetachRolePolicy", "PutRolePolicy", "DeleteRolePolicy",
}

// RoleHistoryRole is the role e names in requestParameters.roleName when e is one of
// RoleHistoryEvents (failed or not); "" for any other event.
func RoleHistoryRole(e *Event) string {
	if e.Source != "iam.amazonaws.com" || !slices.Contains(RoleHistoryEvents, e.Name) {
		return ""
	}
	return decodeObject(e.Request()).str("roleName")
}

// RolesEdited returns the roles whose trust policy one of keys changed: the roles of
// the successful iam:UpdateAssumeRolePolicy calls signed by them, each once, in the
// order of events.
func RolesEdited(events []*Event, keys []string) []string {
	var out []string
	for _, e := range events {
		if e.Failed() || e.Name != "UpdateAssumeRolePolicy" || !slices.Contains(keys, e.Signer()) {
			continue
		}
		if r := RoleHistoryRole(e); r != "" && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}
