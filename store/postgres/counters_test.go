package postgres_test

import (
	"testing"

	"github.com/weir-gateway/weir/store"
	"github.com/weir-gateway/weir/store/storetest"
)

func TestCounters(t *testing.T) {
	storetest.RunCounters(t, func(t *testing.T) store.Store { return open(t, bootstrapped(t)) })
}
