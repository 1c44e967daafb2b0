// Package embedded is weir's default store backend: one bbolt file on local disk, so the
// gateway runs with no database server. Every write is one bbolt transaction, which
// gives the all-or-nothing semantics the store contract asks for; unique and
// foreign-key constraints are kept in index buckets inside the same file.
package embedded

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/weir-gateway/weir/store"
)

// Store is an embedded store. It is safe for concurrent use; bbolt serialises writers.
type Store struct {
	db      *bolt.DB
	changes chan struct{}
}

// openTimeout bounds the wait for the file lock another process may hold.
const openTimeout = 5 * time.Second

// Open opens the store at path, creating the file and its parent directories on first
// start, and applies pending migrations.
func Open(path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create directory for %s: %w", path, err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: openTimeout})
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if err := db.Update(migrate); err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate %s: %w", path, err)
	}
	return &Store{db: db, changes: make(chan struct{}, 1)}, nil
}

// Close releases the file.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("close embedded store: %w", err)
	}
	return nil
}

// Ping reports whether the file is open and readable.
func (s *Store) Ping(ctx context.Context) error {
	return s.view(ctx, func(*bolt.Tx) error { return nil })
}

// Changes receives a value after committed writes; see store.Reader.
func (s *Store) Changes() <-chan struct{} { return s.changes }

func (s *Store) Services() store.Table[store.Service] {
	return &table[store.Service]{s, store.Services}
}
func (s *Store) Routes() store.Table[store.Route] { return &table[store.Route]{s, store.Routes} }
func (s *Store) Consumers() store.Table[store.Consumer] {
	return &table[store.Consumer]{s, store.Consumers}
}
func (s *Store) Plugins() store.Table[store.Plugin] { return &table[store.Plugin]{s, store.Plugins} }
func (s *Store) KeyAuthCredentials() store.Table[store.KeyAuthCredential] {
	return &table[store.KeyAuthCredential]{s, store.KeyAuthCredentials}
}
func (s *Store) Upstreams() store.Table[store.Upstream] {
	return &table[store.Upstream]{s, store.Upstreams}
}
func (s *Store) Targets() store.Table[store.Target] { return &table[store.Target]{s, store.Targets} }
func (s *Store) JWTSecrets() store.Table[store.JWTSecret] {
	return &table[store.JWTSecret]{s, store.JWTSecrets}
}
func (s *Store) BasicAuthCredentials() store.Table[store.BasicAuthCredential] {
	return &table[store.BasicAuthCredential]{s, store.BasicAuthCredentials}
}
func (s *Store) ACLs() store.Table[store.ACL] { return &table[store.ACL]{s, store.ACLs} }
func (s *Store) HMACAuthCredentials() store.Table[store.HMACAuthCredential] {
	return &table[store.HMACAuthCredential]{s, store.HMACAuthCredentials}
}
func (s *Store) Certificates() store.Table[store.Certificate] {
	return &table[store.Certificate]{s, store.Certificates}
}
func (s *Store) SNIs() store.Table[store.SNI] { return &table[store.SNI]{s, store.SNIs} }
func (s *Store) CACertificates() store.Table[store.CACertificate] {
	return &table[store.CACertificate]{s, store.CACertificates}
}
func (s *Store) Vaults() store.Table[store.Vault]   { return &table[store.Vault]{s, store.Vaults} }
func (s *Store) KeySets() store.Table[store.KeySet] { return &table[store.KeySet]{s, store.KeySets} }
func (s *Store) Keys() store.Table[store.Key]       { return &table[store.Key]{s, store.Keys} }
func (s *Store) WasmModules() store.WasmTable {
	return &wasmTable{table[store.WasmModule]{s, store.WasmModules}}
}

// Dataset reads every entity in one read transaction.
func (s *Store) Dataset(ctx context.Context) (*store.Dataset, error) {
	ds := new(store.Dataset)
	err := s.view(ctx, func(tx *bolt.Tx) error {
		return errors.Join(
			readAll(tx, store.Services, &ds.Services),
			readAll(tx, store.Routes, &ds.Routes),
			readAll(tx, store.Consumers, &ds.Consumers),
			readAll(tx, store.Plugins, &ds.Plugins),
			readAll(tx, store.KeyAuthCredentials, &ds.KeyAuthCredentials),
			readAll(tx, store.WasmModules, &ds.WasmModules),
			readAll(tx, store.Upstreams, &ds.Upstreams),
			readAll(tx, store.Targets, &ds.Targets),
			readAll(tx, store.JWTSecrets, &ds.JWTSecrets),
			readAll(tx, store.BasicAuthCredentials, &ds.BasicAuthCredentials),
			readAll(tx, store.ACLs, &ds.ACLs),
			readAll(tx, store.HMACAuthCredentials, &ds.HMACAuthCredentials),
			readAll(tx, store.Certificates, &ds.Certificates),
			readAll(tx, store.SNIs, &ds.SNIs),
			readAll(tx, store.CACertificates, &ds.CACertificates),
			readAll(tx, store.Vaults, &ds.Vaults),
			readAll(tx, store.KeySets, &ds.KeySets),
			readAll(tx, store.Keys, &ds.Keys),
		)
	})
	if err != nil {
		return nil, fmt.Errorf("read dataset: %w", err)
	}
	return ds, nil
}

func readAll[T any](tx *bolt.Tx, entity string, out *[]T) error {
	return tx.Bucket([]byte(entity)).ForEach(func(k, v []byte) error {
		var e T
		if err := json.Unmarshal(v, &e); err != nil {
			return fmt.Errorf("decode %s %s: %w", entity, k, err)
		}
		*out = append(*out, e)
		return nil
	})
}

// WasmBinary returns the module binary with that SHA-256, or store.ErrNotFound.
func (s *Store) WasmBinary(ctx context.Context, sha256 string) ([]byte, error) {
	var out []byte
	err := s.view(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketBinaries).Get([]byte(sha256))
		if b == nil {
			return fmt.Errorf("wasm binary %s: %w", sha256, store.ErrNotFound)
		}
		out = append([]byte(nil), b...)
		return nil
	})
	return out, err
}

func (s *Store) view(ctx context.Context, fn func(*bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.View(fn)
}

// update runs fn in one write transaction and signals Changes once it has committed.
func (s *Store) update(ctx context.Context, fn func(*bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := s.db.Update(fn); err != nil {
		return err
	}
	select {
	case s.changes <- struct{}{}:
	default:
	}
	return nil
}

var _ store.Store = (*Store)(nil)

// Bulk implements store.BulkWriter: bbolt stops syncing the file after each commit
// until done, which syncs it once. An import of tens of thousands of entities, one
// transaction each, otherwise waits for a disk flush per entity.
func (s *Store) Bulk() (done func() error) {
	s.db.NoSync = true
	return func() error {
		s.db.NoSync = false
		if err := s.db.Sync(); err != nil {
			return fmt.Errorf("sync embedded store: %w", err)
		}
		return nil
	}
}
