package report

import (
	"encoding/json"
	"io"

	"github.com/keypivot/keypivot/investigate"
	"github.com/keypivot/keypivot/investigate/sanitize"
)

// JSON writes v (a case or a key ranking) as indented JSON. Strings keep their values,
// but characters that could act on a terminal are written as \u escapes.
func JSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	b = append(sanitize.JSON(b), '\n')
	_, err = w.Write(b)
	return err
}

// CaseJSON writes a case.
func CaseJSON(w io.Writer, c *investigate.Case) error { return JSON(w, c) }
