package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/weir-gateway/weir/store"
)

// Dataset reads every entity in one repeatable-read, read-only transaction, so a
// snapshot never mixes the states before and after another node's write. It reads
// from the replica when one is configured.
func (s *Store) Dataset(ctx context.Context) (*store.Dataset, error) {
	ds := new(store.Dataset)
	opts := pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}
	err := pgx.BeginTxFunc(ctx, s.ro, opts, func(tx pgx.Tx) error {
		for _, step := range []func() error{
			func() error { return readAll(ctx, tx, store.Services, &ds.Services) },
			func() error { return readAll(ctx, tx, store.Routes, &ds.Routes) },
			func() error { return readAll(ctx, tx, store.Consumers, &ds.Consumers) },
			func() error { return readAll(ctx, tx, store.Plugins, &ds.Plugins) },
			func() error { return readAll(ctx, tx, store.KeyAuthCredentials, &ds.KeyAuthCredentials) },
			func() error { return readAll(ctx, tx, store.WasmModules, &ds.WasmModules) },
			func() error { return readAll(ctx, tx, store.Upstreams, &ds.Upstreams) },
			func() error { return readAll(ctx, tx, store.Targets, &ds.Targets) },
			func() error { return readAll(ctx, tx, store.JWTSecrets, &ds.JWTSecrets) },
			func() error { return readAll(ctx, tx, store.BasicAuthCredentials, &ds.BasicAuthCredentials) },
			func() error { return readAll(ctx, tx, store.ACLs, &ds.ACLs) },
			func() error { return readAll(ctx, tx, store.HMACAuthCredentials, &ds.HMACAuthCredentials) },
			func() error { return readAll(ctx, tx, store.Certificates, &ds.Certificates) },
			func() error { return readAll(ctx, tx, store.SNIs, &ds.SNIs) },
			func() error { return readAll(ctx, tx, store.CACertificates, &ds.CACertificates) },
		} {
			if err := step(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, s.fail(ctx, fmt.Errorf("read dataset: %w", err))
	}
	return ds, nil
}

func readAll[T any](ctx context.Context, tx pgx.Tx, entity string, out *[]T) error {
	rows, err := tx.Query(ctx, "SELECT entity FROM "+pgx.Identifier{entity}.Sanitize()+" ORDER BY id")
	if err != nil {
		return fmt.Errorf("read %s: %w", entity, err)
	}
	defer rows.Close()
	for rows.Next() {
		var raw []byte
		if err := rows.Scan(&raw); err != nil {
			return fmt.Errorf("read %s: %w", entity, err)
		}
		var e T
		if err := json.Unmarshal(raw, &e); err != nil {
			return fmt.Errorf("decode %s: %w", entity, err)
		}
		*out = append(*out, e)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read %s: %w", entity, err)
	}
	return nil
}
