package athena

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/keypivot/keypivot/files/cloudtrail"
	"github.com/keypivot/keypivot/investigate"
)

// Table is what the query needs to know about a CloudTrail table: its name, its
// partition keys and table properties (partition projection), and its columns (nil when
// unknown: the standard CloudTrail DDL is assumed).
type Table struct {
	Catalog, Database, Name string
	PartitionKeys           []string          // lower case, in order
	Params                  map[string]string // table properties (projection.*)
	Columns                 map[string]string // lower-case name -> type, lower case
}

// Layout is how the table is partitioned by date, if at all.
type Layout struct {
	// DateKey is a date partition column (the `timestamp` of AWS's partition-projected
	// table), with its Go time layout; empty when there is none.
	DateKey    string
	DateLayout string
	// YMD is set for tables partitioned by year, month and day columns.
	YMD bool
}

// Describe says how the table is partitioned, for notes.
func (l Layout) Describe() string {
	switch {
	case l.DateKey != "":
		return fmt.Sprintf("date partition %q (%s)", l.DateKey, l.DateLayout)
	case l.YMD:
		return "year/month/day partitions"
	}
	return "no date partition: the query reads the whole table (give a window and partition the table, see docs/athena.md)"
}

// LayoutOf detects the date partitioning of a table: a partition key with a date
// projection (projection.<key>.type = date and its format), a key named timestamp, dt or
// date, or year/month/day keys.
func LayoutOf(t Table) Layout {
	keys := map[string]bool{}
	for _, k := range t.PartitionKeys {
		keys[k] = true
	}
	for _, k := range t.PartitionKeys {
		if strings.EqualFold(t.Params["projection."+k+".type"], "date") {
			if gl, ok := goLayout(t.Params["projection."+k+".format"]); ok {
				return Layout{DateKey: k, DateLayout: gl}
			}
		}
	}
	for _, k := range []string{"timestamp", "dt", "date", "day"} {
		if keys[k] && !(k == "day" && keys["year"]) {
			format := t.Params["projection."+k+".format"]
			if format == "" {
				format = "yyyy/MM/dd"
			}
			if gl, ok := goLayout(format); ok {
				return Layout{DateKey: k, DateLayout: gl}
			}
		}
	}
	if keys["year"] && keys["month"] && keys["day"] {
		return Layout{YMD: true}
	}
	return Layout{}
}

var javaTokens = []struct{ java, golang string }{
	{"yyyy", "2006"}, {"MM", "01"}, {"dd", "02"}, {"HH", "15"}, {"mm", "04"}, {"ss", "05"},
}

// goLayout turns a Java date format (yyyy/MM/dd) into a Go layout; ok is false for
// formats with other letters.
func goLayout(java string) (string, bool) {
	if java == "" {
		return "", false
	}
	var b strings.Builder
outer:
	for i := 0; i < len(java); {
		for _, t := range javaTokens {
			if strings.HasPrefix(java[i:], t.java) {
				b.WriteString(t.golang)
				i += len(t.java)
				continue outer
			}
		}
		c := java[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '\'' {
			return "", false
		}
		b.WriteByte(c)
		i++
	}
	return b.String(), true
}

// column is one selected column: the SQL expression, its alias, and where it goes in
// the CloudTrail record rebuilt from the row.
type column struct {
	expr, alias string
	path        []string // record JSON path
}

var columns = []column{
	{"eventversion", "eventversion", []string{"eventVersion"}},
	{"eventtime", "eventtime", []string{"eventTime"}},
	{"eventsource", "eventsource", []string{"eventSource"}},
	{"eventname", "eventname", []string{"eventName"}},
	{"awsregion", "awsregion", []string{"awsRegion"}},
	{"sourceipaddress", "sourceipaddress", []string{"sourceIPAddress"}},
	{"useragent", "useragent", []string{"userAgent"}},
	{"errorcode", "errorcode", []string{"errorCode"}},
	{"errormessage", "errormessage", []string{"errorMessage"}},
	{"requestparameters", "requestparameters", []string{"requestParameters"}},
	{"responseelements", "responseelements", []string{"responseElements"}},
	{"additionaleventdata", "additionaleventdata", []string{"additionalEventData"}},
	{"requestid", "requestid", []string{"requestID"}},
	{"eventid", "eventid", []string{"eventID"}},
	{"readonly", "readonly", []string{"readOnly"}},
	{"eventtype", "eventtype", []string{"eventType"}},
	{"recipientaccountid", "recipientaccountid", []string{"recipientAccountId"}},
	{"useridentity.type", "ui_type", []string{"userIdentity", "type"}},
	{"useridentity.principalid", "ui_principalid", []string{"userIdentity", "principalId"}},
	{"useridentity.arn", "ui_arn", []string{"userIdentity", "arn"}},
	{"useridentity.accountid", "ui_accountid", []string{"userIdentity", "accountId"}},
	{"useridentity.accesskeyid", "ui_accesskeyid", []string{"userIdentity", "accessKeyId"}},
	{"useridentity.username", "ui_username", []string{"userIdentity", "userName"}},
	{"useridentity.invokedby", "ui_invokedby", []string{"userIdentity", "invokedBy"}},
	{"useridentity.sessioncontext.attributes.creationdate", "ui_sc_creationdate", []string{"userIdentity", "sessionContext", "attributes", "creationDate"}},
	{"useridentity.sessioncontext.attributes.mfaauthenticated", "ui_sc_mfa", []string{"userIdentity", "sessionContext", "attributes", "mfaAuthenticated"}},
	{"useridentity.sessioncontext.sessionissuer.type", "ui_si_type", []string{"userIdentity", "sessionContext", "sessionIssuer", "type"}},
	{"useridentity.sessioncontext.sessionissuer.arn", "ui_si_arn", []string{"userIdentity", "sessionContext", "sessionIssuer", "arn"}},
	{"useridentity.sessioncontext.sessionissuer.username", "ui_si_username", []string{"userIdentity", "sessionContext", "sessionIssuer", "userName"}},
	{"useridentity.sessioncontext.sessionissuer.accountid", "ui_si_accountid", []string{"userIdentity", "sessionContext", "sessionIssuer", "accountId"}},
}

// available reports whether the table has the column (nested struct fields are looked
// for in the struct's type); with no column list everything is assumed present.
func (t Table) available(expr string) bool {
	if t.Columns == nil {
		return true
	}
	parts := strings.Split(expr, ".")
	typ, ok := t.Columns[parts[0]]
	if !ok {
		return false
	}
	for _, p := range parts[1:] {
		if !strings.Contains(typ, p+":") {
			return false
		}
	}
	return true
}

var identRe = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_-]*$`)

// ValidName checks a database or table name from the command line.
func ValidName(s string) bool { return identRe.MatchString(s) }

// quoteIdent quotes an identifier for Athena (Trino): double quotes, doubled inside.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// quoteString makes a SQL string literal of any text. Printable ASCII goes in a plain
// literal with quotes doubled; anything else (control characters, non-ASCII) becomes a
// Unicode literal U&'...' with every such character escaped, so no value, whatever an
// attacker put in it, can end the literal or change the statement.
func quoteString(s string) string {
	plain := true
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			plain = false
			break
		}
	}
	if plain {
		return "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	var b strings.Builder
	b.WriteString("U&'")
	for len(s) > 0 {
		r, n := utf8.DecodeRuneInString(s)
		s = s[n:]
		switch {
		case r == '\'':
			b.WriteString("''")
		case r == '\\':
			b.WriteString(`\\`)
		case r >= 0x20 && r <= 0x7e:
			b.WriteRune(r)
		case r <= 0xffff:
			fmt.Fprintf(&b, `\%04X`, r)
		default:
			fmt.Fprintf(&b, `\+%06X`, r)
		}
	}
	b.WriteString("'")
	return b.String()
}

// jsonString is s as CloudTrail writes it in requestparameters (JSON string syntax).
func jsonString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// BuildSQL writes the query for q over table t: events signed by the keys,
// RunInstances calls that used the key pairs (matched on region, and on the key name in
// requestparameters; the source then checks each event exactly), and the history of the
// roles (the IAM calls of investigate.RoleHistoryEvents whose requestparameters name the
// role), inside the window, with the table's date partition bounded by the window
// padded for delivery lag.
func BuildSQL(t Table, q investigate.EventQuery) (string, error) {
	if q.Empty() {
		return "", fmt.Errorf("athena: a query needs keys, key pairs or roles (reading a whole table is not a pivot)")
	}
	var sel []string
	for _, c := range columns {
		if t.available(c.expr) {
			sel = append(sel, c.expr+" AS "+c.alias)
		} else {
			sel = append(sel, "CAST(NULL AS varchar) AS "+c.alias)
		}
	}
	var who []string
	if len(q.AccessKeys) > 0 {
		keys := investigate.KeyStrings(q.AccessKeys)
		sort.Strings(keys)
		var lits []string
		for _, k := range keys {
			if !investigate.IsAccessKeyID(k) {
				return "", fmt.Errorf("athena: %q is not an access key id", k)
			}
			lits = append(lits, quoteString(k))
		}
		who = append(who, "useridentity.accesskeyid IN ("+strings.Join(lits, ", ")+")")
	}
	if len(q.KeyPairs) > 0 {
		var pairs []string
		for _, p := range q.KeyPairs {
			pairs = append(pairs, fmt.Sprintf("(awsregion = %s AND strpos(requestparameters, %s) > 0)",
				quoteString(p.Region), quoteString(`"keyName":`+jsonString(p.Name))))
		}
		sort.Strings(pairs)
		who = append(who, "(eventsource = 'ec2.amazonaws.com' AND eventname = 'RunInstances' AND (\n      "+strings.Join(pairs, "\n      OR ")+"))")
	}
	if len(q.Roles) > 0 {
		who = append(who, roleHistorySQL(q.Roles))
	}
	where := []string{"(" + strings.Join(who, "\n    OR ") + ")"}
	w := q.Window
	if !w.Since.IsZero() {
		where = append(where, "eventtime >= "+quoteString(w.Since.UTC().Format("2006-01-02T15:04:05Z")))
	}
	if !w.Until.IsZero() {
		where = append(where, "eventtime < "+quoteString(w.Until.UTC().Format("2006-01-02T15:04:05Z")))
	}
	where = append(where, partitionPredicates(LayoutOf(t), w)...)
	from := quoteIdent(t.Database) + "." + quoteIdent(t.Name)
	if t.Catalog != "" && !strings.EqualFold(t.Catalog, "AwsDataCatalog") {
		from = quoteIdent(t.Catalog) + "." + from
	}
	return "SELECT " + strings.Join(sel, ",\n  ") + "\nFROM " + from + "\nWHERE " + strings.Join(where, "\n  AND ") + "\nORDER BY eventtime", nil
}

// partitionPredicates bound the date partition: a file delivered on day D holds events
// from D-DeliveryLag to D+1, so events of [since, until) sit in [since's day, until+lag].
func partitionPredicates(l Layout, w investigate.Window) []string {
	var out []string
	lo, hi := time.Time{}, time.Time{}
	if !w.Since.IsZero() {
		lo = w.Since.UTC().Truncate(24 * time.Hour)
	}
	if !w.Until.IsZero() {
		hi = w.Until.UTC().Add(cloudtrail.DeliveryLag)
	}
	switch {
	case l.DateKey != "":
		col := quoteIdent(l.DateKey)
		if !lo.IsZero() {
			out = append(out, col+" >= "+quoteString(lo.Format(l.DateLayout)))
		}
		if !hi.IsZero() {
			out = append(out, col+" <= "+quoteString(hi.Format(l.DateLayout)))
		}
	case l.YMD:
		day := "concat(year, '/', month, '/', day)"
		if !lo.IsZero() {
			out = append(out, "year >= "+quoteString(lo.Format("2006")), day+" >= "+quoteString(lo.Format("2006/01/02")))
		}
		if !hi.IsZero() {
			out = append(out, "year <= "+quoteString(hi.Format("2006")), day+" <= "+quoteString(hi.Format("2006/01/02")))
		}
	}
	return out
}

// roleHistorySQL is the condition for the history of roles: the IAM calls of
// investigate.RoleHistoryEvents, by any signer, whose requestparameters.roleName is one
// of them.
func roleHistorySQL(roles []string) string {
	var names, lits []string
	for _, n := range investigate.RoleHistoryEvents {
		names = append(names, quoteString(n))
	}
	for _, r := range roles {
		if l := quoteString(r); !slices.Contains(lits, l) {
			lits = append(lits, l)
		}
	}
	sort.Strings(lits)
	return "(eventsource = 'iam.amazonaws.com' AND eventname IN (" + strings.Join(names, ", ") + ")\n      AND json_extract_scalar(requestparameters, '$.roleName') IN (" + strings.Join(lits, ", ") + "))"
}
