package embedded_test

import (
	"path/filepath"
	"testing"

	"github.com/weir-gateway/weir/store"
	"github.com/weir-gateway/weir/store/embedded"
	"github.com/weir-gateway/weir/store/storetest"
)

func TestCounters(t *testing.T) {
	storetest.RunCounters(t, func(t *testing.T) store.Store {
		s, err := embedded.Open(filepath.Join(t.TempDir(), "weir.db"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
