package balancer

import "time"

// Health shared across nodes. Each node runs its own checks; every transition they
// make (and every Admin API override) is handed to the Registry's notify hook, which
// the gateway writes to the store, and transitions other nodes wrote come back through
// Adopt. The rules, also in docs/ARCHITECTURE.md:
//
//   - a transition carries the time its node saw it; a node adopts one only when it is
//     newer than the target's latest change here, so replays and echoes of its own
//     writes change nothing;
//   - adopting resets the target's counters: this node's own checks then move it back
//     when they reach their thresholds, as from any other state, and that is a new
//     transition the others adopt in turn (a target healthy again is seen healthy);
//   - against flapping between nodes that see a target differently, a node keeps its
//     own checks' verdict for Hold: an opposite transition from another node within
//     Hold of it is not adopted. Admin API overrides are always adopted.

// Hold is how long a node's own checks' verdict on a target outweighs other nodes'.
const Hold = 30 * time.Second

// Transition is one change of a target's health.
type Transition struct {
	UpstreamID string
	Addr       string
	Healthy    bool
	// Manual is set for the Admin API's overrides.
	Manual bool
	// At is when it happened, on the clock of the node that saw it.
	At time.Time
}

// now is the time a transition is stamped with: wall clock only, to the microsecond
// (what databases keep), so a transition read back compares equal to the original.
func now() time.Time { return time.Now().Truncate(time.Microsecond) }

// OnTransition sets the hook that hears of every transition of this node's checks
// and overrides; call it before the first Update. fn must not block.
func (r *Registry) OnTransition(fn func(Transition)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.notify = fn
}

// DisableActive stops this node from probing: its targets' health then comes from
// passive checks, overrides and other nodes' transitions. Call it before the first
// Update.
func (r *Registry) DisableActive() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.activeOff = true
}

// transitioned reports t's current state to the notify hook.
func (b *Balancer) transitioned(t *Target, manual bool) {
	if b.notify == nil {
		return
	}
	t.health.mu.Lock()
	at := t.health.changed
	t.health.mu.Unlock()
	b.notify(Transition{UpstreamID: b.Upstream.ID, Addr: t.Addr, Healthy: t.Healthy(), Manual: manual, At: at})
}

// Adopt applies another node's transition under the rules above; it reports whether
// the target's state changed. Upstreams without checks and unknown targets ignore it.
func (r *Registry) Adopt(tr Transition) bool {
	r.mu.Lock()
	e := r.byID[tr.UpstreamID]
	r.mu.Unlock()
	if e == nil {
		return false
	}
	b := e.balancer
	if !b.checks.activeOn() && !b.checks.passiveOn() {
		return false
	}
	for _, t := range b.targets {
		if t.Addr == tr.Addr {
			return t.health.adopt(tr)
		}
	}
	return false
}

func (h *health) adopt(tr Transition) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !tr.At.After(h.changed) {
		return false
	}
	healthy := !h.unhealthy.Load()
	ownVerdict := !h.checked.IsZero() && h.checked.Equal(h.changed)
	if !tr.Manual && ownVerdict && tr.Healthy != healthy && tr.At.Sub(h.checked) < Hold {
		return false
	}
	h.changed = tr.At
	if tr.Healthy == healthy {
		return false
	}
	h.successes, h.tcpFailures, h.timeouts, h.httpF = 0, 0, 0, 0
	h.unhealthy.Store(!tr.Healthy)
	return true
}
