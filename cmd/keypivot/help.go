package main

import (
	"github.com/alecthomas/kong"
)

// The flags every command shares (Globals: sources, window, correlation, safety, AWS,
// Elastic, archives and Athena) are some ninety lines of help. Repeated under every
// command they buried the command's own few flags, so each command's --help leaves
// them out and names --help-sources, which shows the command's help with all of them.
// They stay flags of every command (and kong still suggests them for a misspelt flag):
// only their help is hidden.

// helpSourcesName is the flag that shows the shared flags.
const helpSourcesName = "help-sources"

// hideSharedFlags hides the shared flags from help (a kong.PostBuild option): every flag
// of the application's own node but --help and --help-sources.
func hideSharedFlags(k *kong.Kong) error {
	for _, f := range k.Model.Flags {
		if f != k.Model.HelpFlag && f.Name != helpSourcesName {
			f.Hidden = true
		}
	}
	return nil
}

// showSharedFlags undoes hideSharedFlags.
func showSharedFlags(k *kong.Kong) {
	for _, f := range k.Model.Flags {
		f.Hidden = false
	}
}

// helpSourcesFlag is --help-sources: like --help (kong's own help printer, the command's
// help), with the shared flags shown.
type helpSourcesFlag bool

// IgnoreDefault keeps kong from treating the flag's zero value as given.
func (helpSourcesFlag) IgnoreDefault() {}

// BeforeReset prints the help as soon as the flag is seen, before a missing argument or a
// bad value could refuse the command line, as --help does.
func (helpSourcesFlag) BeforeReset(kctx *kong.Context) error {
	showSharedFlags(kctx.Kong)
	if err := kctx.PrintUsage(false); err != nil {
		return err
	}
	kctx.Kong.Exit(exitOK)
	return nil
}
