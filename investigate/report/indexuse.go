package report

import "github.com/keypivot/keypivot/investigate"

// indexLines say, under a trail source of the coverage, how its key index served the
// search: the files it skipped (searched through it, with when it was built) and its
// warnings (ignored and rebuilt, not saved). None when no index on disk answered.
func indexLines(u *investigate.IndexUse) []string {
	if u == nil {
		return nil
	}
	var out []string
	if t := u.SkippedText(); t != "" {
		if u.Path != "" {
			t += "; index file " + u.Path
		}
		out = append(out, t)
	}
	for _, w := range u.Warnings {
		out = append(out, "key index: "+w)
	}
	return out
}
