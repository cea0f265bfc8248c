package investigate

import "strconv"

// Origin says where an event's record was read, unique to the record within its source:
// "path:line" (NDJSON), "path#record N" (arrays, Records documents), "path:line#record
// N" (a Records document on an NDJSON line), "lookup ACCOUNT REGION", "elastic
// INDEX/ID", "athena QUERY row N". The place (a file's path) is shared by the file's
// records and the line and record numbers are kept as numbers: a key with millions of
// events does not hold millions of copies of its files' paths.
type Origin struct {
	where     string
	line, rec uint32
}

// OriginAt is the origin named by where alone.
func OriginAt(where string) Origin { return Origin{where: where} }

// OriginOf is record rec (from 1; 0 for none) on line (from 1; 0 for none) of where.
func OriginOf(where string, line, rec int) Origin {
	return Origin{where: where, line: uint32(max(line, 0)), rec: uint32(max(rec, 0))}
}

// IsZero reports whether the origin is unknown.
func (o Origin) IsZero() bool { return o == Origin{} }

// String is the origin as reports and problems name it.
func (o Origin) String() string {
	if o.line == 0 && o.rec == 0 {
		return o.where
	}
	s := o.where
	if o.line > 0 {
		s += ":" + strconv.FormatUint(uint64(o.line), 10)
	}
	if o.rec > 0 {
		s += "#record " + strconv.FormatUint(uint64(o.rec), 10)
	}
	return s
}

// MarshalText writes the origin as String names it.
func (o Origin) MarshalText() ([]byte, error) { return []byte(o.String()), nil }

// UnmarshalText reads an origin as written: a name, its numbers not parsed apart.
func (o *Origin) UnmarshalText(b []byte) error {
	*o = Origin{where: string(b)}
	return nil
}
