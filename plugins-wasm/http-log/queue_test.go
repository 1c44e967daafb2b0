package httplog

import (
	"strings"
	"testing"
	"time"
)

func newQueue(mod func(*queueConfig)) *queue {
	c := &queueConfig{MaxBatchSize: 1, MaxCoalescingDelay: 1, MaxEntries: 10000, MaxRetryTime: 60,
		InitialRetryDelay: 0.01, MaxRetryDelay: 60, ConcurrencyLimit: 1}
	if mod != nil {
		mod(c)
	}
	return &queue{cfg: c}
}

func TestQueueBatches(t *testing.T) {
	t0 := time.Unix(1000, 0)
	q := newQueue(func(c *queueConfig) { c.MaxBatchSize = 3 })
	q.enqueue([]byte(`{"a":1}`), t0)
	q.enqueue([]byte(`{"a":2}`), t0)
	if q.ready(t0.Add(500 * time.Millisecond)) {
		t.Fatal("a batch of 2 of 3 went before the coalescing delay")
	}
	if got, want := q.next(), t0.Add(950*time.Millisecond); !got.Equal(want) {
		t.Fatalf("next = %v, want %v", got, want)
	}
	if !q.ready(t0.Add(960 * time.Millisecond)) {
		t.Fatal("the batch did not go once the coalescing delay ran out")
	}
	q.enqueue([]byte(`{"a":3}`), t0)
	q.enqueue([]byte(`{"a":4}`), t0)
	b := q.take(t0)
	if string(b.body) != `[{"a":1},{"a":2},{"a":3}]` || b.count != 3 || len(q.entries) != 1 {
		t.Fatalf("batch %s (%d), %d left", b.body, b.count, len(q.entries))
	}
	if q.ready(t0.Add(time.Hour)) {
		t.Fatal("a second batch while one is in flight")
	}
	q.done(b)
	if !q.ready(t0.Add(time.Hour)) {
		t.Fatal("the rest did not go after the batch was sent")
	}
}

func TestQueueSingleEntryBody(t *testing.T) {
	q := newQueue(nil)
	q.enqueue([]byte(`{"a":1}`), time.Now())
	if !q.ready(time.Now()) {
		t.Fatal("a full batch of one is not ready")
	}
	if b := q.take(time.Now()); string(b.body) != `{"a":1}` {
		t.Fatalf("body %s, want the object itself", b.body)
	}
}

func TestQueueRetries(t *testing.T) {
	t0 := time.Unix(1000, 0)
	q := newQueue(func(c *queueConfig) { c.MaxRetryTime = 1; c.InitialRetryDelay = 0.1; c.MaxRetryDelay = 0.3 })
	q.enqueue([]byte(`{}`), t0)
	b := q.take(t0)
	now := t0
	var delays []time.Duration
	for !q.failed(b, now) {
		delays = append(delays, b.retryAt.Sub(now))
		if due := q.due(b.retryAt); len(due) != 1 || due[0] != b {
			t.Fatal("the retry is not due at its time")
		}
		now = now.Add(delays[len(delays)-1])
	}
	want := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 300 * time.Millisecond, 300 * time.Millisecond, 300 * time.Millisecond}
	if len(delays) != len(want) {
		t.Fatalf("delays %v, want %v", delays, want)
	}
	for i := range want {
		if delays[i] != want[i] {
			t.Fatalf("delays %v, want %v", delays, want)
		}
	}
	if q.inflight != nil {
		t.Fatal("a given-up batch is still in flight")
	}
}

func TestQueueDrops(t *testing.T) {
	q := newQueue(func(c *queueConfig) { c.MaxEntries = 2 })
	now := time.Now()
	q.enqueue([]byte("1"), now)
	q.enqueue([]byte("2"), now)
	if errs := q.enqueue([]byte("3"), now); len(errs) != 1 || !strings.Contains(errs[0], "queue full") {
		t.Fatalf("errors %v", errs)
	}
	if errs := q.enqueue([]byte("4"), now); len(errs) != 0 {
		t.Fatalf("the drop was reported twice: %v", errs)
	}
	if string(q.entries[0]) != "3" || string(q.entries[1]) != "4" {
		t.Fatalf("entries %q, want the newest two", q.entries)
	}
	max := 5
	q = newQueue(func(c *queueConfig) { c.MaxBytes = &max })
	q.enqueue([]byte("aaa"), now)
	if errs := q.enqueue([]byte("bbbbbb"), now); len(errs) != 1 || !strings.Contains(errs[0], "longer") {
		t.Fatalf("errors %v", errs)
	}
	if errs := q.enqueue([]byte("cc c"), now); len(errs) != 1 || !strings.Contains(errs[0], "1 queue entries were dropped") {
		t.Fatalf("errors %v", errs)
	}
}

func TestParseEndpoint(t *testing.T) {
	tests := []struct {
		in                              string
		upstream, authority, path, auth string
	}{
		{"http://127.0.0.1:9000/log", "127.0.0.1:9000", "127.0.0.1:9000", "/log", ""},
		{"http://logs.example", "logs.example:80", "logs.example", "/", ""},
		{"https://u:p@logs.example/a?b=1", "logs.example:443", "logs.example", "/a?b=1", "Basic dTpw"},
		{"HTTP://h:8080?x", "h:8080", "h:8080", "/?x", ""},
	}
	for _, tt := range tests {
		ep, err := parseEndpoint(tt.in)
		if err != nil {
			t.Fatalf("%s: %v", tt.in, err)
		}
		if ep.upstream != tt.upstream || ep.authority != tt.authority || ep.path != tt.path || ep.auth != tt.auth {
			t.Errorf("%s: %+v", tt.in, ep)
		}
	}
	for _, bad := range []string{"ftp://h/", "h:80", "http://:80/", "http://h:0/"} {
		if _, err := parseEndpoint(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}
