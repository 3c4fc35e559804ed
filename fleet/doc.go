// Package fleet delivers a station's journal to a shared PostgreSQL
// database (the fleet journal) and reads every station's attempts back.
//
// The station's local journal stays the durable outbox: every attempt is
// written there first, and a Sender upserts each new revision of it into
// the fleet database in the background, by attempt ID, so a repeat or an
// older revision never overwrites or duplicates a row. The schema is part
// of the contract supervisors query (docs/fleet.md); this package creates
// and migrates it, and refuses to write into a schema from a newer station.
package fleet
