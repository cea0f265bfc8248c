package main

// ElasticFlags configure the Elasticsearch and Kibana adapters.
type ElasticFlags struct {
	Elastic string `name:"elastic" env:"KEYPIVOT_ELASTIC_URL" placeholder:"URL" help:"Elasticsearch URL: read alerts from .alerts-security.alerts-<space>."`
}
