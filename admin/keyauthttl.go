package admin

import (
	"context"
	"time"

	"github.com/weir-gateway/weir/store"
)

// presentKeyAuths presents key-auth credentials as Kong does: `ttl` is the number of
// seconds the key has left (0 once it stopped working), not the ttl it was created
// with; the store keeps that, so a PATCH or an export does not shorten the key's life.
func presentKeyAuths(_ context.Context, es []store.KeyAuthCredential) ([]any, error) {
	return keyAuthTTLs(es, time.Now()), nil
}

func keyAuthTTLs(es []store.KeyAuthCredential, now time.Time) []any {
	out := make([]any, len(es))
	for i, e := range es {
		if e.TTL != nil && *e.TTL > 0 {
			left := max(int(e.CreatedAt+int64(*e.TTL)-now.Unix()), 0)
			e.TTL = &left
		}
		out[i] = e
	}
	return out
}
