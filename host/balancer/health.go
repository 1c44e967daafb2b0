package balancer

import (
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Health states reported by GET /upstreams/{u}/health, as Kong names them.
const (
	Healthy         = "HEALTHY"
	Unhealthy       = "UNHEALTHY"
	HealthChecksOff = "HEALTHCHECKS_OFF"
)

// Healthchecks is an upstream's healthchecks record (store.Upstream.Healthchecks).
type Healthchecks struct {
	Active struct {
		Type                   string              `json:"type"`
		Timeout                float64             `json:"timeout"`
		Concurrency            int                 `json:"concurrency"`
		HTTPPath               string              `json:"http_path"`
		HTTPSSNI               *string             `json:"https_sni"`
		HTTPSVerifyCertificate bool                `json:"https_verify_certificate"`
		Headers                map[string][]string `json:"headers"`
		Healthy                struct {
			Interval     float64 `json:"interval"`
			HTTPStatuses []int   `json:"http_statuses"`
			Successes    int     `json:"successes"`
		} `json:"healthy"`
		Unhealthy struct {
			Interval     float64 `json:"interval"`
			HTTPStatuses []int   `json:"http_statuses"`
			TCPFailures  int     `json:"tcp_failures"`
			Timeouts     int     `json:"timeouts"`
			HTTPFailures int     `json:"http_failures"`
		} `json:"unhealthy"`
	} `json:"active"`
	Passive struct {
		Type    string `json:"type"`
		Healthy struct {
			HTTPStatuses []int `json:"http_statuses"`
			Successes    int   `json:"successes"`
		} `json:"healthy"`
		Unhealthy struct {
			HTTPStatuses []int `json:"http_statuses"`
			TCPFailures  int   `json:"tcp_failures"`
			Timeouts     int   `json:"timeouts"`
			HTTPFailures int   `json:"http_failures"`
		} `json:"unhealthy"`
	} `json:"passive"`
	Threshold float64 `json:"threshold"`
}

func parseHealthchecks(raw json.RawMessage) (*Healthchecks, error) {
	hc := &Healthchecks{}
	if len(raw) == 0 {
		return hc, nil
	}
	if err := json.Unmarshal(raw, hc); err != nil {
		return nil, fmt.Errorf("healthchecks: %w", err)
	}
	return hc, nil
}

// activeOn: Kong probes when either interval is set.
func (h *Healthchecks) activeOn() bool {
	return h.Active.Healthy.Interval > 0 || h.Active.Unhealthy.Interval > 0
}

// passiveOn: passive checks count only when a threshold is set.
func (h *Healthchecks) passiveOn() bool {
	u := h.Passive.Unhealthy
	return u.TCPFailures > 0 || u.Timeouts > 0 || u.HTTPFailures > 0 || h.Passive.Healthy.Successes > 0
}

// Outcome is what one request to (or probe of) a target gave.
type Outcome int

// Outcomes.
const (
	TCPFailure Outcome = iota
	Timeout
	HTTPStatus
)

// rules are one kind of check's thresholds (active or passive).
type rules struct {
	healthyStatuses, unhealthyStatuses []int
	successes                          int
	tcpFailures, timeouts, httpFailure int
}

func (h *Healthchecks) activeRules() rules {
	a := h.Active
	return rules{a.Healthy.HTTPStatuses, a.Unhealthy.HTTPStatuses, a.Healthy.Successes,
		a.Unhealthy.TCPFailures, a.Unhealthy.Timeouts, a.Unhealthy.HTTPFailures}
}

func (h *Healthchecks) passiveRules() rules {
	p := h.Passive
	return rules{p.Healthy.HTTPStatuses, p.Unhealthy.HTTPStatuses, p.Healthy.Successes,
		p.Unhealthy.TCPFailures, p.Unhealthy.Timeouts, p.Unhealthy.HTTPFailures}
}

// health is one target's state: counters of consecutive results, as Kong's
// lua-resty-healthcheck keeps them. A success resets the failure counters and a
// failure the success counter; a counter reaching its (non-zero) threshold flips the
// state.
type health struct {
	unhealthy atomic.Bool

	mu                                      sync.Mutex
	successes, tcpFailures, timeouts, httpF int
	// changed is when the state last changed: here, or on the node it was adopted
	// from (see shared.go); zero before any change.
	changed time.Time
	// checked is when this node's own checks last changed it.
	checked time.Time
}

// record applies one outcome under r; it reports whether the state changed.
func (h *health) record(r rules, o Outcome, status int) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	was := h.unhealthy.Load()
	switch {
	case o == TCPFailure:
		h.successes = 0
		h.tcpFailures++
		if r.tcpFailures > 0 && h.tcpFailures >= r.tcpFailures {
			h.unhealthy.Store(true)
		}
	case o == Timeout:
		h.successes = 0
		h.timeouts++
		if r.timeouts > 0 && h.timeouts >= r.timeouts {
			h.unhealthy.Store(true)
		}
	case slices.Contains(r.unhealthyStatuses, status):
		h.successes = 0
		h.httpF++
		if r.httpFailure > 0 && h.httpF >= r.httpFailure {
			h.unhealthy.Store(true)
		}
	case slices.Contains(r.healthyStatuses, status):
		h.tcpFailures, h.timeouts, h.httpF = 0, 0, 0
		h.successes++
		if r.successes > 0 && h.successes >= r.successes {
			h.unhealthy.Store(false)
		}
	}
	if was == h.unhealthy.Load() {
		return false
	}
	h.changed = now()
	h.checked = h.changed
	return true
}

// set forces a state (the Admin API's healthy/unhealthy endpoints) and clears counters.
func (h *health) set(healthy bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.successes, h.tcpFailures, h.timeouts, h.httpF = 0, 0, 0, 0
	h.unhealthy.Store(!healthy)
	h.changed = now()
}
