package guardduty

import (
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/guardduty/types"

	"github.com/keypivot/keypivot/investigate"
)

// sequenceCriteria are the ListFindings criteria of the attack sequences of q's window:
// the attack-sequence types. A sequence names its keys in its actors, where no
// criterion reaches, so the keys are checked once the findings are read
// (fanout.Findings.SequencePage).
func sequenceCriteria(q investigate.AlertQuery) *types.FindingCriteria {
	c := map[string]types.Condition{"type": {Equals: investigate.AttackSequenceTypes}}
	addWindow(c, q.Window)
	return &types.FindingCriteria{Criterion: c}
}

// isSequenceType reports whether a finding is of a type the attack-sequence listing
// reads: the key listing leaves such findings to it, so that none is read twice.
func isSequenceType(f types.Finding) bool {
	return slices.Contains(investigate.AttackSequenceTypes, aws.ToString(f.Type))
}

// sequenceHow says how the attack sequences were listed, for the report.
func sequenceHow() string {
	return "listed by type (" + strings.Join(investigate.AttackSequenceTypes, ", ") + ")"
}
