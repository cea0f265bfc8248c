package securityhub

import (
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/keypivot/keypivot/investigate"
)

// sequenceType is what the Types of a GuardDuty attack sequence hold in ASFF
// ("TTPs/.../AttackSequence:IAM-CompromisedCredentials").
const sequenceType = investigate.AttackSequenceTypePrefix

// sequenceFilters are the GetFindings filters of q's attack sequences: active findings
// of the window whose Type contains "AttackSequence:". A sequence names its keys in its
// actors, where no filter reaches, so the keys are checked once the findings are read
// (fanout.Findings.SequencePage).
func sequenceFilters(q investigate.AlertQuery) *types.AwsSecurityFindingFilters {
	return &types.AwsSecurityFindingFilters{
		Type:        []types.StringFilter{{Comparison: types.StringFilterComparisonContains, Value: aws.String(sequenceType)}},
		RecordState: []types.StringFilter{{Comparison: types.StringFilterComparisonEquals, Value: aws.String("ACTIVE")}},
		UpdatedAt:   windowFilter(q.Window),
	}
}

// isSequenceType reports whether a finding is one the attack-sequence reading selects
// (a Type containing "AttackSequence:"): the access-key reading leaves such findings to
// it, so that none is read twice, whatever filters an endpoint applies.
func isSequenceType(f types.AwsSecurityFinding) bool {
	for _, t := range f.Types {
		if strings.Contains(t, sequenceType) {
			return true
		}
	}
	return false
}

// sequenceHow says how the attack sequences were listed, for the report.
func sequenceHow() string { return fmt.Sprintf("read by Type containing %q", sequenceType) }
