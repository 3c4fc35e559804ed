package cloudtest

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
)

// vitalsRetention is how far back historical vitals may be asked for.
const vitalsRetention = 30 * 24 * time.Hour

func vitalJSON(deviceID string, v vital) map[string]any {
	return map[string]any{"updated_at": isoTime(v.at), "deviceID": deviceID, "payload": v.payload}
}

// handleVitalsLast is GET [/v1/products/:product]/v1/diagnostics/:device/last.
func (c *Cloud) handleVitalsLast(w http.ResponseWriter, r *request) {
	_, d, ok := c.deviceRoute(w, r)
	if !ok {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(d.vitals) == 0 {
		// The real answer for a device without vitals is undocumented.
		okError(w, http.StatusNotFound, "No diagnostics found for this device")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"diagnostics": vitalJSON(d.ID, d.vitals[len(d.vitals)-1])})
}

// handleVitalsHistory is GET [/v1/products/:product]/v1/diagnostics/:device
// with start_date and end_date; Accept: text/csv gives CSV.
func (c *Cloud) handleVitalsHistory(w http.ResponseWriter, r *request) {
	_, d, ok := c.deviceRoute(w, r)
	if !ok {
		return
	}
	now := c.now()
	start, end := now.Add(-7*24*time.Hour), now
	for name, dst := range map[string]*time.Time{"start_date": &start, "end_date": &end} {
		if s := r.query.Get(name); s != "" {
			t, err := time.Parse(time.RFC3339, s)
			if err != nil {
				writeJSON(w, http.StatusBadRequest, map[string]string{"error": "bad_request",
					"description": "start_date and end_date must be ISO8601 formatted"})
				return
			}
			*dst = t
		}
	}
	if start.Before(now.Add(-vitalsRetention)) {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "bad_request",
			"description": "start_date must not be more than than 30 days ago"})
		return
	}
	c.mu.Lock()
	var list []vital
	for _, v := range d.vitals {
		if !v.at.Before(start) && !v.at.After(end) {
			list = append(list, v)
		}
	}
	id := d.ID
	c.mu.Unlock()
	if strings.Contains(r.Header.Get("Accept"), "text/csv") {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		w.Write(vitalsCSV(id, list))
		return
	}
	out := []map[string]any{}
	for _, v := range list {
		out = append(out, vitalJSON(id, v))
	}
	writeJSON(w, http.StatusOK, map[string]any{"diagnostics": out})
}

// vitalsCSV writes one row per record: updated_at, deviceID, then every
// payload leaf as a dotted column (the real columns are undocumented).
func vitalsCSV(deviceID string, list []vital) []byte {
	rows := make([]map[string]string, len(list))
	cols := map[string]bool{}
	for i, v := range list {
		var payload any
		dec := json.NewDecoder(bytes.NewReader(v.payload))
		dec.UseNumber()
		_ = dec.Decode(&payload)
		rows[i] = map[string]string{}
		flatten("", payload, rows[i])
		for k := range rows[i] {
			cols[k] = true
		}
	}
	names := make([]string, 0, len(cols))
	for k := range cols {
		names = append(names, k)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	cw.Write(append([]string{"updated_at", "deviceID"}, names...))
	for i, v := range list {
		rec := []string{isoTime(v.at).(string), deviceID}
		for _, n := range names {
			rec = append(rec, rows[i][n])
		}
		cw.Write(rec)
	}
	cw.Flush()
	return buf.Bytes()
}

func flatten(prefix string, v any, out map[string]string) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			key := k
			if prefix != "" {
				key = prefix + "." + k
			}
			flatten(key, e, out)
		}
	case nil:
		if prefix != "" {
			out[prefix] = ""
		}
	default:
		if prefix == "" {
			prefix = "value"
		}
		if b, err := json.Marshal(x); err == nil && !isScalarString(x) {
			out[prefix] = string(b)
		} else {
			out[prefix] = fmt.Sprint(x)
		}
	}
}

func isScalarString(v any) bool {
	switch v.(type) {
	case string, json.Number, bool:
		return true
	}
	return false
}
