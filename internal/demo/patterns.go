package demo

import (
	"fmt"
	"time"
)

// More of what stolen keys are used for, in the leaked key's day: LLM-jacking on
// Bedrock, SES reconnaissance and set-up for a phishing run, bulk reads of a finance
// bucket the organisation's trail logs data events for, a console session opened from
// the federation token, and an MFA device the backdoor key registers on its own user so
// that the console stays the attacker's. Identifiers come from a stream of their own, so
// that the rest of the scenario keeps its identifiers.

const (
	llmModel       = "anthropic.claude-3-sonnet-20240229-v1:0"
	llmModelBig    = "anthropic.claude-3-opus-20240229-v1:0"
	financeBucket  = "prod-finance-exports-" + prodAccount
	sesSender      = "billing-notice@mailbox.example" // the attacker's address it verifies
	sesDomain      = "orders.northwind-retail.example"
	llmBoto3UA     = "Boto3/1.34.40 md/Botocore#1.34.40 ua/2.0 os/linux#6.6.9-amd64 md/arch#x86_64 lang/python#3.11.8 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.34.40"
	consolerUA     = "python-requests/2.31.0"
	financeObjects = 48
)

// PatternFacts are what the attack patterns planted.
type PatternFacts struct {
	// BedrockInvocations counts the successful model invocations (InvokeModel and
	// Converse) of the leaked key; BedrockEvents all its Bedrock calls.
	BedrockInvocations int
	BedrockEvents      int
	// SESEvents counts the leaked key's SES calls; none sends (sending is a data event
	// the trail does not log).
	SESEvents int
	// FinanceObjectsRead are the objects the leaked key read from FinanceBucket (data
	// events); S3DataEvents all its S3 data events.
	FinanceBucket      string
	FinanceObjectsRead int
	S3DataEvents       int
	// SigninTokenEvent is the federation session's GetSigninToken; FederatedLogin the
	// federated user's ConsoleLogin, which carries no access key.
	SigninTokenEvent string
	FederatedLogin   string
	// MFAEvents are the backdoor key's MFA calls on its own user.
	MFAEvents []string
	// BedrockAlert is the shell alert of Elastic's Bedrock sequence rule;
	// FederationSessionAlert the federation rule's building block on the GetSigninToken,
	// which names the federation session's key.
	BedrockAlert           string
	FederationSessionAlert string
}

// patterns plays them. t1 is the leaked key's first use; s4Key, fedName and gft the
// federation token's session key, federated user and issuing call.
func (g *gen) patterns(t1 time.Time, s4Key, fedName string, gft *record) {
	ids := newIDs(g.seed, streamPatterns)
	fedIssued := gft.at
	g.mark("federation-token", gft)
	rep, bd := g.w.reporting, g.w.backdoor
	p := &g.f.Patterns
	p.FinanceBucket = financeBucket

	// The federation session turns into a console session from the attacker's address,
	// as aws_consoler does: a sign-in token from the federation endpoint, then the login.
	tok := g.call(rep.federated(fedName, s4Key, fedIssued, attackerIP, consolerUA), ids, fedIssued.Add(38*time.Second), "signin", "GetSigninToken", "")
	tok.EventType, tok.RequestID = "AwsConsoleSignIn", ""
	tok.resp(obj{"GetSigninToken": "Success"})
	g.mark("signin-token", tok)
	p.SigninTokenEvent = tok.EventID
	fedLogin := rep.federated(fedName, "", fedIssued, attackerIP, firefoxLinuxUA)
	login := g.call(fedLogin, ids, fedIssued.Add(47*time.Second), "signin", "ConsoleLogin", "")
	login.EventType, login.RequestID = "AwsConsoleSignIn", ""
	login.resp(obj{"ConsoleLogin": "Success"})
	login.AdditionalEventData = obj{"LoginTo": "https://console.aws.amazon.com/console/home?state=hashArgs%23&isauthcode=true", "MobileVersion": "No", "MFAUsed": "No"}
	g.mark("federated-login", login)
	p.FederatedLogin = login.EventID

	// LLM-jacking: which models are there, can we use them, enable them, invoke them.
	llm := rep.keyActor(attackerIP, llmBoto3UA)
	t := t1.Add(2*time.Hour + 12*time.Minute + 6*time.Second)
	next := func(s int) time.Time { t = t.Add(time.Duration(s) * time.Second); return t }
	bedrock := func(name string, at time.Time) *record {
		p.BedrockEvents++
		return g.call(llm, ids, at, "bedrock", name, "us-east-1")
	}
	g.mark("bedrock-list", bedrock("ListFoundationModels", t).req(obj{"byOutputModality": "TEXT"}))
	for _, m := range []string{llmModel, llmModelBig, llmModel} {
		bedrock("GetFoundationModelAvailability", next(4)).req(obj{"modelId": m})
	}
	bedrock("PutUseCaseForModelAccess", next(9)) // the form's content is not logged
	bedrock("ListFoundationModelAgreementOffers", next(3)).req(obj{"modelId": llmModel, "offerType": "PUBLIC"})
	bedrock("CreateFoundationModelAgreement", next(2)).req(obj{"modelId": llmModel, "offerToken": "<sensitiveDataRemoved>"}).
		resp(obj{"modelId": llmModel})
	bedrock("PutFoundationModelEntitlement", next(2)).req(obj{"modelId": llmModel}).resp(obj{"status": "SUCCESS"})
	bedrock("GetFoundationModelAvailability", next(31)).req(obj{"modelId": llmModel})
	for i := range 18 {
		name := "InvokeModel"
		if i%6 == 5 {
			name = "Converse"
		}
		r := bedrock(name, next(17+ids.r.IntN(20))).req(obj{"modelId": llmModel})
		r.ReadOnly = true
		r.TLSDetails.ClientProvidedHostHeader = "bedrock-runtime.us-east-1.amazonaws.com"
		p.BedrockInvocations++
		if i == 0 {
			g.mark("bedrock-invoke", r)
		}
	}
	// The bigger model is not enabled for the account: denied.
	r := bedrock("InvokeModel", next(12)).req(obj{"modelId": llmModelBig})
	r.ReadOnly = true
	r.TLSDetails.ClientProvidedHostHeader = "bedrock-runtime.us-east-1.amazonaws.com"
	r.fail("AccessDeniedException", "You don't have access to the model with the specified model ID.")

	// SES: how much may it send, from which identities; add its own sender, turn sending
	// on. The sends themselves are data events, which this trail does not log for SES.
	ses := rep.keyActor(attackerIP, kaliCLI("ses.get-send-quota"))
	t = t1.Add(2*time.Hour + 31*time.Minute + 40*time.Second)
	sesCall := func(cmd, name string, at time.Time) *record {
		p.SESEvents++
		a := *ses
		a.ua = kaliCLI(cmd)
		r := g.call(&a, ids, at, "ses", name, "us-east-1")
		r.TLSDetails.ClientProvidedHostHeader = "email.us-east-1.amazonaws.com"
		return r
	}
	sesCall("ses.get-send-quota", "GetSendQuota", t).resp(nil)
	sesCall("ses.list-identities", "ListIdentities", next(6)).req(obj{"identityType": "Domain", "maxItems": 100})
	sesCall("ses.get-identity-verification-attributes", "GetIdentityVerificationAttributes", next(5)).req(obj{"identities": []any{sesDomain}})
	sesCall("ses.verify-email-identity", "VerifyEmailIdentity", next(21)).req(obj{"emailAddress": sesSender})
	sesCall("ses.update-account-sending-enabled", "UpdateAccountSendingEnabled", next(14)).req(obj{"enabled": true})

	// Bulk reads of the finance exports: data events, which the trail logs for this
	// bucket (an advanced event selector on its ARN).
	s3a := rep.keyActor(attackerIP, kaliCLI("s3.cp"))
	t = t1.Add(2*time.Hour + 44*time.Minute + 2*time.Second)
	lst := g.dataCall(s3a, ids, t, "ListObjectsV2", financeBucket, "")
	lst.req(obj{"bucketName": financeBucket, "Host": financeBucket + ".s3.amazonaws.com", "list-type": "2", "prefix": "exports/2026/", "encoding-type": "url"})
	p.S3DataEvents++
	for i := range financeObjects {
		key := fmt.Sprintf("exports/2026/%02d/invoices-%s.csv.gz", 1+i/24, ids.hex(8))
		g.dataCall(s3a, ids, next(1+ids.r.IntN(3)), "GetObject", financeBucket, key)
		p.S3DataEvents++
		p.FinanceObjectsRead++
	}

	// The backdoor key registers a virtual MFA device on its own user, after the
	// attacker's console sign-in: the console is now the attacker's alone.
	bka := bd.keyActor(vpsIP, vpsBoto3UA)
	t = t1.Add(3*time.Hour + 41*time.Minute + 19*time.Second)
	serial := fmt.Sprintf("arn:aws:iam::%s:mfa/%s", prodAccount, bd.name)
	c := g.call(bka, ids, t, "iam", "CreateVirtualMFADevice", "").req(obj{"virtualMFADeviceName": bd.name, "path": "/"}).
		resp(obj{"virtualMFADevice": obj{"serialNumber": serial}})
	e := g.call(bka, ids, next(36), "iam", "EnableMFADevice", "").req(obj{"userName": bd.name, "serialNumber": serial})
	p.MFAEvents = []string{c.EventID, e.EventID}
}

// dataCall records an S3 object-level call: a data event (eventCategory Data,
// managementEvent false), with the object and bucket as its resources.
func (g *gen) dataCall(a *actor, ids *ids, t time.Time, name, bucket, key string) *record {
	r := g.call(a, ids, t, "s3", name, "us-east-1")
	r.EventCategory, r.ManagementEvent = "Data", false
	r.TLSDetails.ClientProvidedHostHeader = bucket + ".s3.amazonaws.com"
	r.Resources = []resource{{AccountID: prodAccount, Type: "AWS::S3::Bucket", ARN: "arn:aws:s3:::" + bucket}}
	add := obj{"SignatureVersion": "SigV4", "CipherSuite": "TLS_AES_128_GCM_SHA256", "bytesTransferredIn": 0, "AuthenticationMethod": "AuthHeader",
		"x-amz-id-2": ids.pick(76, mixedAlnum)}
	if key != "" {
		r.Resources = append([]resource{{Type: "AWS::S3::Object", ARN: "arn:aws:s3:::" + bucket + "/" + key}}, r.Resources...)
		r.req(obj{"bucketName": bucket, "Host": bucket + ".s3.amazonaws.com", "key": key})
		add["bytesTransferredOut"] = 40_000 + ids.r.IntN(900_000)
	} else {
		add["bytesTransferredOut"] = 18_000 + ids.r.IntN(4_000)
	}
	r.AdditionalEventData = add
	return r
}
