// Package balancer spreads a service's requests over the targets of the upstream its
// host names, as Kong's ring balancer does: weighted round-robin, consistent hashing on
// a ring of slots, least connections or lowest latency, skipping targets that active or
// passive health checks found unhealthy.
//
// Balancers outlive snapshots: the Registry keeps one per upstream and rebuilds it only
// when the upstream or its targets change, and a rebuilt balancer takes over the health
// of the targets it still has, so a configuration change neither resets health nor
// stops the probes of untouched upstreams.
package balancer

import (
	"errors"
	"fmt"
	"math"
	"net"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/weir-gateway/weir/store"
)

// ErrNoPeer is Kong's "failure to get a peer from the ring-balancer": no target is
// healthy, has weight, and is left to try.
var ErrNoPeer = errors.New("failure to get a peer from the ring-balancer")

// Target is one address of an upstream.
type Target struct {
	ID     string
	Addr   string // host:port
	Host   string
	Port   int
	Weight int

	health   *health
	inflight atomic.Int64
	// ewma is the smoothed response time in ns (latency algorithm), 0 until sampled.
	ewma atomic.Int64
}

// Healthy reports the target's current state.
func (t *Target) Healthy() bool { return !t.health.unhealthy.Load() }

// Balancer balances over one upstream's targets.
type Balancer struct {
	Upstream *store.Upstream
	targets  []*Target // weight > 0, in creation order
	checks   *Healthchecks
	active   rules
	passive  rules

	mu      sync.Mutex
	current []int // smooth weighted round-robin state, per target
	ring    []ringPoint
	// next rotates where scored picks start, so ties spread over the targets.
	next atomic.Uint64

	stop chan struct{}
	done chan struct{}
	// notify, when set, hears of every health transition (see shared.go).
	notify func(Transition)
}

type ringPoint struct {
	hash   uint32
	target int
}

// newBalancer builds a balancer; prior, when not nil, lends the health of targets with
// the same address.
func newBalancer(u *store.Upstream, targets []store.Target, prior map[string]*health) (*Balancer, error) {
	hc, err := parseHealthchecks(u.Healthchecks)
	if err != nil {
		return nil, fmt.Errorf("upstream %s: %w", u.Name, err)
	}
	b := &Balancer{Upstream: u, checks: hc, active: hc.activeRules(), passive: hc.passiveRules()}
	for _, t := range targets {
		if t.Weight <= 0 {
			continue
		}
		addr := Address(t.Target)
		host, portStr, _ := net.SplitHostPort(addr)
		port, _ := strconv.Atoi(portStr)
		h := prior[addr]
		if h == nil {
			h = &health{}
		}
		b.targets = append(b.targets, &Target{ID: t.ID, Addr: addr, Host: host, Port: port, Weight: t.Weight, health: h})
	}
	b.current = make([]int, len(b.targets))
	if u.Algorithm == "consistent-hashing" {
		b.ring = buildRing(b.targets, u.Slots)
	}
	return b, nil
}

// buildRing places each target on a ring of about slots points, in proportion to its
// weight, at positions hashed from its address, so every node builds the same ring
// and adding a target moves only the keys that now land on it.
func buildRing(targets []*Target, slots int) []ringPoint {
	if slots <= 0 {
		slots = 10000
	}
	total := 0
	for _, t := range targets {
		total += t.Weight
	}
	var ring []ringPoint
	for i, t := range targets {
		n := max(1, t.Weight*slots/max(total, 1))
		for k := 0; k < n; k++ {
			ring = append(ring, ringPoint{hash32(t.Addr + "#" + strconv.Itoa(k)), i})
		}
	}
	sort.Slice(ring, func(i, j int) bool { return ring[i].hash < ring[j].hash })
	return ring
}

// Address is a target's "host:port" in canonical form; the port defaults to 8000.
func Address(target string) string {
	host, port, err := net.SplitHostPort(target)
	if err != nil {
		host, port = strings.Trim(target, "[]"), "8000"
	}
	return net.JoinHostPort(host, port)
}

// hash32 is 32-bit FNV-1a, then a final mix so that keys differing only in their last
// bytes spread over the ring; it reads the string in place (no allocation).
func hash32(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	h ^= h >> 16
	h *= 0x85ebca6b
	h ^= h >> 13
	h *= 0xc2b2ae35
	h ^= h >> 16
	return h
}

// Targets lists the targets with weight.
func (b *Balancer) Targets() []*Target { return b.targets }

// Pick chooses a target for one attempt. key is the consistent-hashing value ("" for
// none); tried are the targets this request already failed on. It returns ErrNoPeer
// when none is left, or when the healthy weight is under the upstream's threshold.
func (b *Balancer) Pick(key string, tried []*Target) (*Target, error) {
	if !b.aboveThreshold() {
		return nil, ErrNoPeer
	}
	usable := func(i int) bool {
		t := b.targets[i]
		if !t.Healthy() {
			return false
		}
		for _, x := range tried {
			if x == t {
				return false
			}
		}
		return true
	}
	var i int
	switch {
	case b.Upstream.Algorithm == "consistent-hashing" && key != "":
		i = b.pickHash(key, usable)
	case b.Upstream.Algorithm == "least-connections":
		i = b.pickScored(usable, func(t *Target) float64 { return float64(t.inflight.Load()+1) / float64(t.Weight) })
	case b.Upstream.Algorithm == "latency":
		i = b.pickScored(usable, func(t *Target) float64 {
			return float64(t.ewma.Load()) * float64(t.inflight.Load()+1) / float64(t.Weight)
		})
	default:
		i = b.pickRoundRobin(usable)
	}
	if i < 0 {
		return nil, ErrNoPeer
	}
	return b.targets[i], nil
}

// pickRoundRobin is nginx's smooth weighted round-robin over the usable targets.
func (b *Balancer) pickRoundRobin(usable func(int) bool) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	best, total := -1, 0
	for i, t := range b.targets {
		if !usable(i) {
			continue
		}
		b.current[i] += t.Weight
		total += t.Weight
		if best < 0 || b.current[i] > b.current[best] {
			best = i
		}
	}
	if best >= 0 {
		b.current[best] -= total
	}
	return best
}

// pickHash walks the ring clockwise from the key's hash to the first usable target.
func (b *Balancer) pickHash(key string, usable func(int) bool) int {
	if len(b.ring) == 0 {
		return -1
	}
	h := hash32(key)
	start := sort.Search(len(b.ring), func(i int) bool { return b.ring[i].hash >= h })
	for k := 0; k < len(b.ring); k++ {
		p := b.ring[(start+k)%len(b.ring)]
		if usable(p.target) {
			return p.target
		}
	}
	return -1
}

// pickScored takes the usable target with the lowest score; ties go round-robin, so
// idle targets share the load.
func (b *Balancer) pickScored(usable func(int) bool, score func(*Target) float64) int {
	n := len(b.targets)
	if n == 0 {
		return -1
	}
	start := int(b.next.Add(1) % uint64(n))
	best, bestScore := -1, math.Inf(1)
	for k := 0; k < n; k++ {
		i := (start + k) % n
		if !usable(i) {
			continue
		}
		if s := score(b.targets[i]); s < bestScore {
			best, bestScore = i, s
		}
	}
	return best
}

// aboveThreshold: the healthy share of the weight is at least the upstream's threshold
// (a percentage; 0 means always).
func (b *Balancer) aboveThreshold() bool {
	if b.checks.Threshold <= 0 {
		return true
	}
	total, healthy := 0, 0
	for _, t := range b.targets {
		total += t.Weight
		if t.Healthy() {
			healthy += t.Weight
		}
	}
	return total > 0 && float64(healthy)*100 >= b.checks.Threshold*float64(total)
}

// Start records an attempt on t (least-connections, latency); call Done after it.
func (b *Balancer) Start(t *Target) { t.inflight.Add(1) }

// Done records how an attempt on t went: o and status feed passive health checks,
// elapsed the latency average.
func (b *Balancer) Done(t *Target, o Outcome, status int, elapsed time.Duration) {
	t.inflight.Add(-1)
	if o == HTTPStatus {
		const alpha = 0.3 // weight of the newest sample
		old := t.ewma.Load()
		if old == 0 {
			t.ewma.Store(int64(elapsed))
		} else {
			t.ewma.Store(int64(alpha*float64(elapsed) + (1-alpha)*float64(old)))
		}
	}
	if b.checks.passiveOn() && t.health.record(b.passive, o, status) {
		b.transitioned(t, false)
	}
}

// HealthOf reports each target's state by its address, as GET /upstreams/{u}/health
// shows it.
func (b *Balancer) HealthOf() map[string]string {
	out := make(map[string]string, len(b.targets))
	for _, t := range b.targets {
		switch {
		case !b.checks.activeOn() && !b.checks.passiveOn() && t.Healthy():
			out[t.Addr] = HealthChecksOff
		case t.Healthy():
			out[t.Addr] = Healthy
		default:
			out[t.Addr] = Unhealthy
		}
	}
	return out
}

// SetHealth marks the target at addr healthy or not (the Admin API); false when the
// upstream has no such target.
func (b *Balancer) SetHealth(addr string, healthy bool) bool {
	for _, t := range b.targets {
		if t.Addr == addr {
			t.health.set(healthy)
			return true
		}
	}
	return false
}
