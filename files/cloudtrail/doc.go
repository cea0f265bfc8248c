// Package cloudtrail reads CloudTrail records from local folders and files, and parses
// the log files aws/s3archive fetches from a bucket (ScanFiles, ClassifyName, Sniff):
// the S3 archive layout, {"Records":[...]} documents, bare arrays, NDJSON and the output
// of `aws cloudtrail lookup-events`, plain or gzip. Folders are read by content (names
// and, for files without an extension, their beginning); what is left out is counted by
// reason. It skips whole files, then records, that cannot hold a key of interest before
// decoding any JSON, says what the files searched cover (time, accounts, regions), and
// bounds the memory any input takes (DefaultMaxRecordBytes).
//
// It imports investigate for the types it fills and the interfaces it implements, and
// files and files/jsonstream for the reading it shares with the other file readers;
// never aws, elastic or tui.
package cloudtrail
