package main

import (
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/athena"

	athenasrc "github.com/keypivot/keypivot/aws/athena"
	"github.com/keypivot/keypivot/investigate"
)

// --trail athena://DATABASE.TABLE: a CloudTrail table in Athena (docs/athena.md).
func init() {
	trailOpeners = append(trailOpeners, func(e *env, spec string) (investigate.EventSource, bool, error) {
		if !strings.HasPrefix(spec, "athena://") {
			return nil, false, nil
		}
		db, table, err := athenasrc.ParseURL(spec)
		if err != nil {
			return nil, true, usageErr("--trail %s: %v", spec, err)
		}
		if o := e.g.AthenaOutput; o != "" && !strings.HasPrefix(o, "s3://") {
			return nil, true, usageErr("--athena-output %s: want s3://BUCKET/PREFIX/", o)
		}
		cfg, err := archiveAWSConfig(e)
		if err != nil {
			return nil, true, err
		}
		client := athena.NewFromConfig(cfg, func(o *athena.Options) {
			if e.g.AthenaRegion != "" {
				o.Region = e.g.AthenaRegion
			}
		})
		return &athenasrc.Source{Client: client, Catalog: e.g.AthenaCatalog, Database: db, Table: table,
			Workgroup: e.g.AthenaWorkgroup, OutputLocation: e.g.AthenaOutput}, true, nil
	})
}
