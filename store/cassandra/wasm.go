package cassandra

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/weir-gateway/weir/store"
)

// chunkSize is the size of one wasm_chunks row: far below Cassandra's mutation limit
// (half the commit log segment, 16 MiB by default) and small enough that reading a
// page of chunks stays light.
const chunkSize = 256 << 10

// wasmTable keeps module metadata like any entity, and each binary once, by sha256,
// as a header row in wasm_binaries and its chunks in wasm_chunks.
type wasmTable struct {
	table[store.WasmModule]
}

const referencedMsg = "an existing 'plugins' entity references this 'wasm_modules' entity"

func (w *wasmTable) Insert(ctx context.Context, m *store.WasmModule, binary []byte) error {
	if len(binary) == 0 {
		return fmt.Errorf("insert wasm module %s: empty binary", m.Name)
	}
	setBinary(m, binary)
	attrs, raw, err := encode(m)
	if err != nil {
		return err
	}
	return w.s.write(ctx, func(ctx context.Context) error {
		if err := w.s.putBinary(ctx, m.SHA256, binary); err != nil {
			return err
		}
		if err := w.s.insert(ctx, store.WasmModules, attrs, raw); err != nil {
			w.s.releaseBinary(ctx, m.SHA256)
			return err
		}
		return nil
	})
}

func (w *wasmTable) Update(ctx context.Context, m *store.WasmModule, binary []byte) error {
	return w.s.write(ctx, func(ctx context.Context) error {
		oldRaw, err := w.s.getRaw(ctx, store.WasmModules, m.ID)
		if err != nil {
			return err
		}
		if oldRaw == nil {
			return fmt.Errorf("update wasm module %s: %w", m.ID, store.NotFound(m.ID))
		}
		old, err := decode[store.WasmModule](oldRaw)
		if err != nil {
			return err
		}
		if old.Name != m.Name {
			if err := w.s.refuseIfNamed(ctx, old.Name); err != nil {
				return err
			}
		}
		if binary == nil {
			m.SHA256, m.Size = old.SHA256, old.Size
		} else {
			setBinary(m, binary)
			if err := w.s.putBinary(ctx, m.SHA256, binary); err != nil {
				return err
			}
		}
		attrs, raw, err := encode(m)
		if err != nil {
			return err
		}
		if err := w.s.update(ctx, store.WasmModules, attrs, raw); err != nil {
			if m.SHA256 != old.SHA256 {
				w.s.releaseBinary(ctx, m.SHA256)
			}
			return err
		}
		if m.SHA256 != old.SHA256 {
			w.s.releaseBinary(ctx, old.SHA256)
		}
		return nil
	})
}

func (w *wasmTable) Delete(ctx context.Context, id string) error {
	return w.s.write(ctx, func(ctx context.Context) error {
		oldRaw, err := w.s.getRaw(ctx, store.WasmModules, id)
		if err != nil {
			return err
		}
		if oldRaw == nil {
			return fmt.Errorf("delete wasm module %s: %w", id, store.NotFound(id))
		}
		old, err := decode[store.WasmModule](oldRaw)
		if err != nil {
			return err
		}
		if err := w.s.refuseIfNamed(ctx, old.Name); err != nil {
			return err
		}
		if err := w.s.delete(ctx, store.WasmModules, id); err != nil {
			return err
		}
		w.s.releaseBinary(ctx, old.SHA256)
		return nil
	})
}

// refuseIfNamed refuses while a plugin uses the module's name. Plugins name a module
// rather than reference its id (a built-in has no row), so refs indexes plugins by name.
func (s *Store) refuseIfNamed(ctx context.Context, name string) error {
	users, err := s.children(ctx, store.Relation{Child: store.Plugins, Field: "name"}, name)
	if err != nil {
		return err
	}
	if len(users) > 0 {
		return store.ReferencedByOthers(referencedMsg)
	}
	return nil
}

// putBinary writes the chunks, then the header that makes the binary visible. Each
// chunk is its own mutation; rewriting an existing binary writes the same bytes.
func (s *Store) putBinary(ctx context.Context, sum string, binary []byte) error {
	n := 0
	for chunk := range slicesChunk(binary, chunkSize) {
		if err := s.sess.Query(`INSERT INTO wasm_chunks (sha256, n, data) VALUES (?, ?, ?)`, sum, n, chunk).WithContext(ctx).Exec(); err != nil {
			return fmt.Errorf("write wasm binary %s: %w", sum, err)
		}
		n++
	}
	err := s.sess.Query(`INSERT INTO wasm_binaries (sha256, size, chunks) VALUES (?, ?, ?)`, sum, int64(len(binary)), n).WithContext(ctx).Exec()
	if err != nil {
		return fmt.Errorf("write wasm binary %s: %w", sum, err)
	}
	return nil
}

func slicesChunk(b []byte, n int) func(func([]byte) bool) {
	return func(yield func([]byte) bool) {
		for len(b) > 0 {
			k := min(n, len(b))
			if !yield(b[:k]) {
				return
			}
			b = b[k:]
		}
	}
}

// releaseBinary drops a binary no module uses any more: the header first, so a reader
// never sees a binary with chunks missing.
func (s *Store) releaseBinary(ctx context.Context, sum string) {
	ctx = context.WithoutCancel(ctx)
	users, err := s.children(ctx, store.Relation{Child: store.WasmModules, Field: "sha256"}, sum)
	if err == nil && len(users) > 0 {
		return
	}
	if err == nil {
		err = s.sess.Query(`DELETE FROM wasm_binaries WHERE sha256 = ?`, sum).WithContext(ctx).Exec()
	}
	if err == nil {
		err = s.sess.Query(`DELETE FROM wasm_chunks WHERE sha256 = ?`, sum).WithContext(ctx).Exec()
	}
	if err != nil {
		s.cfg.Logger.Warn("could not remove an unused wasm binary", "sha256", sum, "error", err)
	}
}

func setBinary(m *store.WasmModule, binary []byte) {
	sum := sha256.Sum256(binary)
	m.SHA256 = hex.EncodeToString(sum[:])
	m.Size = int64(len(binary))
}

// WasmBinary reassembles the binary with that sha256 and checks it against the digest.
func (s *Store) WasmBinary(ctx context.Context, sum string) ([]byte, error) {
	var out []byte
	err := s.do(ctx, func(ctx context.Context) error {
		var size int64
		var chunks int
		err := s.sess.Query(`SELECT size, chunks FROM wasm_binaries WHERE sha256 = ?`, sum).WithContext(ctx).Scan(&size, &chunks)
		if errors.Is(err, gocql.ErrNotFound) {
			return fmt.Errorf("wasm binary %s: %w", sum, store.ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("read wasm binary %s: %w", sum, err)
		}
		var buf bytes.Buffer
		iter := s.sess.Query(`SELECT n, data FROM wasm_chunks WHERE sha256 = ?`, sum).WithContext(ctx).PageSize(4).Iter()
		var n, got int
		var data []byte
		for iter.Scan(&n, &data) {
			if n != got {
				break
			}
			buf.Write(data)
			got++
		}
		if err := iter.Close(); err != nil {
			return fmt.Errorf("read wasm binary %s: %w", sum, err)
		}
		digest := sha256.Sum256(buf.Bytes())
		if got != chunks || int64(buf.Len()) != size || hex.EncodeToString(digest[:]) != sum {
			return fmt.Errorf("wasm binary %s is incomplete (%d of %d chunks)", sum, got, chunks)
		}
		out = buf.Bytes()
		return nil
	})
	return out, err
}
