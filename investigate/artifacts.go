package investigate

import (
	"net/url"
	"slices"
	"strings"
	"time"
)

// Kinds of persistence artifacts: what the key, its sessions or its children made or
// changed that can outlive the key.
const (
	ArtUser            = "user"
	ArtLoginProfile    = "login-profile"
	ArtAccessKey       = "access-key"
	ArtAttachedPolicy  = "attached-policy"
	ArtInlinePolicy    = "inline-policy"
	ArtGroupMembership = "group-membership"
	ArtRole            = "role"
	ArtTrustPolicy     = "trust-policy"
	ArtLambdaFunction  = "lambda-function"
	ArtInstanceProfile = "instance-profile"
	ArtKeyPair         = "key-pair"
)

// Artifact is one thing the case's keys left behind, from one successful event: who made
// it, when, with which event, and, when a live lookup ran, whether it is still in place.
type Artifact struct {
	// ID is stable across rebuilds: kind, principal and resource (access-key:AKIA...).
	ID   string `json:"id"`
	Kind string `json:"kind"`
	// Resource names what was made or changed, as an analyst would say it
	// ("policy AdministratorAccess attached to user malicious-iam-user").
	Resource string `json:"resource"`
	// The principal acted on (one of User, Role, Group) and the policy, function, key or
	// key pair concerned, as the event named them.
	User         string `json:"user"`
	Role         string `json:"role"`
	Group        string `json:"group"`
	PolicyARN    string `json:"policy_arn"`
	PolicyName   string `json:"policy_name"`
	FunctionName string `json:"function_name"`
	AccessKeyID  string `json:"access_key_id"`
	KeyPairName  string `json:"key_pair_name"`
	Region       string `json:"region"`
	Account      string `json:"account"`
	// Document is the policy document the event put (an inline policy, a role's trust
	// policy). PreviousDocument is the trust policy before the attacker's edit, when the
	// trail shows it (the role's CreateRole or an earlier update: PreviousEvent).
	Document         string `json:"document"`
	PreviousDocument string `json:"previous_document"`
	PreviousEvent    string `json:"previous_event"`
	// Changed marks a change of something that existed (UpdateLoginProfile, new Lambda
	// code) rather than a creation.
	Changed bool `json:"changed"`

	EventID   string    `json:"event_id"`
	EventName string    `json:"event_name"`
	Time      time.Time `json:"time"`
	// Signer is the key that made the call; SignerARN its identity. ByChild is set when
	// the signer is a key the case key created, or descends from one.
	Signer    string `json:"signer"`
	SignerARN string `json:"signer_arn"`
	ByChild   bool   `json:"by_child"`
	// RemovedBy is a later successful event of the trail (anyone's) that removed or
	// reverted it; the artifact may be gone, which only a live lookup can tell.
	RemovedBy string `json:"removed_by_event"`
	// Live is what a live lookup said (nil without one).
	Live *ArtifactLive `json:"live"`
}

// ArtifactLive is an artifact's state now.
type ArtifactLive struct {
	// Present is true when the artifact is still in place: the user or login profile
	// exists, the policy is still attached or put, the key is still Active, the trust
	// policy is still the attacker's document, the function still exists.
	Present bool `json:"present"`
	// State says it in words (Active, attached, deleted, trust policy changed since).
	State string `json:"state"`
	// Document is the role's current trust policy (trust-policy artifacts).
	Document string `json:"document"`
	// Error says why the state could not be read; Present is then meaningless.
	Error string `json:"error"`
}

// Known reports whether the lookup answered for the artifact.
func (l *ArtifactLive) Known() bool { return l != nil && l.Error == "" }

// Gone reports whether a live lookup found the artifact no longer in place.
func (a *Artifact) Gone() bool { return a.Live.Known() && !a.Live.Present }

// buildArtifacts reads the artifacts from the case's own events (the lineage's), in time
// order. all is every event of the window: the trust policy before an edit and a later
// removal may be anyone's.
func buildArtifacts(own, all []*Event, lin *lineage, keyPairs []KeyPair, home string, live map[string]ArtifactLive) []Artifact {
	var out []Artifact
	for _, e := range own {
		if e.Failed() {
			continue
		}
		a, ok := artifactFrom(e)
		if !ok || a.Kind == ArtAccessKey && lin.has(a.AccessKeyID) && lin.depth[a.AccessKeyID] == 0 {
			continue // the case key itself, "created" again through a loop, is no child
		}
		if a.Account != "" && home != "" && a.Account != home {
			// Made in another account (through a role session): the same name there is
			// another resource.
			kind, rest, _ := strings.Cut(a.ID, ":")
			a.ID = kind + ":" + a.Account + ":" + rest
		}
		a.ByChild = lin.viaChild[a.Signer]
		if a.Kind == ArtTrustPolicy {
			// The document before the lineage's first edit: an edit of its own is no
			// earlier document (restoring it would put a backdoor back).
			a.PreviousDocument, a.PreviousEvent = trustBefore(all, a.Role, a.Account, e, lin)
			// Edited again: the latest edit is what is in place; the earliest document
			// before any of them is what to restore.
			if i := slices.IndexFunc(out, func(o Artifact) bool { return o.ID == a.ID }); i >= 0 {
				out = slices.Delete(out, i, i+1)
			}
		}
		out = append(out, a)
	}
	for _, kp := range keyPairs {
		if kp.ErrorCode != "" {
			continue
		}
		out = append(out, Artifact{
			ID: ArtKeyPair + ":" + kp.Region + "/" + kp.Name, Kind: ArtKeyPair, KeyPairName: kp.Name, Region: kp.Region, Account: kp.Account,
			Resource: "EC2 key pair " + kp.Name + " in " + kp.Region,
			EventID:  kp.EventID, EventName: kp.EventName, Time: kp.Time, Signer: kp.Signer, ByChild: lin.viaChild[kp.Signer],
		})
	}
	removals := removalEvents(all)
	for i := range out {
		out[i].RemovedBy = removedBy(removals, &out[i])
		if l, ok := live[out[i].ID]; ok {
			out[i].Live = &l
		}
	}
	return out
}

// artifactFrom reads the artifact one successful event made, if it made one.
func artifactFrom(e *Event) (Artifact, bool) {
	if !artifactMakers[e.Name] {
		return Artifact{}, false // most events: nothing to decode
	}
	req, resp := decodeObject(e.Request()), decodeObject(e.Response())
	// The account acted in is the one that received the call.
	a := Artifact{EventID: e.ID, EventName: e.Name, Time: e.Time, Signer: e.Signer(), SignerARN: e.Identity.ARN, Account: firstNonEmpty(e.RecipientAccount, e.Account()), Region: e.Region}
	principal := func(kind string) (string, string) {
		switch kind {
		case "User":
			a.User = firstNonEmpty(req.str("userName"), e.Identity.UserName)
			return "user", a.User
		case "Role":
			a.Role = req.str("roleName")
			return "role", a.Role
		default:
			a.Group = req.str("groupName")
			return "group", a.Group
		}
	}
	switch e.Action() {
	case "iam:CreateUser":
		a.Kind, a.User = ArtUser, req.str("userName")
		a.ID, a.Resource = ArtUser+":"+a.User, "user "+a.User
	case "iam:CreateLoginProfile", "iam:UpdateLoginProfile":
		a.Kind, a.User = ArtLoginProfile, firstNonEmpty(req.str("userName"), e.Identity.UserName)
		a.Changed = e.Name == "UpdateLoginProfile"
		a.ID, a.Resource = ArtLoginProfile+":"+a.User, "console password of user "+a.User
		if a.Changed {
			a.Resource = "console password of user " + a.User + " (changed)"
		}
	case "iam:CreateAccessKey":
		k, ok := CreatedKeyFrom(e)
		if !ok {
			return a, false
		}
		a.Kind, a.User, a.AccessKeyID = ArtAccessKey, k.User, k.AccessKeyID
		a.ID, a.Resource = ArtAccessKey+":"+k.AccessKeyID, "access key "+k.AccessKeyID+" of user "+k.User
	case "iam:AttachUserPolicy", "iam:AttachRolePolicy", "iam:AttachGroupPolicy":
		kind := strings.TrimSuffix(strings.TrimPrefix(e.Name, "Attach"), "Policy")
		what, name := principal(kind)
		a.Kind, a.PolicyARN = ArtAttachedPolicy, req.str("policyArn")
		a.ID = ArtAttachedPolicy + ":" + what + "/" + name + ":" + a.PolicyARN
		a.Resource = "policy " + ARNName(a.PolicyARN) + " attached to " + what + " " + name
	case "iam:PutUserPolicy", "iam:PutRolePolicy", "iam:PutGroupPolicy":
		kind := strings.TrimSuffix(strings.TrimPrefix(e.Name, "Put"), "Policy")
		what, name := principal(kind)
		a.Kind, a.PolicyName, a.Document = ArtInlinePolicy, req.str("policyName"), req.str("policyDocument")
		a.ID = ArtInlinePolicy + ":" + what + "/" + name + ":" + a.PolicyName
		a.Resource = "inline policy " + a.PolicyName + " of " + what + " " + name
	case "iam:AddUserToGroup":
		a.Kind, a.User, a.Group = ArtGroupMembership, req.str("userName"), req.str("groupName")
		a.ID, a.Resource = ArtGroupMembership+":"+a.Group+"/"+a.User, "user "+a.User+" added to group "+a.Group
	case "iam:CreateRole":
		a.Kind, a.Role, a.Document = ArtRole, req.str("roleName"), req.str("assumeRolePolicyDocument")
		a.ID, a.Resource = ArtRole+":"+a.Role, "role "+a.Role
	case "iam:UpdateAssumeRolePolicy":
		a.Kind, a.Role, a.Document = ArtTrustPolicy, req.str("roleName"), req.str("policyDocument")
		a.Changed = true
		a.ID, a.Resource = ArtTrustPolicy+":"+a.Role, "trust policy of role "+a.Role
	case "lambda:CreateFunction20150331", "lambda:CreateFunction",
		"lambda:UpdateFunctionCode20150331v2", "lambda:UpdateFunctionCode",
		"lambda:UpdateFunctionConfiguration20150331v2", "lambda:UpdateFunctionConfiguration",
		"lambda:AddPermission20150331v2", "lambda:AddPermission":
		a.Kind, a.FunctionName = ArtLambdaFunction, FunctionName(firstNonEmpty(req.str("functionName"), resp.str("functionName")))
		a.Changed = !strings.HasPrefix(e.Name, "CreateFunction")
		a.ID = ArtLambdaFunction + ":" + a.Region + "/" + a.FunctionName
		verb := map[bool]string{true: " (changed: " + lambdaChange(e.Name) + ")", false: ""}[a.Changed]
		a.Resource = "Lambda function " + a.FunctionName + " in " + a.Region + verb
	case "iam:CreateInstanceProfile", "iam:AddRoleToInstanceProfile", "ec2:AssociateIamInstanceProfile", "ec2:ReplaceIamInstanceProfileAssociation":
		a.Kind = ArtInstanceProfile
		name := firstNonEmpty(req.str("instanceProfileName"), req.str("iamInstanceProfile.name"), req.str("iamInstanceProfile.arn"))
		a.Role = req.str("roleName")
		a.ID = ArtInstanceProfile + ":" + name + "/" + firstNonEmpty(req.str("instanceId"), req.str("associationId"), a.Role)
		a.Resource = "instance profile " + name
		if a.Role != "" {
			a.Resource += " with role " + a.Role
		}
		if id := req.str("instanceId"); id != "" {
			a.Resource += " on instance " + id
		}
	default:
		return a, false
	}
	if a.Kind != ArtLambdaFunction && a.Kind != ArtInstanceProfile {
		a.Region = "" // IAM is global
	}
	return a, true
}

// artifactMakers are the names of the events artifactFrom reads (each checked against
// its service there).
var artifactMakers = map[string]bool{
	"CreateUser": true, "CreateLoginProfile": true, "UpdateLoginProfile": true, "CreateAccessKey": true,
	"AttachUserPolicy": true, "AttachRolePolicy": true, "AttachGroupPolicy": true,
	"PutUserPolicy": true, "PutRolePolicy": true, "PutGroupPolicy": true, "AddUserToGroup": true,
	"CreateRole": true, "UpdateAssumeRolePolicy": true,
	"CreateFunction20150331": true, "CreateFunction": true, "UpdateFunctionCode20150331v2": true, "UpdateFunctionCode": true,
	"UpdateFunctionConfiguration20150331v2": true, "UpdateFunctionConfiguration": true, "AddPermission20150331v2": true, "AddPermission": true,
	"CreateInstanceProfile": true, "AddRoleToInstanceProfile": true, "AssociateIamInstanceProfile": true, "ReplaceIamInstanceProfileAssociation": true,
}

// lambdaChange says what a Lambda update event changed.
func lambdaChange(name string) string {
	switch {
	case strings.HasPrefix(name, "UpdateFunctionCode"):
		return "code"
	case strings.HasPrefix(name, "AddPermission"):
		return "resource policy"
	}
	return "configuration"
}

// FunctionName is a Lambda function's name from a name, a partial or a full ARN
// (a qualifier dropped).
func FunctionName(s string) string {
	if i := strings.Index(s, "function:"); i >= 0 {
		s = s[i+len("function:"):]
	}
	if i := strings.IndexByte(s, ':'); i >= 0 {
		s = s[:i]
	}
	return s
}

// trustBefore finds the trust policy of role before edit: the document of the latest
// CreateRole or UpdateAssumeRolePolicy of the role before it, by anyone, in the trail.
func trustBefore(all []*Event, role, account string, edit *Event, lin *lineage) (doc, eventID string) {
	for _, e := range all {
		if e.ID == edit.ID || e.Time.After(edit.Time) {
			break // all is in time order: what follows came after the edit
		}
		if e.Name != "CreateRole" && e.Name != "UpdateAssumeRolePolicy" || e.Failed() || e.Source != "iam.amazonaws.com" || lin.has(e.Signer()) || account != "" && firstNonEmpty(e.RecipientAccount, e.Account()) != account {
			continue // a role of the same name in another account of an organisation trail
		}
		req := decodeObject(e.Request())
		if req.str("roleName") != role {
			continue
		}
		switch e.Name {
		case "CreateRole":
			doc, eventID = firstNonEmpty(req.str("assumeRolePolicyDocument"), decodedDoc(decodeObject(e.Response()).str("role.assumeRolePolicyDocument"))), e.ID
		case "UpdateAssumeRolePolicy":
			doc, eventID = req.str("policyDocument"), e.ID
		}
	}
	return doc, eventID
}

// decodedDoc is an IAM policy document as IAM returns it (URL-encoded), decoded.
func decodedDoc(s string) string {
	if d, err := url.QueryUnescape(s); err == nil {
		return d
	}
	return s
}

// removers are the events that remove or revert each kind of artifact.
var removers = map[string][]string{
	ArtUser:            {"iam:DeleteUser"},
	ArtLoginProfile:    {"iam:DeleteLoginProfile"},
	ArtAccessKey:       {"iam:DeleteAccessKey"},
	ArtAttachedPolicy:  {"iam:DetachUserPolicy", "iam:DetachRolePolicy", "iam:DetachGroupPolicy"},
	ArtInlinePolicy:    {"iam:DeleteUserPolicy", "iam:DeleteRolePolicy", "iam:DeleteGroupPolicy"},
	ArtGroupMembership: {"iam:RemoveUserFromGroup"},
	ArtRole:            {"iam:DeleteRole"},
	ArtTrustPolicy:     {"iam:UpdateAssumeRolePolicy", "iam:DeleteRole"},
	ArtLambdaFunction:  {"lambda:DeleteFunction20150331", "lambda:DeleteFunction"},
	ArtKeyPair:         {"ec2:DeleteKeyPair"},
}

// removalEvents are the successful events of all that remove some kind of artifact, in
// order: the few removedBy looks through for each artifact.
func removalEvents(all []*Event) []*Event {
	names := map[string]bool{}
	for _, ns := range removers {
		for _, n := range ns {
			_, name, _ := strings.Cut(n, ":")
			names[name] = true
		}
	}
	var out []*Event
	for _, e := range all {
		if names[e.Name] && !e.Failed() {
			out = append(out, e)
		}
	}
	return out
}

// removedBy is the first of the removal events after the artifact's that removed it.
func removedBy(removals []*Event, a *Artifact) string {
	names := removers[a.Kind]
	if len(names) == 0 {
		return ""
	}
	for _, e := range removals {
		if e.Failed() || !e.Time.After(a.Time) || e.ID == a.EventID || a.Account != "" && firstNonEmpty(e.RecipientAccount, e.Account()) != a.Account {
			continue
		}
		match := false
		for _, n := range names {
			if e.Action() == n {
				match = true
			}
		}
		if !match {
			continue
		}
		req := decodeObject(e.Request())
		same := false
		switch a.Kind {
		case ArtUser, ArtLoginProfile:
			same = req.str("userName") == a.User
		case ArtAccessKey:
			same = req.str("accessKeyId") == a.AccessKeyID
		case ArtAttachedPolicy:
			same = req.str("policyArn") == a.PolicyARN && firstNonEmpty(req.str("userName"), req.str("roleName"), req.str("groupName")) == firstNonEmpty(a.User, a.Role, a.Group)
		case ArtInlinePolicy:
			same = req.str("policyName") == a.PolicyName && firstNonEmpty(req.str("userName"), req.str("roleName"), req.str("groupName")) == firstNonEmpty(a.User, a.Role, a.Group)
		case ArtGroupMembership:
			same = req.str("userName") == a.User && req.str("groupName") == a.Group
		case ArtRole, ArtTrustPolicy:
			same = req.str("roleName") == a.Role
		case ArtLambdaFunction:
			same = FunctionName(req.str("functionName")) == a.FunctionName && e.Region == a.Region
		case ArtKeyPair:
			same = req.str("keyName") == a.KeyPairName && e.Region == a.Region
		}
		if same {
			return e.ID
		}
	}
	return ""
}
