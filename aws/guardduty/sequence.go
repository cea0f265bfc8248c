package guardduty

import (
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/guardduty/types"

	"github.com/keypivot/keypivot/files/alertdoc"
	"github.com/keypivot/keypivot/investigate"
)

// sequenceCriteria are the ListFindings criteria of the attack sequences of q's window:
// the attack-sequence types. A sequence names its keys in its actors, where no
// criterion reaches, so the keys are checked once the findings are read (mapFor).
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

// mapFor maps findings for q: alertdoc.MapGuardDuty, with an attack sequence filed
// under the first of q's keys its actors used (investigate.AlertQuery.KeySequence), so
// that a sequence of several keys answers for the one asked.
func mapFor(q investigate.AlertQuery) func(map[string]any) (investigate.Alert, []alertdoc.FieldProblem, error) {
	return func(doc map[string]any) (investigate.Alert, []alertdoc.FieldProblem, error) {
		a, probs, err := alertdoc.MapGuardDuty(doc)
		if err == nil {
			q.KeySequence(&a)
		}
		return a, probs, err
	}
}

// sequenceHow says how the attack sequences were listed, for the report.
func sequenceHow() string {
	return "listed by type (" + strings.Join(investigate.AttackSequenceTypes, ", ") + ")"
}
