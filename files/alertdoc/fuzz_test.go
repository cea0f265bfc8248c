package alertdoc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keypivot/keypivot/investigate"
)

// fuzzSeeds are real-shaped inputs and the malformed ones the tests know.
func fuzzSeeds(f *testing.F) [][]byte {
	seeds := [][]byte{
		[]byte(`{"kibana.alert.rule.name":"R","source":{"ip":["1.2.3.4"]},"kibana.alert":{"rule":{"rule_id":"x"}}}` + "\n"),
		[]byte(`{"_id":"a","_source":{"kibana.alert.uuid":"u"}}` + "\n" + `{bad` + "\n"),
		[]byte(`{"index":{"_id":"a"}}` + "\n" + `{"kibana.alert.rule.name":"R"}`),
		[]byte(`{"hits":{"hits":[{"_id":"a","_source":{"kibana.alert.rule.name":"R"}}]}}`),
		[]byte(`{"values":[["R"]],"columns":[{"name":"kibana.alert.rule.name","type":"keyword"}]}`),
		[]byte(`{"Findings":[{"Id":"x","Type":"T","Service":{"Action":{"PortProbeAction":{"PortProbeDetails":[{"RemoteIpDetails":{"IpAddressV4":"1.1.1.1"}}]}}}}]}`),
		[]byte(`{"findings":[{"id":"x","type":"T","service":{"archived":"true"},"severity":"9.5"}]}`),
		[]byte(`[{"SchemaVersion":"2018-10-08","Id":"x","ProductArn":"p","GeneratorId":"g","Resources":[{"Type":"AwsIamAccessKey","Id":"AWS::IAM::AccessKey:"}]}]`),
		[]byte(`{"detail-type":"x","source":"aws.securityhub","detail":{"findings":[1,{}]}}`),
		[]byte(`{"Records":[{"eventName":"x","eventSource":"y"}]}`),
		[]byte("[1, null, \"s\", [[[[[[{}]]]]]]]"),
		[]byte("{\n  \"a\": 1\n}\n{\n  \"kibana.alert.uuid\": \"u\"\n}"),
		[]byte("\ufeff\x1f\x8b"),
		[]byte(""),
		[]byte("not json"),
		[]byte(`{"kibana.alert.rule.name":"R","@timestamp":1772442887,"kibana.alert.risk_score":"high","source.ip":["1.1.1.1","2.2.2.2"]}` + "\n"),
		[]byte(`[{"Id":"x","Type":"T","Service":{"EventLastSeen":{}},"Severity":"9"},{"Id":{},"Type":"T","Service":{}}]`),
		[]byte(`{"took":1,"hits":{"hits":[{"_id":"a","_source":{"kibana.alert.rule.name":"R","x":"` + strings.Repeat("y", 100) + `"}}]}}`),
		[]byte("{\"kibana.alert.rule.name\":\"R\",\"" + strings.Repeat("k", 80) + "\":1}\n[1,\"\\\"\"]"),
	}
	for _, name := range []string{"alert-first-seen.json", "alert-higher-order.json", "alert-bedrock-sequence.json", "esql-response.json", "guardduty-get-findings.json", "guardduty-rest.json", "securityhub-get-findings.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, b)
	}
	return seeds
}

// FuzzParse: no input makes Parse panic (parseFile's recover would turn a panic into an
// "internal error" problem, which fails here), and the report stays consistent.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
		f.Add(gz(f, s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		check := func(data []byte, limit int) investigate.SourceReport {
			var n int64
			rep, _ := parseFile(context.Background(), "f", bytes.NewReader(data), investigate.AlertQuery{}, func(b []investigate.Alert) {
				n += int64(len(b))
				for _, a := range b {
					if !strings.HasPrefix(a.Origin, "f") {
						t.Fatalf("origin %q", a.Origin)
					}
				}
			}, limit)
			if n != rep.Matched || rep.Matched > rep.Records {
				t.Fatalf("sink got %d, Matched %d, Records %d", n, rep.Matched, rep.Records)
			}
			if rep.Records > 0 && rep.Span.Since.After(rep.Span.Until) {
				t.Fatalf("span %v", rep.Span)
			}
			if len(rep.Problems) > MaxProblemsPerFile+1 {
				t.Fatalf("%d problems", len(rep.Problems))
			}
			for _, p := range rep.Problems {
				if strings.Contains(p.Message, "internal error while reading this file") { // parseFile's recover
					t.Fatalf("panic: %s", p.Message)
				}
			}
			return rep
		}
		plain := check(data, 0)
		if !bytes.HasPrefix(data, []byte{0x1f, 0x8b}) {
			// gzip is transparent: the same alerts come out.
			if zipped := check(gz(t, data), 0); zipped.Records != plain.Records || zipped.Matched != plain.Matched {
				t.Fatalf("plain read %d/%d, gzip %d/%d", plain.Records, plain.Matched, zipped.Records, zipped.Matched)
			}
		}
		// A small record limit only ever leaves records out.
		if small := check(data, 64); small.Records > plain.Records {
			t.Fatalf("with a 64-byte limit %d records, without %d", small.Records, plain.Records)
		}
	})
}

// FuzzDoc: the getter and the mappers never panic on any document or path, and the
// getters agree with each other.
func FuzzDoc(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s, "kibana.alert.rule.name")
		f.Add(s, "Service.Action.PortProbeAction.PortProbeDetails.RemoteIpDetails.IpAddressV4")
	}
	f.Add([]byte(`{"a":{"b.c":[{"D":1}]},"a.b":{"c":{"d":null}}}`), "a.b.c.d")
	f.Add([]byte(`{"":{"":""}}`), ".")
	f.Fuzz(func(t *testing.T, data []byte, path string) {
		if len(path) > 256 {
			return
		}
		var m map[string]any
		if json.Unmarshal(data, &m) != nil {
			return
		}
		d := Doc(m)
		v, ok := d.Get(path)
		if ok != (v != nil) {
			t.Fatalf("Get = %v, %v", v, ok)
		}
		if d.Str(path) != "" && !ok {
			t.Fatal("Str found what Get did not")
		}
		if len(d.Strs(path)) > 0 && !ok {
			t.Fatal("Strs found what Get did not")
		}
		d.Float(path)
		d.Bool(path)
		d.Time(path)
		d.Object(path)
		d.Objects(path)
		for _, mapper := range []func(map[string]any) (investigate.Alert, []FieldProblem, error){
			func(m map[string]any) (investigate.Alert, []FieldProblem, error) { return MapElastic(m, "id", "ix") },
			MapGuardDuty,
			MapASFF,
		} {
			a, bad, err := mapper(m)
			if err == nil && a.Provider == "" {
				t.Fatal("mapped alert without provider")
			}
			var ue *UnusableError
			if errors.As(err, &ue) && (len(ue.Problems) == 0 || len(bad) != len(ue.Problems)) {
				t.Fatalf("dropped without a reason: %v", err)
			}
			if err == nil && !a.Time.IsZero() && a.Time.Before(minAlertTime) {
				t.Fatalf("implausible time kept: %v", a.Time)
			}
		}
	})
}
