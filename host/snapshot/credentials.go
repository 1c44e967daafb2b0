package snapshot

import (
	"time"

	"github.com/weir-gateway/weir/store"
)

// credentials indexes the credential entities of the auth plugins for the lookups
// plugins make through the gateway's foreign functions.
type credentials struct {
	jwtSecrets     map[string]*store.JWTSecret           // by key
	basicAuths     map[string]*store.BasicAuthCredential // by username
	basicAuthsByID map[string]*store.BasicAuthCredential
	groups         map[string][]string // ACL group names by consumer id, in store order
}

func (s *Snapshot) indexCredentials(ds *store.Dataset) {
	c := &s.creds
	c.jwtSecrets = make(map[string]*store.JWTSecret, len(ds.JWTSecrets))
	for i := range ds.JWTSecrets {
		c.jwtSecrets[ds.JWTSecrets[i].Key] = &ds.JWTSecrets[i]
	}
	c.basicAuths = make(map[string]*store.BasicAuthCredential, len(ds.BasicAuthCredentials))
	c.basicAuthsByID = make(map[string]*store.BasicAuthCredential, len(ds.BasicAuthCredentials))
	for i := range ds.BasicAuthCredentials {
		b := &ds.BasicAuthCredentials[i]
		c.basicAuths[b.Username] = b
		c.basicAuthsByID[b.ID] = b
	}
	c.groups = make(map[string][]string)
	for _, a := range ds.ACLs {
		if a.Consumer != nil {
			c.groups[a.Consumer.ID] = append(c.groups[a.Consumer.ID], a.Group)
		}
	}
}

// ActiveKeyAuthCredential finds the key-auth credential with that key, unless its ttl
// has run out at now: Kong's key-auth credentials with a ttl stop working ttl seconds
// after they were created. The snapshot keeps expired ones (nothing rebuilds it when a
// ttl runs out), so the clock is read at lookup time.
func (s *Snapshot) ActiveKeyAuthCredential(key string, now time.Time) *store.KeyAuthCredential {
	c := s.keyAuths[key]
	if c == nil || KeyAuthExpired(c, now) {
		return nil
	}
	return c
}

// KeyAuthExpired reports whether a key-auth credential's ttl has run out at now.
func KeyAuthExpired(c *store.KeyAuthCredential, now time.Time) bool {
	return c.TTL != nil && *c.TTL > 0 && now.Unix() >= c.CreatedAt+int64(*c.TTL)
}

// JWTSecret finds the JWT secret with that key.
func (s *Snapshot) JWTSecret(key string) *store.JWTSecret { return s.creds.jwtSecrets[key] }

// BasicAuthCredential finds the basic-auth credential with that username.
func (s *Snapshot) BasicAuthCredential(username string) *store.BasicAuthCredential {
	return s.creds.basicAuths[username]
}

// BasicAuthCredentialByID finds the basic-auth credential with that id.
func (s *Snapshot) BasicAuthCredentialByID(id string) *store.BasicAuthCredential {
	return s.creds.basicAuthsByID[id]
}

// ConsumerGroups lists the ACL groups of a consumer (nil for none).
func (s *Snapshot) ConsumerGroups(consumerID string) []string { return s.creds.groups[consumerID] }
