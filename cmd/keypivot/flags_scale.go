package main

import (
	"regexp"
	"strings"
)

// ScaleFlags tune archive scans and Athena.
type ScaleFlags struct {
	Workers  int    `name:"workers" placeholder:"N" help:"Parallel file reads for archives (default: all cores for local files, 8 per core for S3)."`
	Progress bool   `name:"progress" negatable:"" default:"true" help:"Show scan progress on stderr."`
	Accounts string `name:"accounts" placeholder:"all|ACCOUNT,..." default:"all" help:"Accounts whose folders are read in trail archives (local or S3); --regions prunes their regions the same way."`

	AthenaWorkgroup string `name:"athena-workgroup" placeholder:"NAME" default:"primary" help:"Athena workgroup for --trail athena://DB.TABLE."`
	AthenaOutput    string `name:"athena-output" placeholder:"s3://BUCKET/PREFIX/" help:"Where Athena writes query results (default: the workgroup's setting)."`
	AthenaCatalog   string `name:"athena-catalog" placeholder:"NAME" default:"AwsDataCatalog" help:"Data catalog of the Athena table."`
	AthenaRegion    string `name:"athena-region" placeholder:"REGION" help:"Region of the Athena workgroup (default: --region)."`
}

var accountID = regexp.MustCompile(`^[0-9]{12}$`)

// accountList is --accounts as a list; nil means every account.
func (f *ScaleFlags) accountList() ([]string, error) {
	v := strings.TrimSpace(f.Accounts)
	if v == "" || v == "all" {
		return nil, nil
	}
	var out []string
	for _, a := range strings.Split(v, ",") {
		a = strings.TrimSpace(a)
		if a == "" {
			continue
		}
		if !accountID.MatchString(a) {
			return nil, usageErr("--accounts %s: %q is not an account id (12 digits), nor \"all\"", f.Accounts, a)
		}
		out = append(out, a)
	}
	return out, nil
}

// archiveScope is the accounts and regions an archive's listing is pruned to.
func (g *Globals) archiveScope() (accounts, regions []string, err error) {
	if accounts, err = g.accountList(); err != nil {
		return nil, nil, err
	}
	regions, err = g.regionList()
	return accounts, regions, err
}
