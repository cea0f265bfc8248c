package simaccount

import "github.com/keypivot/keypivot/investigate"

// FromCase seeds an account with what a case shows: the key (Active unless the case
// knows better) and its user, the user's other keys, the keys the key's lineage created
// (their live status when known), the roles its sessions assumed, the launched instances
// (running unless the case has live state), and every artifact still in place, that is
// neither removed by a later event of the trail nor found gone by a live lookup: users,
// login profiles, policies attached and put, group memberships, roles with their trust
// policies (the live document when known), Lambda functions and key pairs.
func FromCase(c *investigate.Case, caller investigate.Caller) *Account {
	a := New(caller)
	st := c.Owner.Status
	if st == "" {
		st = "Active"
	}
	if c.Owner.User != "" {
		a.ensure(kindUser, c.Owner.User)
	}
	a.AddKey(c.Key.String(), c.Owner.User, st)
	for _, k := range c.Owner.OtherKeys {
		a.AddKey(k.AccessKeyID, c.Owner.User, k.Status)
	}
	// What is gone: artifacts removed or found gone, and whatever was on a user or role
	// the attacker made that is gone.
	gone := map[string]bool{}
	for i := range c.Artifacts {
		if art := &c.Artifacts[i]; art.Gone() || art.RemovedBy != "" {
			gone[art.ID] = true
			switch art.Kind {
			case investigate.ArtUser:
				gone[principalID(kindUser, art.User)] = true
			case investigate.ArtRole:
				gone[principalID(kindRole, art.Role)] = true
			}
		}
	}
	for i := range c.Artifacts {
		art := &c.Artifacts[i]
		kind, name := art.Principal()
		if gone[principalID(kind, name)] || art.Kind == investigate.ArtGroupMembership && gone[principalID(kindUser, art.User)] {
			gone[art.ID] = true
		}
	}
	for _, k := range c.CreatedAccessKeys {
		if gone[investigate.ArtAccessKey+":"+k.AccessKeyID] || gone[principalID(kindUser, k.User)] || k.LiveStatus == "deleted" {
			continue
		}
		status := "Active"
		if k.LiveStatus == "Active" || k.LiveStatus == "Inactive" {
			status = k.LiveStatus
		}
		a.AddKey(k.AccessKeyID, k.User, status)
	}
	for _, s := range c.Sessions {
		if s.RoleARN != "" {
			a.ensure(kindRole, investigate.ARNName(s.RoleARN))
		}
	}
	for _, i := range c.FollowUps.Instances {
		s := i.State
		if s == "" {
			s = "running"
		}
		a.instances[i.InstanceID] = s
	}
	for i := range c.Artifacts {
		if art := &c.Artifacts[i]; !gone[art.ID] {
			a.seed(art)
		}
	}
	return a
}

// seed puts in place what one artifact made.
func (a *Account) seed(art *investigate.Artifact) {
	switch art.Kind {
	case investigate.ArtUser:
		a.ensure(kindUser, art.User)
	case investigate.ArtLoginProfile:
		a.ensure(kindUser, art.User).login = true
	case investigate.ArtAttachedPolicy:
		a.ensure(art.Principal()).attached[art.PolicyARN] = true
	case investigate.ArtInlinePolicy:
		a.ensure(art.Principal()).inline[art.PolicyName] = art.Document
	case investigate.ArtGroupMembership:
		a.ensure(kindGroup, art.Group)
		a.ensure(kindUser, art.User).groups[art.Group] = true
	case investigate.ArtRole, investigate.ArtTrustPolicy:
		doc := art.Document
		if art.Live.Known() && art.Live.Document != "" {
			doc = art.Live.Document
		}
		a.ensure(kindRole, art.Role).trust = doc
	case investigate.ArtLambdaFunction:
		if a.functions[art.Region+"/"+art.FunctionName] == nil {
			a.functions[art.Region+"/"+art.FunctionName] = &function{}
		}
	case investigate.ArtKeyPair:
		a.keyPairs[art.Region+"/"+art.KeyPairName] = true
	}
}
