package sanitize

import (
	"bytes"
	"encoding/json"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Secrets never leave the process: keypivot is given credentials (an Elasticsearch API
// key or password, a password inside a URL, AWS secret keys and session tokens) and
// reads records that carry others (CloudTrail's responseElements.credentials.sessionToken
// of AssumeRole, GetSessionToken and GetFederationToken). This file is the one place that
// removes them from what is printed, written or shown:
//
//   - RegisterSecret records a secret the process was given. From then on Clean, Multiline,
//     JSON, Redact, RedactURL and RedactRecord mask it (as Mask) wherever it appears, in
//     the forms it takes in text, URLs and JSON. Reports and the TUI pass every string
//     through Clean, so a registered secret cannot reach them.
//   - RedactURL keeps a URL's user and replaces its password, as net/url's Redacted does.
//   - Redact is for free text such as error messages: passwords of URLs inside it,
//     Authorization header values (ApiKey, Basic, Bearer), secret-named members and query
//     parameters, and the registered secrets.
//   - RedactRecord is for JSON records (the raw CloudTrail record of the detail view and of
//     a copy): the values of secret-named members (sessionToken, secretAccessKey,
//     password, ...), in nested JSON text too, and the registered secrets.
//
// Clean does not apply Redact's patterns: it cleans attacker-controlled evidence (user
// agents, request parameters), which is shown as it was recorded; only the secrets the
// process itself holds are masked there.

// Mask replaces a secret.
const Mask = "REDACTED"

// urlMask replaces a URL's password, as url.URL.Redacted writes it.
const urlMask = "xxxxx"

// MinSecretLen is the shortest secret RegisterSecret masks in free text: a shorter one
// would mask ordinary words. Passwords in URLs and Authorization headers, and secret
// members, are redacted by their place whatever they are.
const MinSecretLen = 4

// maskable reports whether v is masked wherever it appears: 8 characters or more, or at
// least MinSecretLen with one that is not a lower-case letter. A short all-lower-case
// password ("elastic", "secret") is a word keypivot's own output holds (the source
// "elastic:.alerts-security.alerts-default", the service "secretsmanager"): masking it
// everywhere would garble every report, so it is only redacted where its place says it
// is a secret. AWS secret keys, session tokens and API keys are always masked.
func maskable(v string) bool {
	if len(v) >= 8 {
		return true
	}
	if len(v) < MinSecretLen {
		return false
	}
	return strings.ContainsFunc(v, func(r rune) bool { return r < 'a' || r > 'z' })
}

type secretSet struct {
	// raw are the registered values; forms every form they are masked in, longest first.
	raw   map[string]bool
	forms []string
	// bforms are forms as bytes, for JSON.
	bforms [][]byte
}

var (
	secretsMu sync.Mutex
	secrets   atomic.Pointer[secretSet]
)

// RegisterSecret records secrets the process was given (an API key, a password, an AWS
// secret key or session token): from now on every function of this package masks them.
// Values too short or too plain to mask in free text are ignored (see maskable). It is
// safe for concurrent use, and cheap for a value already registered.
func RegisterSecret(values ...string) {
	if cur := secrets.Load(); cur != nil {
		known := true
		for _, v := range values {
			if maskable(v) && !cur.raw[v] {
				known = false
				break
			}
		}
		if known {
			return
		}
	}
	secretsMu.Lock()
	defer secretsMu.Unlock()
	next := &secretSet{raw: map[string]bool{}}
	if cur := secrets.Load(); cur != nil {
		for v := range cur.raw {
			next.raw[v] = true
		}
	}
	added := false
	for _, v := range values {
		if maskable(v) && !next.raw[v] {
			next.raw[v] = true
			added = true
		}
	}
	if !added {
		return
	}
	seen := map[string]bool{}
	for v := range next.raw {
		for _, f := range secretForms(v) {
			if len(f) >= MinSecretLen && !seen[f] {
				seen[f] = true
				next.forms = append(next.forms, f)
			}
		}
	}
	// Longest first: a secret that holds another is masked whole.
	slices.SortFunc(next.forms, func(a, b string) int {
		if len(a) != len(b) {
			return len(b) - len(a)
		}
		return strings.Compare(a, b)
	})
	for _, f := range next.forms {
		next.bforms = append(next.bforms, []byte(f))
	}
	secrets.Store(next)
}

// RegisterURLSecrets registers the password of a URL (http://user:password@host), if
// it has one. A URL net/url cannot parse is read leniently: the password is the text
// between the first colon after "://" and the last "@".
func RegisterURLSecrets(s string) {
	if p, ok := urlPassword(s); ok {
		RegisterSecret(p)
	}
}

func urlPassword(s string) (string, bool) {
	if u, err := url.Parse(strings.TrimSpace(s)); err == nil {
		if u.User == nil {
			return "", false
		}
		return u.User.Password()
	}
	_, rest, found := strings.Cut(s, "://")
	if !found {
		return "", false
	}
	at := strings.LastIndexByte(rest, '@')
	if at < 0 {
		return "", false
	}
	_, pw, found := strings.Cut(rest[:at], ":")
	return pw, found
}

// ForgetSecrets drops every registered secret (tests).
func ForgetSecrets() {
	secretsMu.Lock()
	defer secretsMu.Unlock()
	secrets.Store(nil)
}

// secretForms are the ways v can be written: as is, escaped in a JSON string (with and
// without HTML escaping), in a Go %q string, and escaped in a URL's userinfo, path or query.
func secretForms(v string) []string {
	forms := []string{v}
	if b, err := json.Marshal(v); err == nil {
		forms = append(forms, string(b[1:len(b)-1]))
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if enc.Encode(v) == nil {
		b := bytes.TrimSpace(buf.Bytes())
		forms = append(forms, string(b[1:len(b)-1]))
	}
	q := strconv.Quote(v)
	forms = append(forms, q[1:len(q)-1])
	forms = append(forms, strings.TrimPrefix(url.UserPassword("", v).String(), ":"))
	forms = append(forms, url.PathEscape(v), url.QueryEscape(v))
	return forms
}

// maskSecrets replaces every registered secret in s. It does not allocate when s holds none.
func maskSecrets(s string) string {
	set := secrets.Load()
	if set == nil || len(s) < MinSecretLen {
		return s
	}
	for _, f := range set.forms {
		if len(f) <= len(s) && strings.Contains(s, f) {
			s = strings.ReplaceAll(s, f, Mask)
		}
	}
	return s
}

// MaskSecrets masks the registered secrets in b, and nothing else: for records that are
// replayed as written (the journal), where redacting by member names or patterns could
// change what is sent again.
func MaskSecrets(b []byte) []byte { return maskSecretsBytes(b) }

func maskSecretsBytes(b []byte) []byte {
	set := secrets.Load()
	if set == nil || len(b) < MinSecretLen {
		return b
	}
	for _, f := range set.bforms {
		if len(f) <= len(b) && bytes.Contains(b, f) {
			b = bytes.ReplaceAll(b, f, []byte(Mask))
		}
	}
	return b
}

// RedactURL returns the URL s with its password replaced (the user kept), secret query
// parameters (X-Amz-Security-Token, X-Amz-Signature, password, token, api_key, ...)
// masked, and every registered secret masked. Text that is not a URL is redacted as free
// text (Redact).
func RedactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" {
		// Not a URL net/url reads (a space or a / in the password): mask what
		// urlPassword reads as the password, then treat the rest as free text.
		if pw, ok := urlPassword(s); ok && pw != "" {
			if _, rest, found := strings.Cut(s, "://"); found {
				at := len(s) - len(rest) + strings.LastIndexByte(rest, '@')
				colon := len(s) - len(rest) + strings.IndexByte(rest, ':')
				if colon < at {
					s = s[:colon+1] + urlMask + s[at:]
				}
			}
		}
		return Redact(s)
	}
	if u.User != nil {
		if _, has := u.User.Password(); has {
			s = u.Redacted()
		}
	}
	return maskSecrets(redactQuery(s))
}

// Patterns of free text that hold a credential.
var (
	// An Authorization header's credential: "ApiKey <base64>", "Basic <base64>",
	// "Bearer <token>". Without the header's name before it, the credential must look
	// like one (a digit or one of + / =), so that "Basic authentication" stays.
	authScheme = regexp.MustCompile(`(?i)(authorization["']?\s*[:=]?\s*\[?\s*["']?)?\b(apikey|basic|bearer)(\s+)([A-Za-z0-9+/=_.~-]{8,})`)
	// A member or parameter named like a secret: password=..., "sessionToken": "...",
	// aws_secret_access_key = ...
	secretMember = regexp.MustCompile(`(?i)(\b(?:` + secretNamePattern + `)["']?\s*[:=]\s*["']?)([^\s"'&,;}\]]+)`)
	// A query parameter named like a secret, inside a URL.
	secretQuery = regexp.MustCompile(`(?i)([?&](?:x-amz-security-token|x-amz-signature|password|passwd|pwd|token|access_token|api_key|apikey|secret|client_secret)=)([^&\s"'#]+)`)
)

const secretNamePattern = `password|passwd|secret_?access_?key|aws_secret_access_key|secretkey|session_?token|aws_session_token|security_?token|api_?key|client_?secret|private_?key|access_?token|refresh_?token`

func redactQuery(s string) string {
	if !strings.ContainsAny(s, "?&") {
		return s
	}
	return secretQuery.ReplaceAllString(s, "${1}"+Mask)
}

// Redact returns free text (an error message, a log line) with the passwords of the URLs
// in it replaced (user kept), Authorization header credentials, secret-named members
// (password=..., "sessionToken": "...") and secret query parameters masked, and every
// registered secret masked.
func Redact(s string) string {
	s = maskSecrets(s)
	s = redactURLPasswords(s)
	s = redactQuery(s)
	if containsFold(s, "apikey") || containsFold(s, "basic") || containsFold(s, "bearer") {
		s = authScheme.ReplaceAllStringFunc(s, func(m string) string {
			sub := authScheme.FindStringSubmatch(m)
			header, scheme, space, cred := sub[1], sub[2], sub[3], sub[4]
			if header == "" && !strings.ContainsAny(cred, "0123456789+/=") {
				return m
			}
			return header + scheme + space + Mask
		})
	}
	s = secretMember.ReplaceAllStringFunc(s, func(m string) string {
		sub := secretMember.FindStringSubmatch(m)
		if sub[2] == Mask || sub[2] == urlMask || sub[2] == "***" {
			return m
		}
		return sub[1] + Mask
	})
	return s
}

func containsFold(s, sub string) bool {
	n := len(sub)
	for i := 0; i+n <= len(s); i++ {
		if strings.EqualFold(s[i:i+n], sub) {
			return true
		}
	}
	return false
}

// redactURLPasswords replaces the password of every scheme://user:password@host in s.
// The authority ends at the first / ? # or at a character that cannot be in a URL
// (space, quote, angle bracket); its userinfo ends at its last @, as net/url reads it.
func redactURLPasswords(s string) string {
	var b strings.Builder
	last := 0
	for i := 0; ; {
		j := strings.Index(s[i:], "://")
		if j < 0 {
			break
		}
		start := i + j + 3
		i = start
		if !schemeBefore(s, start-3) {
			continue
		}
		end := start
		for end < len(s) && !strings.ContainsRune("/?#\"'<>` \t\r\n\\", rune(s[end])) {
			end++
		}
		at := strings.LastIndexByte(s[start:end], '@')
		if at < 0 {
			continue
		}
		colon := strings.IndexByte(s[start:start+at], ':')
		if colon < 0 {
			continue
		}
		pwStart, pwEnd := start+colon+1, start+at
		if s[pwStart:pwEnd] == urlMask {
			i = end
			continue
		}
		b.WriteString(s[last:pwStart])
		b.WriteString(urlMask)
		last = pwEnd
		i = end
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// schemeBefore reports whether s[:i] ends with a URL scheme (a letter, then letters,
// digits, + - or .).
func schemeBefore(s string, i int) bool {
	j := i
	for j > 0 {
		c := s[j-1]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.' {
			j--
			continue
		}
		break
	}
	if j == i {
		return false
	}
	c := s[j]
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// secretKeys are the JSON member names whose string values RedactRecord masks, compared
// in lower case without '_' and '-', after the last '.' (so Elastic's flattened
// "aws.cloudtrail.flattened.response_elements.credentials.sessionToken" counts).
var secretKeys = map[string]bool{
	"sessiontoken": true, "secretaccesskey": true, "secretkey": true, "awssecretaccesskey": true,
	"awssessiontoken": true, "securitytoken": true, "xamzsecuritytoken": true,
	"password": true, "passwd": true, "newpassword": true, "oldpassword": true, "currentpassword": true,
	"keymaterial": true, "privatekey": true, "clientsecret": true, "apikey": true,
	"accesstoken": true, "refreshtoken": true, "idtoken": true, "authorization": true,
	"secretstring": true, "secretbinary": true,
}

// keepValues are values of secret members that are not secrets: AWS's own placeholder says
// the value was withheld, which the analyst should see.
var keepValues = map[string]bool{"HIDDEN_DUE_TO_SECURITY_REASONS": true, Mask: true, "": true}

func secretKey(name string) bool {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		name = name[i+1:]
	}
	if len(name) > 32 {
		return false
	}
	var buf [32]byte
	n := 0
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '_' || c == '-':
			continue
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		}
		buf[n] = c
		n++
	}
	return secretKeys[string(buf[:n])]
}

// RedactRecord returns the JSON record raw with the string values of secret-named members
// (sessionToken, secretAccessKey, password, keyMaterial, ...: see secretKeys) replaced by
// Mask, at any depth and inside strings that hold JSON text themselves (Elastic's
// event.original), and the registered secrets masked. Everything else is kept byte for
// byte. AWS's placeholder HIDDEN_DUE_TO_SECURITY_REASONS is kept. raw is not modified;
// it is returned as is when nothing is masked.
func RedactRecord(raw []byte) []byte {
	out := redactJSON(raw, 0)
	return maskSecretsBytes(out)
}

// maxNesting bounds the JSON-in-a-string recursion.
const maxNesting = 4

func redactJSON(raw []byte, depth int) []byte {
	var out []byte // nil until something changes
	last := 0
	for i := 0; i < len(raw); {
		if raw[i] != '"' {
			i++
			continue
		}
		end := stringEnd(raw, i)
		if end < 0 {
			break
		}
		// Is it a member name? (In JSON, a string followed by ':' always is.)
		k := skipSpace(raw, end)
		if k < len(raw) && raw[k] == ':' {
			name := raw[i+1 : end-1]
			v := skipSpace(raw, k+1)
			if v < len(raw) && raw[v] == '"' && secretKey(memberName(name)) {
				vend := stringEnd(raw, v)
				if vend < 0 {
					break
				}
				if val := raw[v+1 : vend-1]; !keepValues[string(val)] {
					out = append(out, raw[last:v+1]...)
					out = append(out, Mask...)
					out = append(out, '"')
					last = vend
				}
				i = vend
				continue
			}
			i = k + 1
			continue
		}
		// A string value: it may be JSON text that holds secrets itself.
		if depth < maxNesting && bytes.IndexByte(raw[i+1:end-1], '\\') >= 0 {
			if repl, ok := redactEmbedded(raw[i:end], depth); ok {
				out = append(out, raw[last:i]...)
				out = append(out, repl...)
				last = end
			}
		}
		i = end
	}
	if out == nil {
		return raw
	}
	return append(out, raw[last:]...)
}

// redactEmbedded redacts a JSON string (quotes included) whose text holds secrets: JSON
// text is redacted as a record, other text as free text. ok is false when nothing changed.
func redactEmbedded(quoted []byte, depth int) ([]byte, bool) {
	if !mayNameSecret(quoted) {
		return nil, false
	}
	var s string
	if json.Unmarshal(quoted, &s) != nil {
		return nil, false
	}
	var text string
	if t := strings.TrimSpace(s); (strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[")) && json.Valid([]byte(t)) {
		r := redactJSON([]byte(s), depth+1)
		if len(r) == len(s) && string(r) == s {
			return nil, false
		}
		text = string(r)
	} else {
		text = Redact(s)
		if text == s {
			return nil, false
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if enc.Encode(text) != nil {
		return nil, false
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), true
}

// mayNameSecret is a cheap test that a string might hold a secret-named member.
func mayNameSecret(b []byte) bool {
	for _, w := range []string{"token", "secret", "passw", "keymaterial", "private", "apikey", "api_key", "authorization"} {
		if bytesContainsFold(b, w) {
			return true
		}
	}
	return false
}

func bytesContainsFold(b []byte, lower string) bool {
	n := len(lower)
	for i := 0; i+n <= len(b); i++ {
		if c := b[i] | 0x20; c != lower[0] {
			continue
		}
		if bytes.EqualFold(b[i:i+n], []byte(lower)) {
			return true
		}
	}
	return false
}

// memberName decodes a member name's escapes when it has any.
func memberName(name []byte) string {
	if bytes.IndexByte(name, '\\') < 0 {
		return string(name)
	}
	var s string
	q := make([]byte, 0, len(name)+2)
	q = append(append(append(q, '"'), name...), '"')
	if json.Unmarshal(q, &s) != nil {
		return string(name)
	}
	return s
}

// stringEnd returns the index after the closing quote of the string starting at raw[i],
// or -1.
func stringEnd(raw []byte, i int) int {
	for j := i + 1; j < len(raw); j++ {
		switch raw[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return -1
}

func skipSpace(raw []byte, i int) int {
	for i < len(raw) && (raw[i] == ' ' || raw[i] == '\t' || raw[i] == '\n' || raw[i] == '\r') {
		i++
	}
	return i
}
