package provisioning

import (
	"context"
	"iter"
	"strings"

	"github.com/photon-station/photon-station/cloud"
)

// NewCloudAPI adapts a *cloud.Client to CloudAPI. The client's BaseURL,
// transport, retry policy and rate gate are used as they are; the adapter
// only sets the bearer token per call. Give every slot of a station the
// same client (and so the same cloud.RateGate).
func NewCloudAPI(c *cloud.Client) CloudAPI { return cloudAdapter{c} }

type cloudAdapter struct{ c *cloud.Client }

func toToken(t cloud.Token) Token { return Token{Value: t.AccessToken, ExpiresAt: t.ExpiresAt} }

func (a cloudAdapter) ProductToken(ctx context.Context, clientID, clientSecret string) (Token, error) {
	t, err := a.c.ProductToken(ctx, cloud.ClientCredentials{ID: clientID, Secret: clientSecret}, 0)
	return toToken(t), err
}

func (a cloudAdapter) ProductDevice(ctx context.Context, tok Token, product, deviceID string) (CloudDevice, error) {
	d, err := a.c.WithToken(tok.Value).GetDevice(ctx, cloud.ProductDevice(product, deviceID))
	if err != nil {
		return CloudDevice{}, err
	}
	return CloudDevice{ID: d.ID, Name: d.Name, Online: d.Online || d.Connected, Owner: d.Owner,
		LastHeard: d.LastHeard, LastHandshake: d.LastHandshakeAt}, nil
}

func (a cloudAdapter) RemoveDevice(ctx context.Context, tok Token, product, deviceID string) error {
	return a.c.WithToken(tok.Value).RemoveFromProduct(ctx, product, deviceID, false)
}

func (a cloudAdapter) ProductEvents(ctx context.Context, tok Token, product string, hooks StreamHooks) iter.Seq2[StatusEvent, error] {
	s := cloud.Stream{Product: product, OnOpen: hooks.Opened, OnReconnect: hooks.Dropped}
	return func(yield func(StatusEvent, error) bool) {
		for ev, err := range a.c.WithToken(tok.Value).Subscribe(ctx, s) {
			if !yield(StatusEvent{Name: ev.Name, Data: ev.Data, DeviceID: strings.ToLower(ev.DeviceID), PublishedAt: ev.PublishedAt}, err) {
				return
			}
		}
	}
}

func (a cloudAdapter) ImportDevice(ctx context.Context, tok Token, product, deviceID string) (ImportResult, error) {
	r, err := a.c.WithToken(tok.Value).ImportDevice(ctx, product, deviceID)
	if err != nil {
		return ImportResult{}, err
	}
	res := ImportResult{Updated: r.UpdatedDeviceIDs, Existing: r.ExistingDeviceIDs,
		Invalid: append(r.InvalidDeviceIDs, r.ProtectedDeviceIDs...), Nonmember: r.NonmemberDeviceIDs}
	if len(res.Updated) == 0 && r.Updated > 0 && len(res.Invalid)+len(res.Nonmember)+len(res.Existing) == 0 {
		// Older answers carry only the count.
		res.Updated = []string{deviceID}
	}
	return res, nil
}

func (a cloudAdapter) CreateCustomer(ctx context.Context, product, clientID, clientSecret, customer string) (Token, error) {
	t, err := a.c.CreateShadowCustomer(ctx, product, cloud.ClientCredentials{ID: clientID, Secret: clientSecret}, customer)
	return toToken(t), err
}

func (a cloudAdapter) CustomerToken(ctx context.Context, clientID, clientSecret, customer string) (Token, error) {
	t, err := a.c.CustomerToken(ctx, cloud.ClientCredentials{ID: clientID, Secret: clientSecret}, customer, 0)
	return toToken(t), err
}

func (a cloudAdapter) CreateClaimCode(ctx context.Context, customerToken Token, product string) (string, error) {
	cc, err := a.c.WithToken(customerToken.Value).CreateClaimCode(ctx, cloud.ClaimCodeRequest{Product: product})
	return cc.Code, err
}

func (a cloudAdapter) ClaimDevice(ctx context.Context, customerToken Token, deviceID string) error {
	r, err := a.c.WithToken(customerToken.Value).ClaimDevice(ctx, deviceID, false)
	if err == nil && !r.Claimed {
		err = &cloud.Error{Op: "claim device", Kind: cloud.KindUnknown}
	}
	return err
}

func (a cloudAdapter) RenameDevice(ctx context.Context, tok Token, product, deviceID, name string) error {
	_, err := a.c.WithToken(tok.Value).RenameDevice(ctx, cloud.ProductDevice(product, deviceID), name)
	return err
}

func (a cloudAdapter) CallFunction(ctx context.Context, tok Token, product, deviceID, function, arg string) (int, error) {
	r, err := a.c.WithToken(tok.Value).CallFunction(ctx, cloud.ProductDevice(product, deviceID), function, arg)
	return r.ReturnValue, err
}

func (a cloudAdapter) GetVariable(ctx context.Context, tok Token, product, deviceID, name string) (string, error) {
	v, err := a.c.WithToken(tok.Value).GetVariable(ctx, cloud.ProductDevice(product, deviceID), name)
	if err != nil {
		return "", err
	}
	return v.Text(), nil
}
