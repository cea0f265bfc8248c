package demo

import (
	"encoding/base32"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"strconv"
)

// ids draws every identifier of the scenario from one PCG stream, so that the same seed
// gives the same identifiers in the same order.
type ids struct {
	r *rand.Rand
}

func newIDs(seed, stream uint64) *ids {
	return &ids{r: rand.New(rand.NewPCG(seed, stream))}
}

// bytes fills n random bytes.
func (g *ids) bytes(n int) []byte {
	b := make([]byte, n)
	for i := 0; i < n; i += 8 {
		var w [8]byte
		binary.LittleEndian.PutUint64(w[:], g.r.Uint64())
		copy(b[i:], w[:])
	}
	return b
}

// uuid is a version 4 UUID, the form of CloudTrail eventIDs, requestIDs and Kibana
// alert ids.
func (g *ids) uuid() string {
	b := g.bytes(16)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:36], b[10:16])
	return string(out[:])
}

// hex returns n lower-case hex digits.
func (g *ids) hex(n int) string {
	s := hex.EncodeToString(g.bytes((n + 1) / 2))
	return s[:n]
}

const upperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

const mixedAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// pick returns n characters drawn from alphabet.
func (g *ids) pick(n int, alphabet string) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[g.r.IntN(len(alphabet))]
	}
	return string(b)
}

var keyEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// accessKey returns an access key id (prefix AKIA or ASIA) that encodes account the way
// AWS does since 2019: the first six bytes of the base32-decoded suffix hold the account
// number shifted left by 7 bits (what `aws sts get-access-key-info` and secret scanners
// decode).
func (g *ids) accessKey(prefix, account string) string {
	acct, err := strconv.ParseUint(account, 10, 64)
	if err != nil {
		panic("demo: bad account " + account)
	}
	z := acct<<7 | uint64(g.r.IntN(128))
	var b [10]byte
	var w [8]byte
	binary.BigEndian.PutUint64(w[:], z)
	copy(b[0:6], w[2:8])
	copy(b[6:], g.bytes(4))
	return prefix + keyEncoding.EncodeToString(b[:])
}

// uniqueID is an IAM unique id (AIDA..., AROA...): a prefix and 17 characters.
func (g *ids) uniqueID(prefix string) string { return prefix + g.pick(17, upperAlnum) }

// sessionToken is an STS session token: long, opaque, base64.
func (g *ids) sessionToken() string {
	return "IQoJb3JpZ2luX2VjE" + base64.StdEncoding.EncodeToString(g.bytes(312))
}

// fingerprint is the SHA-1 colon-hex fingerprint EC2 reports for the key pairs it creates.
func (g *ids) fingerprint() string {
	b := g.bytes(20)
	out := make([]byte, 0, 59)
	for i, c := range b {
		if i > 0 {
			out = append(out, ':')
		}
		out = hex.AppendEncode(out, []byte{c})
	}
	return string(out)
}
