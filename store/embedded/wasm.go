package embedded

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/weir-gateway/weir/store"
)

// wasmTable keeps module metadata like any entity and the binaries content-addressed in
// their own bucket, written in the same transaction.
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
	attrs, raw, err := encodeEntity(m)
	if err != nil {
		return err
	}
	return w.s.update(ctx, func(tx *bolt.Tx) error {
		if err := put(tx, store.WasmModules, attrs, raw, false); err != nil {
			return err
		}
		return tx.Bucket(bucketBinaries).Put([]byte(m.SHA256), binary)
	})
}

func (w *wasmTable) Update(ctx context.Context, m *store.WasmModule, binary []byte) error {
	return w.s.update(ctx, func(tx *bolt.Tx) error {
		old, err := decodeEntity[store.WasmModule](tx, store.WasmModules, m.ID)
		if err != nil {
			return err
		}
		if old.Name != m.Name && pluginsNaming(tx, old.Name) {
			return store.ReferencedByOthers(referencedMsg)
		}
		if binary == nil {
			m.SHA256, m.Size = old.SHA256, old.Size
		} else {
			setBinary(m, binary)
		}
		attrs, raw, err := encodeEntity(m)
		if err != nil {
			return err
		}
		if err := put(tx, store.WasmModules, attrs, raw, true); err != nil {
			return err
		}
		if binary != nil {
			if err := tx.Bucket(bucketBinaries).Put([]byte(m.SHA256), binary); err != nil {
				return fmt.Errorf("write wasm binary: %w", err)
			}
		}
		return releaseBinary(tx, old.SHA256)
	})
}

func (w *wasmTable) Delete(ctx context.Context, id string) error {
	return w.s.update(ctx, func(tx *bolt.Tx) error {
		old, err := decodeEntity[store.WasmModule](tx, store.WasmModules, id)
		if err != nil {
			return err
		}
		if pluginsNaming(tx, old.Name) {
			return store.ReferencedByOthers(referencedMsg)
		}
		if err := remove(tx, store.WasmModules, id); err != nil {
			return err
		}
		return releaseBinary(tx, old.SHA256)
	})
}

func setBinary(m *store.WasmModule, binary []byte) {
	sum := sha256.Sum256(binary)
	m.SHA256 = hex.EncodeToString(sum[:])
	m.Size = int64(len(binary))
}

// pluginsNaming reports whether a plugin instance uses the module name.
func pluginsNaming(tx *bolt.Tx, name string) bool {
	found := false
	_ = tx.Bucket([]byte(store.Plugins)).ForEach(func(_, v []byte) error {
		var p struct {
			Name string `json:"name"`
		}
		if json.Unmarshal(v, &p) == nil && p.Name == name {
			found = true
		}
		return nil
	})
	return found
}

// releaseBinary drops a binary no module refers to any more.
func releaseBinary(tx *bolt.Tx, sum string) error {
	used := false
	err := tx.Bucket([]byte(store.WasmModules)).ForEach(func(_, v []byte) error {
		var m store.WasmModule
		if err := json.Unmarshal(v, &m); err != nil {
			return fmt.Errorf("decode wasm module: %w", err)
		}
		used = used || m.SHA256 == sum
		return nil
	})
	if err != nil || used {
		return err
	}
	return tx.Bucket(bucketBinaries).Delete([]byte(sum))
}
