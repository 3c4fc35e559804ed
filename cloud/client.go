package cloud

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/photon-station/photon-station/internal/clock"
)

// DefaultBaseURL is the Particle Cloud API.
const DefaultBaseURL = "https://api.particle.io"

// Encoding is how request bodies of resource routes are written. Particle
// accepts both; /oauth/token and customer creation are always form encoded.
type Encoding int

const (
	// EncodeJSON writes application/json bodies (the default, like particle-api-js).
	EncodeJSON Encoding = iota
	// EncodeForm writes application/x-www-form-urlencoded bodies (like the tutorial's curl lines).
	EncodeForm
)

// Client talks to the Particle Cloud. The zero value is ready to use against
// DefaultBaseURL with no token; set Token for resource routes. A Client holds
// no state of its own apart from its fields, so copying it (see WithToken)
// is cheap and safe; it is safe for concurrent use as long as its fields are
// not changed meanwhile.
type Client struct {
	// BaseURL is the API root, DefaultBaseURL when empty. It must be https
	// unless its host is a loopback address (see CheckBaseURL).
	BaseURL string
	// Token is the bearer token (user, product or customer) sent in the
	// Authorization header of resource routes.
	Token string
	// HTTPClient, if set, sends the requests. Otherwise a client built on
	// Transport is used, which never follows redirects. Its Timeout should
	// be zero: it would cut event streams off; Timeout below bounds requests.
	HTTPClient *http.Client
	// Transport is the round tripper when HTTPClient is nil;
	// http.DefaultTransport when both are nil.
	Transport http.RoundTripper
	// Clock is the time source for retries and stream keep-alives;
	// the system clock when nil.
	Clock clock.Clock
	// Retry bounds retries of requests whose repeat is harmless.
	Retry RetryPolicy
	// Gate, if set, is a rate-limit hold shared with other clients.
	Gate *RateGate
	// Encoding selects JSON (default) or form bodies for resource routes.
	Encoding Encoding
	// Timeout bounds each attempt of a request (not event streams);
	// 0 means 90s, which covers a device that takes ~30s to time out.
	Timeout time.Duration
	// UserAgent is sent with every request; a default names the station.
	UserAgent string
	// UserClient is the OAuth client used for user login (password grant);
	// zero means Particle's own "particle:particle".
	UserClient ClientCredentials
}

// WithToken returns a copy of c that sends tok as its bearer token. The copy
// shares the transport, clock and rate gate.
func (c *Client) WithToken(tok string) *Client {
	cp := *c
	cp.Token = tok
	return &cp
}

func (c *Client) clock() clock.Clock {
	return clock.Or(c.Clock)
}

func (c *Client) httpClient() *http.Client {
	if c.HTTPClient != nil {
		return c.HTTPClient
	}
	return &http.Client{
		Transport: c.Transport,
		// The API never redirects; following one could carry the
		// Authorization header somewhere it must not go.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func (c *Client) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return 90 * time.Second
}

// ClientCredentials are an OAuth client's ID and secret. They are sent only
// as HTTP Basic authentication. String and GoString hide the secret so that
// the value can be logged.
type ClientCredentials struct {
	ID     string
	Secret string
}

// String names the client and hides the secret.
func (cc ClientCredentials) String() string {
	if cc.Secret == "" {
		return fmt.Sprintf("client %q (no secret)", cc.ID)
	}
	return fmt.Sprintf("client %q (secret hidden)", cc.ID)
}

// GoString hides the secret from %#v.
func (cc ClientCredentials) GoString() string { return "cloud.ClientCredentials{" + cc.String() + "}" }

// CheckBaseURL refuses an API base URL that could send a token or a client
// secret in clear text: it must be https, or http to a loopback host
// (tests and demo mode). It also refuses user info, queries and fragments.
func CheckBaseURL(raw string) error {
	// The raw text is not repeated in these messages: an address that does
	// not parse may still hold a user name and password.
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("the API address is not a valid URL; use a full URL such as %s", DefaultBaseURL)
	}
	if u.Host == "" || u.Opaque != "" {
		return fmt.Errorf("the API address has no host; use a full URL such as %s", DefaultBaseURL)
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("the API address must be a plain URL without user name, query or fragment")
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if isLoopback(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("the API address %q is not https; only a loopback address (localhost, 127.0.0.1, ::1) may use plain http, so secrets never cross the network in clear text", u.Redacted())
	}
	return fmt.Errorf("the API address %q must start with https://", u.Redacted())
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

var deviceIDPattern = regexp.MustCompile(`^[0-9a-f]{24}$`)

// NormalizeDeviceID trims and lower-cases a device ID and checks that it is
// 24 hexadecimal characters. SoftAP and some labels give IDs in upper case;
// the cloud compares them without case, but Particle's tools have not.
func NormalizeDeviceID(id string) (string, error) {
	n := strings.ToLower(strings.TrimSpace(id))
	if !deviceIDPattern.MatchString(n) {
		return "", &Error{
			Op:   "check device ID",
			Kind: KindInvalidInput,
			Hint: fmt.Sprintf("%q is not a device ID: a Particle device ID is 24 characters 0-9 and a-f. Read it again from the device (serial 'i') or its label", showID(id)),
		}
	}
	return n, nil
}

// IsDeviceID reports whether s is a valid device ID in any case.
func IsDeviceID(s string) bool {
	_, err := NormalizeDeviceID(s)
	return err == nil
}

// showID returns a caller-supplied identifier (device ID or name, product
// ID or slug, organization) for a message, unless it does not look like one:
// longer than 32 characters (a token or claim code pasted into the wrong
// field) or holding characters identifiers never have (a password pasted
// there). Such values must never reach a message or a log.
func showID(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 32 || strings.ContainsFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.')
	}) {
		return fmt.Sprintf("(a value of %d characters)", len(s))
	}
	return s
}

// auth selects how a request authenticates.
type auth int

const (
	authBearer auth = iota // c.Token in the Authorization header
	authBasic              // OAuth client credentials as HTTP Basic
	authNone
)

// request is one API call, described so that it can be sent again.
type request struct {
	op         string
	method     string
	path       []string // path segments below the base URL, escaped when sent
	query      url.Values
	body       map[string]any // encoded per c.Encoding, or as a form when form is set
	form       bool           // always form-encode body
	multipart  *multipartBody
	auth       auth
	basic      ClientCredentials
	accept     string
	idempotent bool // repeating it is harmless: retry on 429/5xx/network
	// retry429 retries a request that is not idempotent after a 429 only:
	// the cloud refused it without acting, so asking again cannot act twice.
	retry429 bool
	// retryRefused retries a request that creates something each time (a
	// token, a claim code) only when the cloud surely did not act: 429,
	// 503, or a connection that was never made. A lost reply or a gateway
	// error is not repeated, so no unknown token or code is left behind.
	retryRefused bool
	// doneWhenGone, for a retried DELETE, recognises the answer a repeat
	// gets when an earlier attempt did the work but its reply was lost
	// (the thing is gone: 404, or 401 for a revoked token). After a network
	// error or a 5xx, that answer counts as success.
	doneWhenGone func(error) bool
}

type multipartBody struct {
	field, filename string
	content         []byte
	fields          map[string]string
}

func (r *request) encodeBody(enc Encoding) (contentType string, body []byte, err error) {
	switch {
	case r.multipart != nil:
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		for _, k := range sortedKeys(r.multipart.fields) {
			if err := w.WriteField(k, r.multipart.fields[k]); err != nil {
				return "", nil, err
			}
		}
		fw, err := w.CreateFormFile(r.multipart.field, r.multipart.filename)
		if err != nil {
			return "", nil, err
		}
		if _, err := fw.Write(r.multipart.content); err != nil {
			return "", nil, err
		}
		if err := w.Close(); err != nil {
			return "", nil, err
		}
		return w.FormDataContentType(), buf.Bytes(), nil
	case r.body == nil:
		return "", nil, nil
	case r.form || enc == EncodeForm:
		v := url.Values{}
		for k, x := range r.body {
			switch x := x.(type) {
			case nil:
				v.Set(k, "")
			case string:
				v.Set(k, x)
			case bool:
				v.Set(k, strconv.FormatBool(x))
			case int:
				v.Set(k, strconv.Itoa(x))
			case []string:
				for _, s := range x {
					v.Add(k, s)
				}
			default:
				return "", nil, fmt.Errorf("cannot form-encode %T", x)
			}
		}
		return "application/x-www-form-urlencoded", []byte(v.Encode()), nil
	default:
		b, err := json.Marshal(r.body)
		return "application/json", b, err
	}
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	// A tiny insertion sort keeps multipart bodies deterministic.
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}

// url builds the request URL from the base URL and escaped path segments.
func (c *Client) url(r *request) (string, error) {
	base := c.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	if err := CheckBaseURL(base); err != nil {
		return "", &Error{Op: r.op, Kind: KindInvalidInput, Hint: err.Error()}
	}
	var b strings.Builder
	b.WriteString(strings.TrimRight(base, "/"))
	for _, seg := range r.path {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(seg))
	}
	if len(r.query) > 0 {
		b.WriteByte('?')
		b.WriteString(r.query.Encode())
	}
	return b.String(), nil
}

// newHTTPRequest builds one attempt of r.
func (c *Client) newHTTPRequest(ctx context.Context, r *request, ctype string, body []byte) (*http.Request, error) {
	u, err := c.url(r)
	if err != nil {
		return nil, err
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u, rd)
	if err != nil {
		return nil, &Error{Op: r.op, Kind: KindInvalidInput, Err: err}
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	accept := r.accept
	if accept == "" {
		accept = "application/json"
	}
	req.Header.Set("Accept", accept)
	ua := c.UserAgent
	if ua == "" {
		ua = "photon-station (Particle Cloud client)"
	}
	req.Header.Set("User-Agent", ua)
	switch r.auth {
	case authBearer:
		if c.Token == "" {
			return nil, &Error{Op: r.op, Kind: KindUnauthorized, Hint: "the station has no access token for this step. Sign in, or check the job profile's OAuth client"}
		}
		req.Header.Set("Authorization", "Bearer "+c.Token)
	case authBasic:
		if r.basic.ID == "" || r.basic.Secret == "" {
			return nil, &Error{Op: r.op, Kind: KindBadCredentials, Hint: "the OAuth client ID or secret is missing. Enter them in the job profile (the secret is kept in the keyring)"}
		}
		req.SetBasicAuth(r.basic.ID, r.basic.Secret)
	}
	return req, nil
}

const maxResponse = 64 << 20

// send performs r with retries and returns the successful response body.
func (c *Client) send(ctx context.Context, r *request) (status int, body []byte, err error) {
	ctype, payload, err := r.encodeBody(c.Encoding)
	if err != nil {
		return 0, nil, &Error{Op: r.op, Kind: KindInvalidInput, Err: err}
	}
	pol := c.Retry.withDefaults()
	clk := c.clock()
	mayHaveActed := false // an earlier attempt's reply was lost or broken
	for attempt := 0; ; attempt++ {
		if c.Gate != nil {
			if err := c.Gate.Wait(ctx, clk); err != nil {
				return 0, nil, canceled(r.op, err)
			}
		}
		status, body, e := c.attempt(ctx, r, ctype, payload)
		if e == nil {
			return status, body, nil
		}
		if mayHaveActed && r.doneWhenGone != nil && r.doneWhenGone(e) {
			return http.StatusNoContent, nil, nil
		}
		if e.Kind == KindNetwork || (e.Kind == KindServerError && status >= 500 && status != http.StatusServiceUnavailable) {
			// A lost connection, or a gateway that gave up waiting, may
			// hide work done; 503 says the service did not take it.
			mayHaveActed = true
		}
		wait := e.RetryAfter
		if wait <= 0 {
			wait = pol.Backoff(attempt)
		}
		if e.Kind == KindRateLimited && c.Gate != nil {
			// Every client sharing the gate holds off, whether or not
			// this request is repeated.
			c.Gate.Hold(clk.Now().Add(min(wait, pol.MaxRetryAfter)))
		}
		refused := e.Kind == KindRateLimited || status == http.StatusServiceUnavailable || neverSent(e)
		again := r.idempotent || (r.retry429 && e.Kind == KindRateLimited) || (r.retryRefused && refused)
		if e.Kind == KindCanceled || !again || !retryable(e) || attempt+1 >= pol.MaxAttempts || wait > pol.MaxRetryAfter {
			return status, nil, e
		}
		if e.Kind == KindRateLimited && c.Gate != nil {
			continue // the gate does the waiting
		}
		if clk == clock.System {
			if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
				// The caller's time ends first: say why now, instead of
				// sleeping into the deadline and reporting only that.
				return status, nil, e
			}
		}
		if err := clock.Sleep(ctx, clk, wait); err != nil {
			return 0, nil, canceled(r.op, err)
		}
	}
}

// neverSent reports a network error from before the request went out (the
// connection was refused or could not be made), so the cloud cannot have
// acted on it.
func neverSent(e *Error) bool {
	if e.Kind != KindNetwork || e.Err == nil {
		return false
	}
	var op *net.OpError
	return errors.As(e.Err, &op) && op.Op == "dial"
}

// asError returns err as an *Error, wrapping it when it is another error.
func asError(op string, err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Op: op, Kind: KindInvalidInput, Err: err}
}

func canceled(op string, err error) *Error {
	return &Error{Op: op, Kind: KindCanceled, Err: err}
}

// attempt sends r once.
func (c *Client) attempt(ctx context.Context, r *request, ctype string, payload []byte) (int, []byte, *Error) {
	actx, cancel := context.WithTimeout(ctx, c.timeout())
	defer cancel()
	req, err := c.newHTTPRequest(actx, r, ctype, payload)
	if err != nil {
		return 0, nil, asError(r.op, err)
	}
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return 0, nil, transportError(ctx, r.op, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return resp.StatusCode, nil, transportError(ctx, r.op, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, nil, decodeError(r.op, resp.StatusCode, parseRetryAfter(resp.Header, c.clock().Now()), body)
	}
	return resp.StatusCode, body, nil
}

// transportError wraps a failure to get an answer. The *url.Error of
// net/http repeats the URL; it holds no token (tokens never go in URLs).
func transportError(ctx context.Context, op string, err error) *Error {
	if ctx.Err() != nil {
		return canceled(op, ctx.Err())
	}
	return &Error{Op: op, Kind: KindNetwork, Err: err}
}

// call sends r and decodes a JSON answer into out (when out is not nil).
func (c *Client) call(ctx context.Context, r *request, out any) error {
	_, body, err := c.send(ctx, r)
	if err != nil {
		return err
	}
	if out == nil || len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, out); err != nil {
		return &Error{Op: r.op, Kind: KindBadResponse, Err: err, Body: maskTokens(string(body[:min(len(body), maxBodyInError)]))}
	}
	return nil
}

// okBody is the {"ok":true} answer of many routes.
type okBody struct {
	OK *bool `json:"ok"`
}

// expectOK sends r and checks an {"ok":...} answer (or an empty/204 one).
func (c *Client) expectOK(ctx context.Context, r *request) error {
	var ok okBody
	if err := c.call(ctx, r, &ok); err != nil {
		return err
	}
	if ok.OK != nil && !*ok.OK {
		return &Error{Op: r.op, Kind: KindUnknown}
	}
	return nil
}

// seg checks a path segment supplied by the caller (product, org, name).
func seg(op, what, s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", &Error{Op: op, Kind: KindInvalidInput, Hint: "the " + what + " is empty. Fill it in and try again"}
	}
	return s, nil
}
