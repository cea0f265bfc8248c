package files

import "strconv"

// RecordWhere names, in problems and origins, the nth record (from 1) of a sequence in
// where (a file, or a place in one): an element of an array, a record of a Records
// document or a findings list, a hit, a row, a document of several: "f.json#record 3".
// Places nest: "f.json#record 1#record 2" is the second hit of the first response.
func RecordWhere(where string, n int) string { return where + "#record " + strconv.Itoa(n) }
