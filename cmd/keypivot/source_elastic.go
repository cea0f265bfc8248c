package main

import (
	"fmt"
	"slices"

	"github.com/keypivot/keypivot/elastic"
	"github.com/keypivot/keypivot/investigate"
	"github.com/keypivot/keypivot/investigate/sanitize"
)

// openElasticTrail opens --trail elastic: CloudTrail from Elastic's AWS CloudTrail
// integration.
func openElasticTrail(b *builder, _ string) (investigate.EventSource, error) {
	c, err := b.elasticClient("--trail elastic")
	if err != nil {
		return nil, err
	}
	src := c.TrailSource()
	// What the ingest pipeline's enrichment says of each address is a network source.
	src.Networks = investigate.NewObservedNetworks(investigate.NetFromElasticEvent+" source.as.* of "+src.Name(), investigate.NetFromElasticEvent, 0)
	b.w.Workspace.Networks.Sources = append(b.w.Workspace.Networks.Sources, src.Networks)
	return src, nil
}

// openElasticAlerts opens --alerts elastic, which names the alerts source of --elastic
// explicitly (addElastic adds it anyway).
func openElasticAlerts(b *builder, _ string) (investigate.AlertSource, error) {
	c, err := b.elasticClient("--alerts elastic")
	if err != nil {
		return nil, err
	}
	return c.AlertSource(), nil
}

// addElastic adds, for --elastic URL (or --cloud-id), Elastic Security alerts from the
// space's alerts index, unless --alerts elastic opened them already, and the Kibana that
// write-back goes to when one is named. It describes the cluster and the index.
func (b *builder) addElastic() (string, error) {
	if b.g.Elastic == "" {
		return "", nil
	}
	c, err := b.elasticClient("--elastic")
	if err != nil {
		return "", err
	}
	if !slices.Contains(b.g.Alerts, "elastic") {
		b.w.Workspace.Alerts = append(b.w.Workspace.Alerts, c.AlertSource())
	}
	if b.g.Kibana != "" {
		// Write-back goes through the same connection (--kibana, or the cloud id's).
		if kb, err := c.Kibana(); err == nil {
			b.w.Kibana = kb
		}
	}
	// Connect took any credentials out of the URL; RedactURL keeps it so.
	desc := "Elastic " + sanitize.RedactURL(c.URL)
	if c.Version != "" {
		desc += " (" + c.Version + ")"
	}
	return desc + ", alerts " + c.Config().AlertsIndexName(), nil
}

// elasticClient is the process's Elasticsearch client, connected (and its server
// version probed) once; what names the flag that needs it.
func (b *builder) elasticClient(what string) (*elastic.Client, error) {
	if b.elastic != nil {
		return b.elastic, nil
	}
	if b.g.Elastic == "" {
		return nil, usageErr("%s needs Elasticsearch: give --elastic URL or --cloud-id (or KEYPIVOT_ELASTIC_URL)", what)
	}
	c, err := elastic.Connect(b.ctx, b.g.elasticConfig())
	if err != nil {
		return nil, withCode(exitError, fmt.Errorf("Elasticsearch: %w", err))
	}
	b.elastic = c
	return c, nil
}
