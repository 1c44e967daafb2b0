package httplog

import (
	"bytes"
	"fmt"
	"math"
	"time"
)

// queueConfig is Kong's queue record (kong/tools/queue_schema.lua); durations are in
// (fractional) seconds, as in Kong.
type queueConfig struct {
	MaxBatchSize       int     `json:"max_batch_size" default:"1" validate:"min=1,max=1000000"`
	MaxCoalescingDelay float64 `json:"max_coalescing_delay" default:"1" validate:"min=0,max=3600"`
	MaxEntries         int     `json:"max_entries" default:"10000" validate:"min=1,max=1000000"`
	MaxBytes           *int    `json:"max_bytes"`
	MaxRetryTime       float64 `json:"max_retry_time" default:"60"`
	InitialRetryDelay  float64 `json:"initial_retry_delay" default:"0.01" validate:"min=0.001,max=1000000"`
	MaxRetryDelay      float64 `json:"max_retry_delay" default:"60" validate:"min=0.001,max=1000000"`
	ConcurrencyLimit   int     `json:"concurrency_limit" default:"1"`
}

// coalesceMin is Kong's COALESCE_MIN_TIME: with less than this left of the coalescing
// delay, a batch goes at once.
const coalesceMin = 50 * time.Millisecond

// queue holds the serialized entries of one plugin configuration on one instance, and
// the batch being sent. It is Kong's queue (kong/tools/queue.lua) driven by the
// proxy-wasm callbacks instead of a timer: entries are batched up to max_batch_size or
// until max_coalescing_delay has passed since the oldest one, one batch is in flight
// at a time, a failed batch is retried with exponential backoff for up to
// max_retry_time, and a full queue drops its oldest entries.
type queue struct {
	cfg     *queueConfig
	entries [][]byte
	bytes   int
	// since is when the oldest waiting entry was queued.
	since time.Time
	// dropping is set once entries were dropped, until a batch is taken again.
	dropping bool
	// inflight is the batch being sent (or waiting for its retry); nil when none.
	inflight *batch
	// loose are the entries sent on their own with concurrency_limit -1 (no queue).
	loose []*batch
}

// batch is a set of entries on its way, with its retry state.
type batch struct {
	body    []byte
	count   int
	started time.Time
	retries int
	// retryAt is when a failed batch is sent again; zero while a send is under way.
	retryAt time.Time
}

// enqueue adds an entry, making room as Kong does. It returns the messages to log at
// error level (entries lost), if any.
func (q *queue) enqueue(entry []byte, now time.Time) []string {
	var errs []string
	if len(q.entries) >= q.cfg.MaxEntries {
		if !q.dropping {
			errs = append(errs, "queue full, dropping old entries until processing is successful again")
		}
		q.dropOldest()
		q.dropping = true
	}
	if max := q.cfg.MaxBytes; max != nil {
		if len(entry) > *max {
			return append(errs, fmt.Sprintf("string to be queued is longer (%d bytes) than the queue's max_bytes (%d bytes)", len(entry), *max))
		}
		dropped := 0
		for q.bytes+len(entry) > *max {
			q.dropOldest()
			dropped++
		}
		if dropped > 0 {
			q.dropping = true
			errs = append(errs, fmt.Sprintf("byte capacity exceeded, %d queue entries were dropped", dropped))
		}
	}
	if len(q.entries) == 0 {
		q.since = now
	}
	q.entries = append(q.entries, entry)
	q.bytes += len(entry)
	return errs
}

func (q *queue) dropOldest() {
	q.bytes -= len(q.entries[0])
	q.entries[0] = nil
	q.entries = q.entries[1:]
}

// ready says whether a batch should be taken now: none is in flight, and the queue
// holds a full batch or its oldest entry waited out the coalescing delay.
func (q *queue) ready(now time.Time) bool {
	if q.inflight != nil || len(q.entries) == 0 {
		return false
	}
	return len(q.entries) >= q.cfg.MaxBatchSize || q.coalesceLeft(now) < coalesceMin
}

func (q *queue) coalesceLeft(now time.Time) time.Duration {
	return seconds(q.cfg.MaxCoalescingDelay) - now.Sub(q.since)
}

// take removes the next batch from the queue and makes it the one in flight.
func (q *queue) take(now time.Time) *batch {
	n := min(len(q.entries), q.cfg.MaxBatchSize)
	b := &batch{body: payload(q.entries[:n], q.cfg.MaxBatchSize == 1), count: n, started: now}
	for range n {
		q.dropOldest()
	}
	q.since = now
	q.dropping = false
	q.inflight = b
	return b
}

// single makes an entry its own batch, sent at once with concurrency_limit -1.
func (q *queue) single(entry []byte, now time.Time) *batch {
	b := &batch{body: payload([][]byte{entry}, q.cfg.MaxBatchSize == 1), count: 1, started: now}
	q.loose = append(q.loose, b)
	return b
}

// done forgets a batch that was sent, or given up.
func (q *queue) done(b *batch) {
	if q.inflight == b {
		q.inflight = nil
		return
	}
	for i, l := range q.loose {
		if l == b {
			q.loose = append(q.loose[:i], q.loose[i+1:]...)
			return
		}
	}
}

// failed settles a failed send of b: it is given up (true) once max_retry_time has
// passed since it was first sent, else its retry is scheduled.
func (q *queue) failed(b *batch, now time.Time) (giveUp bool) {
	if now.Sub(b.started) > seconds(q.cfg.MaxRetryTime) {
		q.done(b)
		return true
	}
	delay := math.Min(q.cfg.MaxRetryDelay, math.Pow(2, float64(b.retries))*q.cfg.InitialRetryDelay)
	b.retries++
	b.retryAt = now.Add(seconds(delay))
	return false
}

// due lists the batches whose retry has fallen due, marking them as being sent.
func (q *queue) due(now time.Time) []*batch {
	var out []*batch
	for _, b := range append([]*batch{q.inflight}, q.loose...) {
		if b != nil && !b.retryAt.IsZero() && !now.Before(b.retryAt) {
			b.retryAt = time.Time{}
			out = append(out, b)
		}
	}
	return out
}

// next is when the queue next needs attention (a retry falls due, a batch's coalescing
// delay runs out); zero when it only waits for answers or for entries.
func (q *queue) next() time.Time {
	var at time.Time
	earliest := func(t time.Time) {
		if !t.IsZero() && (at.IsZero() || t.Before(at)) {
			at = t
		}
	}
	for _, b := range append([]*batch{q.inflight}, q.loose...) {
		if b != nil {
			earliest(b.retryAt)
		}
	}
	if q.inflight == nil && len(q.entries) > 0 {
		earliest(q.since.Add(seconds(q.cfg.MaxCoalescingDelay) - coalesceMin))
	}
	return at
}

// payload is the body of a batch: the entry itself when batches hold one entry, as
// Kong sends it, else a JSON array of the entries.
func payload(entries [][]byte, single bool) []byte {
	if single {
		return entries[0]
	}
	var b bytes.Buffer
	b.WriteByte('[')
	for i, e := range entries {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(e)
	}
	b.WriteByte(']')
	return b.Bytes()
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
