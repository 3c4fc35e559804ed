// Package filelock takes exclusive locks on files that the operating
// system drops when the process ends, however it ends (flock on Unix,
// LockFileEx on Windows): a killed process leaves no stale lock. Closing
// the file gives the lock up.
package filelock
