package main

import (
	"context"
	"os"
	"strings"

	"github.com/keypivot/keypivot/aws/awsconfig"
	"github.com/keypivot/keypivot/elastic"
	"github.com/keypivot/keypivot/files/journal"
	"github.com/keypivot/keypivot/investigate"
)

// trailSources are the kinds of --trail value, tried top to bottom; a value none of them
// claims is a local file or directory (source_files.go).
var trailSources = sourceTable[investigate.EventSource]{
	flag: "--trail", want: "a path, lookup, s3://, athena:// or elastic",
	kinds: []sourceKind[investigate.EventSource]{
		{claims: named("lookup"), aws: true, open: openLookup},       // source_lookup.go
		{claims: prefixed("s3://"), aws: true, open: openS3Archive},  // source_s3.go
		{claims: prefixed("athena://"), aws: true, open: openAthena}, // source_athena.go
		{claims: named("elastic"), open: openElasticTrail},           // source_elastic.go
	},
	path: openTrailFiles,
}

// alertSources are the kinds of --alerts value, tried top to bottom; a value none of them
// claims is a local file or directory (source_files.go).
var alertSources = sourceTable[investigate.AlertSource]{
	flag: "--alerts", want: "a path, securityhub, guardduty, or --elastic URL",
	kinds: []sourceKind[investigate.AlertSource]{
		{claims: regional("securityhub"), aws: true, open: openSecurityHub}, // source_findings.go
		{claims: regional("guardduty"), aws: true, open: openGuardDuty},     // source_findings.go
		{claims: named("elastic"), open: openElasticAlerts},                 // source_elastic.go
	},
	path: openAlertFiles,
}

// Wiring is what a command runs on: the workspace, and how to act.
type Wiring struct {
	Workspace *investigate.Workspace
	// Remediator returns who acts for a case (the demo's simulated account, or AWS);
	// nil when nothing can act.
	Remediator func(ctx context.Context, c *investigate.Case) (investigate.Remediator, error)
	// JournalPath is where writes are journalled.
	JournalPath string
	ReadOnly    bool
	// Kibana is where write-back goes when it is not a configured Kibana: the demo's
	// simulated one (an interface: a typed nil pointer would look set).
	Kibana kibanaWriter
}

// kibanaWriter is a Kibana that write-back actions run on: elastic's, or the demo's.
type kibanaWriter interface {
	investigate.Remediator
	URL() string
}

// A sourceTable lists the kinds of value one source flag takes.
type sourceTable[S any] struct {
	flag  string          // --trail, --alerts
	want  string          // what the flag takes, for the error on a scheme no kind knows
	kinds []sourceKind[S] // in the order they are tried
	// path opens a value no kind claims and that names no scheme (kind://).
	path func(b *builder, spec string) (S, error)
}

// A sourceKind is one kind of source: which values it claims, and how it opens one.
type sourceKind[S any] struct {
	claims func(spec string) bool
	// aws kinds read AWS: each opener checks its value first (a bad one is a usage
	// error, before any credential is looked for or prompted), then takes the process's
	// one AWS session (builder.awsSession), so that every AWS adapter signs with the
	// same credentials and goes through the same read-only guard.
	aws  bool
	open func(b *builder, spec string) (S, error)
}

// named claims the value name; prefixed claims values starting with prefix; regional
// claims name and name:REGION,...
func named(name string) func(string) bool { return func(s string) bool { return s == name } }
func prefixed(prefix string) func(string) bool {
	return func(s string) bool { return strings.HasPrefix(s, prefix) }
}
func regional(name string) func(string) bool {
	return func(s string) bool { return s == name || strings.HasPrefix(s, name+":") }
}

// kind is the kind that claims spec, if any.
func (t sourceTable[S]) kind(spec string) (sourceKind[S], bool) {
	for _, k := range t.kinds {
		if k.claims(spec) {
			return k, true
		}
	}
	return sourceKind[S]{}, false
}

// usesAWS reports whether any of specs is of a kind that reads AWS.
func (t sourceTable[S]) usesAWS(specs []string) bool {
	for _, spec := range specs {
		if k, ok := t.kind(spec); ok && k.aws {
			return true
		}
	}
	return false
}

// open opens one value of the flag.
func (t sourceTable[S]) open(b *builder, spec string) (S, error) {
	var none S
	k, ok := t.kind(spec)
	if !ok {
		if scheme, _, found := strings.Cut(spec, "://"); found {
			return none, usageErr("%s %s: unknown source kind %q (want %s)", t.flag, spec, scheme, t.want)
		}
		return t.path(b, spec)
	}
	return k.open(b, spec)
}

// openAll opens each of specs; opened names them ("trail SPEC", "alerts SPEC").
func (t sourceTable[S]) openAll(b *builder, specs []string) (srcs []S, opened []string, err error) {
	for _, spec := range specs {
		src, err := t.open(b, spec)
		if err != nil {
			return nil, nil, err
		}
		srcs = append(srcs, src)
		opened = append(opened, strings.TrimPrefix(t.flag, "--")+" "+spec)
	}
	return srcs, opened, nil
}

// usesDemo reports whether no source at all is configured.
func (g *Globals) usesDemo() bool {
	return g.Demo || (len(g.Alerts) == 0 && len(g.Trail) == 0 && g.Elastic == "" && !g.awsRequested())
}

// wire builds the wiring for the flags: the demo when no source is configured, else the
// sources of --trail and --alerts, then those of --elastic, then what AWS adds (owner,
// live state, remediation) when AWS is requested. With AWS requested and no source, it
// is AWS alone: the owner lookup names the key's user.
func wire(ctx context.Context, g *Globals) (*Wiring, error) {
	jp := g.JournalPath
	if jp == "" {
		jp = journal.DefaultPath()
	}
	w := &Wiring{JournalPath: jp, ReadOnly: g.ReadOnly}
	if g.usesDemo() {
		if err := wireDemo(g, w); err != nil {
			return nil, err
		}
		return w, wireNetworks(g, w)
	}
	w.Workspace = &investigate.Workspace{Correlation: g.Correlation(), Window: g.Window()}
	b := &builder{ctx: ctx, g: g, w: w}
	if err := b.build(); err != nil {
		return nil, err
	}
	return w, wireNetworks(g, w)
}

// builder builds one wiring: it opens the sources of the flags and holds the clients they
// share, each made once (wire_aws.go, source_elastic.go).
type builder struct {
	ctx context.Context
	g   *Globals
	w   *Wiring

	session  *awsconfig.Session            // the process's AWS session
	accounts map[string]*awsconfig.Session // --account-profile's sessions, by account
	elastic  *elastic.Client
}

// build opens every source of the flags into the wiring's workspace: --trail's, then
// --alerts', then those --elastic and AWS add; the workspace's description names them.
func (b *builder) build() error {
	ws := b.w.Workspace
	trails, openedTrails, err := trailSources.openAll(b, b.g.Trail)
	if err != nil {
		return err
	}
	alerts, openedAlerts, err := alertSources.openAll(b, b.g.Alerts)
	if err != nil {
		return err
	}
	ws.Trails, ws.Alerts = trails, alerts
	var describe []string
	if opened := append(openedTrails, openedAlerts...); len(opened) > 0 {
		describe = append(describe, strings.Join(opened, ", "))
	}
	for _, add := range []func() (string, error){b.addElastic, b.addAWS} {
		desc, err := add()
		if err != nil {
			return err
		}
		if desc != "" {
			describe = append(describe, desc)
		}
	}
	ws.Describe = strings.Join(describe, "; ")
	return nil
}

// checkPath turns a missing local path into a usage error that names it.
func checkPath(flag, p string) error {
	if _, err := os.Stat(p); err != nil {
		if os.IsNotExist(err) {
			return usageErr("%s %s: no such file or directory", flag, p)
		}
		return usageErr("%s %s: %v", flag, p, err)
	}
	return nil
}
