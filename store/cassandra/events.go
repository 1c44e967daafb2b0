package cassandra

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Other nodes learn of changes from cluster_events: every write adds a row to one
// channel's partition, and every node reads the rows of the last eventWindow at each
// db_update_frequency, signalling Changes when it finds one it has not seen from
// another node. Rows expire after a day (the table's default TTL).
//
// Reading a window rather than "rows after the last one seen" tolerates clocks that
// differ between nodes by up to the window and rows that become visible late (a write
// at consistency ONE reaching the polled replica after a later one).

const eventChannel = "invalidations"

// eventWindow is how far back each poll looks: at least half a minute, and several
// polling periods.
func (s *Store) eventWindow() time.Duration {
	return 30*time.Second + 4*s.cfg.UpdateFrequency
}

func (s *Store) publish(ctx context.Context) error {
	return s.sess.Query(`INSERT INTO cluster_events (channel, at, id, node_id) VALUES (?, ?, ?, ?)`,
		eventChannel, time.Now(), uuid.NewString(), s.node).WithContext(ctx).Exec()
}

// poll runs until ctx ends. After (re)connecting it always signals, so a node that was
// cut off from the cluster rebuilds from what is there now; while Cassandra is away the
// proxy keeps its last configuration.
func (s *Store) poll(ctx context.Context) {
	defer close(s.done)
	seen := map[string]time.Time{}
	up := false
	again := false
	for {
		fresh, err := s.readEvents(ctx, seen)
		s.health.signal()
		if err != nil {
			s.lost.Store(true)
		} else if s.lost.Swap(false) {
			fresh = true
		}
		// Below quorum, the rebuild a new event causes may read a replica the change has
		// not reached yet; one more rebuild a period later reads it settled.
		if err == nil && again {
			again, fresh = false, true
		} else if err == nil && fresh && s.weakReads() {
			again = true
		}
		switch {
		case ctx.Err() != nil:
			return
		case err != nil && up:
			s.cfg.Logger.Error("lost the Cassandra connection; the proxy keeps serving its last configuration", "error", err)
			up = false
		case err == nil && !up:
			if len(seen) > 0 || fresh {
				s.cfg.Logger.Info("Cassandra reachable; catching up on changes")
			}
			up = true
			s.signal()
		case err == nil && fresh:
			s.signal()
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(s.cfg.UpdateFrequency):
		}
	}
}

// readEvents reads the window's events, records them in seen, and reports whether one
// came from another node and was new.
func (s *Store) readEvents(ctx context.Context, seen map[string]time.Time) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	window := s.eventWindow()
	iter := s.sess.Query(`SELECT at, id, node_id FROM cluster_events WHERE channel = ? AND at >= ?`,
		eventChannel, time.Now().Add(-window)).WithContext(ctx).PageSize(1000).Iter()
	var at time.Time
	var id, node string
	fresh := false
	for iter.Scan(&at, &id, &node) {
		if _, ok := seen[id]; !ok {
			seen[id] = at
			fresh = fresh || node != s.node
		}
	}
	if err := iter.Close(); err != nil {
		return false, fmt.Errorf("read cluster_events: %w", err)
	}
	for id, t := range seen {
		if time.Since(t) > 2*window {
			delete(seen, id)
		}
	}
	return fresh, nil
}

// weakReads is true when a read may miss a write another node has acknowledged.
func (s *Store) weakReads() bool {
	switch strings.ToUpper(s.cfg.Consistency) {
	case "QUORUM", "LOCAL_QUORUM", "EACH_QUORUM", "ALL":
		return false
	}
	return true
}
