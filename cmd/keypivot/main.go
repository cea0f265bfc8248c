// Command keypivot is a terminal workbench for triaging a suspicious AWS access key:
// `keypivot` opens the workbench, `keypivot keys` ranks keys correlated with elevated
// alerts, `keypivot pivot AKIA...` prints the case for one key, `keypivot deactivate`
// contains it. With no source configured it runs on an embedded demo case.
//
// It holds no logic: flags, subcommands, and the table (sources.go) that wires the
// adapters (aws, elastic, files, internal/demo) into investigate's interfaces for the
// faces (text reports, the tui). It is the only package that imports them all.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/alecthomas/kong"

	"github.com/keypivot/keypivot/elastic"
	"github.com/keypivot/keypivot/investigate"
	"github.com/keypivot/keypivot/investigate/sanitize"
)

// Exit codes (documented in README.md).
const (
	exitOK      = 0
	exitError   = 1 // a source could not be read at all, or an action failed
	exitUsage   = 2 // bad flags or arguments (a malformed key id included)
	exitPartial = 3 // output produced, but some input could not be read (see coverage)
	exitRefused = 4 // a remediation was refused or not confirmed
)

// CLI is the command line.
type CLI struct {
	Globals

	Tui        TUICmd        `cmd:"" default:"withargs" help:"Open the interactive workbench (the default)."`
	Keys       KeysCmd       `cmd:"" help:"Rank access keys correlated with elevated alerts."`
	Pivot      PivotCmd      `cmd:"" help:"Print the whole case for one access key."`
	Deactivate DeactivateCmd `cmd:"" help:"Deactivate an access key (after you type its id)."`
	Reactivate ReactivateCmd `cmd:"" help:"Reactivate an access key deactivated by mistake (the undo)."`
	Journal    JournalCmd    `cmd:"" help:"Show the remediation journal, or complete actions a crash interrupted."`
	Undo       UndoCmd       `cmd:"" help:"Undo a completed action of the journal (after you type the key id)."`
	Alerts     AlertsCmd     `cmd:"" help:"Write back to Kibana: acknowledge, close or reopen the key's Elastic alerts, or open a case (after you type the key id)."`
	Watch      WatchCmd      `cmd:"" help:"After containment, watch for any use of a key, its child keys and its sessions after the cut-off."`
	Index      IndexCmd      `cmd:"" help:"Build the key index of a trail archive (a folder or s3://BUCKET/PREFIX): later pivots over it read only the files that can hold their keys."`
	Version    VersionCmd    `cmd:"" help:"Print the version."`
}

// exitError carries an exit code through kong.
type exitCodeError struct {
	code int
	err  error
}

func (e *exitCodeError) Error() string { return e.err.Error() }
func (e *exitCodeError) Unwrap() error { return e.err }

func withCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &exitCodeError{code: code, err: err}
}

func usageErr(format string, args ...any) error {
	return &exitCodeError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func configPaths() []string {
	var paths []string
	if p := os.Getenv("KEYPIVOT_CONFIG"); p != "" {
		paths = append(paths, p)
	}
	if dir, err := os.UserConfigDir(); err == nil {
		paths = append(paths, filepath.Join(dir, "keypivot", "config.json"))
	}
	return paths
}

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	defer startProfile()()
	registerSecrets(args)
	var cli CLI
	parser, err := kong.New(&cli,
		kong.Name("keypivot"),
		kong.Description("Triage a suspicious AWS access key: correlate alerts by key, follow what it did and what it left behind, and switch it off behind confirmation."),
		kong.UsageOnError(),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true}),
		kong.PostBuild(hideSharedFlags),
		kong.Configuration(kong.JSON, configPaths()...),
		kong.Vars{"version": version, "first_seen_rule": investigate.FirstSeenRuleID, "higher_order_rule": investigate.CorrelatedKeyRuleID},
		kong.Exit(func(code int) { panic(exitPanic(code)) }),
	)
	if err != nil {
		printError(err)
		return exitError
	}
	code := exitOK
	func() {
		defer func() {
			if r := recover(); r != nil {
				if c, ok := r.(exitPanic); ok {
					code = int(c)
					return
				}
				panic(r)
			}
		}()
		kctx, err := parser.Parse(args)
		// The flags, environment and configuration file are read (even when the command
		// line is refused): their secrets are masked in everything printed from now on.
		elastic.RegisterSecrets(cli.elasticConfig())
		if err != nil {
			if uerr := unknownCommand(parser.Model, args); uerr != nil {
				err = uerr
			}
			printError(err)
			code = exitUsage
			return
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		kctx.BindTo(ctx, (*context.Context)(nil))
		if err := kctx.Run(&cli.Globals); err != nil {
			var ec *exitCodeError
			if errors.As(err, &ec) {
				code = ec.code
				if ec.err != nil && ec.err.Error() != "" {
					printError(ec.err)
				}
				return
			}
			printError(err)
			code = exitError
		}
	}()
	return code
}

type exitPanic int

// printError prints an error line. Errors quote what they were given, and wrapped
// net/http, SDK and Elasticsearch errors quote URLs: every line is redacted (passwords
// in URLs, Authorization values, registered secrets) and made safe for the terminal.
func printError(err error) {
	fmt.Fprintln(os.Stderr, "keypivot:", sanitize.Multiline(sanitize.Redact(err.Error())))
}

// secretEnv are the variables that hold a secret keypivot or the AWS SDK reads.
var secretEnv = []string{
	"KEYPIVOT_ELASTIC_API_KEY", "KEYPIVOT_ELASTIC_PASSWORD",
	"AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
}

// secretFlags are the flags whose value is a secret.
var secretFlags = map[string]bool{"--elastic-api-key": true, "--elastic-password": true}

// registerSecrets registers, before anything can print, the secrets the process was given:
// the secret variables, the passwords of URLs in any variable (AWS_ENDPOINT_URL,
// HTTPS_PROXY, KEYPIVOT_ELASTIC_URL, ...) and on the command line, and the values of the
// secret flags. (The configuration file's are registered once kong has read it.)
func registerSecrets(args []string) {
	for _, v := range secretEnv {
		sanitize.RegisterSecret(os.Getenv(v))
	}
	for _, kv := range os.Environ() {
		if _, v, ok := strings.Cut(kv, "="); ok && strings.Contains(v, "://") && strings.Contains(v, "@") {
			sanitize.RegisterURLSecrets(v)
		}
	}
	for i, a := range args {
		name, value, hasValue := strings.Cut(a, "=")
		switch {
		case secretFlags[name] && hasValue:
			sanitize.RegisterSecret(value)
		case secretFlags[a] && i+1 < len(args):
			sanitize.RegisterSecret(args[i+1])
		}
		if !hasValue || !strings.HasPrefix(a, "-") {
			value = a
		}
		if strings.Contains(value, "://") && strings.Contains(value, "@") {
			sanitize.RegisterURLSecrets(value)
		}
	}
}

// VersionCmd prints the version.
type VersionCmd struct{}

func (VersionCmd) Run() error {
	fmt.Println("keypivot", version)
	return nil
}
