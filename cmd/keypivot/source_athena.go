package main

import (
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/athena"

	athenasrc "github.com/keypivot/keypivot/aws/athena"
	"github.com/keypivot/keypivot/investigate"
)

// openAthena opens --trail athena://DATABASE.TABLE: a CloudTrail table in Athena, queried
// on the process's AWS session (docs/athena.md).
func openAthena(b *builder, spec string) (investigate.EventSource, error) {
	db, table, err := athenasrc.ParseURL(spec)
	if err != nil {
		return nil, usageErr("--trail %s: %v", spec, err)
	}
	g := b.g
	if o := g.AthenaOutput; o != "" && !strings.HasPrefix(o, "s3://") {
		return nil, usageErr("--athena-output %s: want s3://BUCKET/PREFIX/", o)
	}
	s, err := b.awsSession()
	if err != nil {
		return nil, err
	}
	client := athena.NewFromConfig(s.Config, func(o *athena.Options) {
		if g.AthenaRegion != "" {
			o.Region = g.AthenaRegion
		}
	})
	return &athenasrc.Source{Client: client, Catalog: g.AthenaCatalog, Database: db, Table: table,
		Workgroup: g.AthenaWorkgroup, OutputLocation: g.AthenaOutput}, nil
}
