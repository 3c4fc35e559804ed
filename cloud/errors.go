package cloud

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Kind classifies a failure by what the technician should do about it,
// whatever error body family (§0.4 of the API notes) the server used.
type Kind int

// The kinds of failure the client tells apart.
const (
	KindUnknown              Kind = iota // an error the client could not classify
	KindInvalidInput                     // the request was refused before it was sent (bad device ID, unsafe URL)
	KindBadRequest                       // the server refused the request as malformed (400)
	KindUnauthorized                     // the access token is missing or not valid
	KindTokenExpired                     // the access token has expired
	KindBadCredentials                   // wrong user name/password or wrong OAuth client ID/secret
	KindMFARequired                      // the account needs a one-time code (see MFAToken)
	KindPermissionDenied                 // the token may not use this device, product or route
	KindNotFound                         // no such device, product or customer
	KindDeviceOffline                    // the cloud could not reach the device ("timed out")
	KindUnknownVariable                  // the device firmware has no such variable
	KindUnknownFunction                  // the device firmware has no such function
	KindClaimedBySomeoneElse             // the device belongs to another account
	KindCustomerExists                   // a customer with that e-mail already exists
	KindRateLimited                      // too many requests (429); see RetryAfter
	KindServerError                      // the Particle Cloud failed (5xx)
	KindNetwork                          // the request did not get an HTTP answer
	KindCanceled                         // the caller's context ended
	KindBadResponse                      // the answer could not be understood
)

var kindNames = [...]string{
	KindUnknown:              "unknown",
	KindInvalidInput:         "invalid input",
	KindBadRequest:           "bad request",
	KindUnauthorized:         "unauthorized",
	KindTokenExpired:         "token expired",
	KindBadCredentials:       "bad credentials",
	KindMFARequired:          "MFA required",
	KindPermissionDenied:     "permission denied",
	KindNotFound:             "not found",
	KindDeviceOffline:        "device offline",
	KindUnknownVariable:      "unknown variable",
	KindUnknownFunction:      "unknown function",
	KindClaimedBySomeoneElse: "claimed by someone else",
	KindCustomerExists:       "customer exists",
	KindRateLimited:          "rate limited",
	KindServerError:          "server error",
	KindNetwork:              "network error",
	KindCanceled:             "canceled",
	KindBadResponse:          "bad response",
}

// String names the kind for logs and tests.
func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// advice is the plain-language sentence for each kind: what happened and
// what to do.
var advice = [...]string{
	KindUnknown:              "the Particle Cloud refused the request. Open the details for the server's reason, then try again or ask a supervisor",
	KindInvalidInput:         "the request was not sent because an input is not valid. Correct it and try again",
	KindBadRequest:           "the Particle Cloud refused the request as invalid. Check the job profile and the device, then try again",
	KindUnauthorized:         "the Particle Cloud did not accept the access token. Sign in again or check the OAuth client of the job profile",
	KindTokenExpired:         "the access token has expired. Sign in again (or restart the job so the station gets a new product token)",
	KindBadCredentials:       "the Particle Cloud did not accept the credentials. Check the user name and password, or the OAuth client ID and secret in the job profile",
	KindMFARequired:          "this account uses two-step verification. Enter the code from the authenticator app",
	KindPermissionDenied:     "this account or token may not use that device or product. Check the product in the job profile, or that the device belongs to this product",
	KindNotFound:             "the Particle Cloud does not know that device, product or customer. Check the ID",
	KindDeviceOffline:        "the device did not answer (it is probably offline). Check that it is powered and breathing cyan, then try again",
	KindUnknownVariable:      "the device firmware has no variable by that name. Check the name, or flash the expected firmware",
	KindUnknownFunction:      "the device firmware has no function by that name. Check the name, or flash the expected firmware",
	KindClaimedBySomeoneElse: "the device belongs to another Particle account. Ask its owner to release it, or request a transfer",
	KindCustomerExists:       "a customer with that e-mail already exists. The station can use the existing customer instead",
	KindRateLimited:          "the Particle Cloud asked the station to slow down (too many requests). Wait a moment and try again",
	KindServerError:          "the Particle Cloud had an internal problem. Wait a minute and try again; if it keeps happening, check status.particle.io",
	KindNetwork:              "the station could not reach the Particle Cloud. Check this computer's network connection and try again",
	KindCanceled:             "the operation was stopped before it finished",
	KindBadResponse:          "the Particle Cloud sent an answer the station could not read. Try again; if it keeps happening, report it with the details",
}

// Error is every failure of a cloud call. Its Error text is a plain-language
// sentence for a technician and never contains a token, a secret or a claim
// code; the server's own words are in ServerMessage and Body.
type Error struct {
	// Op names the operation, such as "get variable" or "import devices".
	Op string
	// Kind classifies the failure.
	Kind Kind
	// StatusCode is the HTTP status, or 0 when no answer arrived.
	StatusCode int
	// Code is the machine error code of the body, such as "invalid_token",
	// "mfa_required" or "Permission Denied", when there is one.
	Code string
	// ServerMessage is the server's human text (error_description, error,
	// errors[], info or description), with access_token values masked.
	ServerMessage string
	// Body is the raw response body (at most 4 KiB), with access_token
	// values masked. Meant for a "Details" view.
	Body string
	// RetryAfter is the server's requested wait (429/503), or 0.
	RetryAfter time.Duration
	// MFAToken is the token for the second login step when Kind is
	// KindMFARequired. It is not part of the Error text.
	MFAToken string
	// Hint is extra advice attached by the caller for this situation; when
	// set it replaces the generic advice of the Kind.
	Hint string
	// Err is the underlying Go error (network, context, decoding), if any.
	Err error
}

// Error is the plain-language sentence for a technician: the operation,
// what happened and what to do, and the HTTP status. It never holds the
// server's raw text, a token, a secret or a claim code.
func (e *Error) Error() string {
	msg := e.Hint
	if msg == "" {
		msg = advice[KindUnknown]
		if e.Kind >= 0 && int(e.Kind) < len(advice) {
			msg = advice[e.Kind]
		}
	}
	if e.Kind == KindRateLimited && e.RetryAfter > 0 {
		msg += fmt.Sprintf(" (the cloud asked to wait %s)", e.RetryAfter.Round(time.Second))
	}
	if e.StatusCode != 0 {
		msg += fmt.Sprintf(" [HTTP %d]", e.StatusCode)
	}
	if e.Op == "" {
		return "particle cloud: " + msg
	}
	return e.Op + ": " + msg
}

// GoString keeps %#v (debug printing) from showing the MFA token and the
// raw body: an error printed while debugging must not carry a secret either.
func (e *Error) GoString() string {
	mfa := `""`
	if e.MFAToken != "" {
		mfa = "(hidden)"
	}
	errText := "nil"
	if e.Err != nil {
		errText = strconv.Quote(e.Err.Error())
	}
	return fmt.Sprintf("&cloud.Error{Op:%q, Kind:%v, StatusCode:%d, Code:%q, ServerMessage:%q, Body:(%d bytes), RetryAfter:%v, MFAToken:%s, Hint:%q, Err:%s}",
		e.Op, e.Kind, e.StatusCode, e.Code, e.ServerMessage, len(e.Body), e.RetryAfter, mfa, e.Hint, errText)
}

// Unwrap returns the underlying Go error, so errors.Is(err,
// context.DeadlineExceeded) and the like work.
func (e *Error) Unwrap() error { return e.Err }

// Details returns the server's words for a "Details" field: the status, code
// and message, or the Go error when no answer arrived.
func (e *Error) Details() string {
	var b strings.Builder
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, "HTTP %d", e.StatusCode)
	}
	add := func(s string) {
		if s == "" {
			return
		}
		if b.Len() > 0 {
			b.WriteString(": ")
		}
		b.WriteString(s)
	}
	add(e.Code)
	if e.ServerMessage != e.Code {
		add(e.ServerMessage)
	}
	if e.Err != nil {
		add(e.Err.Error())
	}
	return b.String()
}

func kindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return KindCanceled
	}
	return KindUnknown
}

// IsUnauthorized reports a missing, unknown or expired access token, or
// wrong credentials: the caller must sign in or fix the OAuth client.
func IsUnauthorized(err error) bool {
	switch kindOf(err) {
	case KindUnauthorized, KindTokenExpired, KindBadCredentials:
		return true
	}
	return false
}

// IsTokenExpired reports an expired access token.
func IsTokenExpired(err error) bool { return kindOf(err) == KindTokenExpired }

// IsBadCredentials reports a wrong user name/password or OAuth client ID/secret.
func IsBadCredentials(err error) bool { return kindOf(err) == KindBadCredentials }

// IsPermissionDenied reports a token that may not use the device, product or route.
func IsPermissionDenied(err error) bool { return kindOf(err) == KindPermissionDenied }

// IsNotFound reports an unknown device, product or customer.
func IsNotFound(err error) bool { return kindOf(err) == KindNotFound }

// IsDeviceOffline reports that the cloud could not reach the device
// ("timed out"), whatever status (408, 404 or 400) carried it.
func IsDeviceOffline(err error) bool { return kindOf(err) == KindDeviceOffline }

// IsUnknownVariable reports a variable the device firmware does not expose.
func IsUnknownVariable(err error) bool { return kindOf(err) == KindUnknownVariable }

// IsUnknownFunction reports a function the device firmware does not expose.
func IsUnknownFunction(err error) bool { return kindOf(err) == KindUnknownFunction }

// IsRateLimited reports a 429; RetryAfter tells how long the cloud asked to wait.
func IsRateLimited(err error) bool { return kindOf(err) == KindRateLimited }

// IsClaimedBySomeoneElse reports a device owned by another account.
func IsClaimedBySomeoneElse(err error) bool { return kindOf(err) == KindClaimedBySomeoneElse }

// IsCustomerExists reports that a shadow customer already exists; get a
// token for it with CustomerToken instead.
func IsCustomerExists(err error) bool { return kindOf(err) == KindCustomerExists }

// IsMFARequired reports a login that needs a one-time code; pass
// MFAToken(err) and the code to LoginOTP.
func IsMFARequired(err error) bool { return kindOf(err) == KindMFARequired }

// IsServerError reports a failure inside the Particle Cloud (5xx).
func IsServerError(err error) bool { return kindOf(err) == KindServerError }

// IsNetwork reports a request that got no HTTP answer.
func IsNetwork(err error) bool { return kindOf(err) == KindNetwork }

// MFAToken returns the token for the second login step carried by an
// MFA-required error, or "".
func MFAToken(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Kind == KindMFARequired {
		return e.MFAToken
	}
	return ""
}

// RetryAfter returns the wait a rate-limited (or 503) answer asked for, and
// whether it asked for one.
func RetryAfter(err error) (time.Duration, bool) {
	var e *Error
	if errors.As(err, &e) && e.RetryAfter > 0 {
		return e.RetryAfter, true
	}
	return 0, false
}

// errorBody is the union of the error body families of §0.4.
type errorBody struct {
	Error            json.RawMessage   `json:"error"`
	ErrorDescription string            `json:"error_description"`
	Description      string            `json:"description"`
	Errors           []json.RawMessage `json:"errors"`
	Info             string            `json:"info"`
	MFAToken         string            `json:"mfa_token"`
	OK               *bool             `json:"ok"`
}

const maxBodyInError = 4 << 10

// secretKeys are the fields whose values are secrets wherever they appear
// in an answer: tokens, client secrets, passwords and claim codes.
const secretKeys = `access_token|refresh_token|mfa_token|client_secret|secret|password|claim_code`

var (
	// tokenInText finds key=value secrets, such as the access_token query
	// parameter that family C "info" texts echo.
	tokenInText = regexp.MustCompile(`(?i)(` + secretKeys + `)=[^&\s"'<>]*`)
	// secretInJSON finds "key":"value" secrets, such as a token answer or
	// the mfa_token of an MFA error; a value cut off by the 4 KiB limit
	// (no closing quote) is masked too.
	secretInJSON = regexp.MustCompile(`(?i)"(` + secretKeys + `)"(\s*:\s*)"(?:[^"\\]|\\.)*"?`)
)

// maskTokens hides secret values in a server text or body kept for a
// "Details" view: access_token parameters that family C "info" texts echo,
// and token, secret, password and claim code fields of JSON answers (a
// token answer that could not be decoded, an MFA error's mfa_token).
func maskTokens(s string) string {
	s = tokenInText.ReplaceAllString(s, "${1}=REDACTED")
	return secretInJSON.ReplaceAllString(s, `"${1}"${2}"REDACTED"`)
}

// stringOf returns a JSON string's value, or the text of the error's status
// for objects such as {"error":{"status":...}}.
func stringOf(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s
	}
	var obj struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
		Status  json.RawMessage `json:"status"`
	}
	if err := json.Unmarshal(raw, &obj); err == nil {
		if obj.Message != "" {
			return obj.Message
		}
		if s := stringOf(obj.Error); s != "" {
			return s
		}
		if len(obj.Status) > 0 {
			return strings.Trim(string(obj.Status), `"`)
		}
	}
	return ""
}

var (
	functionNotFound = regexp.MustCompile(`(?i)^function\b.*\bnot found`)
	unknownFunction  = regexp.MustCompile(`(?i)unknown function`)
	unknownVariable  = regexp.MustCompile(`(?i)unknown variable|^variable\b.*\bnot found`)
)

// decodeError turns a non-2xx answer into an *Error. It understands every
// body family of §0.4 (OAuth, ok/error, permission, errors array,
// diagnostics, API user), plain text and empty bodies.
func decodeError(op string, status int, retryAfter time.Duration, body []byte) *Error {
	e := &Error{Op: op, StatusCode: status, RetryAfter: retryAfter}
	raw := body
	if len(raw) > maxBodyInError {
		raw = raw[:maxBodyInError]
	}
	e.Body = maskTokens(strings.ToValidUTF8(string(raw), "\uFFFD"))

	var b errorBody
	trimmed := strings.TrimSpace(string(body))
	if strings.HasPrefix(trimmed, "{") && json.Unmarshal([]byte(trimmed), &b) == nil {
		code := stringOf(b.Error)
		var errs []string
		for _, x := range b.Errors {
			if s := stringOf(x); s != "" {
				errs = append(errs, s)
			}
		}
		// The CLI's priority: error_description, error, errors[], info;
		// family E carries its text in description.
		switch {
		case b.ErrorDescription != "":
			e.ServerMessage = b.ErrorDescription
		case b.Description != "":
			e.ServerMessage = b.Description
		case code != "":
			e.ServerMessage = code
		case len(errs) > 0:
			e.ServerMessage = strings.Join(errs, "\n")
		case b.Info != "":
			e.ServerMessage = b.Info
		}
		e.Code = code
		if code == "" && len(errs) > 0 {
			e.Code = errs[0]
		}
		e.MFAToken = b.MFAToken
		e.Kind = classify(status, code, e.ServerMessage+"\n"+b.Info)
	} else {
		// Plain text or HTML from a proxy, or nothing at all.
		if len(trimmed) > 0 && !strings.HasPrefix(trimmed, "<") {
			line, _, _ := strings.Cut(trimmed, "\n")
			if len(line) > 200 {
				line = line[:200]
			}
			e.ServerMessage = strings.ToValidUTF8(line, "\uFFFD")
		}
		e.Kind = classify(status, "", e.ServerMessage)
	}
	e.ServerMessage = maskTokens(e.ServerMessage)
	if e.Kind != KindMFARequired {
		e.MFAToken = ""
	}
	return e
}

// classify maps a status, an error code and the server's text to a Kind.
// The text wins over the status where Particle is known to vary the status
// (a device timeout arrives as 408, 404 or 400).
func classify(status int, code, text string) Kind {
	lc := strings.ToLower(code)
	lt := strings.ToLower(text)
	switch {
	case lc == "mfa_required":
		return KindMFARequired
	case strings.Contains(lt, "timed out") && status < 500:
		return KindDeviceOffline
	case unknownVariable.MatchString(code) || unknownVariable.MatchString(text):
		return KindUnknownVariable
	case functionNotFound.MatchString(code) || functionNotFound.MatchString(text) || unknownFunction.MatchString(text):
		return KindUnknownFunction
	case strings.Contains(lt, "belongs to someone else") || strings.Contains(lt, "owned by another user") ||
		strings.Contains(lt, "claimed by someone else"):
		return KindClaimedBySomeoneElse
	case lc == "customer_exists" || (strings.Contains(lt, "customer") || strings.Contains(lt, "user") || strings.Contains(lt, "email") || strings.Contains(lt, "username")) &&
		(strings.Contains(lt, "already exists") || strings.Contains(lt, "already taken") || strings.Contains(lt, "already registered") || strings.Contains(lt, "already in use")):
		return KindCustomerExists
	case status == 429 || status == 529 || lc == "rate_limit_exceeded":
		return KindRateLimited
	case strings.Contains(lt, "has expired") && (lc == "invalid_token" || lc == "expired_token" || strings.Contains(lt, "token")):
		return KindTokenExpired
	case lc == "expired_token":
		return KindTokenExpired
	case lc == "invalid_client" || lc == "invalid_grant":
		return KindBadCredentials
	case lc == "invalid_token" || status == 401 || strings.Contains(lt, "access token was not found") ||
		strings.Contains(lt, "malformed auth header"):
		return KindUnauthorized
	case lc == "permission denied" || strings.Contains(lt, "permission denied") || lc == "sso_user" ||
		lc == "unauthorized" || lc == "forbidden" || strings.Contains(lt, "not allowed"):
		return KindPermissionDenied
	case strings.Contains(lt, "not found") || strings.Contains(lt, "not recognize"):
		return KindNotFound
	case status == 403:
		return KindPermissionDenied
	case status == 404:
		return KindNotFound
	case status == 408:
		return KindDeviceOffline
	case status >= 500:
		return KindServerError
	case status >= 400:
		return KindBadRequest
	}
	return KindUnknown
}
