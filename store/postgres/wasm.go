package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/weir-gateway/weir/store"
)

// wasmTable keeps module metadata like any entity and each binary once, by sha256, in
// wasm_binaries, written in the same transaction.
type wasmTable struct {
	table[store.WasmModule]
}

// referencedMsg is the refusal while plugins still name a module.
const referencedMsg = "an existing 'plugins' entity references this 'wasm_modules' entity"

func (w *wasmTable) Insert(ctx context.Context, m *store.WasmModule, binary []byte) error {
	if len(binary) == 0 {
		return fmt.Errorf("insert wasm module %s: empty binary", m.Name)
	}
	setBinary(m, binary)
	return w.s.write(ctx, func(tx pgx.Tx) error {
		if err := putBinary(ctx, tx, m.SHA256, binary); err != nil {
			return err
		}
		return w.insert(ctx, tx, m)
	})
}

func (w *wasmTable) Update(ctx context.Context, m *store.WasmModule, binary []byte) error {
	return w.s.write(ctx, func(tx pgx.Tx) error {
		old, err := w.lock(ctx, tx, m.ID)
		if err != nil {
			return err
		}
		if old.Name != m.Name {
			if err := refuseIfNamed(ctx, tx, old.Name); err != nil {
				return err
			}
		}
		if binary == nil {
			m.SHA256, m.Size = old.SHA256, old.Size
		} else {
			setBinary(m, binary)
			if err := putBinary(ctx, tx, m.SHA256, binary); err != nil {
				return err
			}
		}
		if err := w.update(ctx, tx, m); err != nil {
			return err
		}
		return releaseBinary(ctx, tx, old.SHA256)
	})
}

func (w *wasmTable) Delete(ctx context.Context, id string) error {
	return w.s.write(ctx, func(tx pgx.Tx) error {
		old, err := w.lock(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := refuseIfNamed(ctx, tx, old.Name); err != nil {
			return err
		}
		if err := w.delete(ctx, tx, id); err != nil {
			return err
		}
		return releaseBinary(ctx, tx, old.SHA256)
	})
}

// lock reads a module and locks its row for the rest of the transaction.
func (w *wasmTable) lock(ctx context.Context, tx pgx.Tx, id string) (*store.WasmModule, error) {
	m, err := getOne[store.WasmModule](ctx, tx, "SELECT entity FROM wasm_modules WHERE id::text = $1 FOR UPDATE", id)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("wasm module %s: %w", id, store.NotFound(id))
	}
	return m, err
}

// refuseIfNamed refuses while a plugin uses the module's name. Plugins name a module
// rather than reference its id (a built-in has no row), so this is checked here, not by
// a foreign key.
func refuseIfNamed(ctx context.Context, tx pgx.Tx, name string) error {
	var used bool
	if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM plugins WHERE name = $1)", name).Scan(&used); err != nil {
		return fmt.Errorf("find plugins using module %s: %w", name, err)
	}
	if used {
		return store.ReferencedByOthers(referencedMsg)
	}
	return nil
}

func putBinary(ctx context.Context, tx pgx.Tx, sum string, binary []byte) error {
	_, err := tx.Exec(ctx, "INSERT INTO wasm_binaries (sha256, data) VALUES ($1, $2) ON CONFLICT (sha256) DO NOTHING", sum, binary)
	if err != nil {
		return fmt.Errorf("write wasm binary: %w", err)
	}
	return nil
}

// releaseBinary drops a binary no module refers to any more.
func releaseBinary(ctx context.Context, tx pgx.Tx, sum string) error {
	_, err := tx.Exec(ctx, `DELETE FROM wasm_binaries WHERE sha256 = $1
		AND NOT EXISTS (SELECT 1 FROM wasm_modules WHERE sha256 = $1)`, sum)
	if err != nil {
		return fmt.Errorf("release wasm binary: %w", err)
	}
	return nil
}

func setBinary(m *store.WasmModule, binary []byte) {
	sum := sha256.Sum256(binary)
	m.SHA256 = hex.EncodeToString(sum[:])
	m.Size = int64(len(binary))
}

// WasmBinary returns the module binary with that sha256, from the replica when one is
// configured.
func (s *Store) WasmBinary(ctx context.Context, sum string) ([]byte, error) {
	var out []byte
	err := s.ro.QueryRow(ctx, "SELECT data FROM wasm_binaries WHERE sha256 = $1", sum).Scan(&out)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil, fmt.Errorf("wasm binary %s: %w", sum, store.ErrNotFound)
	case err != nil:
		return nil, s.fail(ctx, fmt.Errorf("read wasm binary %s: %w", sum, err))
	}
	return out, nil
}
