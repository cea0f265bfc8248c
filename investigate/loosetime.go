package investigate

import (
	"strconv"
	"strings"
	"time"
)

// looseTimeLayouts are the forms timestamps take inside CloudTrail responseElements
// (facts §3): RFC 3339, Java's "Jul 10, 2023 12:24:29 PM", with or without the comma
// after the year.
var looseTimeLayouts = []string{
	time.RFC3339Nano,
	time.RFC3339,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02 15:04:05",
	"Jan 2, 2006, 3:04:05 PM",
	"Jan 2, 2006 3:04:05 PM",
	"Jan 2, 2006, 3:04:05 PM MST",
	"Jan 2, 2006 3:04:05 PM MST",
	time.RubyDate,
	time.UnixDate,
}

// ParseLooseTime reads a timestamp in any form CloudTrail uses, epoch seconds and
// milliseconds included. Times without a zone are UTC.
func ParseLooseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		switch {
		case n > 1e14: // microseconds
			return time.UnixMicro(n).UTC(), true
		case n > 1e11: // milliseconds
			return time.UnixMilli(n).UTC(), true
		case n > 0:
			return time.Unix(n, 0).UTC(), true
		}
		return time.Time{}, false
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f > 0 {
		if f > 1e11 { // fractional milliseconds
			return time.UnixMicro(int64(f * 1e3)).UTC(), true
		}
		sec := int64(f)
		return time.Unix(sec, int64((f-float64(sec))*1e9)).UTC(), true
	}
	// Java prints a narrow no-break space before AM/PM in newer JDKs.
	s = strings.ReplaceAll(s, "\u202f", " ")
	for _, l := range looseTimeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// looseTimeValue reads a decoded JSON value (string or number) as a time.
func looseTimeValue(v any) (time.Time, bool) {
	switch x := v.(type) {
	case string:
		return ParseLooseTime(x)
	case float64:
		return ParseLooseTime(strconv.FormatFloat(x, 'f', -1, 64))
	}
	return time.Time{}, false
}
