package embedded

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"github.com/weir-gateway/weir/store"
)

var (
	bucketMeta     = []byte("_meta")
	bucketUnique   = []byte("_unique")
	bucketForeign  = []byte("_foreign")
	bucketBinaries = []byte("_wasm_binaries")
	keyVersion     = []byte("schema_version")
)

// migration is one step of the file's layout. Steps are never edited once released:
// later versions append steps, and migrate runs those a file has not seen.
type migration struct {
	name string
	up   func(*bolt.Tx) error
}

var migrations = []migration{
	{name: "000_base", up: createBuckets(
		bucketUnique, bucketForeign, bucketBinaries,
		[]byte(store.Services), []byte(store.Routes), []byte(store.Consumers),
		[]byte(store.Plugins), []byte(store.KeyAuthCredentials), []byte(store.WasmModules),
	)},
	{name: "001_upstreams", up: createBuckets([]byte(store.Upstreams), []byte(store.Targets))},
	{name: "002_credentials", up: createBuckets([]byte(store.JWTSecrets), []byte(store.BasicAuthCredentials),
		[]byte(store.ACLs), []byte(store.HMACAuthCredentials))},
	{name: "003_certificates", up: createBuckets([]byte(store.Certificates), []byte(store.SNIs), []byte(store.CACertificates))},
	{name: "004_keys_vaults", up: createBuckets([]byte(store.Vaults), []byte(store.KeySets), []byte(store.Keys))},
}

func createBuckets(names ...[]byte) func(*bolt.Tx) error {
	return func(tx *bolt.Tx) error {
		for _, n := range names {
			if _, err := tx.CreateBucketIfNotExists(n); err != nil {
				return fmt.Errorf("create bucket %s: %w", n, err)
			}
		}
		return nil
	}
}

// migrate brings the file to the newest layout inside the caller's transaction.
func migrate(tx *bolt.Tx) error {
	meta, err := tx.CreateBucketIfNotExists(bucketMeta)
	if err != nil {
		return fmt.Errorf("create meta bucket: %w", err)
	}
	version := uint64(0)
	if v := meta.Get(keyVersion); len(v) == 8 {
		version = binary.BigEndian.Uint64(v)
	}
	if version > uint64(len(migrations)) {
		return fmt.Errorf("file is at schema version %d, newer than this weir (%d)", version, len(migrations))
	}
	for i := version; i < uint64(len(migrations)); i++ {
		if err := migrations[i].up(tx); err != nil {
			return fmt.Errorf("migration %s: %w", migrations[i].name, err)
		}
	}
	return meta.Put(keyVersion, binary.BigEndian.AppendUint64(nil, uint64(len(migrations))))
}

// SchemaVersion returns the number of migrations the file has applied.
func (s *Store) SchemaVersion() (int, error) {
	var v uint64
	err := s.db.View(func(tx *bolt.Tx) error {
		v = binary.BigEndian.Uint64(tx.Bucket(bucketMeta).Get(keyVersion))
		return nil
	})
	return int(v), err
}
