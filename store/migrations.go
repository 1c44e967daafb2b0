package store

import (
	"errors"
	"fmt"
	"strings"
)

// Errors that say what a database (a PostgreSQL database, a Cassandra keyspace) needs
// before weir can run on it.
var (
	ErrNotBootstrapped = errors.New("the database has not been bootstrapped; run 'weir migrations bootstrap'")
	ErrPending         = errors.New("the database schema is behind this weir; run 'weir migrations up'")
	ErrTooNew          = errors.New("the database has migrations this weir does not know; it was migrated by a newer weir")
)

// MigrationState is where a database stands against its backend's migrations. Every
// backend with migrations reports it, so `weir migrations list` reads the same for
// all.
type MigrationState struct {
	// Bootstrapped is false when weir's tables are missing.
	Bootstrapped bool
	// Executed migrations are complete; Pending ones have run up but not teardown
	// (`weir migrations finish`; backends without teardowns leave it empty); New ones
	// have not run at all.
	Executed, Pending, New []string
	// Unknown migrations were recorded by a newer weir.
	Unknown []string
}

// Ready is nil when a node can run on the database, or says which command fixes it.
// Pending teardowns do not stop a node: up is written so old and new nodes both run.
func (st *MigrationState) Ready() error {
	switch {
	case !st.Bootstrapped:
		return ErrNotBootstrapped
	case len(st.Unknown) > 0:
		return fmt.Errorf("%w (%s)", ErrTooNew, strings.Join(st.Unknown, ", "))
	case len(st.New) > 0:
		return fmt.Errorf("%w (new: %s)", ErrPending, strings.Join(st.New, ", "))
	}
	return nil
}
