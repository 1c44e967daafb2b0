package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
)

// notifyChannel is the channel weir_record_change() notifies on.
const notifyChannel = "weir_changes"

// changeRetention is how long rows stay in weir_changes: far longer than any node
// waits between polls, short enough that the table stays small.
const changeRetention = "1 hour"

// watch tells this node about every change committed by any node, until ctx ends. It
// holds one connection that LISTENs on weir_changes and, whenever no notification has
// come for UpdateFrequency, polls the change table's newest id, which covers a
// notification lost with a connection. After (re)connecting it always signals, so a node
// that was cut off from the database rebuilds from what is there now.
func (s *Store) watch(ctx context.Context) {
	defer close(s.watchDone)
	down := false
	for ctx.Err() == nil {
		err := s.listen(ctx, func() {
			if down {
				s.cfg.Logger.Info("database connection restored; catching up on changes")
				down = false
			}
		})
		if ctx.Err() != nil {
			return
		}
		if !down {
			s.cfg.Logger.Error("lost the database connection; the proxy keeps serving its last configuration", "error", err)
			down = true
		}
		select {
		case <-ctx.Done():
		case <-time.After(s.cfg.UpdateFrequency):
		}
	}
}

// listen runs one connection's life: LISTEN, signal once, then wait and poll until
// the connection fails.
func (s *Store) listen(ctx context.Context, connected func()) error {
	conn, err := s.listenConn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+notifyChannel+"; LISTEN "+healthChannel); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	last, err := newestChange(ctx, conn)
	if err != nil {
		return err
	}
	s.notePrimaryChange(last)
	connected()
	s.signal()
	s.signalHealth()
	pruned := time.Now()
	for {
		wait, cancel := context.WithTimeout(ctx, s.cfg.UpdateFrequency)
		n, err := conn.WaitForNotification(wait)
		cancel()
		switch {
		case err == nil && n.Channel == healthChannel:
			s.signalHealth()
			continue
		case err == nil:
			if id, perr := strconv.ParseInt(n.Payload, 10, 64); perr == nil {
				s.notePrimaryChange(id)
			}
			s.signal()
			continue
		case ctx.Err() != nil:
			return ctx.Err()
		case !errors.Is(err, context.DeadlineExceeded) && !pgconn.Timeout(err):
			return fmt.Errorf("wait for notification: %w", err)
		}
		s.signalHealth()
		newest, err := newestChange(ctx, conn)
		if err != nil {
			return err
		}
		if newest != last {
			last = newest
			s.notePrimaryChange(newest)
			s.signal()
		}
		if time.Since(pruned) > time.Minute {
			pruned = time.Now()
			if err := pruneChanges(ctx, conn); err != nil {
				return err
			}
		}
	}
}

// notePrimaryChange records a change id seen on the primary; ids only grow.
func (s *Store) notePrimaryChange(id int64) {
	for {
		cur := s.primaryChange.Load()
		if id <= cur || s.primaryChange.CompareAndSwap(cur, id) {
			return
		}
	}
}

// listenConn opens the watcher's own connection. A timed-out wait only sets a deadline
// on the socket instead of sending the server a cancel request, so polling every
// UpdateFrequency costs no extra connections.
func (s *Store) listenConn(ctx context.Context) (*pgx.Conn, error) {
	pc, err := s.cfg.poolConfig(s.cfg.DSN)
	if err != nil {
		return nil, err
	}
	cc := pc.ConnConfig
	cc.BuildContextWatcherHandler = func(c *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.DeadlineContextWatcherHandler{Conn: c.Conn()}
	}
	conn, err := pgx.ConnectConfig(ctx, cc)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	return conn, nil
}

func newestChange(ctx context.Context, conn *pgx.Conn) (int64, error) {
	var id int64
	if err := conn.QueryRow(ctx, "SELECT coalesce(max(id), 0) FROM weir_changes").Scan(&id); err != nil {
		return 0, fmt.Errorf("read change table: %w", err)
	}
	return id, nil
}

// pruneChanges drops old change rows, always keeping the newest so its id never goes
// back.
func pruneChanges(ctx context.Context, conn *pgx.Conn) error {
	_, err := conn.Exec(ctx, `DELETE FROM weir_changes WHERE at < now() - interval '`+changeRetention+`'
		AND id < (SELECT max(id) FROM weir_changes)`)
	if err != nil {
		return fmt.Errorf("prune change table: %w", err)
	}
	return nil
}
