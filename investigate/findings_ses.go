package investigate

import "strings"

// SES abuse: stolen keys send spam and phishing from the account's verified domains. The
// attacker reads the sending quota and the verified identities, verifies its own, turns
// sending on or asks AWS for production access, then sends. CloudTrail logs the sends
// (SendEmail, SendRawEmail, ...) only as data events: without them, the sending cannot
// be seen, and the finding says so.

// sesSteps names each SES call (v1 and v2 APIs, both ses.amazonaws.com) and its step.
var sesSteps = map[string]string{
	"GetSendQuota":                      "recon",
	"GetSendStatistics":                 "recon",
	"GetAccount":                        "recon",
	"GetAccountSendingEnabled":          "recon",
	"ListIdentities":                    "recon",
	"ListEmailIdentities":               "recon",
	"ListVerifiedEmailAddresses":        "recon",
	"GetIdentityVerificationAttributes": "recon",
	"GetEmailIdentity":                  "recon",
	"ListConfigurationSets":             "recon",
	"VerifyEmailIdentity":               "setup",
	"VerifyEmailAddress":                "setup",
	"VerifyDomainIdentity":              "setup",
	"CreateEmailIdentity":               "setup",
	"UpdateAccountSendingEnabled":       "setup",
	"PutAccountSendingAttributes":       "setup",
	"PutAccountDetails":                 "setup",
	"DeleteIdentity":                    "setup",
	"DeleteEmailIdentity":               "setup",
	"SendEmail":                         "send",
	"SendRawEmail":                      "send",
	"SendTemplatedEmail":                "send",
	"SendBulkEmail":                     "send",
	"SendBulkTemplatedEmail":            "send",
	"SendCustomVerificationEmail":       "send",
}

var ownsSES = ownsNames("ses", sesSteps)

func sesFinding(signer string, events []*Event) Finding {
	var recon, setup, send tally
	var changes, identities []string
	for _, e := range events {
		switch sesSteps[e.Name] {
		case "recon":
			recon.add(e)
		case "setup":
			setup.add(e)
			if !e.Failed() {
				changes = appendUnique(changes, sesChange(e))
				if id := sesIdentity(e); id != "" {
					identities = appendUnique(identities, id)
				}
			}
		case "send":
			send.add(e)
		}
	}
	f := Finding{Category: CatResourceHijack, Signer: signer, Action: "ses:SendEmail"}
	switch {
	case send.ok() > 0:
		f.Title, f.Severity = "SES abuse: "+Plural(send.ok(), "email send call"), SeverityCritical
	case setup.ok() > 0:
		f.Title, f.Severity, f.Action = "SES sending set up: "+strings.Join(changes, ", "), SeverityHigh, "ses:"+setup.actions[0]
	default:
		f.Title, f.Severity, f.Action = "SES reconnaissance: "+Plural(recon.calls+setup.calls, "call"), SeverityMedium, "ses:"+firstNonEmpty(append(recon.actions, setup.actions...)...)
	}
	var parts []string
	if recon.calls > 0 {
		parts = append(parts, Plural(recon.calls, "reconnaissance call")+" ("+strings.Join(recon.actions, ", ")+")")
	}
	if len(changes) > 0 && send.ok() > 0 {
		parts = append(parts, strings.Join(changes, ", "))
	}
	if len(identities) > 0 {
		parts = append(parts, "identities "+listShort(identities, 4))
	}
	if send.calls == 0 {
		parts = append(parts, "no send in the events read: CloudTrail logs SendEmail and SendRawEmail only as data events")
	}
	parts = append(parts, failedParts(&setup, &send)...)
	f.Detail = joinParts(parts...)
	merge(&f, &send, &setup, &recon)
	return f
}

// sesChange says what a successful set-up call changed.
func sesChange(e *Event) string {
	req := requestOf(e)
	switch e.Name {
	case "UpdateAccountSendingEnabled", "PutAccountSendingAttributes":
		field := "enabled"
		if e.Name == "PutAccountSendingAttributes" {
			field = "sendingEnabled"
		}
		if v := req.get(field); v == false || v == "false" {
			return "sending disabled"
		}
		return "sending enabled"
	case "PutAccountDetails":
		return "production access requested"
	case "DeleteIdentity", "DeleteEmailIdentity":
		return "identity deleted"
	}
	return "identity verified"
}

// sesIdentity is the email address or domain a set-up call names.
func sesIdentity(e *Event) string {
	req := requestOf(e)
	return firstNonEmpty(req.str("emailAddress"), req.str("domain"), req.str("emailIdentity"), req.str("identity"))
}
