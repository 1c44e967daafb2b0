package pipeline

import (
	"context"
	"crypto/tls"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/weir-gateway/weir/abi"
	"github.com/weir-gateway/weir/store"
)

// fnRateLimitIncrement is the rate-limiting plugin's cluster and redis policies: it adds
// one to a set of counters in the database or in a Redis server and answers each
// counter's value just after (see docs/foreign-functions.md).
const fnRateLimitIncrement = "weir.ratelimit_increment"

// Database counters are group-committed: while one batch is being written, the
// increments that arrive wait and go together in the next (see counterBatcher).
const (
	counterTimeout = 5 * time.Second
	// counterPurgeEvery is how often expired windows are dropped from the database.
	counterPurgeEvery = time.Minute
)

type rateLimitKey struct {
	Key    string `json:"key"`
	Period string `json:"period"`
	// Start is the window's start, in seconds since the epoch.
	Start int64 `json:"start"`
}

// redisConfig is the plugin's redis record (Kong 3.9's shape).
type redisConfig struct {
	Host       string `json:"host"`
	Port       int    `json:"port"`
	Timeout    int    `json:"timeout"`
	Username   string `json:"username"`
	Password   string `json:"password"`
	Database   int    `json:"database"`
	SSL        bool   `json:"ssl"`
	SSLVerify  bool   `json:"ssl_verify"`
	ServerName string `json:"server_name"`
}

type rateLimitArgs struct {
	Keys  []rateLimitKey `json:"keys"`
	Redis *redisConfig   `json:"redis"`
}

type rateLimitResult struct {
	Values []int64 `json:"values"`
}

// rateLimiters is the state behind weir.ratelimit_increment, built on first use.
type rateLimiters struct {
	once    sync.Once
	batch   *counterBatcher
	redisMu sync.Mutex
	redis   map[redisConfig]*redis.Client
}

func (s *Services) rateLimitIncrement(e *Exchange, a *rateLimitArgs) (any, abi.Status) {
	keys := make([]store.CounterKey, len(a.Keys))
	for i, k := range a.Keys {
		start := time.Unix(k.Start, 0).UTC()
		end, ok := windowEnd(k.Period, start)
		if !ok || k.Key == "" {
			return nil, abi.StatusBadArgument
		}
		keys[i] = store.CounterKey{Key: k.Key, Period: k.Period, Start: start, Expires: end}
	}
	s.rl.once.Do(func() {
		if s.Counters != nil {
			s.rl.batch = &counterBatcher{store: s.Counters}
		}
		s.rl.redis = map[redisConfig]*redis.Client{}
	})
	var (
		values []int64
		err    error
	)
	switch {
	case a.Redis != nil:
		values, err = s.redisIncrement(*a.Redis, keys)
	case s.rl.batch == nil:
		return nil, abi.StatusNotFound // this store keeps no counters
	default:
		values, err = s.rl.batch.increment(keys)
	}
	if err != nil {
		s.Logger.Error("rate-limiting counters", "error", err)
		return nil, abi.StatusInternalFailure
	}
	return rateLimitResult{Values: values}, abi.StatusOK
}

// windowEnd is when the fixed calendar window of period starting at start ends (UTC).
func windowEnd(period string, start time.Time) (time.Time, bool) {
	switch period {
	case "second":
		return start.Add(time.Second), true
	case "minute":
		return start.Add(time.Minute), true
	case "hour":
		return start.Add(time.Hour), true
	case "day":
		return start.AddDate(0, 0, 1), true
	case "month":
		return start.AddDate(0, 1, 0), true
	case "year":
		return start.AddDate(1, 0, 0), true
	}
	return time.Time{}, false
}

// counterBatcher coalesces concurrent increments into one store call (group commit):
// the caller that finds no batch being written writes the pending ones at once; what
// gathers meanwhile is written next, by a goroutine the writer hands over to, until
// nothing is pending. An idle node pays no delay, a busy one writes one batch per
// round trip to the database.
type counterBatcher struct {
	store     store.Counters
	mu        sync.Mutex
	pending   []*counterCall
	writing   bool
	lastPurge time.Time
}

type counterCall struct {
	inc    store.CounterIncrement
	done   chan struct{}
	values []int64
	err    error
}

// increment adds its keys to the next batch and waits for their values.
func (b *counterBatcher) increment(keys []store.CounterKey) ([]int64, error) {
	c := &counterCall{inc: store.CounterIncrement{Keys: keys, Delta: 1}, done: make(chan struct{})}
	b.mu.Lock()
	b.pending = append(b.pending, c)
	lead := !b.writing
	b.writing = true
	b.mu.Unlock()
	if lead {
		b.write(true)
	}
	<-c.done
	return c.values, c.err
}

// write writes the pending batches until none is left; first writes one (the caller's
// own) and hands the rest to a goroutine, so no caller waits for others' batches.
func (b *counterBatcher) write(first bool) {
	for {
		b.mu.Lock()
		if len(b.pending) == 0 {
			b.writing = false
			purge := time.Since(b.lastPurge) > counterPurgeEvery
			if purge {
				b.lastPurge = time.Now()
			}
			b.mu.Unlock()
			if purge {
				go b.purge()
			}
			return
		}
		batch := b.pending
		b.pending = nil
		b.mu.Unlock()
		b.flush(batch)
		if first {
			go b.write(false)
			return
		}
	}
}

func (b *counterBatcher) flush(batch []*counterCall) {
	incs := make([]store.CounterIncrement, len(batch))
	for i, c := range batch {
		incs[i] = c.inc
	}
	ctx, cancel := context.WithTimeout(context.Background(), counterTimeout)
	defer cancel()
	values, err := b.store.IncrementCounters(ctx, incs)
	for i, c := range batch {
		if err != nil {
			c.err = err
		} else {
			c.values = values[i]
		}
		close(c.done)
	}
}

func (b *counterBatcher) purge() {
	ctx, cancel := context.WithTimeout(context.Background(), counterTimeout)
	defer cancel()
	_ = b.store.PurgeCounters(ctx, time.Now())
}

// redisIncrement is one atomic script: INCRBY each key, and give a key its expiry when
// this increment created it (the key names its window, so it is never reused).
var redisIncrement = redis.NewScript(`
local out = {}
for i, key in ipairs(KEYS) do
  local n = redis.call("incrby", key, 1)
  if n == 1 then
    redis.call("expireat", key, ARGV[i])
  end
  out[i] = n
end
return out`)

func (s *Services) redisIncrement(cfg redisConfig, keys []store.CounterKey) ([]int64, error) {
	c := s.redisClient(cfg)
	names := make([]string, len(keys))
	expires := make([]any, len(keys))
	for i, k := range keys {
		// Kong's key: ratelimit:<route>:<service>:<identifier>:<window start ms>:<period>.
		names[i] = "ratelimit:" + k.Key + ":" + strconv.FormatInt(k.Start.UnixMilli(), 10) + ":" + k.Period
		expires[i] = k.Expires.Unix() + 1
	}
	timeout := time.Duration(cfg.Timeout) * time.Millisecond
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	res, err := redisIncrement.Run(ctx, c, names, expires...).Int64Slice()
	if err != nil {
		return nil, fmt.Errorf("redis %s:%d: %w", cfg.Host, cfg.Port, err)
	}
	if len(res) != len(keys) {
		return nil, fmt.Errorf("redis %s:%d: %d values for %d keys", cfg.Host, cfg.Port, len(res), len(keys))
	}
	return res, nil
}

// redisClient returns the pooled client of one redis configuration.
func (s *Services) redisClient(cfg redisConfig) *redis.Client {
	s.rl.redisMu.Lock()
	defer s.rl.redisMu.Unlock()
	if c := s.rl.redis[cfg]; c != nil {
		return c
	}
	timeout := time.Duration(cfg.Timeout) * time.Millisecond
	opts := &redis.Options{
		Addr: fmt.Sprintf("%s:%d", cfg.Host, cfg.Port), Username: cfg.Username, Password: cfg.Password,
		DB: cfg.Database, DialTimeout: timeout, ReadTimeout: timeout, WriteTimeout: timeout,
		MaxRetries: -1, Protocol: 2, DisableIdentity: true,
		// One dial, no backoff: a Redis that is down fails the request at once, as a
		// refused connection does in Kong, and fault_tolerant decides.
		DialerRetries: 1, DialerRetryTimeout: time.Millisecond,
	}
	if cfg.SSL {
		name := cfg.ServerName
		if name == "" {
			name = cfg.Host
		}
		opts.TLSConfig = &tls.Config{ServerName: name, InsecureSkipVerify: !cfg.SSLVerify} //nolint:gosec // Kong's ssl_verify=false
	}
	c := redis.NewClient(opts)
	s.rl.redis[cfg] = c
	return c
}
