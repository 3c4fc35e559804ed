package cloud

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var sseCases = []struct {
	name string
	in   string
	want []sseFrame
}{
	{"ok comment only", ":ok\n\n", nil},
	{"ok then event", ":ok\n\nevent: temp\ndata: {\"data\":\"25\"}\n\n", []sseFrame{{"temp", `{"data":"25"}`}}},
	{"CRLF line endings", ":ok\r\n\r\nevent: a\r\ndata: 1\r\n\r\n", []sseFrame{{"a", "1"}}},
	{"CR line endings", "event: a\rdata: 1\r\r", []sseFrame{{"a", "1"}}},
	{"multi-line data", "event: m\ndata: line1\ndata: line2\ndata:\n\n", []sseFrame{{"m", "line1\nline2\n"}}},
	{"no space after colon", "event:a\ndata:x y\n\n", []sseFrame{{"a", "x y"}}},
	{"only one leading space is removed", "event: a\ndata:  two\n\n", []sseFrame{{"a", " two"}}},
	{"keep-alives between events", "event: a\ndata: 1\n\n\n\n:\n\n: ping\n\nevent: b\ndata: 2\n\n", []sseFrame{{"a", "1"}, {"b", "2"}}},
	{"comment inside a frame", "event: a\n:keep\ndata: 1\n\n", []sseFrame{{"a", "1"}}},
	{"event without data is dropped", "event: lonely\n\nevent: b\ndata: 2\n\n", []sseFrame{{"b", "2"}}},
	{"data without event is a message", "data: x\n\n", []sseFrame{{"message", "x"}}},
	{"field without colon", "event: a\ndata\n\n", []sseFrame{{"a", ""}}},
	{"id, retry and unknown fields ignored", "id: 7\nretry: 100\nfoo: bar\nevent: a\ndata: 1\n\n", []sseFrame{{"a", "1"}}},
	{"unterminated frame is not dispatched", "event: a\ndata: 1\n", nil},
	{"colon in value", "event: a\ndata: {\"t\":\"12:30\"}\n\n", []sseFrame{{"a", `{"t":"12:30"}`}}},
	{"CRLF split as CR then LF counts once", "event: a\r\ndata: 1\r\n\r\nevent: b\r\ndata: 2\r\n\r\n", []sseFrame{{"a", "1"}, {"b", "2"}}},
}

func feedAll(chunks ...string) []sseFrame {
	var p sseParser
	var out []sseFrame
	for _, c := range chunks {
		out = append(out, p.feed([]byte(c))...)
	}
	return out
}

func TestSSEParser(t *testing.T) {
	for _, tt := range sseCases {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, feedAll(tt.in), cmp.AllowUnexported(sseFrame{})); diff != "" {
				t.Errorf("whole (-want +got):\n%s", diff)
			}
			// Partial frames: split anywhere, and byte by byte.
			for i := range len(tt.in) + 1 {
				if diff := cmp.Diff(tt.want, feedAll(tt.in[:i], tt.in[i:]), cmp.AllowUnexported(sseFrame{})); diff != "" {
					t.Fatalf("split at %d (-want +got):\n%s", i, diff)
				}
			}
			var bytes []string
			for i := range len(tt.in) {
				bytes = append(bytes, tt.in[i:i+1])
			}
			if diff := cmp.Diff(tt.want, feedAll(bytes...), cmp.AllowUnexported(sseFrame{})); diff != "" {
				t.Errorf("byte by byte (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSSEParserDropsHugeLines(t *testing.T) {
	var p sseParser
	huge := make([]byte, maxSSELine+10)
	for i := range huge {
		huge[i] = 'x'
	}
	got := p.feed([]byte("event: a\ndata: "))
	got = append(got, p.feed(huge)...)
	got = append(got, p.feed([]byte("\n\nevent: b\ndata: ok\n\n"))...)
	if diff := cmp.Diff([]sseFrame{{"b", "ok"}}, got, cmp.AllowUnexported(sseFrame{})); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if cap(p.line) > 2*maxSSELine {
		t.Errorf("line buffer grew to %d", cap(p.line))
	}
}

// An event of many data lines, none too long but together too big, is
// dropped without holding its data; the next event comes through.
func TestSSEParserDropsHugeEvents(t *testing.T) {
	var p sseParser
	line := []byte("data: " + strings.Repeat("y", 1000) + "\n")
	got := p.feed([]byte("event: flood\n"))
	for range maxSSEEvent/1000 + 10 {
		got = append(got, p.feed(line)...)
	}
	if len(p.data) != 0 {
		t.Errorf("the oversized event still holds %d lines", len(p.data))
	}
	got = append(got, p.feed([]byte("\nevent: b\ndata: ok\n\n"))...)
	if diff := cmp.Diff([]sseFrame{{"b", "ok"}}, got, cmp.AllowUnexported(sseFrame{})); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// FuzzSSEParser: any byte stream, split anywhere, parses to the same frames
// as the whole stream, without panicking.
func FuzzSSEParser(f *testing.F) {
	for _, tt := range sseCases {
		f.Add(tt.in, uint16(len(tt.in)/2))
	}
	f.Fuzz(func(t *testing.T, in string, at uint16) {
		i := int(at) % (len(in) + 1)
		whole := feedAll(in)
		split := feedAll(in[:i], in[i:])
		if diff := cmp.Diff(whole, split, cmp.AllowUnexported(sseFrame{})); diff != "" {
			t.Fatalf("split at %d differs (-whole +split):\n%s", i, diff)
		}
		for _, f := range whole {
			_ = decodeEvent(f)
		}
	})
}

func TestDecodeEvent(t *testing.T) {
	tests := []struct {
		name string
		in   sseFrame
		want Event
	}{
		{"docs example, ttl number", sseFrame{"temp", `{"data":"25.34","ttl":60,"published_at":"2015-07-18T00:12:18.174Z","coreid":"0123456789ABCDEF01234567"}`},
			Event{Name: "temp", Data: "25.34", TTL: 60, PublishedAt: time.Date(2015, 7, 18, 0, 12, 18, 174000000, time.UTC), DeviceID: "0123456789abcdef01234567"}},
		{"old docs, ttl string", sseFrame{"t", `{"data":"x","ttl":"60","published_at":"2015-07-18T00:12:18Z","coreid":"api"}`},
			Event{Name: "t", Data: "x", TTL: 60, PublishedAt: time.Date(2015, 7, 18, 0, 12, 18, 0, time.UTC), DeviceID: "api"}},
		{"current stream fields, null data", sseFrame{"spark/flash/status", `{"data":null,"ttl":60,"coreid":"particle-internal","userid":"597771d1","version":3,"public":false,"productID":30301}`},
			Event{Name: "spark/flash/status", TTL: 60, DeviceID: "particle-internal", UserID: "597771d1", FirmwareVersion: 3, ProductID: 30301}},
		{"not JSON", sseFrame{"raw", "hello"}, Event{Name: "raw", Data: "hello"}},
		{"name from the envelope", sseFrame{"message", `{"name":"spark/status","data":"online"}`}, Event{Name: "spark/status", Data: "online"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, decodeEvent(tt.in)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
