// Package cloud is the station's client for the Particle Cloud REST API: every
// operation of Particle's "Cloud API getting started" tutorial, from product
// bearer tokens and shadow customers to claim codes, product device imports,
// variables, functions, vitals and the Server-Sent Events streams.
//
// A zero Client is ready to use against https://api.particle.io; set Token to
// the bearer token of the caller (user, product or customer token). Every
// method takes a context first and gives up when it is done.
//
// The client is written for a bench of technicians rather than for developers:
//
//   - The access token travels only in the Authorization header, never in a
//     URL or a body, and client secrets only in HTTP Basic. A base URL that is
//     not https is refused unless its host is a loopback address
//     (CheckBaseURL), so a typo cannot send a secret in clear text.
//   - Every failure is a *Error. Its Error text is a plain-language sentence
//     saying what happened and what to do, safe to log (it never holds a
//     token, secret or claim code); the server's own words are kept in
//     ServerMessage and Body for a "Details" view. IsX helpers (IsDeviceOffline,
//     IsClaimedBySomeoneElse, IsRateLimited, ...) classify errors whatever
//     family of error body the server used.
//   - Requests whose repeat is harmless (reads, updates, token creation,
//     imports, claim codes) are retried a bounded number of times on 429, 5xx
//     and network errors, with exponential backoff and jitter, honouring
//     Retry-After. Function calls and publishes are never repeated; claims and
//     customer or OAuth client creation are repeated only after a 429 (the
//     cloud did not act). A RateGate shared by several clients makes them all
//     hold off after one 429.
//   - Time comes from an injectable Clock, so retries and stream keep-alive
//     timeouts are tested without sleeping.
//
// Device IDs are normalised to lower case and checked (NormalizeDeviceID):
// SoftAP reports them in upper case, and Particle's tools have rejected those.
package cloud
