package cloudtest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzRequest feeds arbitrary methods, paths, content types and bodies to
// the handler: whatever arrives, the fake answers with a status and, except
// for streams, raw values and CSV, a JSON body, and never panics.
func FuzzRequest(f *testing.F) {
	seeds := []struct{ method, path, ct, body string }{
		{"POST", "/oauth/token", "application/x-www-form-urlencoded", "grant_type=client_credentials&client_id=bench-1234&client_secret=x"},
		{"POST", "/oauth/token", "application/json", `{"grant_type":"password"}`},
		{"POST", "/v1/products/100/devices", "application/json", `{"ids":["0123456789abcdef01234567",7,null]}`},
		{"POST", "/v1/products/100/devices", "multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\nabc\r\n--x--\r\n"},
		{"PUT", "/v1/devices/0123456789abcdef01234567", "application/x-www-form-urlencoded", "access_token=tok&name=a%ZZ"},
		{"GET", "/v1/products/100/devices?page=-1&perPage=1e9&per_page=2", "", ""},
		{"POST", "/v1/devices/0123456789abcdef01234567/echo", "application/json", `{"arg":{"nested":true}}`},
		{"GET", "/v1/devices/%2e%2e/events/%", "", ""},
		{"POST", "/v1/products/100/customers", "application/json", `[1,2]`},
		{"DELETE", "/v1/products/100/devices/0123456789abcdef01234567", "application/json", `{"deny":"maybe"}`},
	}
	for _, s := range seeds {
		f.Add(s.method, s.path, s.ct, s.body)
	}
	c := NewUnstarted(Options{KeepAlive: 1})
	c.AddProduct(Product{ID: 100, Name: "Bench"})
	c.AddOAuthClient(OAuthClient{ID: "bench-1234", Secret: "x", ProductID: 100})
	c.AddDevice(Device{ID: "0123456789abcdef01234567", ProductID: 100, Online: true,
		Functions: map[string]Function{"echo": func(a string) int32 { return int32(len(a)) }}})
	tok := c.ProductToken(100)
	c.AddToken(Token{Value: "tok", ProductID: 100})
	f.Fuzz(func(t *testing.T, method, path, ct, body string) {
		req, err := http.NewRequest(method, "http://fake"+path, strings.NewReader(body))
		if err != nil || req.URL.Path == "" || req.URL.Path[0] != '/' {
			return
		}
		if strings.Contains(req.URL.Path, "events") {
			return // streams do not end on their own
		}
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		if !strings.Contains(body, "access_token") && !strings.Contains(path, "access_token") {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		rec := httptest.NewRecorder()
		c.Handler().ServeHTTP(rec, req)
		if rec.Code < 200 || rec.Code > 599 {
			t.Fatalf("status %d", rec.Code)
		}
		rct := rec.Header().Get("Content-Type")
		if rec.Code == http.StatusNoContent || !strings.HasPrefix(rct, "application/json") {
			return
		}
		if !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("%s %s answered invalid JSON %q", method, path, rec.Body.String())
		}
	})
}

// FuzzMatchPattern checks the route matcher: a path built from a
// pattern's literal segments and arbitrary values matches it and hands the
// values back.
func FuzzMatchPattern(f *testing.F) {
	for _, s := range [][2]string{{"100", "0123456789abcdef01234567"}, {"bench-v1", "alpha"}, {"a b", "%"}} {
		f.Add(s[0], s[1])
	}
	pat := splitPattern("/v1/products/:product/devices/:device")
	f.Fuzz(func(t *testing.T, product, device string) {
		if product == "" || device == "" || strings.Contains(product+device, "/") {
			return
		}
		p, ok := matchPattern(pat, []string{"v1", "products", product, "devices", device})
		if !ok || p["product"] != product || p["device"] != device {
			t.Fatalf("match(%q, %q) = %v, %v", product, device, p, ok)
		}
		if _, ok := matchPattern(pat, []string{"v1", "products", product, "devices"}); ok {
			t.Fatalf("short path matched")
		}
	})
}
