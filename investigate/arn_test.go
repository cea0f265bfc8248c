package investigate_test

import (
	"testing"

	"github.com/keypivot/keypivot/investigate"
)

// ARNName is the last path element of an ARN: a role's or a policy's name, with any
// path dropped; a plain name is itself.
func TestARNName(t *testing.T) {
	for arn, want := range map[string]string{
		"arn:aws:iam::111122223333:role/Deployer":                               "Deployer",
		"arn:aws:iam::111122223333:role/service/ops/Deployer":                   "Deployer",
		"arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV3":                 "AWSCompromisedKeyQuarantineV3",
		"arn:aws:iam::111122223333:policy/team/AdministratorAccess-backdoor-01": "AdministratorAccess-backdoor-01",
		"Deployer": "Deployer",
		"":         "",
	} {
		if got := investigate.ARNName(arn); got != want {
			t.Errorf("ARNName(%q) = %q, want %q", arn, got, want)
		}
	}
}
