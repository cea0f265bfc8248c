package investigate

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// notable describes an action worth an analyst's attention.
type notable struct {
	cat string
	sev Severity
	// target names the resource acted on from the request (and response).
	target func(req, resp object, e *Event) string
}

func param(names ...string) func(req, resp object, e *Event) string {
	return func(req, resp object, e *Event) string {
		for _, n := range names {
			if v := req.str(n); v != "" {
				return v
			}
		}
		return ""
	}
}

// notableActions is keyed by "service:EventName".
var notableActions = map[string]notable{
	// Persistence
	"iam:CreateUser":                               {CatPersistence, SeverityHigh, param("userName")},
	"iam:CreateAccessKey":                          {CatPersistence, SeverityHigh, param("userName")},
	"iam:CreateLoginProfile":                       {CatPersistence, SeverityHigh, param("userName")},
	"iam:UpdateLoginProfile":                       {CatPersistence, SeverityHigh, param("userName")},
	"iam:AttachUserPolicy":                         {CatPersistence, SeverityHigh, param("policyArn")},
	"iam:AttachRolePolicy":                         {CatPersistence, SeverityHigh, param("policyArn")},
	"iam:AttachGroupPolicy":                        {CatPersistence, SeverityHigh, param("policyArn")},
	"iam:PutUserPolicy":                            {CatPersistence, SeverityHigh, param("policyName")},
	"iam:PutRolePolicy":                            {CatPersistence, SeverityHigh, param("policyName")},
	"iam:PutGroupPolicy":                           {CatPersistence, SeverityHigh, param("policyName")},
	"iam:CreateRole":                               {CatPersistence, SeverityHigh, param("roleName")},
	"iam:UpdateAssumeRolePolicy":                   {CatPersistence, SeverityHigh, param("roleName")},
	"iam:AddUserToGroup":                           {CatPersistence, SeverityHigh, param("groupName")},
	"iam:UploadSSHPublicKey":                       {CatPersistence, SeverityHigh, param("userName")},
	"iam:UploadSigningCertificate":                 {CatPersistence, SeverityMedium, param("userName")},
	"iam:CreateServiceSpecificCredential":          {CatPersistence, SeverityHigh, param("userName")},
	"iam:UpdateAccessKey":                          {CatPersistence, SeverityMedium, param("accessKeyId")},
	"iam:CreateSAMLProvider":                       {CatPersistence, SeverityHigh, param("name")},
	"iam:CreateOpenIDConnectProvider":              {CatPersistence, SeverityHigh, param("url")},
	"iam:CreatePolicyVersion":                      {CatPrivilege, SeverityHigh, param("policyArn")},
	"iam:SetDefaultPolicyVersion":                  {CatPrivilege, SeverityHigh, param("policyArn")},
	"iam:CreatePolicy":                             {CatPersistence, SeverityMedium, param("policyName")},
	"iam:AddRoleToInstanceProfile":                 {CatPrivilege, SeverityMedium, param("roleName")},
	"iam:PassRole":                                 {CatPrivilege, SeverityMedium, param("roleName")},
	"lambda:CreateFunction20150331":                {CatPersistence, SeverityMedium, param("functionName")},
	"lambda:CreateFunction":                        {CatPersistence, SeverityMedium, param("functionName")},
	"lambda:UpdateFunctionCode20150331v2":          {CatPersistence, SeverityHigh, param("functionName")},
	"lambda:UpdateFunctionCode":                    {CatPersistence, SeverityHigh, param("functionName")},
	"lambda:UpdateFunctionConfiguration20150331v2": {CatPersistence, SeverityMedium, param("functionName")},
	"lambda:AddPermission20150331v2":               {CatPersistence, SeverityHigh, param("functionName")},
	"lambda:AddPermission":                         {CatPersistence, SeverityHigh, param("functionName")},
	"lambda:PublishLayerVersion20181031":           {CatPersistence, SeverityMedium, param("layerName")},
	"rolesanywhere:CreateTrustAnchor":              {CatPersistence, SeverityHigh, param("name")},
	"rolesanywhere:CreateProfile":                  {CatPersistence, SeverityHigh, param("name")},
	"ec2:CreateKeyPair":                            {CatPersistence, SeverityHigh, param("keyName")},
	"ec2:ImportKeyPair":                            {CatPersistence, SeverityHigh, param("keyName")},

	// Defence evasion
	"cloudtrail:StopLogging":                             {CatDefenseEvasion, SeverityCritical, param("name")},
	"cloudtrail:DeleteTrail":                             {CatDefenseEvasion, SeverityCritical, param("name")},
	"cloudtrail:UpdateTrail":                             {CatDefenseEvasion, SeverityHigh, param("name")},
	"cloudtrail:PutEventSelectors":                       {CatDefenseEvasion, SeverityHigh, param("trailName")},
	"cloudtrail:PutInsightSelectors":                     {CatDefenseEvasion, SeverityMedium, param("trailName")},
	"cloudtrail:DeleteEventDataStore":                    {CatDefenseEvasion, SeverityCritical, param("eventDataStore")},
	"cloudtrail:StopEventDataStoreIngestion":             {CatDefenseEvasion, SeverityCritical, param("eventDataStore")},
	"guardduty:DeleteDetector":                           {CatDefenseEvasion, SeverityCritical, param("detectorId")},
	"guardduty:UpdateDetector":                           {CatDefenseEvasion, SeverityHigh, param("detectorId")},
	"guardduty:DisassociateFromMasterAccount":            {CatDefenseEvasion, SeverityHigh, param("detectorId")},
	"guardduty:DisassociateFromAdministratorAccount":     {CatDefenseEvasion, SeverityHigh, param("detectorId")},
	"guardduty:CreateIPSet":                              {CatDefenseEvasion, SeverityHigh, param("name")},
	"guardduty:UpdateIPSet":                              {CatDefenseEvasion, SeverityHigh, param("ipSetId")},
	"guardduty:CreateFilter":                             {CatDefenseEvasion, SeverityMedium, param("name")},
	"guardduty:UpdateFilter":                             {CatDefenseEvasion, SeverityMedium, param("filterName")},
	"guardduty:DeleteMembers":                            {CatDefenseEvasion, SeverityHigh, param("detectorId")},
	"guardduty:StopMonitoringMembers":                    {CatDefenseEvasion, SeverityHigh, param("detectorId")},
	"config:StopConfigurationRecorder":                   {CatDefenseEvasion, SeverityHigh, param("configurationRecorderName")},
	"config:DeleteConfigurationRecorder":                 {CatDefenseEvasion, SeverityHigh, param("configurationRecorderName")},
	"config:DeleteDeliveryChannel":                       {CatDefenseEvasion, SeverityHigh, param("deliveryChannelName")},
	"config:DeleteConfigRule":                            {CatDefenseEvasion, SeverityMedium, param("configRuleName")},
	"ec2:DeleteFlowLogs":                                 {CatDefenseEvasion, SeverityHigh, param("flowLogId")},
	"route53resolver:DeleteResolverQueryLogConfig":       {CatDefenseEvasion, SeverityHigh, param("resolverQueryLogConfigId")},
	"route53resolver:DisassociateResolverQueryLogConfig": {CatDefenseEvasion, SeverityHigh, param("resolverQueryLogConfigId")},
	"logs:DeleteLogGroup":                                {CatDefenseEvasion, SeverityHigh, param("logGroupName")},
	"logs:DeleteLogStream":                               {CatDefenseEvasion, SeverityMedium, param("logStreamName")},
	"securityhub:DisableSecurityHub":                     {CatDefenseEvasion, SeverityCritical, nil},
	"securityhub:BatchUpdateFindings":                    {CatDefenseEvasion, SeverityMedium, nil},
	"access-analyzer:DeleteAnalyzer":                     {CatDefenseEvasion, SeverityHigh, param("analyzerName")},
	"organizations:LeaveOrganization":                    {CatDefenseEvasion, SeverityCritical, nil},
	"monitoring:DeleteAlarms":                            {CatDefenseEvasion, SeverityMedium, nil},
	"monitoring:DisableAlarmActions":                     {CatDefenseEvasion, SeverityMedium, nil},

	// Credential access
	"secretsmanager:GetSecretValue":      {CatCredentialAccess, SeverityHigh, param("secretId")},
	"secretsmanager:BatchGetSecretValue": {CatCredentialAccess, SeverityHigh, nil},
	"ec2:GetPasswordData":                {CatCredentialAccess, SeverityHigh, param("instanceId")},
	"ecr:GetAuthorizationToken":          {CatCredentialAccess, SeverityMedium, nil},
	"kms:Decrypt":                        {CatCredentialAccess, SeverityMedium, param("keyId")},
	"sso:GetRoleCredentials":             {CatCredentialAccess, SeverityHigh, param("roleName")},

	// Data access and exfiltration
	"s3:PutBucketPolicy":                   {CatExfiltration, SeverityHigh, param("bucketName")},
	"s3:PutBucketAcl":                      {CatExfiltration, SeverityHigh, param("bucketName")},
	"s3:DeleteBucketPolicy":                {CatDefenseEvasion, SeverityMedium, param("bucketName")},
	"s3:PutBucketPublicAccessBlock":        {CatExfiltration, SeverityMedium, param("bucketName")},
	"s3:DeletePublicAccessBlock":           {CatExfiltration, SeverityHigh, param("bucketName")},
	"ec2:ModifySnapshotAttribute":          {CatExfiltration, SeverityHigh, param("snapshotId")},
	"ec2:ModifyImageAttribute":             {CatExfiltration, SeverityHigh, param("imageId")},
	"rds:ModifyDBSnapshotAttribute":        {CatExfiltration, SeverityHigh, param("dBSnapshotIdentifier")},
	"rds:ModifyDBClusterSnapshotAttribute": {CatExfiltration, SeverityHigh, param("dBClusterSnapshotIdentifier")},
	"ec2:AuthorizeSecurityGroupIngress":    {CatExfiltration, SeverityMedium, param("groupId", "groupName")},

	// Lateral movement and execution
	"ec2-instance-connect:SendSSHPublicKey":              {CatLateralMovement, SeverityHigh, param("instanceId")},
	"ec2-instance-connect:SendSerialConsoleSSHPublicKey": {CatLateralMovement, SeverityHigh, param("instanceId")},
	"ssm:SendCommand":             {CatLateralMovement, SeverityHigh, param("documentName")},
	"ssm:StartSession":            {CatLateralMovement, SeverityHigh, param("target")},
	"ec2:ModifyInstanceAttribute": {CatLateralMovement, SeverityMedium, param("instanceId")},

	// Resource hijacking
	"ec2:RunInstances":          {CatResourceHijack, SeverityHigh, param("instanceType")},
	"ec2:RequestSpotInstances":  {CatResourceHijack, SeverityHigh, nil},
	"ec2:CreateFleet":           {CatResourceHijack, SeverityHigh, nil},
	"lightsail:CreateInstances": {CatResourceHijack, SeverityHigh, nil},

	// Derived sessions
	"sts:AssumeRole":         {CatSessions, SeverityHigh, param("roleArn")},
	"sts:GetSessionToken":    {CatSessions, SeverityHigh, nil},
	"sts:GetFederationToken": {CatSessions, SeverityHigh, param("name")},

	// Bedrock, SES, MFA devices, S3 objects and console sign-ins are attack patterns
	// (findings_patterns.go): their calls raise the patterns' findings.
}

// classify returns the category and severity of an event, and the resource it targets.
// Read-only events that are not otherwise notable are discovery.
func classify(e *Event) (n notable, target string, ok bool) {
	n, ok = notableActions[e.Action()]
	if ok {
		req := decodeObject(e.Request())
		if n.target != nil {
			target = n.target(req, decodeObject(e.Response()), e)
		}
		switch e.Action() {
		case "iam:AttachUserPolicy", "iam:AttachRolePolicy", "iam:AttachGroupPolicy":
			if strings.HasSuffix(target, "/AdministratorAccess") {
				n.sev = SeverityCritical
			}
			if IsQuarantinePolicy(target) {
				n.cat, n.sev = CatQuarantine, SeverityCritical
			}
		case "ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath":
		case "ec2:RunInstances":
			if IsGPUInstanceType(target) {
				n.sev = SeverityCritical
			}
		case "ec2:AuthorizeSecurityGroupIngress":
			if strings.Contains(string(e.Request()), "0.0.0.0/0") || strings.Contains(string(e.Request()), "::/0") {
				n.sev = SeverityHigh
			}
		case "ec2:ModifyInstanceAttribute":
			if req.get("userData") != nil {
				n.sev = SeverityHigh
			}
		}
		return n, target, true
	}
	switch e.Action() {
	case "ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath":
		req := decodeObject(e.Request())
		target = firstNonEmpty(req.str("name"), req.str("path"))
		if req.get("withDecryption") == true {
			return notable{cat: CatCredentialAccess, sev: SeverityHigh}, target, true
		}
		return notable{cat: CatDataAccess, sev: SeverityMedium}, target, true
	case "ec2:DescribeInstanceAttribute":
		req := decodeObject(e.Request())
		if req.str("attribute") == "userData" {
			return notable{cat: CatCredentialAccess, sev: SeverityMedium}, req.str("instanceId"), true
		}
	}
	if !e.IsWrite() {
		return notable{cat: CatDiscovery, sev: SeverityLow}, "", true
	}
	return notable{}, "", false
}

// buildFindings turns the case's own events into findings. Discovery is summarised (one
// finding per case, plus the caller-identity checks); AccessDenied bursts become probing
// findings; attack patterns (findings_patterns.go) raise their own findings from the
// calls they own, and read all the events (all) for what carries no key.
func buildFindings(events, all []*Event, self *Owner) []Finding {
	var out []Finding
	var disc []*Event
	patternIn := &patternInput{own: events, all: all, self: self, chains: consoleChains(events, all)}
	signins := consoleSignins(patternIn.chains)
	for _, e := range events {
		if patternOwns(e) {
			continue
		}
		n, target, ok := classify(e)
		if !ok {
			continue
		}
		if n.cat == CatDiscovery {
			disc = append(disc, e)
			if e.Action() != "sts:GetCallerIdentity" {
				continue
			}
			n.sev = SeverityMedium
		}
		f := Finding{
			Category:  n.cat,
			Severity:  n.sev,
			Time:      e.Time,
			EventIDs:  []string{e.ID},
			Action:    e.Action(),
			Signer:    e.Signer(),
			Region:    e.Region,
			ErrorCode: e.ErrorCode,
			Target:    target,
		}
		f.Title, f.Detail = findingText(e, target, self)
		if n, ok := signins[e.ID]; ok && n == 0 {
			f.Detail = joinParts(f.Detail, noSigninText(e))
		}
		out = append(out, f)
	}
	out = mergeRepeats(out)
	if len(disc) > 0 {
		out = append(out, discoveryFinding(disc))
	}
	out = append(out, patternFindings(patternIn)...)
	out = append(out, deniedBursts(events)...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out
}

// ShortTarget shortens an ARN to its resource part for display
// (arn:aws:secretsmanager:us-west-2:1234:secret:db-pass -> db-pass).
func ShortTarget(t string) string {
	if !strings.HasPrefix(t, "arn:") {
		return t
	}
	parts := strings.SplitN(t, ":", 6)
	if len(parts) < 6 {
		return t
	}
	res := parts[5]
	if typ, rest, ok := strings.Cut(res, ":"); ok && !strings.Contains(typ, "/") {
		return rest // secret:name, function:name
	}
	return res
}

// mergeRepeats folds findings of the same action, signer, category and outcome into one
// ("GetSecretValue x21"), listing their targets, so a burst does not bury the rest.
func mergeRepeats(in []Finding) []Finding {
	type groupKey struct{ cat, action, signer, errCode string }
	idx := map[groupKey]int{}
	counts := map[int]int{}
	targets := map[int][]string{}
	var out []Finding
	for _, f := range in {
		// Caller-identity checks stay apart: each names the tool that made it.
		if f.Category == CatSessions || f.Category == CatQuarantine || f.Action == "" || f.Action == "sts:GetCallerIdentity" {
			out = append(out, f)
			continue
		}
		k := groupKey{f.Category, f.Action, f.Signer, f.ErrorCode}
		i, ok := idx[k]
		if !ok {
			idx[k] = len(out)
			counts[len(out)] = 1
			if f.Target != "" {
				targets[len(out)] = []string{ShortTarget(f.Target)}
			}
			out = append(out, f)
			continue
		}
		counts[i]++
		g := &out[i]
		if f.Severity > g.Severity {
			g.Severity = f.Severity
		}
		if len(g.EventIDs) < maxFindingEvents {
			g.EventIDs = append(g.EventIDs, f.EventIDs...)
		}
		if f.Target != "" {
			targets[i] = appendUnique(targets[i], ShortTarget(f.Target))
		}
		if f.Region != "" && !strings.Contains(", "+g.Region+", ", ", "+f.Region+", ") {
			g.Region += ", " + f.Region
		}
	}
	for i, n := range counts {
		if n < 2 {
			continue
		}
		g := &out[i]
		name := g.Action[strings.Index(g.Action, ":")+1:]
		g.Title = fmt.Sprintf("%s x%d", name, n)
		if g.ErrorCode != "" {
			g.Title += " (" + g.ErrorCode + ")"
		}
		ts := targets[i]
		if len(ts) > 6 {
			ts = append(ts[:6:6], fmt.Sprintf("and %d more", len(targets[i])-6))
		}
		g.Detail = strings.Join(ts, ", ")
		g.Target = ""
	}
	return out
}

func findingText(e *Event, target string, self *Owner) (title, detail string) {
	title = e.Name
	if target != "" {
		title += " " + ShortTarget(target)
	}
	req, resp := decodeObject(e.Request()), decodeObject(e.Response())
	switch e.Action() {
	case "iam:CreateAccessKey":
		user := firstNonEmpty(req.str("userName"), resp.str("accessKey.userName"))
		newKey := resp.str("accessKey.accessKeyId")
		switch {
		case user == "" || (self != nil && user == self.User):
			title = "CreateAccessKey for itself"
		default:
			title = "CreateAccessKey for another user " + user
		}
		if newKey != "" {
			detail = "new key " + newKey
		}
	case "sts:GetCallerIdentity":
		title = "GetCallerIdentity (whoami)"
		if tool := AgentTool(e.UserAgent); tool != "" {
			title += " with " + tool
		}
	case "ec2:RunInstances":
		if l, ok := LaunchFrom(e); ok {
			detail = fmt.Sprintf("%s x%d", l.InstanceType, max(l.MaxCount, 1))
			if l.KeyName != "" {
				detail += " key pair " + l.KeyName
			}
			if len(l.InstanceIDs) > 0 {
				detail += " -> " + strings.Join(l.InstanceIDs, ", ")
			}
		}
	case "sts:AssumeRole", "sts:GetSessionToken", "sts:GetFederationToken":
		if s, ok := IssuedSession(e); ok {
			detail = "issued " + s.AccessKeyID
			if !s.Expiration.IsZero() {
				detail += ", expires " + s.Expiration.Format(time.RFC3339)
			}
		}
	case "iam:PutUserPolicy":
		if strings.HasPrefix(target, "AWSCompromisedKeyQuarantine") {
			title = "AWS attached its quarantine policy " + target
			detail = "AWS found this key exposed"
		}
	}
	if e.Failed() {
		title += " (" + e.ErrorCode + ")"
	}
	return title, detail
}

func discoveryFinding(disc []*Event) Finding {
	services := map[string]int{}
	denied := 0
	for _, e := range disc {
		services[e.Service()]++
		if e.Denied() {
			denied++
		}
	}
	names := make([]string, 0, len(services))
	for s := range services {
		names = append(names, s)
	}
	sort.Slice(names, func(i, j int) bool {
		if services[names[i]] != services[names[j]] {
			return services[names[i]] > services[names[j]]
		}
		return names[i] < names[j]
	})
	sev := SeverityLow
	if denied > 0 {
		sev = SeverityMedium
	}
	ids := make([]string, 0, min(len(disc), 20))
	for _, e := range disc[:min(len(disc), 20)] {
		ids = append(ids, e.ID)
	}
	title := fmt.Sprintf("%s to %s", Plural(len(disc), "discovery call"), Plural(len(services), "service"))
	if denied > 0 {
		title += fmt.Sprintf(", %d denied", denied)
	}
	return Finding{
		Category: CatDiscovery,
		Severity: sev,
		Title:    title,
		Detail:   strings.Join(names[:min(len(names), 8)], ", "),
		Time:     disc[0].Time,
		EventIDs: ids,
	}
}

// Probing: at least burstMin AccessDenied answers to one key within burstWindow.
const (
	burstMin    = 5
	burstWindow = 2 * time.Minute
)

func deniedBursts(events []*Event) []Finding {
	bySigner := map[string][]*Event{}
	var order []string
	for _, e := range events {
		if e.Denied() {
			if _, ok := bySigner[e.Signer()]; !ok {
				order = append(order, e.Signer())
			}
			bySigner[e.Signer()] = append(bySigner[e.Signer()], e)
		}
	}
	var out []Finding
	for _, signer := range order {
		evs := bySigner[signer]
		for i := 0; i < len(evs); {
			j := i
			for j+1 < len(evs) && evs[j+1].Time.Sub(evs[i].Time) <= burstWindow {
				j++
			}
			if n := j - i + 1; n >= burstMin {
				actions := []string{}
				ids := []string{}
				for _, e := range evs[i : j+1] {
					actions = appendUnique(actions, e.Action())
					if len(ids) < 20 {
						ids = append(ids, e.ID)
					}
				}
				out = append(out, Finding{
					Category: CatProbing,
					Severity: SeverityMedium,
					Title:    fmt.Sprintf("burst of %d AccessDenied in %s", n, evs[j].Time.Sub(evs[i].Time).Round(time.Second)),
					Detail:   strings.Join(actions[:min(len(actions), 8)], ", "),
					Time:     evs[i].Time,
					EventIDs: ids,
					Signer:   signer,
				})
				i = j + 1
				continue
			}
			i++
		}
	}
	return out
}

// agentTools are offensive or scanning tools recognisable in a user agent.
var agentTools = []struct{ needle, name string }{
	{"trufflehog", "TruffleHog"},
	{"pacu", "Pacu"},
	{"scoutsuite", "ScoutSuite"},
	{"scout suite", "ScoutSuite"},
	{"prowler", "Prowler"},
	{"cloudfox", "CloudFox"},
	{"stratus-red-team", "Stratus Red Team"},
	{"weirdaal", "WeirdAAL"},
	{"cloudmapper", "CloudMapper"},
	{"enumerate-iam", "enumerate-iam"},
	{"aws_consoler", "aws_consoler"},
	{"kali", "Kali Linux"},
	{"parrot", "Parrot OS"},
	{"nuclei", "Nuclei"},
}

// AgentTool names an offensive or scanning tool recognised in a user agent, or "".
func AgentTool(ua string) string {
	l := strings.ToLower(ua)
	for _, t := range agentTools {
		if strings.Contains(l, t.needle) {
			return t.name
		}
	}
	return ""
}
