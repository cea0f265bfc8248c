// Package files holds the adapters that work on local files, beside aws/ and elastic/:
// files/cloudtrail reads CloudTrail logs, files/alertdoc alert exports, files/journal
// keeps the remediation journal, and files/jsonstream splits JSON into records without
// decoding it. This package holds what the readers share: which file names are read and
// which are sniffed (ClassifyName), gzip told by its content (IsGzip, Decompress,
// Gunzip), reads counted (CountingReader) and read errors in an analyst's words
// (DescribeReadError).
//
// It imports the standard library and klauspost/compress only: never investigate, aws,
// elastic or tui.
package files
