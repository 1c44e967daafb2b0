package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/weir-gateway/weir/store"
)

// Dataset reads every entity in one repeatable-read, read-only transaction, so a
// snapshot never mixes the states before and after another node's write. It reads
// from the replica when one is configured, unless the replica has not yet replayed the
// newest change this node has seen on the primary: then it reads the primary, so a
// node never rebuilds from a state older than the change that woke it.
func (s *Store) Dataset(ctx context.Context) (*store.Dataset, error) {
	ds, replayed, err := s.datasetFrom(ctx, s.ro)
	if err == nil && s.ro != s.pool && replayed < s.primaryChange.Load() {
		s.cfg.Logger.Debug("replica behind the primary; reading the configuration from the primary",
			"replica_change", replayed, "primary_change", s.primaryChange.Load())
		ds, _, err = s.datasetFrom(ctx, s.pool)
	}
	if err != nil {
		return nil, s.fail(ctx, fmt.Errorf("read dataset: %w", err))
	}
	return ds, nil
}

// datasetFrom reads every entity from one pool, with the newest change id that pool's
// database has (its replay position, on a replica).
func (s *Store) datasetFrom(ctx context.Context, pool *pgxpool.Pool) (*store.Dataset, int64, error) {
	ds := new(store.Dataset)
	var replayed int64
	opts := pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}
	err := pgx.BeginTxFunc(ctx, pool, opts, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, "SELECT coalesce(max(id), 0) FROM weir_changes").Scan(&replayed); err != nil {
			return fmt.Errorf("read change table: %w", err)
		}
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
			func() error { return readAll(ctx, tx, store.Vaults, &ds.Vaults) },
			func() error { return readAll(ctx, tx, store.KeySets, &ds.KeySets) },
			func() error { return readAll(ctx, tx, store.Keys, &ds.Keys) },
		} {
			if err := step(); err != nil {
				return err
			}
		}
		return nil
	})
	return ds, replayed, err
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
