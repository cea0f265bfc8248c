package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// ByteSize is a size typed on the command line: bytes, or a number with a unit (KB, MB,
// GB: powers of 1000; KiB, MiB, GiB: powers of 1024; K, M, G mean the binary units).
type ByteSize int64

var byteUnits = []struct {
	suffix string
	mult   int64
}{
	{"KIB", 1 << 10}, {"MIB", 1 << 20}, {"GIB", 1 << 30}, {"TIB", 1 << 40},
	{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12},
	{"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"T", 1 << 40}, {"B", 1},
}

// UnmarshalText implements encoding.TextUnmarshaler, which kong uses.
func (b *ByteSize) UnmarshalText(text []byte) error {
	s := strings.ToUpper(strings.TrimSpace(string(text)))
	mult := int64(1)
	for _, u := range byteUnits {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseFloat(s, 64)
	if err != nil || n <= 0 || n*float64(mult) > 1<<50 {
		return fmt.Errorf("%q is not a size: use bytes or a number with a unit (64MiB, 512MB, 2GiB)", string(text))
	}
	*b = ByteSize(n * float64(mult))
	return nil
}

// ScaleFlags tune archive scans and Athena.
type ScaleFlags struct {
	Workers  int    `name:"workers" placeholder:"N" help:"Parallel file reads for archives (default: all cores for local files, 8 per core for S3)."`
	Progress bool   `name:"progress" negatable:"" default:"true" help:"Show scan progress on stderr."`
	Accounts string `name:"accounts" placeholder:"all|ACCOUNT,..." default:"all" help:"Accounts whose folders are read in trail archives (local or S3); --regions prunes their regions the same way."`
	// MaxRecordSize bounds one record of a trail or alert file: a larger one is reported
	// (file and record) and streamed past, never held whole.
	MaxRecordSize ByteSize `name:"max-record-size" placeholder:"SIZE" default:"64MiB" help:"Largest single record read from a trail or alert file (64MiB, 512MB, ...); a larger one is reported and skipped."`
	// Index and CacheDir: the key index kept per archive (cmd_index.go).
	Index    bool   `name:"index" negatable:"" default:"true" help:"Keep a key index per trail archive (local or S3) in the cache directory: a later pivot over the same archive reads only the files that can hold its keys, and those new or changed (--no-index reads every file)."`
	CacheDir string `name:"cache-dir" env:"KEYPIVOT_CACHE_DIR" placeholder:"DIR" help:"keypivot's cache directory: key indexes in DIR/index, a cached ip-ranges.json in DIR (default: $XDG_CACHE_HOME/keypivot, ~/.cache/keypivot)."`

	AthenaWorkgroup string `name:"athena-workgroup" placeholder:"NAME" default:"primary" help:"Athena workgroup for --trail athena://DB.TABLE."`
	AthenaOutput    string `name:"athena-output" placeholder:"s3://BUCKET/PREFIX/" help:"Where Athena writes query results (default: the workgroup's setting)."`
	AthenaCatalog   string `name:"athena-catalog" placeholder:"NAME" default:"AwsDataCatalog" help:"Data catalog of the Athena table."`
	AthenaRegion    string `name:"athena-region" placeholder:"REGION" help:"Region of the Athena workgroup (default: --region)."`
}

var accountID = regexp.MustCompile(`^[0-9]{12}$`)

// accountList is --accounts as a list; nil means every account.
func (f *ScaleFlags) accountList() ([]string, error) {
	return allOrList("--accounts", f.Accounts, accountID, "an account id (12 digits)")
}

// archiveScope is the accounts and regions an archive's listing is pruned to.
func (g *Globals) archiveScope() (accounts, regions []string, err error) {
	if accounts, err = g.accountList(); err != nil {
		return nil, nil, err
	}
	regions, err = g.regionList()
	return accounts, regions, err
}

// cacheDir is keypivot's cache directory: --cache-dir (KEYPIVOT_CACHE_DIR) when given,
// else keypivot under the user's cache directory. The key indexes (DIR/index) and a
// cached ip-ranges.json (DIR/ip-ranges.json) are kept there.
func cacheDir(flag string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "keypivot"), nil
}
