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

func TestRedactorCutsTheDeviceSecretLine(t *testing.T) {
	const secret = "ABCDEFGHIJKLMNO" // 15 characters, as Device OS prints it
	stream := "Your device id is 3c0021000447363339343137\r\nSerial Number: PH-1234567\r\nDevice Secret: " + secret + "\r\nDevice Sec? no\r\n"
	want := "Your device id is 3c0021000447363339343137\r\nSerial Number: PH-1234567\r\nDevice Secret: " + Redacted + "\r\nDevice Sec? no\r\n"
	for _, size := range []int{1, 2, 5, 16, len(stream)} {
		var r redactor
		var out strings.Builder
		for i := 0; i < len(stream); i += size {
			end := min(i+size, len(stream))
			chunk := r.write([]byte(stream[i:end]))
			if strings.Contains(out.String()+string(chunk), secret[:3]) {
				t.Fatalf("chunk size %d: part of the device secret was handed on", size)
			}
			out.Write(chunk)
		}
		out.Write(r.flush())
		if out.String() != want {
			t.Errorf("chunk size %d: got %q, want %q", size, out.String(), want)
		}
	}
	var r redactor
	if got := r.scrubString("Device Secret: " + secret + "\n"); got != "Device Secret: "+Redacted+"\n" {
		t.Errorf("scrubString: %q", got)
	}
	// Unplugged in the middle of the value: none of it is shown.
	for _, cut := range []int{0, 1, 14} {
		var r redactor
		got := string(r.write([]byte("ok\r\nDevice Secret: "+secret[:cut]))) + string(r.flush())
		if want := "ok\r\nDevice Secret: " + Redacted; got != want {
			t.Errorf("cut after %d: got %q, want %q", cut, got, want)
		}
	}
	// Only the start of the marker is held, then given back.
	var r2 redactor
	if got := string(r2.write([]byte("Device Se"))) + string(r2.flush()); got != "Device Se" {
		t.Errorf("marker prefix: got %q", got)
	}
}

func TestRedactorLineSecretEdges(t *testing.T) {
	var r redactor
	if got := r.scrubString("heard: Device Secret: ABCDEF0123456789"); got != "heard: Device Secret: "+Redacted {
		t.Errorf("scrubString without a line end: %q", got)
	}
	// Two markers on one unfinished line: the whole value is held, then cut.
	var r2 redactor
	got := string(r2.write([]byte("Device Secret: LEAKME Device Secret: x"))) + string(r2.write([]byte("\r\nnext\r\n")))
	if want := "Device Secret: " + Redacted + "\r\nnext\r\n"; got != want {
		t.Errorf("two markers: got %q, want %q", got, want)
	}
	// A value that never ends its line is not held forever: it is cut, the
	// rest of the line dropped, and the output goes on after the line end.
	var r3 redactor
	long := strings.Repeat("S", maxLineSecret+1)
	out := string(r3.write([]byte("Device Secret: " + long)))
	if out != "Device Secret: "+Redacted {
		t.Errorf("overlong value: %q", out)
	}
	out = string(r3.write([]byte("SSSS more secret"))) + string(r3.write([]byte("SS\r\nafter\r\n")))
	if out != "\r\nafter\r\n" {
		t.Errorf("after an overlong value: %q", out)
	}
}

// FuzzRedactor: however the stream is chunked, neither a known secret nor a
// device secret value is ever handed on, and text without them is kept.
func FuzzRedactor(f *testing.F) {
	f.Add("Password: ", "hunter2-secret", "\r\nDevice Secret: ", "ABCDEFGHIJKLMNO", uint8(3))
	f.Add("", "x1y2z3w4", "Device Secret: ", "Q", uint8(1))
	f.Add("Serial Number: ", "aaaaaaaa", "\n", "", uint8(7))
	f.Fuzz(func(t *testing.T, before, secret, middle, devSecret string, size uint8) {
		if len(secret) < 8 || strings.ContainsAny(devSecret, "\r\n") || len(devSecret) < 4 ||
			strings.Contains(secret, Redacted) || strings.Contains(Redacted, devSecret) || strings.Contains(before+middle, devSecret) {
			return
		}
		stream := before + secret + middle + "Device Secret: " + devSecret + "\r\n"
		var r redactor
		r.addSecret(secret)
		step := int(size%16) + 1
		var out strings.Builder
		for i := 0; i < len(stream); i += step {
			out.Write(r.write([]byte(stream[i:min(i+step, len(stream))])))
		}
		out.Write(r.flush())
		got := out.String()
		if strings.Contains(got, secret) {
			t.Fatalf("the secret got through: %q", got)
		}
		if strings.Contains(got, "Device Secret: "+devSecret) {
			t.Fatalf("the device secret got through: %q", got)
		}
	})
}
