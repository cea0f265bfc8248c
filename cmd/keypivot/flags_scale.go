package main

// ScaleFlags tune archive scans and Athena.
type ScaleFlags struct {
	Workers  int  `name:"workers" placeholder:"N" help:"Parallel file reads for archives (default: all cores for local files, 8 per core for S3)."`
	Progress bool `name:"progress" negatable:"" default:"true" help:"Show scan progress on stderr."`

	AthenaWorkgroup string `name:"athena-workgroup" placeholder:"NAME" default:"primary" help:"Athena workgroup for --trail athena://DB.TABLE."`
	AthenaOutput    string `name:"athena-output" placeholder:"s3://BUCKET/PREFIX/" help:"Where Athena writes query results (default: the workgroup's setting)."`
	AthenaCatalog   string `name:"athena-catalog" placeholder:"NAME" default:"AwsDataCatalog" help:"Data catalog of the Athena table."`
	AthenaRegion    string `name:"athena-region" placeholder:"REGION" help:"Region of the Athena workgroup (default: --region)."`
}
