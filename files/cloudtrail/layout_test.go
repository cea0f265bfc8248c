package cloudtrail

import (
	"path"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The layout as a regular expression: ParseLayout is written out for speed and must
// agree with it on every path.
var (
	layoutRe = regexp.MustCompile(`(?:^|/)AWSLogs/(?:(o-[a-z0-9]+)/)?(\d{12})/(CloudTrail|CloudTrail-Digest|CloudTrail-Insight)/([a-z0-9-]+)/(\d{4})/(\d{2})/(\d{2})(?:/|$)`)
	nameRe   = regexp.MustCompile(`_(\d{8}T\d{4}Z)_`)
)

func parseLayoutRe(p string) (LogFile, bool) {
	p = strings.ReplaceAll(p, "\\", "/")
	m := layoutRe.FindStringSubmatch(p)
	if m == nil {
		return LogFile{}, false
	}
	day, err := time.Parse("2006/01/02", m[5]+"/"+m[6]+"/"+m[7])
	if err != nil {
		return LogFile{}, false
	}
	lf := LogFile{Org: m[1], Account: m[2], Region: m[4], Day: day, Digest: m[3] != "CloudTrail"}
	if n := nameRe.FindStringSubmatch(path.Base(p)); n != nil {
		if t, err := time.Parse("20060102T1504Z", n[1]); err == nil {
			lf.Delivery = t
		}
	}
	return lf, true
}

var layoutCases = []string{
	"AWSLogs/123456789012/CloudTrail/us-east-1/2026/03/02/123456789012_CloudTrail_us-east-1_20260302T0005Z_abcd.json.gz",
	"bucket/prefix/AWSLogs/o-abc123/123456789012/CloudTrail/eu-west-1/2026/03/02/x_20260302T2355Z_y.json.gz",
	"AWSLogs/o-abc123/123456789012/CloudTrail-Digest/eu-west-1/2026/03/02/x.json.gz",
	"AWSLogs/123456789012/CloudTrail-Insight/eu-west-1/2026/03/02",
	"AWSLogs/123456789012/CloudTrail/eu-west-1/2026/02/30/x.json.gz",
	"AWSLogs/123456789012/CloudTrail/eu-west-1/2026/3/02/x.json.gz",
	"AWSLogs/12345678901/CloudTrail/eu-west-1/2026/03/02/x.json.gz",
	"AWSLogs/1234567890123/CloudTrail/eu-west-1/2026/03/02/x.json.gz",
	"myAWSLogs/123456789012/CloudTrail/eu-west-1/2026/03/02/x.json.gz",
	"myAWSLogs/x/AWSLogs/123456789012/CloudTrail/eu-west-1/2026/03/02/x.json.gz",
	"AWSLogs/o-/123456789012/CloudTrail/eu-west-1/2026/03/02/x.json.gz",
	"AWSLogs/o-ABC/123456789012/CloudTrail/eu-west-1/2026/03/02/x.json.gz",
	"AWSLogs/123456789012/CloudTrail/EU-west-1/2026/03/02/x.json.gz",
	"AWSLogs/123456789012/CloudTrail//2026/03/02/x.json.gz",
	"AWSLogs/123456789012/CloudTrail/eu-west-1/2026/03/02x/x.json.gz",
	"AWSLogs/123456789012/Config/eu-west-1/2026/03/02/x.json.gz",
	"AWSLogs/123456789012/CloudTrail/eu-west-1/2026/03/02/x_20261302T0005Z_y.json.gz",
	"AWSLogs/123456789012/CloudTrail/eu-west-1/2026/03/02/x_2026030T0005Z_20260302T0010Z_y.json.gz",
	`C:\trails\AWSLogs\123456789012\CloudTrail\us-east-1\2026\03\02\x_20260302T0005Z_y.json.gz`,
	"AWSLogs/123456789012/CloudTrail/us-east-1/2026/03/02",
	"AWSLogs/123456789012/CloudTrail/us-east-1/2026/03",
	"AWSLogs/x/AWSLogs/123456789012/CloudTrail/us-east-1/2026/03/02/a",
	"",
	"AWSLogs/",
}

func TestParseLayoutAgreesWithTheExpression(t *testing.T) {
	for _, p := range layoutCases {
		got, gok := ParseLayout(p)
		want, wok := parseLayoutRe(p)
		if gok != wok || got != want {
			t.Errorf("%q: ParseLayout %+v %v, the expression %+v %v", p, got, gok, want, wok)
		}
	}
}

func FuzzParseLayout(f *testing.F) {
	for _, p := range layoutCases {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, p string) {
		got, gok := ParseLayout(p)
		want, wok := parseLayoutRe(p)
		if gok != wok || got != want {
			t.Errorf("%q: ParseLayout %+v %v, the expression %+v %v", p, got, gok, want, wok)
		}
	})
}
