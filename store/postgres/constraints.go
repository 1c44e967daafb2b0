package postgres

import (
	"errors"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/weir-gateway/weir/store"
)

// SQLSTATEs of constraint violations.
const (
	uniqueViolation     = "23505"
	foreignKeyViolation = "23503"
)

// uniqueConstraint is the name schema.go gives a unique constraint: the table and its
// single field, or cache_key for Kong's composite plugin key.
func uniqueConstraint(u store.Unique) string {
	if len(u.Fields) > 1 {
		return u.Entity + "_cache_key_unique"
	}
	return u.Entity + "_" + u.Fields[0] + "_unique"
}

// foreignConstraint is the name schema.go gives a foreign key.
func foreignConstraint(r store.Relation) string { return r.Child + "_" + r.Field + "_fkey" }

// writeError turns a constraint violation raised by writing attrs into entity into
// Kong's error for it; other errors are returned unchanged.
func writeError(err error, entity string, attrs map[string]any) error {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return err
	}
	switch pgErr.Code {
	case uniqueViolation:
		if pgErr.ConstraintName == entity+"_pkey" {
			return store.UniqueViolation(map[string]any{"id": attrs["id"]})
		}
		for _, u := range store.UniquesOf(entity) {
			if uniqueConstraint(u) == pgErr.ConstraintName {
				vals, _ := u.Values(attrs)
				return store.UniqueViolation(vals)
			}
		}
	case foreignKeyViolation:
		for _, r := range store.ForeignKeysOf(entity) {
			if foreignConstraint(r) == pgErr.ConstraintName {
				return store.ForeignKeyViolation(r.Field, store.RefID(attrs, r.Field), r.Parent)
			}
		}
	}
	return err
}

// deleteError turns the violation of a restricting foreign key, raised by deleting a
// parent of entity, into Kong's "referenced by" error.
func deleteError(err error, entity string) error {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != foreignKeyViolation {
		return err
	}
	for _, r := range store.ChildrenOf(entity) {
		if foreignConstraint(r) == pgErr.ConstraintName && strings.EqualFold(pgErr.TableName, r.Child) {
			return store.ReferencedBy(entity, r.Child)
		}
	}
	return err
}
