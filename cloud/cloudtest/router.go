package cloudtest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// AuthCarrier names where a request carried a credential.
type AuthCarrier string

// The places a credential can travel.
const (
	AuthHeader     AuthCarrier = "header"      // Authorization: Bearer
	AuthQuery      AuthCarrier = "query"       // ?access_token=
	AuthBody       AuthCarrier = "body"        // access_token body field
	AuthBasic      AuthCarrier = "basic"       // Authorization: Basic (client or user credentials)
	AuthClientBody AuthCarrier = "client-body" // client_id/client_secret body fields
)

// Request is one logged request, for asserting what a client sent.
type Request struct {
	Time        time.Time
	Method      string
	Path        string // URL path, as received (still escaped)
	RawQuery    string
	ContentType string // media type without parameters, "" when none
	// BodyEncoding is "form", "json", "multipart" or "" (no body).
	BodyEncoding string
	// BodyKeys are the field names of the form, JSON object or multipart
	// form (files included), sorted.
	BodyKeys []string
	// QueryKeys are the query parameter names, sorted.
	QueryKeys []string
	// Auth lists every place a credential travelled, in header, query, body
	// order.
	Auth   []AuthCarrier
	Header http.Header
	// Status is the answer's status code: 0 while unanswered (or held by a
	// Hang fault), -1 for a connection dropped by a CloseConnection fault.
	Status int
}

// Requests returns the request log, oldest first.
func (c *Cloud) Requests() []Request {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]Request, len(c.requests))
	for i, r := range c.requests {
		out[i] = *r
	}
	return out
}

// RequestLogged returns a channel that is closed when the next request is
// logged (before it is answered), so a test can wait for a client's call
// without polling or sleeping.
func (c *Cloud) RequestLogged() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.logged
}

// ResetRequests empties the request log.
func (c *Cloud) ResetRequests() {
	c.mu.Lock()
	c.requests = nil
	c.mu.Unlock()
}

// SecretsInURLs returns the logged requests whose URL (path or query)
// carries an access_token parameter or any secret the fake ever issued or
// was given: access, refresh and MFA tokens (revoked ones too), client
// secrets, user passwords and claim codes, raw or URL-escaped. Secrets
// shorter than 6 characters are skipped, as they would match by accident.
// A client that keeps secrets out of URLs leaves it empty.
func (c *Cloud) SecretsInURLs() []Request {
	c.mu.Lock()
	defer c.mu.Unlock()
	var needles []string
	for s := range c.secrets {
		if len(s) < 6 {
			continue
		}
		needles = append(needles, s, url.QueryEscape(s), url.PathEscape(s))
	}
	var out []Request
	for _, r := range c.requests {
		u := r.Path + "?" + r.RawQuery
		leak := contains(r.QueryKeys, "access_token")
		for _, s := range needles {
			if leak || strings.Contains(u, s) {
				leak = true
				break
			}
		}
		if leak {
			out = append(out, *r)
		}
	}
	return out
}

// Fault is an injected failure: requests matching Method and Path get
// Status, Header and Body instead of the fake's normal answer.
type Fault struct {
	// Method matches the request method; "" matches any.
	Method string
	// Path is a route pattern: literal segments, ":name" or "*" for any one
	// segment, and a final "..." for any rest (zero or more segments). ""
	// matches every path.
	// Example: "/v1/products/:product/devices".
	Path string
	// Times is how many matching requests fail; 0 means every one.
	Times int
	// Until, when set, ends the fault at that moment of the fake's clock
	// (Options.Now): an outage of a few seconds.
	Until  time.Time
	Status int
	Header http.Header
	Body   string
	// CloseConnection drops the connection without a response instead, as
	// a network failure looks to a client.
	CloseConnection bool
	// LoseReply lets the fake act on the request as usual and then drops
	// the connection instead of answering: the reply lost on its way back,
	// after the cloud did the work.
	LoseReply bool
	// Hang holds the request without answering until the client gives up
	// (its context ends) or the Cloud closes: a server that never replies,
	// for testing client timeouts without sleeping.
	Hang bool
}

type faultState struct {
	Fault
	left int // -1: unlimited
}

// InjectFault adds a fault. Faults are checked in the order they were
// added; the first match with uses left answers the request.
func (c *Cloud) InjectFault(f Fault) {
	c.mu.Lock()
	defer c.mu.Unlock()
	left := f.Times
	if left == 0 {
		left = -1
	}
	c.faults = append(c.faults, &faultState{Fault: f, left: left})
}

// InjectRateLimit makes the next n matching requests (0: all) answer 429
// with a Retry-After header of retryAfter (whole seconds).
func (c *Cloud) InjectRateLimit(method, path string, n int, retryAfter time.Duration) {
	c.InjectFault(Fault{Method: method, Path: path, Times: n, Status: http.StatusTooManyRequests,
		Header: http.Header{"Retry-After": {strconv.Itoa(int(retryAfter / time.Second))}},
		Body:   `{"error":"rate_limit_exceeded","error_description":"Too many requests"}`})
}

// ClearFaults removes every injected fault.
func (c *Cloud) ClearFaults() {
	c.mu.Lock()
	c.faults = nil
	c.mu.Unlock()
}

func (c *Cloud) takeFault(method, path string) *Fault {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, f := range c.faults {
		if f.left == 0 || (f.Method != "" && !strings.EqualFold(f.Method, method)) {
			continue
		}
		if !f.Until.IsZero() && !c.now().Before(f.Until) {
			continue
		}
		if f.Path != "" {
			if _, ok := matchPattern(splitPattern(f.Path), splitPath(path)); !ok {
				continue
			}
		}
		if f.left > 0 {
			f.left--
		}
		ff := f.Fault
		return &ff
	}
	return nil
}

// --- routing ---

type params map[string]string

type handlerFunc func(w http.ResponseWriter, r *request)

type route struct {
	method string
	segs   []string
	h      handlerFunc
}

// request is one incoming request with its body already parsed.
type request struct {
	*http.Request
	p        params
	encoding string // "form", "json", "multipart", ""
	form     url.Values
	json     map[string]any
	files    map[string][]byte
	bodyErr  error
	query    url.Values
	tokenVia AuthCarrier // the carrier that authenticated, once authorized
}

func splitPattern(p string) []string { return strings.Split(strings.Trim(p, "/"), "/") }

func splitPath(p string) []string {
	segs := strings.Split(strings.Trim(p, "/"), "/")
	for i, s := range segs {
		if u, err := url.PathUnescape(s); err == nil {
			segs[i] = u
		}
	}
	return segs
}

func matchPattern(pat, segs []string) (params, bool) {
	p := params{}
	for i, ps := range pat {
		if ps == "..." {
			p["..."] = strings.Join(segs[i:], "/")
			return p, true
		}
		if i >= len(segs) {
			return nil, false
		}
		switch {
		case strings.HasPrefix(ps, ":"):
			if segs[i] == "" {
				return nil, false
			}
			p[ps[1:]] = segs[i]
		case ps == "*":
		case ps != segs[i]:
			return nil, false
		}
	}
	if len(pat) != len(segs) {
		return nil, false
	}
	return p, true
}

// statusRecorder remembers the status for the request log and passes
// flushes through for event streams.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func (s *statusRecorder) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

const maxBody = 10 << 20

func (c *Cloud) serveHTTP(w http.ResponseWriter, hr *http.Request) {
	r := &request{Request: hr, query: hr.URL.Query()}
	c.parseBody(r)
	logged := c.logRequest(r)
	rec := &statusRecorder{ResponseWriter: w}
	defer func() {
		c.mu.Lock()
		logged.Status = rec.status
		c.mu.Unlock()
	}()

	if c.opts.Latency > 0 {
		t := time.NewTimer(c.opts.Latency)
		select {
		case <-t.C:
		case <-hr.Context().Done():
			t.Stop()
			return
		case <-c.closed:
			t.Stop()
			return
		}
	}
	if f := c.takeFault(hr.Method, hr.URL.Path); f != nil {
		if f.Hang {
			select {
			case <-hr.Context().Done():
			case <-c.closed:
			}
			return
		}
		if f.LoseReply {
			c.route(httptest.NewRecorder(), r)
		}
		if f.CloseConnection || f.LoseReply {
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					conn.Close()
					rec.status = -1
					return
				}
			}
			panic(http.ErrAbortHandler)
		}
		for k, vs := range f.Header {
			for _, v := range vs {
				w.Header().Add(k, v)
			}
		}
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
		}
		rec.WriteHeader(f.Status)
		io.WriteString(rec, f.Body)
		return
	}

	c.route(rec, r)
}

// route answers r with the fake's normal behaviour.
func (c *Cloud) route(rec http.ResponseWriter, r *request) {
	hr := r.Request
	segs := splitPath(hr.URL.Path)
	if len(segs) > 4 && segs[0] == "v1" && segs[1] == "orgs" && segs[3] == "products" {
		// /v1/orgs/:org/products/:product/... is the product route seen
		// through its organization.
		if !c.productInOrg(segs[4], segs[2]) {
			productDenied(rec)
			return
		}
		segs = append([]string{"v1"}, segs[3:]...)
	}
	for _, rt := range c.routes {
		if rt.method != "" && rt.method != hr.Method {
			continue
		}
		if p, ok := matchPattern(rt.segs, segs); ok {
			r.p = p
			rt.h(rec, r)
			return
		}
	}
	writeJSON(rec, http.StatusNotFound, map[string]any{"ok": false, "error": "Not Found"})
}

func (c *Cloud) parseBody(r *request) {
	mt, mparams, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		r.bodyErr = err
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if len(bytes.TrimSpace(body)) == 0 && mt != "multipart/form-data" {
		if mt == "application/x-www-form-urlencoded" {
			r.encoding, r.form = "form", url.Values{}
		}
		return
	}
	switch mt {
	case "application/x-www-form-urlencoded":
		r.encoding = "form"
		r.form, r.bodyErr = url.ParseQuery(string(body))
	case "application/json":
		r.encoding = "json"
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		r.bodyErr = dec.Decode(&r.json)
	case "multipart/form-data":
		r.encoding = "multipart"
		r.form, r.files = url.Values{}, map[string][]byte{}
		mr := multipart.NewReader(bytes.NewReader(body), mparams["boundary"])
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				r.bodyErr = err
				break
			}
			data, _ := io.ReadAll(part)
			if part.FileName() != "" {
				r.files[part.FormName()] = data
			} else {
				r.form.Add(part.FormName(), string(data))
			}
		}
	default:
		r.encoding = "other"
	}
}

func (c *Cloud) logRequest(r *request) *Request {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	lr := Request{Method: r.Method, Path: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery,
		ContentType: mt, BodyEncoding: r.encoding, Header: r.Header.Clone()}
	if lr.BodyEncoding == "other" {
		lr.BodyEncoding = ""
	}
	for k := range r.query {
		lr.QueryKeys = append(lr.QueryKeys, k)
	}
	sort.Strings(lr.QueryKeys)
	for k := range r.form {
		lr.BodyKeys = append(lr.BodyKeys, k)
	}
	for k := range r.json {
		lr.BodyKeys = append(lr.BodyKeys, k)
	}
	for k := range r.files {
		lr.BodyKeys = append(lr.BodyKeys, k)
	}
	sort.Strings(lr.BodyKeys)
	if h := r.Header.Get("Authorization"); h != "" {
		if strings.HasPrefix(strings.ToLower(h), "basic ") {
			lr.Auth = append(lr.Auth, AuthBasic)
		} else {
			lr.Auth = append(lr.Auth, AuthHeader)
		}
	}
	if r.query.Has("access_token") {
		lr.Auth = append(lr.Auth, AuthQuery)
	}
	if _, ok := r.field("access_token"); ok {
		lr.Auth = append(lr.Auth, AuthBody)
	}
	if _, ok := r.field("client_secret"); ok {
		lr.Auth = append(lr.Auth, AuthClientBody)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	lr.Time = c.now()
	c.requests = append(c.requests, &lr)
	close(c.logged)
	c.logged = make(chan struct{})
	return &lr
}

// --- body field access (form, JSON and multipart alike) ---

// field returns a body field as a string and whether it was present.
func (r *request) field(name string) (string, bool) {
	if r.form != nil {
		if vs, ok := r.form[name]; ok && len(vs) > 0 {
			return vs[0], true
		}
	}
	if r.json != nil {
		v, ok := r.json[name]
		if !ok {
			return "", false
		}
		switch x := v.(type) {
		case nil:
			return "", true
		case string:
			return x, true
		case json.Number:
			return x.String(), true
		case bool:
			return strconv.FormatBool(x), true
		default:
			b, _ := json.Marshal(x)
			return string(b), true
		}
	}
	return "", false
}

// isNull reports whether a JSON body field is an explicit null.
func (r *request) isNull(name string) bool {
	if r.json == nil {
		return false
	}
	v, ok := r.json[name]
	return ok && v == nil
}

// boolField reads a bool given as JSON true/false or "true"/"false" text.
func (r *request) boolField(name string) (value, present bool, err error) {
	s, ok := r.field(name)
	if !ok {
		return false, false, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, true, fmt.Errorf("%s must be true or false", name)
	}
	return b, true, nil
}

// listField reads a JSON string array, or repeated/comma-separated form
// values.
func (r *request) listField(name string) ([]string, bool) {
	if r.json != nil {
		v, ok := r.json[name]
		if !ok {
			return nil, false
		}
		switch x := v.(type) {
		case []any:
			var out []string
			for _, e := range x {
				out = append(out, fmt.Sprint(e))
			}
			return out, true
		case string:
			return splitComma(x), true
		}
		return nil, true
	}
	if r.form != nil {
		vs, ok := r.form[name]
		if !ok {
			vs, ok = r.form[name+"[]"]
		}
		if !ok {
			return nil, false
		}
		var out []string
		for _, v := range vs {
			out = append(out, splitComma(v)...)
		}
		return out, true
	}
	return nil, false
}

func splitComma(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// --- responses ---

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b)
}

// oauthError writes family A: {"error","error_description"} with the
// no-store headers, and WWW-Authenticate for invalid_client.
func oauthError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	if code == "invalid_client" {
		w.Header().Set("WWW-Authenticate", `Basic realm="Service"`)
	}
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

// okError writes family B: {"ok":false,"error":...}.
func okError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"ok": false, "error": msg})
}

// errorsList writes family D: {"ok":false,"errors":[...]}.
func errorsList(w http.ResponseWriter, status int, msgs ...string) {
	writeJSON(w, status, map[string]any{"ok": false, "errors": msgs})
}

// permissionDenied writes family C for an unknown or foreign device on a
// user device route. Like the real cloud it echoes a query token (or
// "undefined") into the hint URL.
func permissionDenied(w http.ResponseWriter, r *request) {
	tok := "undefined"
	if q := r.query.Get("access_token"); q != "" {
		tok = q
	}
	writeJSON(w, http.StatusForbidden, map[string]string{
		"error": "Permission Denied",
		"info":  "I didn't recognize that device name or ID, try opening https://api.particle.io/v1/devices?access_token=" + tok,
	})
}

// productDenied answers an unknown product, a product the token may not
// manage, or a customer token on a product-management route.
func productDenied(w http.ResponseWriter) {
	okError(w, http.StatusForbidden, "Permission denied")
}

func badRequest(w http.ResponseWriter, msg string) { okError(w, http.StatusBadRequest, msg) }

func isoTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// readLines splits an uploaded file into trimmed, non-empty lines.
func readLines(b []byte) []string {
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		for _, f := range strings.Split(sc.Text(), ",") {
			if f = strings.TrimSpace(f); f != "" {
				out = append(out, f)
			}
		}
	}
	return out
}
