package demo

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/keypivot/keypivot/investigate"
)

// The blast radius: what the backdoor key (a child of the leaked key, with
// AdministratorAccess) does to keep a way in, and the legitimate history it tampers with.
// Its identifiers come from a stream of their own, so that the rest of the scenario keeps
// its identifiers.

const (
	breakGlassRole  = "ops-break-glass"       // made by Terraform; its trust policy is backdoored
	adminGroup      = "platform-admins"       // an existing group the backdoor user joins
	inlinePolicy    = "backup-sync-storage"   // a second grant on the backdoor user
	lambdaRole      = "backup-sync-lambda"    // the function's execution role, made by the attacker
	lambdaFunction  = "backup-sync-scheduler" // the attacker's function
	lambdaRegion    = "us-east-1"
	lambdaNoRoleMsg = "The role defined for the function cannot be assumed by Lambda."
)

// breakGlassTrust is the trust policy Terraform gave the break-glass role: the account's
// own principals, with MFA. The attacker's document keeps it and adds its own account.
var (
	breakGlassTrust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + prodAccount + `:root"},"Action":"sts:AssumeRole","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`
	backdooredTrust = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\n      \"Effect\": \"Allow\",\n      \"Principal\": {\"AWS\": \"arn:aws:iam::" + prodAccount + ":root\"},\n      \"Action\": \"sts:AssumeRole\",\n      \"Condition\": {\"Bool\": {\"aws:MultiFactorAuthPresent\": \"true\"}}\n    },\n    {\n      \"Effect\": \"Allow\",\n      \"Principal\": {\"AWS\": \"arn:aws:iam::" + attackerAccount + ":root\"},\n      \"Action\": \"sts:AssumeRole\"\n    }\n  ]\n}"
	lambdaTrust     = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\n      \"Effect\": \"Allow\",\n      \"Principal\": {\"Service\": \"lambda.amazonaws.com\"},\n      \"Action\": \"sts:AssumeRole\"\n    }\n  ]\n}"
	storagePolicy   = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\n      \"Effect\": \"Allow\",\n      \"Action\": [\"s3:*\", \"secretsmanager:GetSecretValue\", \"ssm:GetParameter*\"],\n      \"Resource\": \"*\"\n    }\n  ]\n}"
)

// ArtifactFact is one thing the key or its child key left behind that can outlive the
// key: its kind (investigate.Art*), what it is, the event that made it and who signed it.
type ArtifactFact struct {
	Kind, Name, EventID, Signer string
}

// plant notes that r made an artifact.
func (g *gen) plant(kind, name string, r *record) *record {
	g.f.Artifacts = append(g.f.Artifacts, ArtifactFact{Kind: kind, Name: name, EventID: r.EventID, Signer: r.UserIdentity.AccessKeyID})
	return r
}

// breakGlass is the administrators' Terraform making the break-glass role, a day before
// the leak: the trust policy the role had before the attacker's edit.
func (g *gen) breakGlass() {
	tf, ids := g.w.terraform, g.bid
	a := tf.keyActor(terraformIPs[0], terraformUA("iam"))
	t := g.ago(49*time.Hour + 12*time.Minute + 41*time.Second)
	arn := fmt.Sprintf("arn:aws:iam::%s:role/%s", prodAccount, breakGlassRole)
	r := g.call(a, ids, t, "iam", "CreateRole", "").
		req(obj{"roleName": breakGlassRole, "path": "/", "assumeRolePolicyDocument": breakGlassTrust, "description": "Break-glass administrator access (MFA required)", "maxSessionDuration": 3600}).
		resp(obj{"role": obj{"path": "/", "roleName": breakGlassRole, "roleId": ids.uniqueID("AROA"), "arn": arn, "createDate": t.Format(javaTime),
			"assumeRolePolicyDocument": iamEncoded(breakGlassTrust), "description": "Break-glass administrator access (MFA required)", "maxSessionDuration": 3600}})
	g.call(a, ids, t.Add(time.Second), "iam", "AttachRolePolicy", "").req(obj{"roleName": breakGlassRole, "policyArn": adminPolicy})
	g.f.TrustRole, g.f.TrustRoleCreated, g.f.TrustPolicyBefore = breakGlassRole, r.EventID, breakGlassTrust
}

// childPersistence is the backdoor key making more ways in with its administrator
// rights, from t: a backdoored trust policy, an inline policy and a group for its own
// user, and a Lambda function with an administrator role of its own.
func (g *gen) childPersistence(bka *actor, t time.Time) {
	ids := g.bid
	next := func(s int) time.Time { t = t.Add(time.Duration(s) * time.Second); return t }
	bd := g.w.backdoor

	g.call(bka, ids, t, "iam", "ListRoles", "")
	g.call(bka, ids, next(7), "iam", "GetRole", "").req(obj{"roleName": breakGlassRole})
	g.plant(investigate.ArtTrustPolicy, breakGlassRole, g.call(bka, ids, next(22), "iam", "UpdateAssumeRolePolicy", "").
		req(obj{"roleName": breakGlassRole, "policyDocument": backdooredTrust}))
	g.plant(investigate.ArtInlinePolicy, "user/"+bd.name+":"+inlinePolicy, g.call(bka, ids, next(31), "iam", "PutUserPolicy", "").
		req(obj{"userName": bd.name, "policyName": inlinePolicy, "policyDocument": storagePolicy}))
	g.plant(investigate.ArtGroupMembership, adminGroup+"/"+bd.name, g.call(bka, ids, next(17), "iam", "AddUserToGroup", "").
		req(obj{"groupName": adminGroup, "userName": bd.name}))

	roleARN := fmt.Sprintf("arn:aws:iam::%s:role/%s", prodAccount, lambdaRole)
	cr := g.call(bka, ids, next(26), "iam", "CreateRole", "").req(obj{"roleName": lambdaRole, "assumeRolePolicyDocument": lambdaTrust})
	cr.resp(obj{"role": obj{"path": "/", "roleName": lambdaRole, "roleId": ids.uniqueID("AROA"), "arn": roleARN, "createDate": t.Format(javaTime), "assumeRolePolicyDocument": iamEncoded(lambdaTrust)}})
	g.plant(investigate.ArtRole, lambdaRole, cr)
	g.plant(investigate.ArtAttachedPolicy, "role/"+lambdaRole+":"+adminPolicy, g.call(bka, ids, next(9), "iam", "AttachRolePolicy", "").
		req(obj{"roleName": lambdaRole, "policyArn": adminPolicy}))

	// A new role is not yet assumable by Lambda for a few seconds: the first attempt fails.
	create := func(at time.Time) *record {
		return g.call(bka, ids, at, "lambda", "CreateFunction20150331", lambdaRegion).req(obj{
			"functionName": lambdaFunction, "runtime": "python3.12", "role": roleARN, "handler": "lambda_function.lambda_handler",
			"code": obj{}, "description": "", "timeout": 900, "memorySize": 512, "publish": false, "packageType": "Zip",
			"architectures": []any{"x86_64"},
		})
	}
	create(next(6)).fail("InvalidParameterValueException", lambdaNoRoleMsg)
	fn := create(next(14))
	fn.resp(obj{
		"functionName": lambdaFunction, "functionArn": fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", lambdaRegion, prodAccount, lambdaFunction),
		"runtime": "python3.12", "role": roleARN, "handler": "lambda_function.lambda_handler", "codeSize": 1184, "description": "",
		"timeout": 900, "memorySize": 512, "lastModified": t.Format("2006-01-02T15:04:05.000-0700"),
		"codeSha256": base64.StdEncoding.EncodeToString(ids.bytes(32)), "version": "$LATEST",
		"tracingConfig": obj{"mode": "PassThrough"}, "revisionId": ids.uuid(), "state": "Pending",
		"stateReason": "The function is being created.", "stateReasonCode": "Creating", "packageType": "Zip",
		"architectures": []any{"x86_64"}, "ephemeralStorage": obj{"size": 512},
		"snapStart":     obj{"applyOn": "None", "optimizationStatus": "Off"},
		"loggingConfig": obj{"logFormat": "Text", "logGroup": "/aws/lambda/" + lambdaFunction},
	})
	g.plant(investigate.ArtLambdaFunction, lambdaRegion+"/"+lambdaFunction, fn)
	g.f.Function = lambdaRegion + "/" + lambdaFunction
}

// iamEncoded is a policy document as IAM returns it in responses: URL-encoded.
func iamEncoded(doc string) string { return strings.ReplaceAll(url.QueryEscape(doc), "+", "%20") }
