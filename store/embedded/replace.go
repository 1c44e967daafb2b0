package embedded

import (
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/weir-gateway/weir/store"
)

// ReplaceAll makes e the whole content of the store in one transaction: every entity,
// index and binary is dropped and e is written with the usual constraint checks. If
// any check fails, the transaction rolls back and the previous content stays, which is
// what DB-less mode's POST /config promises.
func (s *Store) ReplaceAll(ctx context.Context, e *store.Export) error {
	return s.update(ctx, func(tx *bolt.Tx) error {
		for _, name := range append([][]byte{bucketUnique, bucketForeign, bucketBinaries}, entityBuckets()...) {
			if err := tx.DeleteBucket(name); err != nil && err != bolt.ErrBucketNotFound {
				return fmt.Errorf("clear %s: %w", name, err)
			}
			if _, err := tx.CreateBucket(name); err != nil {
				return fmt.Errorf("create %s: %w", name, err)
			}
		}
		for i := range e.WasmModules {
			m := e.WasmModules[i]
			setBinary(&m.WasmModule, m.Binary)
			if err := putEntity(tx, store.WasmModules, &m.WasmModule); err != nil {
				return err
			}
			if err := tx.Bucket(bucketBinaries).Put([]byte(m.SHA256), m.Binary); err != nil {
				return fmt.Errorf("write wasm binary: %w", err)
			}
		}
		// Parents before children, so every foreign key finds its target.
		return firstError(
			putAll(tx, store.Certificates, e.Certificates), putAll(tx, store.SNIs, e.SNIs),
			putAll(tx, store.CACertificates, e.CACertificates), putAll(tx, store.Services, e.Services),
			putAll(tx, store.Routes, e.Routes), putAll(tx, store.Consumers, e.Consumers),
			putAll(tx, store.Upstreams, e.Upstreams), putAll(tx, store.Targets, e.Targets),
			putAll(tx, store.Plugins, e.Plugins), putAll(tx, store.KeyAuthCredentials, e.KeyAuthCredentials),
			putAll(tx, store.JWTSecrets, e.JWTSecrets), putAll(tx, store.BasicAuthCredentials, e.BasicAuthCredentials),
			putAll(tx, store.ACLs, e.ACLs), putAll(tx, store.HMACAuthCredentials, e.HMACAuthCredentials),
			putAll(tx, store.Vaults, e.Vaults), putAll(tx, store.KeySets, e.KeySets), putAll(tx, store.Keys, e.Keys),
		)
	})
}

// entityBuckets are the buckets holding entities.
func entityBuckets() [][]byte {
	names := []string{store.WasmModules, store.Certificates, store.SNIs, store.CACertificates, store.Services,
		store.Routes, store.Consumers, store.Upstreams, store.Targets, store.Plugins, store.KeyAuthCredentials,
		store.JWTSecrets, store.BasicAuthCredentials, store.ACLs, store.HMACAuthCredentials,
		store.Vaults, store.KeySets, store.Keys}
	out := make([][]byte, len(names))
	for i, n := range names {
		out[i] = []byte(n)
	}
	return out
}

// putAll returns a step that inserts a list; steps run in order through firstError.
func putAll[T any](tx *bolt.Tx, entity string, list []T) func() error {
	return func() error {
		for i := range list {
			if err := putEntity(tx, entity, &list[i]); err != nil {
				return err
			}
		}
		return nil
	}
}

func putEntity(tx *bolt.Tx, entity string, e any) error {
	attrs, raw, err := encodeEntity(e)
	if err != nil {
		return err
	}
	if err := put(tx, entity, attrs, raw, false); err != nil {
		return fmt.Errorf("%s %v: %w", entity, attrs["id"], err)
	}
	return nil
}

func firstError(steps ...func() error) error {
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

var _ store.Replacer = (*Store)(nil)
