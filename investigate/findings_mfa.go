package investigate

import (
	"strings"
)

// MFA device changes: an attacker with IAM rights removes a user's MFA to sign in with
// a password alone, or registers a virtual device of its own on a user it controls (or
// took over), so that the user's console access is the attacker's and survives a
// password reset. ATT&CK T1556.006 (Modify Authentication Process: Multi-Factor
// Authentication).

// mfaVerbs says what each MFA call does to a device.
var mfaVerbs = map[string]string{
	"CreateVirtualMFADevice": "created",
	"EnableMFADevice":        "enabled",
	"ResyncMFADevice":        "resynced",
	"DeactivateMFADevice":    "deactivated",
	"DeleteVirtualMFADevice": "deleted",
}

var ownsMFA = ownsNames("iam", mfaVerbs)

func mfaFinding(signer string, events []*Event) Finding {
	var all tally
	// changes lists "deactivated for alice (arn:...:mfa/alice)" once each, in order.
	var changes []string
	removed, added := false, false
	for _, e := range events {
		all.add(e)
		if e.Failed() {
			continue
		}
		req, resp := requestOf(e), responseOf(e)
		verb := mfaVerbs[e.Name]
		device := firstNonEmpty(req.str("serialNumber"), resp.str("virtualMFADevice.serialNumber"), req.str("virtualMFADeviceName"))
		what := verb
		if u := req.str("userName"); u != "" {
			what += " for " + u
		}
		if device != "" {
			what += " (" + ShortTarget(device) + ")"
		}
		changes = appendUnique(changes, what)
		switch e.Name {
		case "DeactivateMFADevice", "DeleteVirtualMFADevice":
			removed = true
		case "EnableMFADevice":
			added = true
		}
	}
	f := Finding{Category: CatPersistence, Severity: SeverityMedium, Signer: signer, Action: "iam:" + all.actions[0]}
	switch {
	case removed:
		f.Category, f.Severity = CatDefenseEvasion, SeverityHigh
		f.Title = "MFA removed: " + listShort(changes, 3)
	case added:
		f.Severity = SeverityHigh
		f.Title = "MFA device registered: " + listShort(changes, 3)
	case len(changes) > 0:
		f.Title = "MFA device " + listShort(changes, 3)
	default:
		f.Title = "MFA device changes attempted, failed"
	}
	f.Detail = joinParts(Plural(all.calls, "MFA call")+" ("+strings.Join(all.actions, ", ")+")", all.failedText())
	merge(&f, &all)
	return f
}
