package guardduty

import (
	"bytes"
	_ "embed"
	"fmt"
)

// sampleFindings holds three IAM access-key findings in the form `aws guardduty
// get-findings` prints (PascalCase), modelled on the AWS CLI's documented get-findings
// output and the GuardDuty finding format:
// UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS (an EC2 role's
// ASIA key used from outside AWS, severity 8), Discovery:IAMUser/AnomalousBehavior
// (severity 5) and Recon:IAMUser/MaliciousIPCaller (severity 5, with threat
// intelligence evidence), the last two for the long-term key of the Stratus Red Team
// corpus (AKIAGGWFBBHBE7D3M9WI, user christophe).
//
//go:embed samples/findings.json
var sampleFindings []byte

// SampleFindingsCLI returns the sample findings as the AWS CLI prints them.
func SampleFindingsCLI() []byte { return append([]byte(nil), sampleFindings...) }

// SampleFindings returns the sample findings in wire form, placed in accountID and
// region. When accessKeyID is not empty it replaces the key of the findings about an
// IAM user (the instance-credential finding keeps its role's ASIA key).
func SampleFindings(accountID, region, accessKeyID string) []map[string]any {
	list, err := FromCLIOutput(bytes.NewReader(sampleFindings))
	if err != nil {
		panic(fmt.Sprintf("guardduty testserver: bad embedded sample: %v", err))
	}
	for _, f := range list {
		f["accountId"] = accountID
		f["region"] = region
		delete(f, "arn")
		if accessKeyID == "" {
			continue
		}
		res, _ := f["resource"].(map[string]any)
		akd, _ := res["accessKeyDetails"].(map[string]any)
		if akd != nil && akd["userType"] == "IAMUser" {
			akd["accessKeyId"] = accessKeyID
		}
	}
	return list
}
