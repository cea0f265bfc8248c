package files

import "strings"

// Which files of a folder are read. Logs and exports are read by content, not only by
// the names their writers give them: shippers and exports name the same records *.log
// (Filebeat, Elastic exports), *.jsonl, *.ndjson, or nothing at all.

// NameKind is what a file's name says about it.
type NameKind int

const (
	// NameLog: read by its name (.json, .jsonl, .ndjson, .log, each of them .gz, any .gz).
	NameLog NameKind = iota
	// NameSniff: no extension; its content decides.
	NameSniff
	// NameOther: not read by its name (.txt, .csv, ...).
	NameOther
)

var logExts = []string{".json", ".jsonl", ".ndjson", ".log"}

// ClassifyName says what a file's base name tells about it.
func ClassifyName(base string) NameKind {
	l := strings.ToLower(base)
	if strings.HasSuffix(l, ".gz") {
		return NameLog
	}
	for _, ext := range logExts {
		if strings.HasSuffix(l, ext) {
			return NameLog
		}
	}
	if i := strings.LastIndexByte(base, '.'); i <= 0 {
		return NameSniff // no extension (a leading dot is a hidden file's name, not an extension)
	}
	return NameOther
}
