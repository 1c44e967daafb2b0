package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/weir-gateway/weir/store"
)

// fail classifies an error from the database: store errors pass through; errors the
// server raised stay database errors; everything else (refused or broken connections,
// timeouts talking to the server) means the database is unreachable, which the Admin
// API answers with 503. A caller's own cancellation stays a cancellation.
func (s *Store) fail(ctx context.Context, err error) error {
	var se *store.Error
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &se), errors.Is(err, store.ErrNotFound):
		return err
	case errors.As(err, &pgErr):
		if unreachableClass(pgErr.Code) {
			return store.Unavailable(err)
		}
		return fmt.Errorf("postgres: %w", err)
	case errors.Is(err, context.Canceled) && context.Cause(ctx) == context.Canceled:
		return err
	}
	return store.Unavailable(err)
}

// unreachableClass is true for SQLSTATEs that mean the server cannot serve us now:
// connection exceptions (08), too many connections (53300), and a server shutting down
// or starting (57P01-57P03).
func unreachableClass(code string) bool {
	switch {
	case len(code) == 5 && code[:2] == "08":
		return true
	case code == "53300", code == "57P01", code == "57P02", code == "57P03":
		return true
	}
	return false
}
