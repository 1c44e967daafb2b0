package pipeline

import (
	"crypto/sha256"
	"sync"
	"time"

	"github.com/weir-gateway/weir/abi"
	"github.com/weir-gateway/weir/host/snapshot"
	"github.com/weir-gateway/weir/store"
)

// credentialLookups are the (kind, field) pairs weir.find_credential answers, each
// with its lookup: the credential matching a value (entity nil when none does), its
// id, the X-Credential-Identifier Kong's plugin of that kind sends for it, and its
// consumer reference.
var credentialLookups = []credentialLookup{
	{store.KeyAuthCredentials, "key", func(s *snapshot.Snapshot, v string) (credential, *store.Ref) {
		if c := s.ActiveKeyAuthCredential(v, time.Now()); c != nil {
			return credential{entity: c, id: c.ID}, c.Consumer
		}
		return credential{}, nil
	}},
	{store.JWTSecrets, "key", func(s *snapshot.Snapshot, v string) (credential, *store.Ref) {
		if c := s.JWTSecret(v); c != nil {
			return credential{entity: c, id: c.ID, identifier: c.Key}, c.Consumer
		}
		return credential{}, nil
	}},
	{store.BasicAuthCredentials, "username", func(s *snapshot.Snapshot, v string) (credential, *store.Ref) {
		if c := s.BasicAuthCredential(v); c != nil {
			return credential{entity: c, id: c.ID, identifier: c.Username}, c.Consumer
		}
		return credential{}, nil
	}},
}

type credentialLookup struct {
	kind, field string
	find        func(s *snapshot.Snapshot, value string) (credential, *store.Ref)
}

// lookupCredential runs the lookup of a's (kind, field); ok is false for a pair weir
// cannot look up.
func lookupCredential(s *snapshot.Snapshot, a *findCredentialArgs) (cred credential, owner *store.Ref, ok bool) {
	for _, l := range credentialLookups {
		if a.Kind == l.kind && a.Field == l.field {
			cred, owner = l.find(s, a.Value)
			return cred, owner, true
		}
	}
	return credential{}, nil, false
}

// credential is a credential entity found by weir.find_credential, with its id and the
// X-Credential-Identifier Kong sends for it when that is not the id ("" otherwise).
type credential struct {
	entity     any
	id         string
	identifier string
}

type checkPasswordArgs struct {
	CredentialID string `json:"credential_id"`
	Password     string `json:"password"`
}

type checked struct {
	OK bool `json:"ok"`
}

// checkPassword verifies a password against a basic-auth credential's bcrypt hash on
// the host: bcrypt compiled to wasm is several times slower, and the guest instance
// waits either way. Successful checks are remembered (passwordCache), so a client
// sending the same credentials on every request pays bcrypt once.
func checkPassword(e *Exchange, a *checkPasswordArgs) (any, abi.Status) {
	c := e.snap.BasicAuthCredentialByID(a.CredentialID)
	if c == nil {
		return nil, abi.StatusNotFound
	}
	return checked{OK: passwordCache.check(c.Password, a.Password)}, abi.StatusOK
}

// maxPasswordChecks bounds the cache of successful password checks.
const maxPasswordChecks = 4096

// passwordCache remembers successful (hash, password) checks, shared by every request.
var passwordCache = &checkCache{max: maxPasswordChecks}

// checkCache remembers successful bcrypt checks by a SHA-256 of the stored hash and
// the password. A changed password has a new hash (bcrypt salts each one), so its old
// entries can no longer match and simply age out. Failures are never cached: a wrong
// password always costs a full bcrypt comparison. Two generations bound the size: when
// the current one fills, it becomes the previous one and the oldest is dropped, so
// entries in use survive by being promoted.
type checkCache struct {
	mu        sync.Mutex
	max       int
	cur, prev map[[32]byte]struct{}
}

func (c *checkCache) check(hash, password string) bool {
	k := passwordKey(hash, password)
	if c.hit(k) {
		return true
	}
	if !store.CheckPassword(hash, password) {
		return false
	}
	c.add(k)
	return true
}

func passwordKey(hash, password string) [32]byte {
	h := sha256.New()
	h.Write([]byte(hash))
	h.Write([]byte{0})
	h.Write([]byte(password))
	var k [32]byte
	h.Sum(k[:0])
	return k
}

func (c *checkCache) hit(k [32]byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.cur[k]; ok {
		return true
	}
	if _, ok := c.prev[k]; ok {
		c.addLocked(k)
		return true
	}
	return false
}

func (c *checkCache) add(k [32]byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.addLocked(k)
}

func (c *checkCache) addLocked(k [32]byte) {
	if c.cur == nil || len(c.cur) >= c.max/2 {
		c.prev, c.cur = c.cur, make(map[[32]byte]struct{}, c.max/2)
	}
	c.cur[k] = struct{}{}
}

type consumerGroupsArgs struct {
	ConsumerID string `json:"consumer_id"`
}

type groupList struct {
	Groups []string `json:"groups"`
}

// consumerGroups lists the ACL groups of a consumer: the one named, else the request's
// authenticated consumer (NOT_FOUND when there is none).
func consumerGroups(e *Exchange, a *consumerGroupsArgs) (any, abi.Status) {
	id := a.ConsumerID
	if id == "" {
		if e.consumer == nil {
			return nil, abi.StatusNotFound
		}
		id = e.consumer.ID
	}
	groups := e.snap.ConsumerGroups(id)
	if groups == nil {
		groups = []string{}
	}
	return groupList{Groups: groups}, abi.StatusOK
}
