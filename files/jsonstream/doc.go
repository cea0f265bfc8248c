// Package jsonstream finds where JSON values end without decoding them: Stream reads
// values and lines one at a time from a reader or a buffer, holding at most a size limit
// of any one, and SkipSpace and SkipComposite walk a buffer already in memory. The file
// readers (files/cloudtrail, files/alertdoc) split their inputs into records with it and
// decode only the records they want.
//
// It imports the standard library only.
package jsonstream
