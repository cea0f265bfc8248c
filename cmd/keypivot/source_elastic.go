package main

import (
	"fmt"

	"github.com/keypivot/keypivot/elastic"
	"github.com/keypivot/keypivot/investigate"
	"github.com/keypivot/keypivot/investigate/sanitize"
)

// Keys of env.shared.
const (
	sharedElastic       = "elastic:client"
	sharedElasticAlerts = "elastic:alerts-opened"
)

// --elastic URL (or --cloud-id): Elastic Security alerts from the space's alerts index;
// --trail elastic: CloudTrail from Elastic's AWS CloudTrail integration; --alerts
// elastic names the alerts source explicitly (it is added with --elastic anyway).
func init() {
	alertOpeners = append(alertOpeners, func(e *env, spec string) (investigate.AlertSource, bool, error) {
		if spec != "elastic" {
			return nil, false, nil
		}
		c, err := elasticClient(e, "--alerts elastic")
		if err != nil {
			return nil, true, err
		}
		e.shared[sharedElasticAlerts] = true
		return c.AlertSource(), true, nil
	})
	trailOpeners = append(trailOpeners, func(e *env, spec string) (investigate.EventSource, bool, error) {
		if spec != "elastic" {
			return nil, false, nil
		}
		c, err := elasticClient(e, "--trail elastic")
		if err != nil {
			return nil, true, err
		}
		return c.TrailSource(), true, nil
	})
	wiringHooks = append(wiringHooks, func(e *env) error {
		if e.g.Elastic == "" {
			return nil
		}
		c, err := elasticClient(e, "--elastic")
		if err != nil {
			return err
		}
		ws := e.w.Workspace
		if _, opened := e.shared[sharedElasticAlerts].(bool); !opened {
			ws.Alerts = append(ws.Alerts, c.AlertSource())
		}
		// Connect took any credentials out of the URL; RedactURL keeps it so.
		desc := "Elastic " + sanitize.RedactURL(c.URL)
		if c.Version != "" {
			desc += " (" + c.Version + ")"
		}
		desc += ", alerts " + c.Config().AlertsIndexName()
		if ws.Describe == "" {
			ws.Describe = desc
		} else {
			ws.Describe += "; " + desc
		}
		return nil
	})
}

// elasticClient is the process's Elasticsearch client, connected (and its server
// version probed) once.
func elasticClient(e *env, what string) (*elastic.Client, error) {
	if c, ok := e.shared[sharedElastic].(*elastic.Client); ok {
		return c, nil
	}
	if e.g.Elastic == "" {
		return nil, usageErr("%s needs Elasticsearch: give --elastic URL or --cloud-id (or KEYPIVOT_ELASTIC_URL)", what)
	}
	c, err := elastic.Connect(e.ctx, e.g.elasticConfig())
	if err != nil {
		return nil, withCode(exitError, fmt.Errorf("Elasticsearch: %w", err))
	}
	e.shared[sharedElastic] = c
	return c, nil
}
