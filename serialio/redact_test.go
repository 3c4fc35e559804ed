package serialio

import (
	"strings"
	"testing"
)

func TestRedactorScrubsAcrossChunks(t *testing.T) {
	const secret = "hunter2hunter2"
	stream := "Password: " + secret + "\r\nThanks! " + secret[:5] + "x\r\n"
	for _, size := range []int{1, 2, 3, 7, len(stream)} {
		var r redactor
		r.addSecret(secret)
		var out strings.Builder
		for i := 0; i < len(stream); i += size {
			end := min(i+size, len(stream))
			out.Write(r.write([]byte(stream[i:end])))
		}
		out.Write(r.flush())
		want := "Password: " + Redacted + "\r\nThanks! " + secret[:5] + "x\r\n"
		if out.String() != want {
			t.Errorf("chunk size %d: got %q, want %q", size, out.String(), want)
		}
	}
}

func TestErrorExcerptIsBounded(t *testing.T) {
	e := excerpt([]byte(strings.Repeat("a", 500) + "\r\n"))
	if len(e) > 220 || !strings.HasSuffix(e, `\r\n`) {
		t.Errorf("excerpt %q", e)
	}
	if excerpt(nil) != "(nothing)" {
		t.Error("empty excerpt")
	}
}

func TestRedactorNeverFlushesPartOfASecret(t *testing.T) {
	const secret = "correct-horse-battery"
	for _, cut := range []int{1, 5, len(secret) - 1} {
		var r redactor
		r.addSecret(secret)
		var out strings.Builder
		out.Write(r.write([]byte("Password: " + secret[:cut])))
		out.Write(r.flush()) // the cable is pulled mid-echo
		if got, want := out.String(), "Password: "+Redacted; got != want {
			t.Errorf("cut after %d bytes: got %q, want %q", cut, got, want)
		}
	}
	var r redactor
	r.addSecret(secret)
	if got := string(r.write([]byte("no secret here\r\n"))) + string(r.flush()); got != "no secret here\r\n" {
		t.Errorf("innocent output changed: %q", got)
	}
}
