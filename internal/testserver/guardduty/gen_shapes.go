//go:build ignore

// gen_shapes writes shapes.json: the part of the GuardDuty API model (botocore's
// service-2.json, the model the AWS CLI prints findings with) reachable from the
// Finding shape, in botocore's own format, so that FromCLI can map the CLI's PascalCase
// member names onto the wire's JSON names without guessing. It keeps the structures,
// lists, maps and timestamps, and of each only what FromCLI reads (type; members' shape
// and locationName; a list's member and a map's value), one shape a line.
//
//	go run gen_shapes.go -model $(python3 -c 'import botocore,os;print(os.path.dirname(botocore.__file__))')/data/guardduty/2017-11-28/service-2.json.gz
package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"io"
	"log"
	"os"
	"sort"
	"strings"
)

type member struct {
	Shape        string `json:"shape"`
	LocationName string `json:"locationName,omitempty"`
}

type shape struct {
	Type    string            `json:"type"`
	Members map[string]member `json:"members,omitempty"`
	Member  *member           `json:"member,omitempty"`
	Value   *member           `json:"value,omitempty"`
}

func main() {
	model := flag.String("model", "", "path to botocore guardduty service-2.json(.gz)")
	out := flag.String("out", "shapes.json", "output file")
	flag.Parse()
	f, err := os.Open(*model)
	if err != nil {
		log.Fatal(err)
	}
	var r io.Reader = f
	if strings.HasSuffix(*model, ".gz") {
		if r, err = gzip.NewReader(f); err != nil {
			log.Fatal(err)
		}
	}
	var doc struct {
		Metadata map[string]any   `json:"metadata"`
		Shapes   map[string]shape `json:"shapes"`
	}
	if err := json.NewDecoder(r).Decode(&doc); err != nil {
		log.Fatal(err)
	}
	seen := map[string]bool{}
	var walk func(string)
	walk = func(n string) {
		if seen[n] {
			return
		}
		seen[n] = true
		s := doc.Shapes[n]
		switch s.Type {
		case "structure":
			for _, m := range s.Members {
				walk(m.Shape)
			}
		case "list":
			walk(s.Member.Shape)
		case "map":
			walk(s.Value.Shape)
		}
	}
	walk("Finding")
	var names []string
	for n := range seen {
		switch doc.Shapes[n].Type {
		case "structure", "list", "map", "timestamp":
			names = append(names, n)
		}
	}
	sort.Strings(names)
	var b bytes.Buffer
	meta, _ := json.Marshal(map[string]any{"apiVersion": doc.Metadata["apiVersion"], "generatedBy": "gen_shapes.go from botocore's GuardDuty model"})
	b.WriteString(`{"metadata":` + string(meta) + `,` + "\n" + `"shapes":{` + "\n")
	for i, n := range names {
		s := doc.Shapes[n]
		name, _ := json.Marshal(n)
		body, err := json.Marshal(s)
		if err != nil {
			log.Fatal(err)
		}
		sep := ",\n"
		if i == len(names)-1 {
			sep = "\n"
		}
		b.WriteString(string(name) + ":" + string(body) + sep)
	}
	b.WriteString("}}\n")
	if !json.Valid(b.Bytes()) {
		log.Fatal("gen_shapes wrote invalid JSON")
	}
	if err := os.WriteFile(*out, b.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
}
