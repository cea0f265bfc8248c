package simkibana

import (
	"context"
	"fmt"
	"sync"

	"github.com/keypivot/keypivot/investigate"
)

// FromWorkspace returns a Kibana whose space sp ("" is the default) holds every Elastic
// alert the workspace's alert sources hold, whatever its time or key: the alerts index
// holds them all, not only a window's. An alert source that cannot be read is an error
// naming it: a Kibana missing alerts would answer "not found" where Kibana would not.
func FromWorkspace(ctx context.Context, w *investigate.Workspace, sp string, opts ...Option) (*Kibana, error) {
	if w == nil {
		return nil, fmt.Errorf("simulated Kibana: no workspace to read alerts from")
	}
	k := New(opts...)
	for _, src := range w.Alerts {
		var (
			mu     sync.Mutex // a source may stream from several goroutines
			alerts []investigate.Alert
		)
		_, err := src.Alerts(ctx, investigate.AlertQuery{}, func(b []investigate.Alert) {
			mu.Lock()
			defer mu.Unlock()
			alerts = append(alerts, b...)
		})
		if err != nil {
			return nil, fmt.Errorf("simulated Kibana: reading the alerts of %s: %w", src.Name(), err)
		}
		k.Seed(sp, alerts)
	}
	return k, nil
}

// Seed puts alerts in the alerts index of space sp ("" is the default): the Elastic ones
// with an id (GuardDuty and Security Hub findings are no Kibana alerts), each with its
// workflow status (open when it has none: Kibana writes one on every alert). An alert
// already there is left as it is. It returns how many alerts were added.
func (k *Kibana) Seed(sp string, alerts []investigate.Alert) int {
	k.mu.Lock()
	defer k.mu.Unlock()
	s := k.space(sp)
	n := 0
	for _, a := range alerts {
		if a.Provider != investigate.ProviderElastic || a.ID == "" || s.alerts[a.ID] != nil {
			continue
		}
		status := investigate.NormalizeWorkflowStatus(a.Status)
		if status == "" {
			status = investigate.WorkflowOpen
		}
		index := a.Index
		if index == "" {
			index = alertsIndex(sp)
		}
		s.alerts[a.ID] = &alert{id: a.ID, index: index, ruleUUID: a.RuleUUID, ruleName: a.RuleName, status: status}
		n++
	}
	return n
}
