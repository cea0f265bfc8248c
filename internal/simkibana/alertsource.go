package simkibana

import (
	"context"
	"slices"

	"github.com/keypivot/keypivot/investigate"
)

// AlertSource is inner as Kibana now shows it: each Elastic alert the alerts index of
// space sp holds comes with the workflow status Kibana holds, as Elasticsearch answers
// after a status change (or a syncing case's) is written. A case built again from it
// shows the analyst's verdict, and the correlation leaves out the alerts no longer open,
// as it would with a real Kibana. Alerts the space does not hold, and other providers'
// findings, pass as inner gives them.
func (k *Kibana) AlertSource(sp string, inner investigate.AlertSource) investigate.AlertSource {
	return &alertSource{k: k, space: sp, inner: inner}
}

type alertSource struct {
	k     *Kibana
	space string
	inner investigate.AlertSource
}

// Name is inner's: the source is the same, its statuses are current.
func (s *alertSource) Name() string { return s.inner.Name() }

func (s *alertSource) Alerts(ctx context.Context, q investigate.AlertQuery, sink func([]investigate.Alert)) (investigate.SourceReport, error) {
	return s.inner.Alerts(ctx, q, func(batch []investigate.Alert) {
		// The batch is inner's: change a copy.
		out := slices.Clone(batch)
		s.k.currentStatuses(s.space, out)
		sink(out)
	})
}

// currentStatuses sets the status of each Elastic alert of alerts that space sp holds to
// the one it holds.
func (k *Kibana) currentStatuses(sp string, alerts []investigate.Alert) {
	k.mu.Lock()
	defer k.mu.Unlock()
	s := k.space(sp)
	for i := range alerts {
		if alerts[i].Provider != investigate.ProviderElastic {
			continue
		}
		if al := s.alerts[alerts[i].ID]; al != nil {
			alerts[i].Status = al.status
		}
	}
}
