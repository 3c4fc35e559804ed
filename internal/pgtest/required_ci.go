//go:build ci

package pgtest

// required: a CI build fails where PostgreSQL cannot run.
const required = true
