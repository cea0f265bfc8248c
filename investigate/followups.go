package investigate

import "strings"

// KeyPairFrom reads the key pair a CreateKeyPair or ImportKeyPair event made (or tried
// to), with the caller's address and principal; its network, first-ness and the
// CreateKeyPair rule's verdict come with the case (keypair_network.go).
func KeyPairFrom(e *Event) (KeyPair, bool) {
	if e.Source != "ec2.amazonaws.com" || (e.Name != "CreateKeyPair" && e.Name != "ImportKeyPair") {
		return KeyPair{}, false
	}
	req, resp := decodeObject(e.Request()), decodeObject(e.Response())
	kp := KeyPair{
		Name:        firstNonEmpty(req.str("keyName"), resp.str("keyName")),
		ID:          resp.str("keyPairId"),
		Fingerprint: resp.str("keyFingerprint"),
		Region:      e.Region,
		Account:     e.Account(),
		EventID:     e.ID,
		EventName:   e.Name,
		Time:        e.Time,
		Signer:      e.Signer(),
		ErrorCode:   e.ErrorCode,
		SourceIP:    e.SourceIP,
		Principal:   principalOf(e),
	}
	return kp, kp.Name != ""
}

// LaunchFrom reads a RunInstances event.
func LaunchFrom(e *Event) (Launch, bool) {
	if e.Source != "ec2.amazonaws.com" || e.Name != "RunInstances" {
		return Launch{}, false
	}
	req, resp := decodeObject(e.Request()), decodeObject(e.Response())
	l := Launch{
		EventID:      e.ID,
		Time:         e.Time,
		Region:       e.Region,
		Account:      e.Account(),
		Signer:       e.Signer(),
		SignerARN:    e.Identity.ARN,
		InstanceType: req.str("instanceType"),
		ErrorCode:    e.ErrorCode,
		ErrorMessage: e.ErrorMessage,
		InstanceIDs:  []string{},
	}
	for _, it := range req.items("instancesSet") {
		// The key name sits in instancesSet.items[], not at requestParameters.keyName.
		if k := it.str("keyName"); k != "" && l.KeyName == "" {
			l.KeyName = k
		}
		if im := it.str("imageId"); im != "" && l.ImageID == "" {
			l.ImageID = im
		}
		l.MinCount += it.int("minCount")
		l.MaxCount += it.int("maxCount")
	}
	if l.KeyName == "" {
		l.KeyName = req.str("keyName")
	}
	if lt := req.get("launchTemplate"); lt != nil {
		t := object(asMap(lt))
		l.Template = firstNonEmpty(t.str("launchTemplateId"), t.str("launchTemplateName"))
		if v := t.str("version"); v != "" && l.Template != "" {
			l.Template += ":" + v
		}
	}
	for _, it := range resp.items("instancesSet") {
		if id := it.str("instanceId"); id != "" {
			l.InstanceIDs = append(l.InstanceIDs, id)
		}
		if l.InstanceType == "" {
			l.InstanceType = it.str("instanceType")
		}
		if l.KeyName == "" {
			l.KeyName = it.str("keyName")
		}
	}
	return l, true
}

// RunInstancesKeyNames returns the key names a RunInstances record asked for; trail
// sources use it to match launches by other signers against a case's key pairs.
func RunInstancesKeyNames(e *Event) []string {
	l, ok := LaunchFrom(e)
	if !ok || l.KeyName == "" {
		return nil
	}
	return []string{l.KeyName}
}

// IsGPUInstanceType reports whether an instance type is an accelerated (GPU/ML) family,
// the usual target of crypto-mining and model abuse.
func IsGPUInstanceType(t string) bool {
	fam, _, _ := strings.Cut(t, ".")
	for _, p := range []string{"p2", "p3", "p4", "p5", "p6", "g3", "g4", "g5", "g6", "gr6", "trn", "inf", "dl1", "dl2", "vt1", "f1", "f2"} {
		if strings.HasPrefix(fam, p) {
			return true
		}
	}
	return false
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
