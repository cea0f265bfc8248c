// Package files holds the adapters that work on local files, beside aws/ and elastic/:
// files/cloudtrail reads CloudTrail logs, files/alertdoc alert exports, files/journal
// keeps the remediation journal, and files/jsonstream splits JSON into records without
// decoding it. This package holds what the readers share: which file names are read and
// which are sniffed (ClassifyName), folders walked with links followed, each once
// (Walker), what is left out counted by reason (SkipTally), gzip told by its content
// (IsGzip, StartsGzip, Decompress, Gunzip), reads counted (CountingReader), read errors
// in an analyst's words (DescribeReadError) and records of an array named (RecordWhere).
//
// It imports the standard library and klauspost/compress only: never investigate, aws,
// elastic or tui.
package files
