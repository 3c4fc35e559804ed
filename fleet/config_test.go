package fleet

import (
	"errors"
	"strings"
	"testing"
)

func TestParseURL(t *testing.T) {
	t.Setenv("PGSSLMODE", "")
	t.Setenv("PGPASSWORD", "")
	t.Setenv("PGPASSFILE", "/nonexistent")
	for _, tc := range []struct {
		name, url, redacted, from string
	}{
		{"a factory host gets require", "postgres://bench:s3cret@db.factory.lan/fleet",
			"postgres://bench@db.factory.lan:5432/fleet?sslmode=require", "the fleet database URL"},
		{"named sslmode is kept", "postgresql://bench:s3cret@db.factory.lan:6432/fleet?sslmode=verify-full",
			"postgres://bench@db.factory.lan:6432/fleet?sslmode=verify-full", "the fleet database URL"},
		{"loopback keeps libpq's default", "postgres://bench@127.0.0.1:5433/fleet",
			"postgres://bench@127.0.0.1:5433/fleet?sslmode=prefer", "the keyring"},
		{"localhost too", "postgres://bench@localhost/fleet?password=s3cret",
			"postgres://bench@localhost:5432/fleet?sslmode=prefer", "the fleet database URL"},
		{"key=value", "host=10.0.4.2 user=bench password='s3 cret' dbname=fleet",
			"postgres://bench@10.0.4.2:5432/fleet?sslmode=require", "the fleet database URL"},
		{"key=value sslmode", "host=10.0.4.2 user=bench dbname=fleet sslmode=disable",
			"postgres://bench@10.0.4.2:5432/fleet?sslmode=disable", "the keyring"},
		{"two hosts, one remote", "postgres://bench@localhost:5432,db2.factory.lan:5432/fleet",
			"postgres://bench@localhost:5432,db2.factory.lan:5432/fleet?sslmode=require", "the keyring"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseURL(tc.url, nil)
			if err != nil {
				t.Fatal(err)
			}
			if c.String() != tc.redacted || c.pwSource != tc.from {
				t.Errorf("%s (password from %s), want %s (from %s)", c, c.pwSource, tc.redacted, tc.from)
			}
			// require: TLS, and no clear-text fall-back.
			if c.SSLMode() == "require" {
				clear := c.conn.TLSConfig == nil
				for _, fb := range c.conn.Fallbacks {
					clear = clear || fb.TLSConfig == nil
				}
				if clear {
					t.Error("sslmode require, and a connection without TLS may be tried")
				}
			}
			if strings.Contains(c.String()+c.GoString(), "s3") {
				t.Errorf("the redacted form shows the password: %s", c)
			}
		})
	}
	t.Run("PGSSLMODE names one", func(t *testing.T) {
		t.Setenv("PGSSLMODE", "verify-ca")
		c, err := ParseURL("postgres://bench@db.factory.lan/fleet", nil)
		if err != nil || c.SSLMode() != "verify-ca" {
			t.Errorf("%v, %v", c, err)
		}
	})
	t.Run("PGPASSWORD", func(t *testing.T) {
		t.Setenv("PGPASSWORD", "s3cret")
		c, err := ParseURL("postgres://bench@db.factory.lan/fleet", nil)
		if err != nil || c.pwSource != "PGPASSWORD" {
			t.Errorf("%v, %v", c, err)
		}
	})
}

func TestParseURLRefusesInWords(t *testing.T) {
	for _, bad := range []string{
		"postgres://bench:s3cret@db.factory.lan:notaport/fleet",
		"http://bench:s3cret@db.factory.lan/fleet",
		"host=db user=bench password='s3cret",
		"postgres://bench:s3cret@db.factory.lan/fleet?sslmode=sometimes",
	} {
		_, err := ParseURL(bad, nil)
		if !errors.Is(err, ErrBadURL) {
			t.Errorf("%s: %v", bad, err)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("the message shows the password: %v", err)
		}
	}
	if _, err := ParseURL("  ", nil); err == nil || !strings.Contains(err.Error(), EnvURL) {
		t.Errorf("an empty address: %v", err)
	}
}
