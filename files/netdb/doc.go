// Package netdb reads the local files that tell which network an address belongs to: a
// MaxMind-format ASN database (GeoLite2-ASN, GeoIP2-ISP, DB-IP ASN Lite: --asn-db) and
// AWS's published address ranges (ip-ranges.json: --ip-ranges). Each implements
// investigate.NetworkSource. A file that is not what it should be is refused when opened,
// with an error naming the file and the field.
//
// It imports investigate (the interface it implements), the standard library and
// oschwald/maxminddb-golang: never aws, elastic, tui or cmd.
package netdb
