package guardduty

import (
	"cmp"
	_ "embed"
	"encoding/json"
	"fmt"
)

// shapesJSON is the part of botocore's GuardDuty model reachable from Finding, in
// botocore's format, written by gen_shapes.go.
//
//go:embed shapes.json
var shapesJSON []byte

// shapes is that model by shape name.
var shapes = mustLoadShapes(shapesJSON)

type shapeKind byte

const (
	kindStruct shapeKind = iota + 1
	kindList
	kindMap
	kindTimestamp
)

type member struct {
	wire  string // the JSON name on the wire
	shape string
}

type shape struct {
	kind    shapeKind
	members map[string]member // structures: member name -> wire name and shape
	elem    string            // lists and maps: the element / value shape
}

// mustLoadShapes reads the model; the embedded file is generated, so a fault in it is a
// bug that stops the package.
func mustLoadShapes(b []byte) map[string]shape {
	type ref struct {
		Shape        string `json:"shape"`
		LocationName string `json:"locationName"`
	}
	var model struct {
		Shapes map[string]struct {
			Type    string         `json:"type"`
			Members map[string]ref `json:"members"`
			Member  *ref           `json:"member"`
			Value   *ref           `json:"value"`
		} `json:"shapes"`
	}
	if err := json.Unmarshal(b, &model); err != nil {
		panic(fmt.Sprintf("guardduty testserver: shapes.json: %v", err))
	}
	kinds := map[string]shapeKind{"structure": kindStruct, "list": kindList, "map": kindMap, "timestamp": kindTimestamp}
	out := make(map[string]shape, len(model.Shapes))
	for name, s := range model.Shapes {
		sh := shape{kind: kinds[s.Type]}
		switch {
		case sh.kind == 0:
			panic(fmt.Sprintf("guardduty testserver: shapes.json: %s has type %q", name, s.Type))
		case s.Members != nil:
			sh.members = make(map[string]member, len(s.Members))
			for m, r := range s.Members {
				sh.members[m] = member{wire: cmp.Or(r.LocationName, m), shape: r.Shape}
			}
		case s.Member != nil:
			sh.elem = s.Member.Shape
		case s.Value != nil:
			sh.elem = s.Value.Shape
		}
		out[name] = sh
	}
	return out
}
