package investigate

import (
	"fmt"
	"time"
)

// IndexUse says how an archive's key index, kept on disk by earlier runs, served a file
// source's search (SourceReport.Index). The files it skipped were searched through it,
// not left out: they count in SourceReport.Files, and they are no gap.
type IndexUse struct {
	// Path is the index file.
	Path string `json:"path"`
	// Skipped counts the files not read because the index shows they hold none of the
	// keys (nor key pairs) asked for; Keys and KeyPairs count what that query asked for.
	Skipped  int `json:"files_skipped"`
	Keys     int `json:"keys,omitempty"`
	KeyPairs int `json:"key_pairs,omitempty"`
	// Built and BuiltLast are when the entries that skipped them were recorded: the
	// earliest and the latest.
	Built     time.Time `json:"built,omitzero"`
	BuiltLast time.Time `json:"built_last,omitzero"`
	// Warnings say why the index on disk did not answer and is being rebuilt (corrupt,
	// another format version), or why what this run learned could not be kept.
	Warnings []string `json:"warnings,omitempty"`
}

// Merge folds o, a later pass of the same source, into u: the pass that skipped the most
// files says what was skipped (every pass lists the same files, as Files are counted),
// and the warnings of both are kept once.
func (u *IndexUse) Merge(o *IndexUse) *IndexUse {
	switch {
	case o == nil:
		return u
	case u == nil:
		c := *o
		c.Warnings = append([]string(nil), o.Warnings...)
		return &c
	}
	w := appendUnique(u.Warnings, o.Warnings...)
	if o.Skipped > u.Skipped {
		*u = *o
	}
	u.Warnings = w
	return u
}

// SkippedText is the negative the skipped files stand for, with when the index was
// built: "1,800 files skipped: the key index (built 2026-11-20 10:02 UTC) shows they do
// not hold the key" ("" when it skipped none).
func (u *IndexUse) SkippedText() string {
	if u == nil || u.Skipped == 0 {
		return ""
	}
	return fmt.Sprintf("%s skipped: the key index (built %s) shows they do not hold %s", Plural(u.Skipped, "file"), u.builtText(), u.askedText())
}

func (u *IndexUse) builtText() string {
	const stamp = "2006-01-02 15:04"
	first, last := u.Built.UTC().Format(stamp), u.BuiltLast.UTC().Format(stamp)
	if u.BuiltLast.IsZero() || first == last {
		return first + " UTC"
	}
	return first + " – " + last + " UTC"
}

func (u *IndexUse) askedText() string {
	switch {
	case u.Keys == 1 && u.KeyPairs == 0:
		return "the key"
	case u.KeyPairs == 0:
		return "any of the " + Plural(u.Keys, "key") + " searched for"
	case u.Keys == 0:
		return "launches with the " + Plural(u.KeyPairs, "key pair") + " searched for"
	}
	return fmt.Sprintf("any of the %s or launches with the %s searched for", Plural(u.Keys, "key"), Plural(u.KeyPairs, "key pair"))
}
