package main

import (
	"github.com/keypivot/keypivot/elastic"
)

// ElasticFlags configure the Elasticsearch and Kibana adapters (docs/sources.md). Each
// flag also comes from its environment variable and from the configuration file
// (~/.config/keypivot/config.json, or $KEYPIVOT_CONFIG), under the flag's name with
// "_" for "-": {"elastic": "https://...", "elastic_api_key": "...", "kibana_space": "soc"}.
type ElasticFlags struct {
	Elastic            string `name:"elastic" env:"KEYPIVOT_ELASTIC_URL" placeholder:"URL" help:"Elasticsearch URL: read alerts from .alerts-security.alerts-<space> (and CloudTrail with --trail elastic)."`
	CloudID            string `name:"cloud-id" env:"KEYPIVOT_ELASTIC_CLOUD_ID,ELASTIC_CLOUD_ID" placeholder:"ID" help:"Elastic Cloud deployment id, instead of --elastic: it names Elasticsearch and Kibana."`
	ElasticAPIKey      string `name:"elastic-api-key" env:"KEYPIVOT_ELASTIC_API_KEY" placeholder:"KEY" help:"Elasticsearch API key, encoded (as Kibana shows it) or id:key; also used for Kibana. Prefer the variable or the config file to the command line."`
	ElasticUser        string `name:"elastic-user" env:"KEYPIVOT_ELASTIC_USER" placeholder:"NAME" help:"User for basic authentication (instead of an API key)."`
	ElasticPassword    string `name:"elastic-password" env:"KEYPIVOT_ELASTIC_PASSWORD" placeholder:"PASSWORD" help:"Password for basic authentication (prefer the variable)."`
	ElasticCA          string `name:"elastic-ca" env:"KEYPIVOT_ELASTIC_CA" placeholder:"FILE" help:"PEM file of the certificate authorities to trust for Elasticsearch and Kibana."`
	Kibana             string `name:"kibana" env:"KEYPIVOT_KIBANA_URL" placeholder:"URL" help:"Kibana URL, for write-back (keypivot alerts ...)."`
	KibanaSpace        string `name:"kibana-space" env:"KEYPIVOT_KIBANA_SPACE" default:"default" placeholder:"SPACE" help:"Kibana space: its alerts index and its cases."`
	ElasticAlertsIndex string `name:"elastic-alerts-index" env:"KEYPIVOT_ELASTIC_ALERTS_INDEX" placeholder:"INDEX" help:"Alerts index or pattern (default .alerts-security.alerts-<space>)."`
	ElasticTrailIndex  string `name:"elastic-trail-index" env:"KEYPIVOT_ELASTIC_TRAIL_INDEX" default:"logs-aws.cloudtrail-*" placeholder:"PATTERN" help:"CloudTrail index pattern of --trail elastic."`
}

// AfterApply turns --cloud-id into the Elasticsearch and Kibana URLs it names, so that
// the rest of the command line sees an Elasticsearch URL whichever way it was given.
func (f *ElasticFlags) AfterApply() error {
	if f.CloudID == "" {
		return nil
	}
	if f.Elastic != "" {
		return usageErr("give --elastic or --cloud-id, not both (KEYPIVOT_ELASTIC_URL and KEYPIVOT_ELASTIC_CLOUD_ID count)")
	}
	ep, err := elastic.ParseCloudID(f.CloudID)
	if err != nil {
		return usageErr("--cloud-id: %v", err)
	}
	f.Elastic = ep.Elasticsearch
	if f.Kibana == "" {
		f.Kibana = ep.Kibana
	}
	return nil
}

// elasticConfig is the adapters' configuration.
func (g *Globals) elasticConfig() elastic.Config {
	f := &g.ElasticFlags
	return elastic.Config{
		URL: f.Elastic, APIKey: f.ElasticAPIKey, Username: f.ElasticUser, Password: f.ElasticPassword,
		CAFile: f.ElasticCA, KibanaURL: f.Kibana, Space: f.KibanaSpace,
		AlertsIndex: f.ElasticAlertsIndex, TrailIndex: f.ElasticTrailIndex,
		HigherOrderRuleIDs: g.HigherOrderRule, FirstSeenRuleIDs: g.FirstSeenRule,
	}
}
