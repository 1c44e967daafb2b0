package balancer

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/weir-gateway/weir/store"
)

// Registry keeps one Balancer per upstream across configuration changes.
type Registry struct {
	mu     sync.Mutex
	byID   map[string]*entry
	byName map[string]*Balancer
	// notify and activeOff: see shared.go.
	notify    func(Transition)
	activeOff bool
}

type entry struct {
	balancer *Balancer
	// config is the upstream and its targets as JSON: a change rebuilds the balancer.
	config string
}

// NewRegistry makes an empty registry.
func NewRegistry() *Registry {
	return &Registry{byID: map[string]*entry{}, byName: map[string]*Balancer{}}
}

// Update makes the registry match the dataset's upstreams and targets: new and changed
// upstreams get a fresh balancer (keeping the health of the targets they keep), removed
// ones stop their checks. It returns the balancers by upstream name, for a snapshot.
func (r *Registry) Update(upstreams []store.Upstream, targets []store.Target) (map[string]*Balancer, error) {
	byUpstream := map[string][]store.Target{}
	for _, t := range targets {
		if t.Upstream != nil {
			byUpstream[t.Upstream.ID] = append(byUpstream[t.Upstream.ID], t)
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	next := make(map[string]*entry, len(upstreams))
	byName := make(map[string]*Balancer, len(upstreams))
	var retired []*Balancer
	for i := range upstreams {
		u := &upstreams[i]
		config, err := json.Marshal(struct {
			U *store.Upstream
			T []store.Target
		}{u, byUpstream[u.ID]})
		if err != nil {
			return nil, fmt.Errorf("upstream %s: %w", u.Name, err)
		}
		old := r.byID[u.ID]
		if old != nil && old.config == string(config) {
			next[u.ID] = old
			byName[u.Name] = old.balancer
			continue
		}
		var prior map[string]*health
		if old != nil {
			prior = map[string]*health{}
			for _, t := range old.balancer.targets {
				prior[t.Addr] = t.health
			}
			retired = append(retired, old.balancer)
		}
		b, err := newBalancer(u, byUpstream[u.ID], prior)
		if err != nil {
			for id, e := range next {
				if r.byID[id] != e { // started in this call: nothing else holds it
					e.balancer.Close()
				}
			}
			return nil, err
		}
		b.notify = r.notify
		if !r.activeOff {
			b.startActive()
		}
		next[u.ID] = &entry{balancer: b, config: string(config)}
		byName[u.Name] = b
	}
	for id, old := range r.byID {
		if next[id] == nil {
			retired = append(retired, old.balancer)
		}
	}
	r.byID, r.byName = next, byName
	for _, b := range retired {
		b.Close()
	}
	return byName, nil
}

// Health reports the targets' health of the upstream with that id, by address; nil when
// the registry has no such upstream.
func (r *Registry) Health(upstreamID string) map[string]string {
	r.mu.Lock()
	e := r.byID[upstreamID]
	r.mu.Unlock()
	if e == nil {
		return nil
	}
	return e.balancer.HealthOf()
}

// SetHealth overrides the health of the target at addr ("host:port") of the upstream
// with that id, as Kong's PUT .../healthy|unhealthy: an upstream that runs no checks
// has no health to override.
func (r *Registry) SetHealth(upstreamID, addr string, healthy bool) error {
	r.mu.Lock()
	e := r.byID[upstreamID]
	r.mu.Unlock()
	if e == nil {
		return fmt.Errorf("%w: upstream %s", ErrNoHealthchecker, upstreamID)
	}
	b := e.balancer
	if !b.checks.activeOn() && !b.checks.passiveOn() {
		return fmt.Errorf("%w for %s", ErrNoHealthchecker, b.Upstream.Name)
	}
	if !b.SetHealth(addr, healthy) {
		return fmt.Errorf("%w: %s in %s", ErrNoTarget, addr, b.Upstream.Name)
	}
	for _, t := range b.targets {
		if t.Addr == addr {
			b.transitioned(t, true)
		}
	}
	return nil
}

// Errors of SetHealth.
var (
	ErrNoHealthchecker = errors.New("no healthchecker found")
	ErrNoTarget        = errors.New("no such target")
)

// AllHealth reports every upstream's targets by name and address.
func (r *Registry) AllHealth() map[string]map[string]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]map[string]string, len(r.byName))
	for name, b := range r.byName {
		out[name] = b.HealthOf()
	}
	return out
}

// Close stops every balancer's checks.
func (r *Registry) Close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.byID {
		e.balancer.Close()
	}
	r.byID, r.byName = map[string]*entry{}, map[string]*Balancer{}
}
