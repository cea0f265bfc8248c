package athena

import (
	"strings"
	"testing"
	"time"

	"github.com/keypivot/keypivot/investigate"
)

const (
	key     = "AKIAIOSFODNN7EXAMPLE"
	session = "ASIAQNZGKIQY56JQ7WML"
)

// projected is AWS's partition-projected CloudTrail table (docs/athena.md).
var projected = Table{Database: "security", Name: "cloudtrail_logs_pp", PartitionKeys: []string{"timestamp"},
	Params: map[string]string{"projection.enabled": "true", "projection.timestamp.type": "date", "projection.timestamp.format": "yyyy/MM/dd",
		"projection.timestamp.range": "2020/01/01,NOW", "projection.timestamp.interval": "1", "projection.timestamp.interval.unit": "DAYS"}}

var window = investigate.Window{Since: time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC), Until: time.Date(2026, 3, 4, 18, 0, 0, 0, time.UTC)}

// stripLiterals removes every string literal (plain and U&) from sql, failing on an
// unterminated one: what is left is the statement's structure.
func stripLiterals(t *testing.T, sql string) string {
	t.Helper()
	var b strings.Builder
	for i := 0; i < len(sql); i++ {
		if sql[i] != '\'' {
			b.WriteByte(sql[i])
			continue
		}
		i++
		for ; ; i++ {
			if i >= len(sql) {
				t.Fatalf("unterminated literal in:\n%s", sql)
			}
			if sql[i] == '\'' {
				if i+1 < len(sql) && sql[i+1] == '\'' {
					i++
					continue
				}
				break
			}
		}
		b.WriteString("<lit>")
	}
	return b.String()
}

func TestSQLForAPartitionProjectedTable(t *testing.T) {
	sql, err := BuildSQL(projected, investigate.EventQuery{AccessKeys: investigate.KeyIDs(session, key), Window: window})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`FROM "security"."cloudtrail_logs_pp"`,
		`useridentity.accesskeyid IN ('AKIAIOSFODNN7EXAMPLE', 'ASIAQNZGKIQY56JQ7WML')`,
		`eventtime >= '2026-03-02T09:30:00Z'`,
		`eventtime < '2026-03-04T18:00:00Z'`,
		// Delivery folders: from the window's first day to a day after its end.
		`"timestamp" >= '2026/03/02'`,
		`"timestamp" <= '2026/03/05'`,
		`useridentity.sessioncontext.sessionissuer.arn AS ui_si_arn`,
	} {
		if !strings.Contains(sql, want) {
			t.Errorf("missing %s in:\n%s", want, sql)
		}
	}
	if strings.Contains(sql, "RunInstances") {
		t.Errorf("no key pairs asked for, yet:\n%s", sql)
	}
}

func TestSQLForYearMonthDayPartitionsAndNoPartitions(t *testing.T) {
	ymd := Table{Database: "db", Name: "ct", PartitionKeys: []string{"region", "year", "month", "day"}}
	sql, err := BuildSQL(ymd, investigate.EventQuery{AccessKeys: investigate.KeyIDs(key), Window: window})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`year >= '2026'`, `concat(year, '/', month, '/', day) >= '2026/03/02'`, `year <= '2026'`, `concat(year, '/', month, '/', day) <= '2026/03/05'`} {
		if !strings.Contains(sql, want) {
			t.Errorf("missing %s in:\n%s", want, sql)
		}
	}
	if l := LayoutOf(ymd); !l.YMD || l.DateKey != "" {
		t.Errorf("layout %+v", l)
	}
	plain := Table{Database: "db", Name: "ct"}
	sql, _ = BuildSQL(plain, investigate.EventQuery{AccessKeys: investigate.KeyIDs(key), Window: window})
	if strings.Contains(sql, "year") || strings.Contains(sql, `"timestamp"`) || !strings.Contains(sql, "eventtime >= ") {
		t.Errorf("unpartitioned table:\n%s", sql)
	}
	if !strings.Contains(LayoutOf(plain).Describe(), "whole table") {
		t.Errorf("describe %q", LayoutOf(plain).Describe())
	}
	// A projected date key under another name and format.
	hourly := Table{Database: "db", Name: "ct", PartitionKeys: []string{"account", "dt"},
		Params: map[string]string{"projection.dt.type": "date", "projection.dt.format": "yyyy-MM-dd-HH"}}
	sql, _ = BuildSQL(hourly, investigate.EventQuery{AccessKeys: investigate.KeyIDs(key), Window: window})
	if !strings.Contains(sql, `"dt" >= '2026-03-02-00'`) || !strings.Contains(sql, `"dt" <= '2026-03-05-18'`) {
		t.Errorf("hourly projection:\n%s", sql)
	}
}

func TestAttackerControlledKeyPairNamesCannotChangeTheStatement(t *testing.T) {
	evil := []investigate.KeyPairRef{
		{Name: `x' OR 1=1 --`, Region: "us-east-1"},
		{Name: "quote\"back\\slash", Region: "eu-west-1"},
		{Name: "new\nline\u202e'; DROP TABLE t; --", Region: "us-east-1"},
		{Name: "ops-2026", Region: "us-east-1"},
	}
	sql, err := BuildSQL(projected, investigate.EventQuery{AccessKeys: investigate.KeyIDs(key), KeyPairs: evil, Window: window})
	if err != nil {
		t.Fatal(err)
	}
	structure := stripLiterals(t, sql)
	for _, bad := range []string{"1=1", "DROP", "--", "back", "line"} {
		if strings.Contains(structure, bad) {
			t.Errorf("%q escaped its literal:\n%s", bad, sql)
		}
	}
	for _, want := range []string{
		`strpos(requestparameters, '"keyName":"x'' OR 1=1 --"') > 0`,
		`strpos(requestparameters, '"keyName":"quote\"back\\slash"') > 0`,
		`U&'"keyName":"new\\u000aline\202E''; DROP TABLE t; --"'`,
		`(awsregion = 'us-east-1' AND strpos(requestparameters, '"keyName":"ops-2026"') > 0)`,
		`eventsource = 'ec2.amazonaws.com' AND eventname = 'RunInstances'`,
	} {
		if !strings.Contains(sql, want) {
			t.Errorf("missing %s in:\n%s", want, sql)
		}
	}
	if _, err := BuildSQL(projected, investigate.EventQuery{AccessKeys: investigate.KeyIDs("AKIA' OR 1=1 --")}); err == nil {
		t.Error("a malformed key reached the SQL")
	}
	if _, err := BuildSQL(projected, investigate.EventQuery{}); err == nil {
		t.Error("an empty query would read the whole table")
	}
}

// The history of roles: IAM's role calls whose requestparameters name the role, by any
// signer; names go in literals, whatever they hold.
func TestSQLForARoleHistory(t *testing.T) {
	sql, err := BuildSQL(projected, investigate.EventQuery{Roles: []string{"ops-break-glass", `x' OR 1=1 --`, "ops-break-glass"}, Window: window})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`(eventsource = 'iam.amazonaws.com' AND eventname IN ('CreateRole', 'UpdateAssumeRolePolicy', 'DeleteRole', 'AttachRolePolicy', 'DetachRolePolicy', 'PutRolePolicy', 'DeleteRolePolicy')`,
		`AND json_extract_scalar(requestparameters, '$.roleName') IN ('ops-break-glass', 'x'' OR 1=1 --'))`,
		`"timestamp" >= '2026/03/02'`,
	} {
		if !strings.Contains(sql, want) {
			t.Errorf("missing %s in:\n%s", want, sql)
		}
	}
	if strings.Contains(sql, "accesskeyid IN") || strings.Contains(stripLiterals(t, sql), "1=1") {
		t.Errorf("role query:\n%s", sql)
	}
	// Beside keys, either matches.
	sql, _ = BuildSQL(projected, investigate.EventQuery{AccessKeys: investigate.KeyIDs(key), Roles: []string{"r"}})
	if !strings.Contains(sql, "useridentity.accesskeyid IN ('AKIAIOSFODNN7EXAMPLE')\n    OR (eventsource = 'iam.amazonaws.com'") {
		t.Errorf("keys and roles:\n%s", sql)
	}
}

func TestMissingColumnsAreSelectedAsNull(t *testing.T) {
	tb := projected
	tb.Columns = map[string]string{"eventtime": "string", "eventname": "string", "eventsource": "string",
		"useridentity": "struct<type:string,arn:string,accountid:string,accesskeyid:string>"}
	sql, _ := BuildSQL(tb, investigate.EventQuery{AccessKeys: investigate.KeyIDs(key)})
	if !strings.Contains(sql, "useridentity.accesskeyid AS ui_accesskeyid") || !strings.Contains(sql, "CAST(NULL AS varchar) AS ui_sc_creationdate") ||
		!strings.Contains(sql, "CAST(NULL AS varchar) AS requestparameters") {
		t.Errorf("columns:\n%s", sql)
	}
}

func TestJavaDateFormats(t *testing.T) {
	for java, want := range map[string]string{"yyyy/MM/dd": "2006/01/02", "yyyy-MM-dd-HH": "2006-01-02-15", "yyyyMMdd": "20060102"} {
		if got, ok := goLayout(java); !ok || got != want {
			t.Errorf("%s -> %q %v", java, got, ok)
		}
	}
	for _, bad := range []string{"", "EEE yyyy", "yyyy/MM/dd 'T'"} {
		if _, ok := goLayout(bad); ok {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestRecordRebuildsWhatDecodeRecordReads(t *testing.T) {
	names := []string{"eventtime", "eventsource", "eventname", "awsregion", "eventid", "readonly", "requestparameters", "responseelements",
		"ui_type", "ui_arn", "ui_accountid", "ui_accesskeyid", "ui_sc_creationdate", "ui_sc_mfa", "ui_si_type", "ui_si_arn", "errorcode"}
	s := func(v string) *string { return &v }
	vals := []*string{s("2026-03-02T10:00:00Z"), s("sts.amazonaws.com"), s("AssumeRole"), s("us-east-1"), s("ev-1"), s("true"),
		s(`{"roleArn":"arn:aws:iam::111122223333:role/ops","roleSessionName":"x"}`), s(`{"credentials":{"accessKeyId":"` + session + `"}}`),
		s("AssumedRole"), s("arn:aws:sts::111122223333:assumed-role/a/b"), s("111122223333"), s(key), s("2026-03-02T09:59:00Z"), s("false"),
		s("Role"), s("arn:aws:iam::111122223333:role/a"), nil}
	raw, err := Record(names, vals)
	if err != nil {
		t.Fatal(err)
	}
	e, err := investigate.DecodeRecord(raw)
	if err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	if e.Signer() != key || e.ID != "ev-1" || !e.ReadOnly || e.Identity.IssuerARN != "arn:aws:iam::111122223333:role/a" || e.ErrorCode != "" {
		t.Errorf("event %+v", e)
	}
	if sess, ok := investigate.IssuedSession(&e); !ok || sess.AccessKeyID != session {
		t.Errorf("session %+v %v from %s", sess, ok, raw)
	}
	if _, err := Record(names[:2], vals); err == nil {
		t.Error("a short row was accepted")
	}
}

func TestParseURL(t *testing.T) {
	if db, tb, err := ParseURL("athena://security.cloudtrail_logs_pp"); err != nil || db != "security" || tb != "cloudtrail_logs_pp" {
		t.Errorf("%q %q %v", db, tb, err)
	}
	for _, bad := range []string{"athena://db", "athena://db.", `athena://db.t"; DROP`, "s3://x.y"} {
		if _, _, err := ParseURL(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}
