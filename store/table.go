package store

import (
	"context"
	"encoding/json"
	"fmt"
)

// Page sizes of list endpoints (Kong's).
const (
	DefaultPageSize = 100
	MaxPageSize     = 1000
)

// ListOptions select one page of a list.
type ListOptions struct {
	// Size is the page size; 0 means DefaultPageSize.
	Size int
	// Offset is the opaque value a previous page returned; "" starts at the beginning.
	Offset string
	// Tags keeps entities carrying every one of these tags, or any one of them when
	// AnyTag is set.
	Tags   []string
	AnyTag bool
	// Foreign keeps the children of one parent, such as the routes of a service.
	Foreign *ForeignFilter
}

// ForeignFilter names a foreign-key field of the listed entity and the parent's id.
type ForeignFilter struct {
	Field string
	ID    string
}

// PageSize returns the effective size, or an InvalidSize error.
func (o ListOptions) PageSize() (int, error) {
	switch {
	case o.Size == 0:
		return DefaultPageSize, nil
	case o.Size < 1 || o.Size > MaxPageSize:
		return 0, InvalidSize()
	}
	return o.Size, nil
}

// Page is one page of a list. Offset is "" on the last page.
type Page[T any] struct {
	Data   []T
	Offset string
}

// Reads are the read and delete operations every entity table has.
type Reads[T any] interface {
	// Get returns the entity with that id, or ErrNotFound.
	Get(ctx context.Context, id string) (*T, error)
	// GetBy returns the entity whose unique single field (name, username, custom_id,
	// key, instance_name) has that value, or ErrNotFound.
	GetBy(ctx context.Context, field, value string) (*T, error)
	// List returns one page in a stable order.
	List(ctx context.Context, opts ListOptions) (*Page[T], error)
	// Delete removes the entity and, in the same transaction, the children that
	// cascade; it returns ErrNotFound when there is none, or a foreign-key error when a
	// restricting child (a route of a service) still references it.
	Delete(ctx context.Context, id string) error
}

// Table stores one entity type. Insert and Update check unique constraints and foreign
// keys and either write everything or nothing. The entity must already be validated
// (see Validator).
type Table[T any] interface {
	Reads[T]
	Insert(ctx context.Context, e *T) error
	// Update replaces the stored entity with the same id, or returns ErrNotFound.
	Update(ctx context.Context, e *T) error
}

// WasmTable stores uploaded modules and their binaries together. Insert and Update set
// the module's SHA256 and Size from the binary; Update with a nil binary keeps the
// current one. A binary is kept once per SHA256 and removed with its last module.
type WasmTable interface {
	Reads[WasmModule]
	Insert(ctx context.Context, m *WasmModule, binary []byte) error
	Update(ctx context.Context, m *WasmModule, binary []byte) error
}

// Store is a backend: the proxy's Reader plus the Admin API's writes. Every backend
// (embedded, PostgreSQL, Cassandra) passes the suite in store/storetest.
type Store interface {
	Reader
	Services() Table[Service]
	Routes() Table[Route]
	Consumers() Table[Consumer]
	Plugins() Table[Plugin]
	KeyAuthCredentials() Table[KeyAuthCredential]
	WasmModules() WasmTable
	Upstreams() Table[Upstream]
	Targets() Table[Target]
	JWTSecrets() Table[JWTSecret]
	BasicAuthCredentials() Table[BasicAuthCredential]
	ACLs() Table[ACL]
	HMACAuthCredentials() Table[HMACAuthCredential]
	Certificates() Table[Certificate]
	SNIs() Table[SNI]
	CACertificates() Table[CACertificate]
	Vaults() Table[Vault]
	KeySets() Table[KeySet]
	Keys() Table[Key]
	// Ping reports whether the database answers.
	Ping(ctx context.Context) error
	Close() error
}

// Replacer is a store that can swap its whole content for another in one transaction:
// DB-less mode's POST /config, where a configuration applies whole or not at all.
type Replacer interface {
	ReplaceAll(ctx context.Context, e *Export) error
}

// Attributes returns the top-level JSON fields of an entity, the view backends index
// unique and foreign-key values by.
func Attributes(entity any) (map[string]any, error) {
	b, err := json.Marshal(entity)
	if err != nil {
		return nil, fmt.Errorf("encode entity: %w", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("decode entity: %w", err)
	}
	return m, nil
}
