//go:build !ci

package pgtest

// required: outside CI a test without PostgreSQL skips.
const required = false
