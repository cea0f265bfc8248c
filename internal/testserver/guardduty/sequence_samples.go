package guardduty

import (
	"bytes"
	_ "embed"
	"fmt"
)

// sampleAttackSequence holds an attack-sequence finding in the form `aws guardduty
// get-findings` prints: AttackSequence:IAM/CompromisedCredentials (severity 9) for the
// long-term key of the Stratus Red Team corpus (AKIAGGWFBBHBE7D3M9WI, user christophe),
// shaped as the GuardDuty API reference defines Service.Detection.Sequence (Sequence,
// Signal, Indicator, Actor, User, Account, Session, NetworkEndpoint, ResourceV2). Its
// five signals are the sample findings' Discovery:IAMUser/AnomalousBehavior and
// Recon:IAMUser/MaliciousIPCaller (FINDING, by their ids), the corpus's StopLogging
// (CLOUD_TRAIL, at its time), two iam:CreateAccessKey calls the corpus does not hold
// (CLOUD_TRAIL) and 57 s3:GetObject reads (S3_DATA_EVENTS). The finding's resource is
// the sequence (ResourceType AttackSequence), not the key: the key is the actor's
// credentialUid, so the accessKeyId criterion does not find it.
//
//go:embed samples/attack-sequence.json
var sampleAttackSequence []byte

// SampleAttackSequenceID is the id of the sample attack-sequence finding.
const SampleAttackSequenceID = "6ac7d2dc0fd24a9bb4f1c4f2b2b9a0a5"

// SampleAttackSequenceCLI returns the sample attack sequence as the AWS CLI prints it.
func SampleAttackSequenceCLI() []byte { return append([]byte(nil), sampleAttackSequence...) }

// SampleAttackSequence returns the sample attack-sequence finding in wire form, placed
// in accountID and region. When accessKeyID is not empty it replaces the credential of
// the sequence's actor.
func SampleAttackSequence(accountID, region, accessKeyID string) map[string]any {
	list, err := FromCLIOutput(bytes.NewReader(sampleAttackSequence))
	if err != nil || len(list) != 1 {
		panic(fmt.Sprintf("guardduty testserver: bad embedded attack sequence: %v", err))
	}
	f := list[0]
	f["accountId"] = accountID
	f["region"] = region
	delete(f, "arn")
	if accessKeyID != "" {
		svc, _ := f["service"].(map[string]any)
		det, _ := svc["detection"].(map[string]any)
		seq, _ := det["sequence"].(map[string]any)
		actors, _ := seq["actors"].([]any)
		for _, a := range actors {
			if u, _ := a.(map[string]any)["user"].(map[string]any); u != nil {
				u["credentialUid"] = accessKeyID
			}
		}
	}
	return f
}
