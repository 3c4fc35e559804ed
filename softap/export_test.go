package softap

import (
	"context"
	"encoding/json"
)

// DoRaw sends a hand-made request body, bypassing local validation, so tests
// can provoke the device's own result codes and rejections.
func (c *Client) DoRaw(ctx context.Context, command string, body []byte) (json.RawMessage, error) {
	return c.do(ctx, command, body, true)
}

// ResultOf maps a raw {"r":n} reply to the error the client would return.
func ResultOf(command string, reply []byte) error {
	r, err := parseResult(command, reply)
	if err != nil {
		return err
	}
	if r != 0 {
		return &ResultError{Command: command, Code: r}
	}
	return nil
}
