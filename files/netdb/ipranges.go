package netdb

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"slices"
	"time"

	"github.com/keypivot/keypivot/investigate"
)

// MaxIPRangesSize bounds the ip-ranges file read (AWS's is about 2 MB).
const MaxIPRangesSize = 64 << 20

// awsAll is the service of AWS's ranges that covers all the others.
const awsAll = "AMAZON"

// IPRanges is AWS's published address ranges (https://ip-ranges.amazonaws.com/ip-ranges.json),
// read from a file. It implements investigate.NetworkSource and is safe for concurrent use
// (it is not changed once read).
type IPRanges struct {
	path       string
	createDate time.Time
	// byLen holds the ranges by prefix length, longest first.
	byLen []rangesOfLen
	count int
}

type rangesOfLen struct {
	bits   int
	ranges map[netip.Prefix][]awsRange
}

// awsRange is one entry of prefixes[] or ipv6_prefixes[].
type awsRange struct {
	prefix          netip.Prefix
	region, service string
}

// ipRangesFile is the file's shape.
type ipRangesFile struct {
	SyncToken  string `json:"syncToken"`
	CreateDate string `json:"createDate"`
	Prefixes   []struct {
		IPPrefix           string `json:"ip_prefix"`
		Region             string `json:"region"`
		Service            string `json:"service"`
		NetworkBorderGroup string `json:"network_border_group"`
	} `json:"prefixes"`
	IPv6Prefixes []struct {
		IPv6Prefix         string `json:"ipv6_prefix"`
		Region             string `json:"region"`
		Service            string `json:"service"`
		NetworkBorderGroup string `json:"network_border_group"`
	} `json:"ipv6_prefixes"`
}

// createDateLayout is the layout of createDate: "2026-03-10-19-23-13".
const createDateLayout = "2006-01-02-15-04-05"

// ReadIPRanges reads AWS's ip-ranges.json at path. A file that is not in AWS's format
// (no prefixes, a bad prefix, region or service) is refused with the field that is wrong.
func ReadIPRanges(path string) (*IPRanges, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxIPRangesSize+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(data) > MaxIPRangesSize {
		return nil, fmt.Errorf("%s: larger than %d MiB: not AWS's ip-ranges.json", path, MaxIPRangesSize>>20)
	}
	r, err := parseIPRanges(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	r.path = path
	return r, nil
}

func parseIPRanges(data []byte) (*IPRanges, error) {
	var doc ipRangesFile
	if err := json.Unmarshal(data, &doc); err != nil {
		var te *json.UnmarshalTypeError
		var se *json.SyntaxError
		switch {
		case errors.As(err, &te) && te.Field != "":
			return nil, fmt.Errorf("field %s: want %s, got JSON %s", te.Field, te.Type, te.Value)
		case errors.As(err, &se):
			return nil, fmt.Errorf("invalid JSON at byte %d: %v", se.Offset, err)
		}
		return nil, fmt.Errorf("not AWS's ip-ranges.json: %v", err)
	}
	if doc.Prefixes == nil {
		return nil, errors.New("no prefixes: not AWS's ip-ranges.json")
	}
	r := &IPRanges{}
	if doc.CreateDate == "" {
		return nil, errors.New("no createDate: not AWS's ip-ranges.json")
	}
	t, err := time.Parse(createDateLayout, doc.CreateDate)
	if err != nil {
		return nil, fmt.Errorf("createDate %q is not YYYY-MM-DD-hh-mm-ss", doc.CreateDate)
	}
	r.createDate = t.UTC()
	byLen := map[int]map[netip.Prefix][]awsRange{}
	add := func(field string, i int, prefix, region, service string, want4 bool) error {
		p, err := netip.ParsePrefix(prefix)
		switch {
		case err != nil:
			return fmt.Errorf("%s[%d].%s: %q is not a prefix", field, i, prefixField(want4), prefix)
		case p.Addr().Is4() != want4:
			return fmt.Errorf("%s[%d].%s: %q is not an IPv%s prefix", field, i, prefixField(want4), prefix, map[bool]string{true: "4", false: "6"}[want4])
		case region == "":
			return fmt.Errorf("%s[%d].region: empty (prefix %s)", field, i, prefix)
		case service == "":
			return fmt.Errorf("%s[%d].service: empty (prefix %s)", field, i, prefix)
		}
		p = p.Masked()
		bits := p.Bits()
		if !want4 {
			bits += 1000 // IPv6 lengths apart from IPv4's
		}
		if byLen[bits] == nil {
			byLen[bits] = map[netip.Prefix][]awsRange{}
		}
		byLen[bits][p] = append(byLen[bits][p], awsRange{prefix: p, region: region, service: service})
		r.count++
		return nil
	}
	for i, p := range doc.Prefixes {
		if err := add("prefixes", i, p.IPPrefix, p.Region, p.Service, true); err != nil {
			return nil, err
		}
	}
	for i, p := range doc.IPv6Prefixes {
		if err := add("ipv6_prefixes", i, p.IPv6Prefix, p.Region, p.Service, false); err != nil {
			return nil, err
		}
	}
	for bits, m := range byLen {
		r.byLen = append(r.byLen, rangesOfLen{bits: bits, ranges: m})
	}
	slices.SortFunc(r.byLen, func(a, b rangesOfLen) int { return b.bits - a.bits })
	return r, nil
}

func prefixField(v4 bool) string {
	if v4 {
		return "ip_prefix"
	}
	return "ipv6_prefix"
}

// Name names the file in a case: its path and AWS's createDate.
func (r *IPRanges) Name() string {
	return fmt.Sprintf("%s %s (createDate %s)", investigate.NetFromIPRanges, r.path, r.createDate.Format(createDateLayout))
}

// Len is the number of prefixes read.
func (r *IPRanges) Len() int { return r.count }

// LookupNetwork implements investigate.NetworkSource: the most specific of AWS's ranges
// holding addr, by a service other than AMAZON (which covers them all) when one holds it.
func (r *IPRanges) LookupNetwork(addr netip.Addr) (investigate.NetworkFact, bool, error) {
	addr = addr.Unmap()
	var amazon *awsRange
	for _, l := range r.byLen {
		bits := l.bits
		if bits >= 1000 {
			if addr.Is4() {
				continue
			}
			bits -= 1000
		} else if !addr.Is4() {
			continue
		}
		p, err := addr.Prefix(bits)
		if err != nil {
			continue
		}
		for i, rg := range l.ranges[p] {
			if rg.service != awsAll {
				return factOf(rg), true, nil
			}
			if amazon == nil {
				amazon = &l.ranges[p][i]
			}
		}
	}
	if amazon != nil {
		return factOf(*amazon), true, nil
	}
	return investigate.NetworkFact{}, false, nil
}

func factOf(rg awsRange) investigate.NetworkFact {
	return investigate.NetworkFact{AWSService: rg.service, AWSRegion: rg.region, Prefix: rg.prefix.String(), Source: investigate.NetFromIPRanges}
}
