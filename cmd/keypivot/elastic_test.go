package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/keypivot/keypivot/internal/demo"
	estest "github.com/keypivot/keypivot/internal/testserver/elasticsearch"
	gdtest "github.com/keypivot/keypivot/internal/testserver/guardduty"
	kbtest "github.com/keypivot/keypivot/internal/testserver/kibana"
	"github.com/keypivot/keypivot/internal/testserver/moto"
	"github.com/keypivot/keypivot/investigate"
)

// The binary against the Elasticsearch and Kibana test servers, holding the demo's alerts
// in Elastic's layout: keys ranks from the alerts index, the API key coming from its
// environment variable; alerts ack and alerts case write back after --yes, journal it,
// and a second ack finds nothing to change.
func TestElasticKeysAndWriteBack(t *testing.T) {
	es := estest.New(t)
	ds := demo.Generate(demo.DefaultAnchor())
	if _, err := es.LoadNDJSON(estest.AlertsIndex("default"), bytes.NewReader(ds.Alerts)); err != nil {
		t.Fatal(err)
	}
	kb := kbtest.New(t, es)
	journal := filepath.Join(t.TempDir(), "journal.jsonl")
	env := []string{"KEYPIVOT_ELASTIC_API_KEY=" + es.APIKey(), "KEYPIVOT_JOURNAL=" + journal}

	r := kp(t, env, "keys", "--elastic", es.URL(), "--format", "json")
	if r.code != 0 {
		t.Fatalf("keys: exit %d: %s", r.code, r.stderr)
	}
	var rk investigate.Ranking
	if err := json.Unmarshal([]byte(r.stdout), &rk); err != nil {
		t.Fatal(err)
	}
	if rk.Demo || len(rk.Keys) == 0 || rk.Keys[0].Key.String() != ds.CompromisedKey {
		t.Fatalf("ranking from Elasticsearch: %+v", rk.Keys)
	}
	if es.Requests(estest.EndpointOpenPIT) == 0 {
		t.Errorf("the alerts were not paged through a point in time: %v", es.RequestLog())
	}

	// The same from the configuration file, named by KEYPIVOT_CONFIG.
	conf := filepath.Join(t.TempDir(), "config.json")
	b, _ := json.Marshal(map[string]string{"elastic": es.URL(), "elastic_api_key": es.APIKey()})
	if err := os.WriteFile(conf, b, 0o600); err != nil {
		t.Fatal(err)
	}
	fromConf := kp(t, []string{"KEYPIVOT_CONFIG=" + conf}, "keys", "--format", "json")
	if fromConf.code != 0 || strings.Contains(fromConf.stdout, `"demo": true`) || !strings.Contains(fromConf.stdout, ds.CompromisedKey) {
		t.Errorf("keys configured by %s: exit %d stderr %q", conf, fromConf.code, fromConf.stderr)
	}

	bad := kp(t, []string{"KEYPIVOT_ELASTIC_API_KEY=d3Jvbmc6a2V5"}, "keys", "--elastic", es.URL())
	if bad.code != exitError || !strings.Contains(bad.stderr, "Elasticsearch") {
		t.Errorf("a wrong API key: exit %d stderr %q", bad.code, bad.stderr)
	}

	w := []string{"--elastic", es.URL(), "--kibana", kb.URL()}
	plan := kp(t, env, append([]string{"alerts", "ack", ds.CompromisedKey, "--plan"}, w...)...)
	if plan.code != 0 || !strings.Contains(plan.stderr, "signals/status") || kb.Requests(kbtest.EndpointSignalsStatus) != 0 {
		t.Fatalf("--plan: exit %d, %d status requests, stderr %q", plan.code, kb.Requests(kbtest.EndpointSignalsStatus), plan.stderr)
	}
	noConfirm := kp(t, env, append([]string{"alerts", "ack", ds.CompromisedKey}, w...)...)
	if noConfirm.code != exitRefused || kb.Requests(kbtest.EndpointSignalsStatus) != 0 {
		t.Fatalf("without a terminal or --yes: exit %d, %d status requests", noConfirm.code, kb.Requests(kbtest.EndpointSignalsStatus))
	}
	ack := kp(t, env, append([]string{"alerts", "ack", ds.CompromisedKey, "--yes"}, w...)...)
	if ack.code != 0 || kb.Requests(kbtest.EndpointSignalsStatus) != 1 {
		t.Fatalf("ack: exit %d, %d status requests, stderr %q", ack.code, kb.Requests(kbtest.EndpointSignalsStatus), ack.stderr)
	}
	statuses := map[string]int{}
	for _, line := range bytes.Split(ds.Alerts, []byte("\n")) {
		if !bytes.Contains(line, []byte(ds.CompromisedKey)) {
			continue
		}
		var doc map[string]any
		if err := json.Unmarshal(line, &doc); err != nil {
			t.Fatal(err)
		}
		id, _ := field(doc, "kibana.alert.uuid").(string)
		d, ok := es.Get(estest.AlertsIndex("default"), id)
		if !ok {
			t.Fatalf("alert %s is not in the index", id)
		}
		st, _ := field(d.Source, "kibana.alert.workflow_status").(string)
		statuses[st]++
	}
	if statuses["acknowledged"] == 0 || statuses["open"] != 0 {
		t.Errorf("workflow statuses of the key's alerts after ack: %v, want none open", statuses)
	}
	again := kp(t, env, append([]string{"alerts", "ack", ds.CompromisedKey, "--yes"}, w...)...)
	if again.code != 0 || kb.Requests(kbtest.EndpointSignalsStatus) != 1 || !strings.Contains(again.stderr, "already") {
		t.Errorf("a second ack: exit %d, %d status requests, stderr %q", again.code, kb.Requests(kbtest.EndpointSignalsStatus), again.stderr)
	}

	cs := kp(t, env, append([]string{"alerts", "case", ds.CompromisedKey, "--yes", "--tag", "ir-42"}, w...)...)
	if cs.code != 0 {
		t.Fatalf("case: exit %d: %s", cs.code, cs.stderr)
	}
	cases := kb.Cases("default")
	if len(cases) != 1 {
		t.Fatalf("%d cases in Kibana, want 1", len(cases))
	}
	title, _ := cases[0]["title"].(string)
	desc, _ := cases[0]["description"].(string)
	if !strings.Contains(title, ds.CompromisedKey) || !strings.Contains(desc, ds.CompromisedKey) || !strings.Contains(jsonString(cases[0]["tags"]), "ir-42") {
		t.Errorf("case: title %q tags %v description %d chars", title, cases[0]["tags"], len(desc))
	}

	log := kp(t, env, "journal")
	if log.code != 0 || !strings.Contains(log.stdout, "acknowledged") || !strings.Contains(log.stdout, "case") {
		t.Errorf("journal after two writes: exit %d\n%s\n%s", log.code, log.stdout, log.stderr)
	}
}

// field reads a dotted field from a document whose fields are flat, nested or both.
func field(doc map[string]any, path string) any {
	if v, ok := doc[path]; ok {
		return v
	}
	for i := range len(path) {
		if path[i] != '.' {
			continue
		}
		if sub, ok := doc[path[:i]].(map[string]any); ok {
			if v := field(sub, path[i+1:]); v != nil {
				return v
			}
		}
	}
	return nil
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// keys ranks across sources: the demo's key correlated by Elastic's rule from the
// Elasticsearch test server, and a key that only GuardDuty flagged (its findings served by
// the GuardDuty test server, with moto answering STS), each with its basis and providers.
func TestKeysRankedAcrossElasticAndGuardDuty(t *testing.T) {
	es := estest.New(t)
	ds := demo.Generate(demo.DefaultAnchor())
	if _, err := es.LoadNDJSON(estest.AlertsIndex("default"), bytes.NewReader(ds.Alerts)); err != nil {
		t.Fatal(err)
	}
	srv := moto.Start(t)
	gd := gdtest.New(t, gdtest.WithAccountID(moto.Account))
	const gdKey = "AKIAGGWFBBHBE7D3M9WI" // the IAM user key of the sample findings
	if err := gd.AddFindings("us-east-1", gdtest.SampleFindings(moto.Account, "us-east-1", "")...); err != nil {
		t.Fatal(err)
	}
	env := awsEnv(t, srv, moto.AccessKeyID, "AWS_ENDPOINT_URL_GUARDDUTY="+gd.URL(), "KEYPIVOT_ELASTIC_API_KEY="+es.APIKey())
	r := kp(t, env, "keys", "--elastic", es.URL(), "--alerts", "guardduty:us-east-1", "--format", "json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var rk investigate.Ranking
	if err := json.Unmarshal([]byte(r.stdout), &rk); err != nil {
		t.Fatal(err)
	}
	got := map[string]investigate.KeySummary{}
	for _, k := range rk.Keys {
		got[k.Key.String()] = k
	}
	if k := got[ds.CompromisedKey]; k.Basis != investigate.BasisFirstSeen {
		t.Errorf("demo key: %+v", k)
	}
	if k := got[gdKey]; k.Basis != investigate.BasisAWSFinding || k.AWSFindings == 0 || !slices.Contains(k.Providers, investigate.ProviderGuardDuty) {
		t.Errorf("GuardDuty key: %+v", k)
	}
	if gd.Requests(gdtest.OpGetFindings) == 0 {
		t.Error("GuardDuty was not asked for findings")
	}
}
