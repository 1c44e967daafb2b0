package host

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/weir-gateway/weir/host/balancer"
	"github.com/weir-gateway/weir/store"
)

// sharedHealth shares the targets' health with the other nodes on the same database,
// when the store offers store.HealthStates: this node's transitions are written there,
// and the transitions other nodes wrote are adopted (balancer.Registry.Adopt has the
// rules). It runs one goroutine, which does both, so a slow database never blocks the
// checks: transitions wait in a queue, dropped when it is full.
type sharedHealth struct {
	states    store.HealthStates
	balancers *balancer.Registry
	node      string
	logger    *slog.Logger
	queue     chan balancer.Transition

	mu sync.Mutex
	// known is the latest state read per (upstream, address), applied again after
	// every configuration change so a balancer built later picks it up.
	known map[[2]string]balancer.Transition
	seq   int64

	stop context.CancelFunc
	done chan struct{}
}

// healthQueue bounds the transitions waiting to be written.
const healthQueue = 1024

func newSharedHealth(states store.HealthStates, balancers *balancer.Registry, node string, logger *slog.Logger) *sharedHealth {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &sharedHealth{states: states, balancers: balancers, node: node, logger: logger,
		queue: make(chan balancer.Transition, healthQueue), known: map[[2]string]balancer.Transition{}}
	balancers.OnTransition(s.publish)
	return s
}

// publish queues one of this node's transitions; it never blocks.
func (s *sharedHealth) publish(tr balancer.Transition) {
	select {
	case s.queue <- tr:
	default:
		s.logger.Warn("health state not shared: too many transitions waiting", "upstream_id", tr.UpstreamID, "target", tr.Addr)
	}
}

// start reads the states the other nodes wrote so far, then keeps writing and reading
// until close.
func (s *sharedHealth) start(ctx context.Context) {
	ctx, s.stop = context.WithCancel(context.WithoutCancel(ctx))
	s.done = make(chan struct{})
	s.read(ctx)
	go func() {
		defer close(s.done)
		for {
			select {
			case <-ctx.Done():
				return
			case tr := <-s.queue:
				s.write(ctx, tr)
			case <-s.states.HealthChanges():
				s.read(ctx)
			}
		}
	}()
}

func (s *sharedHealth) close() {
	if s.stop != nil {
		s.stop()
		<-s.done
	}
}

func (s *sharedHealth) write(ctx context.Context, tr balancer.Transition) {
	st := store.HealthState{UpstreamID: tr.UpstreamID, Address: tr.Addr, State: balancer.Unhealthy,
		Node: s.node, Manual: tr.Manual, At: tr.At}
	if tr.Healthy {
		st.State = balancer.Healthy
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := s.states.PutHealthState(ctx, st); err != nil && ctx.Err() == nil {
		s.logger.Warn("health state not shared", "upstream_id", tr.UpstreamID, "target", tr.Addr, "state", st.State, "error", err)
	}
}

// read adopts the states written since the last read.
func (s *sharedHealth) read(ctx context.Context) {
	s.mu.Lock()
	seq := s.seq
	s.mu.Unlock()
	states, next, err := s.states.HealthStatesSince(ctx, seq)
	if err != nil {
		if ctx.Err() == nil {
			s.logger.Warn("could not read the shared health states", "error", err)
		}
		return
	}
	s.mu.Lock()
	s.seq = next
	type adoption struct {
		tr balancer.Transition
		st store.HealthState
	}
	var fresh []adoption
	for _, st := range states {
		if st.State != balancer.Healthy && st.State != balancer.Unhealthy {
			continue
		}
		tr := balancer.Transition{UpstreamID: st.UpstreamID, Addr: st.Address, Healthy: st.State == balancer.Healthy,
			Manual: st.Manual, At: st.At}
		s.known[[2]string{st.UpstreamID, st.Address}] = tr
		fresh = append(fresh, adoption{tr, st})
	}
	s.mu.Unlock()
	for _, a := range fresh {
		if s.balancers.Adopt(a.tr) {
			s.logger.Info("target health changed by another node", "upstream_id", a.st.UpstreamID, "target", a.st.Address,
				"state", a.st.State, "node", a.st.Node, "manual", a.st.Manual)
		}
	}
}

// reapply offers every known state again, after the balancers were rebuilt; what is
// not newer than a target's own state changes nothing.
func (s *sharedHealth) reapply() {
	s.mu.Lock()
	all := make([]balancer.Transition, 0, len(s.known))
	for _, tr := range s.known {
		all = append(all, tr)
	}
	s.mu.Unlock()
	for _, tr := range all {
		s.balancers.Adopt(tr)
	}
}
