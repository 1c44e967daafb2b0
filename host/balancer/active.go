package balancer

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"sync"
	"time"
)

// startActive runs the upstream's active checks until stop: every healthy.interval it
// probes the healthy targets, every unhealthy.interval the unhealthy ones (an interval
// of 0 leaves those alone).
func (b *Balancer) startActive() {
	b.stop, b.done = make(chan struct{}), make(chan struct{})
	if !b.checks.activeOn() {
		close(b.done)
		return
	}
	a := &b.checks.Active
	timeout := time.Duration(a.Timeout * float64(time.Second))
	if timeout <= 0 {
		timeout = time.Second
	}
	client := &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			TLSClientConfig:   &tls.Config{InsecureSkipVerify: !a.HTTPSVerifyCertificate, ServerName: deref(a.HTTPSSNI)}, //nolint:gosec // Kong's https_verify_certificate=false
			DisableKeepAlives: true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	go func() {
		defer close(b.done)
		defer client.CloseIdleConnections()
		healthyEvery := seconds(a.Healthy.Interval)
		unhealthyEvery := seconds(a.Unhealthy.Interval)
		tick := time.NewTicker(min(nonZero(healthyEvery), nonZero(unhealthyEvery)))
		defer tick.Stop()
		var lastHealthy, lastUnhealthy time.Time
		for {
			select {
			case <-b.stop:
				return
			case now := <-tick.C:
				probeHealthy := healthyEvery > 0 && now.Sub(lastHealthy) >= healthyEvery
				probeUnhealthy := unhealthyEvery > 0 && now.Sub(lastUnhealthy) >= unhealthyEvery
				if probeHealthy {
					lastHealthy = now
				}
				if probeUnhealthy {
					lastUnhealthy = now
				}
				b.probeAll(client, timeout, probeHealthy, probeUnhealthy)
			}
		}
	}()
}

// probeAll probes the targets due, at most `concurrency` at a time, and waits for them.
func (b *Balancer) probeAll(client *http.Client, timeout time.Duration, healthy, unhealthy bool) {
	sem := make(chan struct{}, max(1, b.checks.Active.Concurrency))
	var wg sync.WaitGroup
	for _, t := range b.targets {
		if !(t.Healthy() && healthy || !t.Healthy() && unhealthy) {
			continue
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			o, status := b.probe(client, t, timeout)
			if t.health.record(b.active, o, status) {
				b.transitioned(t, false)
			}
		}()
	}
	wg.Wait()
}

// probe checks one target: a TCP connect, or a GET of http_path.
func (b *Balancer) probe(client *http.Client, t *Target, timeout time.Duration) (Outcome, int) {
	a := &b.checks.Active
	if a.Type == "tcp" {
		c, err := net.DialTimeout("tcp", t.Addr, timeout)
		if err != nil {
			return failure(err), 0
		}
		_ = c.Close()
		return HTTPStatus, firstOr(a.Healthy.HTTPStatuses, 200)
	}
	scheme := "http"
	if a.Type == "https" || a.Type == "grpcs" {
		scheme = "https"
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, scheme+"://"+t.Addr+a.HTTPPath, nil)
	if err != nil {
		return TCPFailure, 0
	}
	for name, values := range a.Headers {
		for _, v := range values {
			req.Header.Add(name, v)
		}
	}
	resp, err := client.Do(req)
	if err != nil {
		return failure(err), 0
	}
	_ = resp.Body.Close()
	return HTTPStatus, resp.StatusCode
}

// failure classifies a connection error.
func failure(err error) Outcome {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded) {
		return Timeout
	}
	return TCPFailure
}

// Close stops the active checks.
func (b *Balancer) Close() {
	if b.stop == nil {
		return
	}
	select {
	case <-b.stop:
	default:
		close(b.stop)
	}
	<-b.done
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

func nonZero(d time.Duration) time.Duration {
	if d <= 0 {
		return time.Hour
	}
	return d
}

func firstOr(list []int, v int) int {
	if len(list) > 0 {
		return list[0]
	}
	return v
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
