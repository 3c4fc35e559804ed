package cloud

import (
	"context"
	"encoding/json"
	"net/http"
	"time"
)

// Vitals is one device vitals (diagnostics) record. Payload is the device's
// vitals event payload as sent ({"device":{...},"service":{...}}).
type Vitals struct {
	UpdatedAt time.Time       `json:"updated_at"`
	DeviceID  string          `json:"deviceID"`
	Payload   json.RawMessage `json:"payload"`
}

func vitalsPath(op string, ref DeviceRef) ([]string, error) {
	id, err := NormalizeDeviceID(ref.Device)
	if err != nil {
		err.(*Error).Op = op
		return nil, err
	}
	if ref.Product == "" {
		return []string{"v1", "diagnostics", id}, nil
	}
	p, err := seg(op, "product ID", ref.Product)
	if err != nil {
		return nil, err
	}
	return []string{"v1", "products", p, "diagnostics", id}, nil
}

// LastVitals gets the device's most recent vitals.
func (c *Client) LastVitals(ctx context.Context, ref DeviceRef) (Vitals, error) {
	op := "read last vitals of " + ref.String()
	p, err := vitalsPath(op, ref)
	if err != nil {
		return Vitals{}, err
	}
	var b struct {
		Diagnostics Vitals `json:"diagnostics"`
		familyE
	}
	err = c.call(ctx, &request{op: op, method: "GET", path: append(p, "last"), idempotent: true}, &b)
	if err == nil {
		err = b.familyE.err(op)
	}
	return b.Diagnostics, err
}

func vitalsQuery(start, end time.Time) map[string][]string {
	q := map[string][]string{}
	if !start.IsZero() {
		q["start_date"] = []string{start.UTC().Format(time.RFC3339)}
	}
	if !end.IsZero() {
		q["end_date"] = []string{end.UTC().Format(time.RFC3339)}
	}
	return q
}

// VitalsHistory gets the device's vitals between start and end (zero times
// leave the bound to the server; records are kept about a month).
func (c *Client) VitalsHistory(ctx context.Context, ref DeviceRef, start, end time.Time) ([]Vitals, error) {
	op := "read vitals history of " + ref.String()
	p, err := vitalsPath(op, ref)
	if err != nil {
		return nil, err
	}
	var b struct {
		Diagnostics []Vitals `json:"diagnostics"`
		familyE
	}
	err = c.call(ctx, &request{op: op, method: "GET", path: p, query: vitalsQuery(start, end), idempotent: true}, &b)
	if err == nil {
		err = b.familyE.err(op)
	}
	return b.Diagnostics, err
}

// familyE is an error answer in a 200 body ({"error":"bad_request",
// "description":...}), which the vitals routes may send for a bad date
// range (the status is unconfirmed).
type familyE struct {
	Error       string `json:"error"`
	Description string `json:"description"`
}

func (f familyE) err(op string) error {
	if f.Error == "" {
		return nil
	}
	body, _ := json.Marshal(map[string]string{"error": f.Error, "description": f.Description})
	return decodeError(op, http.StatusBadRequest, 0, body)
}

// VitalsHistoryCSV gets the same history as CSV (Accept: text/csv), as the
// server writes it, for the factory's records.
func (c *Client) VitalsHistoryCSV(ctx context.Context, ref DeviceRef, start, end time.Time) ([]byte, error) {
	op := "export vitals history of " + ref.String()
	p, err := vitalsPath(op, ref)
	if err != nil {
		return nil, err
	}
	_, body, err := c.send(ctx, &request{op: op, method: "GET", path: p, query: vitalsQuery(start, end), accept: "text/csv", idempotent: true})
	return body, err
}
