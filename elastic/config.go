// Package elastic reads Elastic Security alerts and Elastic's CloudTrail integration
// documents from Elasticsearch, and writes alert statuses and cases back to Kibana.
//
// One go-elasticsearch client (v8, low-level esapi) talks to Elasticsearch 8.x and 9.x:
// Connect probes GET / for the server's version and, for a 9.x server, turns on the
// client's compatibility mode (compatible-with=8), which Elasticsearch's REST API
// compatibility guarantees a 9.x server honours. The APIs used (_pit, _search with
// search_after and runtime_mappings, _security/_authenticate) have the same shape in
// both majors. A v9 client would send compatible-with=9 in its typed API, which 8.x
// servers reject, so it could not serve the older major at all.
//
// It imports investigate (the interfaces it implements), files/alertdoc (the mapping of
// alert documents) and sanitize; never tui, cmd or internal. Kibana's REST paths live
// here (kibana_request.go), not in the domain.
package elastic

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	es "github.com/elastic/go-elasticsearch/v8"
	"github.com/elastic/go-elasticsearch/v8/esapi"

	"github.com/keypivot/keypivot/investigate"
	"github.com/keypivot/keypivot/investigate/sanitize"
)

// Defaults.
const (
	DefaultSpace      = investigate.DefaultKibanaSpace
	DefaultTrailIndex = "logs-aws.cloudtrail-*"
	DefaultPageSize   = 1000
	// pitKeepAlive is how long a point in time lives between two pages.
	pitKeepAlive = "2m"
)

// Config says how to reach Elasticsearch (and Kibana for write-back).
type Config struct {
	// URL is the Elasticsearch URL; CloudID an Elastic Cloud id (name:base64) instead.
	URL     string
	CloudID string
	// APIKey is an Elasticsearch API key: the encoded form Kibana shows (base64 of
	// id:key), or id:key.
	APIKey   string
	Username string
	Password string
	// CAFile is a PEM file of certificate authorities to trust instead of the system's.
	CAFile string
	// KibanaURL is Kibana's URL (derived from CloudID when empty).
	KibanaURL string
	// Space is the Kibana space (default "default"): alerts are read from
	// .alerts-security.alerts-<space> and written through /s/<space>.
	Space string
	// AlertsIndex overrides the alerts index (a pattern, an alias, a remote cluster's).
	AlertsIndex string
	// TrailIndex is the CloudTrail integration's index pattern (default logs-aws.cloudtrail-*).
	TrailIndex string
	// PageSize is the number of hits per page (default 1000).
	PageSize int
	// HigherOrderRuleIDs are rules that correlate other alerts; their alerts are read
	// even when a query asks for the alerts of given keys (they carry no key).
	HigherOrderRuleIDs []string
	// FirstSeenRuleIDs are the first-seen rules (for the cheap kibana.alert.new_terms lookup).
	FirstSeenRuleIDs []string
	// Transport replaces the HTTP transport (tests).
	Transport http.RoundTripper
}

// Space returns the configured space or the default one.
func (c Config) space() string {
	if s := strings.TrimSpace(c.Space); s != "" {
		return s
	}
	return DefaultSpace
}

// AlertsIndexName is the alerts index the source reads.
func (c Config) AlertsIndexName() string {
	if c.AlertsIndex != "" {
		return c.AlertsIndex
	}
	return ".alerts-security.alerts-" + c.space()
}

func (c Config) trailIndex() string {
	if c.TrailIndex != "" {
		return c.TrailIndex
	}
	return DefaultTrailIndex
}

func (c Config) pageSize() int {
	if c.PageSize > 0 {
		return c.PageSize
	}
	return DefaultPageSize
}

// CloudEndpoints are the URLs an Elastic Cloud id names.
type CloudEndpoints struct {
	Elasticsearch string
	Kibana        string
}

// ParseCloudID decodes an Elastic Cloud id into the Elasticsearch and Kibana URLs, as
// Kibana's decodeCloudId does. The id is "name:base64(host[:port]$es-id[:port]$kibana-id[:port])":
// the base64 part is the text after the last colon (the deployment name may hold
// colons); a port on the host is the default for both services (443 when none), and a
// port on an id overrides it for that service. The Kibana id may be missing or empty
// (the Kibana URL is then ""); parts after it are ignored. Port 443 is left out of the URLs.
func ParseCloudID(id string) (CloudEndpoints, error) {
	id = strings.TrimSpace(id)
	if id == "" {
		return CloudEndpoints{}, errors.New("cloud id: empty")
	}
	enc := id
	if i := strings.LastIndexByte(id, ':'); i >= 0 {
		enc = id[i+1:]
	}
	if enc == "" {
		return CloudEndpoints{}, fmt.Errorf("cloud id %q: nothing after the last colon (want name:base64)", id)
	}
	raw, err := decodeBase64(enc)
	if err != nil {
		return CloudEndpoints{}, fmt.Errorf("cloud id: the part after the last colon is not base64 (want name:base64): %v", err)
	}
	decoded := strings.TrimSpace(string(raw))
	if !utf8.ValidString(decoded) || strings.ContainsFunc(decoded, unicode.IsControl) {
		return CloudEndpoints{}, errors.New("cloud id: the part after the last colon does not decode to text (want name:base64)")
	}
	parts := strings.Split(decoded, "$")
	if len(parts) < 2 {
		return CloudEndpoints{}, fmt.Errorf("cloud id: decodes to %q, not host$elasticsearch-id$kibana-id", decoded)
	}
	host, port, err := splitCloudPort("host", parts[0], "443")
	if err != nil {
		return CloudEndpoints{}, err
	}
	var ep CloudEndpoints
	if ep.Elasticsearch, err = cloudURL("Elasticsearch id", parts[1], host, port); err != nil {
		return CloudEndpoints{}, err
	}
	if len(parts) > 2 && parts[2] != "" {
		if ep.Kibana, err = cloudURL("Kibana id", parts[2], host, port); err != nil {
			return CloudEndpoints{}, err
		}
	}
	return ep, nil
}

// decodeBase64 reads base64, padded or not. (A cloud id's text is host names and
// ports, whose base64 never holds the characters the URL-safe alphabet replaces.)
func decodeBase64(s string) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		var err2 error
		if b, err2 = base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "=")); err2 != nil {
			return nil, err
		}
	}
	return b, nil
}

// splitCloudPort splits "name[:port]" of a cloud id; def is the port when none is given.
func splitCloudPort(what, s, def string) (name, port string, err error) {
	name, port, found := strings.Cut(s, ":")
	if !found {
		port = def
	}
	if name == "" {
		return "", "", fmt.Errorf("cloud id: the %s is empty in %q", what, s)
	}
	if strings.ContainsAny(name, "/?#@[]% ") {
		return "", "", fmt.Errorf("cloud id: the %s %q is not a host name", what, name)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 || strconv.Itoa(n) != port {
		return "", "", fmt.Errorf("cloud id: the port %q of the %s %q is not a port number", port, what, s)
	}
	return name, port, nil
}

// cloudURL is https://<id>.<host>[:port] for one service of a cloud id.
func cloudURL(what, part, host, defPort string) (string, error) {
	id, port, err := splitCloudPort(what, part, defPort)
	if err != nil {
		return "", err
	}
	u := "https://" + id + "." + host
	if port != "443" {
		u += ":" + port
	}
	if err := checkURL("cloud id: "+what, u); err != nil {
		return "", err
	}
	return u, nil
}

// encodeAPIKey accepts an API key as Kibana shows it (base64 of id:key) or as id:key.
func encodeAPIKey(k string) string {
	k = strings.TrimSpace(k)
	k = strings.TrimPrefix(k, "ApiKey ")
	if raw, err := base64.StdEncoding.DecodeString(k); err == nil && strings.Contains(string(raw), ":") {
		return k
	}
	if strings.Contains(k, ":") {
		return base64.StdEncoding.EncodeToString([]byte(k))
	}
	return k
}

// authorization is the Authorization header value for the configured credentials.
func (c Config) authorization() string {
	switch {
	case c.APIKey != "":
		return "ApiKey " + encodeAPIKey(c.APIKey)
	case c.Username != "":
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(c.Username+":"+c.Password))
	}
	return ""
}

// Client is a connection to Elasticsearch (and, for write-back, Kibana).
type Client struct {
	cfg Config
	es  *es.Client
	// URL is the Elasticsearch URL in use; Version the server's version ("" when the
	// credentials may not read it).
	URL     string
	Version string
	// Notes say what the probe found (the version could not be read, compatibility mode).
	Notes []string
	http  *http.Client
}

// Config returns the configuration the client was made with.
func (c *Client) Config() Config { return c.cfg }

// Connect checks the configuration, builds the client and probes GET / for the
// server's version. A server that refuses GET / to the credentials (it needs the
// monitor cluster privilege) is used all the same.
func Connect(ctx context.Context, cfg Config) (*Client, error) {
	if cfg.URL != "" && cfg.CloudID != "" {
		return nil, errors.New("give an Elasticsearch URL or a cloud id, not both")
	}
	url := strings.TrimRight(strings.TrimSpace(cfg.URL), "/")
	if cfg.CloudID != "" {
		ep, err := ParseCloudID(cfg.CloudID)
		if err != nil {
			return nil, err
		}
		url = ep.Elasticsearch
		if cfg.KibanaURL == "" {
			cfg.KibanaURL = ep.Kibana
		}
	}
	RegisterSecrets(cfg)
	if url == "" {
		return nil, errors.New("no Elasticsearch URL: give --elastic URL or --cloud-id")
	}
	if err := checkURL("Elasticsearch", url); err != nil {
		return nil, err
	}
	var err error
	if url, err = cfg.takeURLCredentials("Elasticsearch", url); err != nil {
		return nil, err
	}
	if cfg.URL != "" {
		cfg.URL = url
	}
	if cfg.KibanaURL != "" {
		cfg.KibanaURL = strings.TrimRight(strings.TrimSpace(cfg.KibanaURL), "/")
		if err := checkURL("Kibana", cfg.KibanaURL); err != nil {
			return nil, err
		}
		if cfg.KibanaURL, err = cfg.takeURLCredentials("Kibana", cfg.KibanaURL); err != nil {
			return nil, err
		}
	}
	if cfg.APIKey == "" && cfg.Username == "" && cfg.Password != "" {
		return nil, errors.New("an Elasticsearch password without a user name: give --elastic-user too")
	}
	tr := cfg.Transport
	if tr == nil {
		t, err := transport(cfg.CAFile)
		if err != nil {
			return nil, err
		}
		tr = t
	}
	c := &Client{cfg: cfg, URL: url, http: &http.Client{Transport: tr, Timeout: 2 * time.Minute}}
	client, err := c.newES(tr, false)
	if err != nil {
		return nil, err
	}
	c.es = client
	version, err := c.probe(ctx)
	var ee *Error
	switch {
	case err == nil:
		c.Version = version
	case errors.As(err, &ee) && ee.Status == http.StatusForbidden:
		c.Notes = append(c.Notes, "the server version could not be read (GET / needs the monitor cluster privilege): assuming Elasticsearch 8.x or 9.x")
	default:
		return nil, err
	}
	if c.Version != "" {
		major, _ := strconv.Atoi(strings.SplitN(c.Version, ".", 2)[0])
		switch {
		case major < 8:
			return nil, fmt.Errorf("Elasticsearch %s at %s is not supported (keypivot needs 8.x or 9.x; 7.x keeps alerts in .siem-signals: export them and use --alerts FILE)", c.Version, url)
		case major == 9:
			// REST API compatibility: a 9.x server answers compatible-with=8 requests
			// exactly as an 8.x server would.
			if c.es, err = c.newES(tr, true); err != nil {
				return nil, err
			}
			c.Notes = append(c.Notes, "Elasticsearch "+c.Version+": requests sent in 8.x compatibility mode")
		case major > 9:
			return nil, fmt.Errorf("Elasticsearch %s at %s is newer than keypivot supports (8.x and 9.x)", c.Version, url)
		}
	}
	return c, nil
}

func checkURL(what, s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%s URL %q: want http(s)://host[:port]", what, sanitize.RedactURL(s))
	}
	return nil
}

// takeURLCredentials moves the credentials of a URL (http://user:password@host) into
// the configuration, as basic authentication, and returns the URL without them: the
// URL keypivot shows, names in reports and alert origins, and journals holds no
// password. Credentials in the URL and --elastic-api-key or --elastic-user at once are
// refused (which would win is not obvious), as are two URLs with different ones:
// Elasticsearch and Kibana are called with the same credentials. A URL with a user
// name alone (http://user@host) gives only the user: the password comes from
// --elastic-password (or the other URL), and only another user name conflicts.
func (c *Config) takeURLCredentials(what, s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return s, nil
	}
	user := u.User.Username()
	pass, hasPass := u.User.Password()
	u.User = nil
	clean := u.String()
	switch {
	case c.APIKey != "":
		return "", fmt.Errorf("the %s URL %s holds a user and password, and an API key is given too (--elastic-api-key, KEYPIVOT_ELASTIC_API_KEY): give one", what, sanitize.RedactURL(s))
	case !hasPass:
		if c.Username != "" && c.Username != user {
			return "", fmt.Errorf("the %s URL %s holds a user other than the one given by --elastic-user (or the other URL): give one", what, sanitize.RedactURL(s))
		}
		c.Username = user
		return clean, nil
	case c.Username == user && c.Password == pass:
	case c.Username != "" || c.Password != "":
		return "", fmt.Errorf("the %s URL %s holds a user and password other than those given by --elastic-user and --elastic-password (or the other URL): give one", what, sanitize.RedactURL(s))
	}
	c.Username, c.Password = user, pass
	return clean, nil
}

// RegisterSecrets registers the credentials of cfg with sanitize, in every form they are
// given or sent in (an API key as given, encoded and its secret half; a password and its
// Basic header value; the passwords of the URLs), so that no error, report or screen
// shows them. Connect calls it; the command line calls it as soon as its flags are read.
func RegisterSecrets(cfg Config) {
	if k := strings.TrimSpace(cfg.APIKey); k != "" {
		enc := encodeAPIKey(k)
		sanitize.RegisterSecret(cfg.APIKey, k, enc)
		if raw, err := base64.StdEncoding.DecodeString(enc); err == nil {
			if _, secret, ok := strings.Cut(string(raw), ":"); ok {
				sanitize.RegisterSecret(string(raw), secret)
			}
		}
	}
	if cfg.Password != "" {
		sanitize.RegisterSecret(cfg.Password, base64.StdEncoding.EncodeToString([]byte(cfg.Username+":"+cfg.Password)))
	}
	for _, u := range []string{cfg.URL, cfg.KibanaURL} {
		if u == "" {
			continue
		}
		sanitize.RegisterURLSecrets(u)
		if p, err := url.Parse(strings.TrimSpace(u)); err == nil && p.User != nil {
			if pw, ok := p.User.Password(); ok {
				sanitize.RegisterSecret(base64.StdEncoding.EncodeToString([]byte(p.User.Username() + ":" + pw)))
			}
		}
	}
}

func (c *Client) newES(tr http.RoundTripper, compat bool) (*es.Client, error) {
	cfg := es.Config{
		Addresses:               []string{c.URL},
		Transport:               tr,
		RetryOnStatus:           []int{http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout},
		MaxRetries:              maxRetries,
		RetryBackoff:            backoff,
		EnableCompatibilityMode: compat,
	}
	switch {
	case c.cfg.APIKey != "":
		cfg.APIKey = encodeAPIKey(c.cfg.APIKey)
	case c.cfg.Username != "":
		cfg.Username, cfg.Password = c.cfg.Username, c.cfg.Password
	}
	client, err := es.NewClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("elasticsearch client: %w", err)
	}
	return client, nil
}

// maxRetries is how many times a request is retried (a network error, 429, 502-504).
const maxRetries = 3

// backoff waits 250 ms, 500 ms, 1 s... between retries, at most 4 s. The transport also
// calls it after the last attempt has failed, before it gives up: no wait then (it
// would only delay the error by 2 s).
func backoff(attempt int) time.Duration {
	if attempt > maxRetries {
		return 0
	}
	d := 250 * time.Millisecond << (attempt - 1)
	if d > 4*time.Second || d <= 0 {
		d = 4 * time.Second
	}
	return d
}

func transport(caFile string) (http.RoundTripper, error) {
	t := http.DefaultTransport.(*http.Transport).Clone()
	if caFile == "" {
		return t, nil
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("CA file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("CA file %s: no PEM certificate in it", caFile)
	}
	t.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return t, nil
}

func (c *Client) probe(ctx context.Context) (string, error) {
	res, err := c.es.Info(c.es.Info.WithContext(ctx))
	if err != nil {
		return "", c.connErr(err)
	}
	defer res.Body.Close()
	if res.IsError() {
		return "", c.responseError("GET /", res)
	}
	var info struct {
		Version struct {
			Number string `json:"number"`
		} `json:"version"`
	}
	if err := json.NewDecoder(res.Body).Decode(&info); err != nil {
		return "", fmt.Errorf("GET / at %s: not an Elasticsearch answer: %v", c.URL, err)
	}
	return info.Version.Number, nil
}

func (c *Client) connErr(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("cannot reach Elasticsearch at %s: %w", c.URL, err)
}

// Error is an error answered by Elasticsearch or Kibana.
type Error struct {
	Op     string // "search .alerts-security.alerts-default"
	Status int
	Type   string // index_not_found_exception, security_exception, ...
	Reason string
	// RootCause are the exceptions the answer names as its root causes (root_cause).
	// They say what failed when Type is only a wrapper: a search whose point in time
	// expired is a search_phase_execution_exception ("all shards failed") whose root
	// cause is search_context_missing_exception.
	RootCause []Cause
	Hint      string
}

// Cause is one of an error's root causes.
type Cause struct {
	Type   string
	Reason string
}

// HasCause reports whether the error is of type typ or has a root cause of that type.
func (e *Error) HasCause(typ string) bool {
	if e.Type == typ {
		return true
	}
	for _, c := range e.RootCause {
		if c.Type == typ {
			return true
		}
	}
	return false
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("%s: HTTP %d", e.Op, e.Status)
	if e.Type != "" {
		msg += " " + e.Type
	}
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	// A wrapper's reason ("all shards failed") says nothing: name the root cause.
	for _, c := range e.RootCause {
		if c.Type != e.Type && (c.Reason == "" || !strings.Contains(msg, c.Reason)) {
			msg += " (root cause " + c.Type
			if c.Reason != "" {
				msg += ": " + c.Reason
			}
			msg += ")"
			break
		}
	}
	if e.Hint != "" {
		msg += " (" + e.Hint + ")"
	}
	return msg
}

// responseError reads an Elasticsearch error answer.
func (c *Client) responseError(op string, res *esapi.Response) error {
	body, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	e := &Error{Op: op, Status: res.StatusCode}
	var v struct {
		Error json.RawMessage `json:"error"`
	}
	if json.Unmarshal(body, &v) == nil && len(v.Error) > 0 {
		var cause struct {
			Type      string `json:"type"`
			Reason    string `json:"reason"`
			RootCause []struct {
				Type   string `json:"type"`
				Reason string `json:"reason"`
			} `json:"root_cause"`
			CausedBy *struct {
				Type   string `json:"type"`
				Reason string `json:"reason"`
			} `json:"caused_by"`
		}
		if json.Unmarshal(v.Error, &cause) == nil {
			e.Type, e.Reason = cause.Type, cause.Reason
			if cause.CausedBy != nil && cause.CausedBy.Reason != "" {
				e.Reason += ": " + cause.CausedBy.Reason
			}
			for _, rc := range cause.RootCause {
				if rc.Type != "" || rc.Reason != "" {
					e.RootCause = append(e.RootCause, Cause{Type: rc.Type, Reason: rc.Reason})
				}
			}
		} else {
			_ = json.Unmarshal(v.Error, &e.Reason)
		}
	} else {
		e.Reason = strings.TrimSpace(string(body))
		if len(e.Reason) > 300 {
			e.Reason = e.Reason[:300] + "..."
		}
	}
	switch res.StatusCode {
	case http.StatusUnauthorized:
		e.Hint = "check the API key or user and password (--elastic-api-key, --elastic-user)"
	case http.StatusForbidden:
		e.Hint = "the credentials lack a privilege: see docs/sources.md for the read-only role"
	}
	return e
}
