package main_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/weir-gateway/weir/store/postgres/pgtest"
)

// awayFromHourEnd waits out the last seconds of a UTC hour, so a test counting in
// hourly windows cannot straddle two of them.
func awayFromHourEnd(t *testing.T, need time.Duration) {
	t.Helper()
	if left := time.Until(time.Now().UTC().Truncate(time.Hour).Add(time.Hour)); left < need {
		t.Logf("waiting %v for the next hour", left)
		time.Sleep(left + time.Second)
	}
}

// burst has n clients send each rounds requests, all at once, to the URLs (round
// robin by client) and counts answers by status.
func burst(t *testing.T, urls []string, n, rounds int, header map[string]string) map[int]int {
	t.Helper()
	var mu sync.Mutex
	got := map[int]int{}
	var wg sync.WaitGroup
	start := make(chan struct{})
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: n}}
	defer client.CloseIdleConnections()
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for range rounds {
				req, _ := http.NewRequest("GET", urls[i%len(urls)], nil)
				for k, v := range header {
					req.Header.Set(k, v)
				}
				status := -1
				if resp, err := client.Do(req); err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					status = resp.StatusCode
				}
				mu.Lock()
				got[status]++
				mu.Unlock()
			}
		}()
	}
	close(start)
	wg.Wait()
	return got
}

// rateLimitRoute creates a route on the echo service at /name with a rate-limiting
// plugin configured by cfg (JSON), and returns the route's id.
func rateLimitRoute(t *testing.T, admin, name, cfg string) string {
	t.Helper()
	r := form(t, admin+"/services/echo/routes", "name="+name, "paths[]=/"+name)
	expectStatus(t, "route "+name, r, 201)
	expectStatus(t, "plugin on "+name, postJSON(t, admin+"/routes/"+name+"/plugins",
		`{"name":"rate-limiting","config":`+cfg+`}`), 201)
	id, _ := r.json(t)["id"].(string)
	return id
}

func expectHeaders(t *testing.T, r *response, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got := r.header.Get(k); got != v && !(v == "*" && got != "") {
			t.Errorf("%s: %q, want %q (status %d)", k, got, v, r.status)
		}
	}
}

func expectNoHeaders(t *testing.T, r *response, names ...string) {
	t.Helper()
	for _, k := range names {
		if v, ok := r.header[http.CanonicalHeaderKey(k)]; ok {
			t.Errorf("%s present (%q), want none", k, v)
		}
	}
}

var rateLimitHeaderNames = []string{"X-RateLimit-Limit-Hour", "X-RateLimit-Remaining-Hour", "RateLimit-Limit",
	"RateLimit-Remaining", "RateLimit-Reset", "Retry-After"}

// secondsToHourEnd is Kong's RateLimit-Reset for an hourly window now.
func secondsToHourEnd() int {
	now := time.Now().UTC()
	return 3600 - (now.Minute()*60 + now.Second())
}

func expectReset(t *testing.T, header string, r *response) {
	t.Helper()
	got, err := strconv.Atoi(r.header.Get(header))
	if want := secondsToHourEnd(); err != nil || got < want-2 || got > want+2 {
		t.Errorf("%s %q, want about %d (the seconds left in the hour)", header, r.header.Get(header), want)
	}
}

func TestPluginRateLimiting(t *testing.T) {
	bin := buildWeir(t)
	echoAddr := startEcho(t, bin)
	n := &node{binary: bin, prefix: t.TempDir(), proxy: freeAddr(t), admin: freeAddr(t),
		// GOMAXPROCS sizes the wasm pools: many instances racing for one counter.
		extraEnv: []string{"KONG_TRUSTED_IPS=127.0.0.1", "KONG_REAL_IP_HEADER=X-Forwarded-For", "GOMAXPROCS=16"}}
	n.start(t)
	admin, proxy := "http://"+n.admin, "http://"+n.proxy
	expectStatus(t, "service", form(t, admin+"/services", "name=echo", "url=http://"+echoAddr+"/"), 201)
	awayFromHourEnd(t, 90*time.Second)

	t.Run("schema", func(t *testing.T) {
		for _, tc := range []struct{ cfg, want string }{
			{`{}`, `"@entity":["at least one of these fields must be non-empty: 'config.second', 'config.minute', 'config.hour', 'config.day', 'config.month', 'config.year'"]`},
			{`{"second":5,"minute":2}`, `"config":"The limit for minute(2.0) cannot be lower than the limit for second(5.0)"`},
			{`{"hour":10,"year":3.5}`, `"config":"The limit for year(3.5) cannot be lower than the limit for hour(10.0)"`},
			{`{"minute":0}`, `"minute":"value must be greater than 0"`},
			{`{"minute":5,"limit_by":"header"}`, `"@entity":["failed conditional validation given value of field 'config.limit_by'"]`},
			{`{"minute":5,"limit_by":"path"}`, `"config":{"path":"required field missing"}`},
			{`{"minute":5,"policy":"redis"}`, `"config":{"redis":{"host":"required field missing"}}`},
			{`{"minute":5,"sync_rate":1}`, `"config":"sync_rate can only be used with the redis policy"`},
			{`{"minute":5,"policy":"redis","redis":{"host":"localhost"},"sync_rate":0.01}`, `"config":"sync_rate must be greater than 0.02, or -1 to disable"`},
			{`{"minute":5,"policy":"db"}`, `"policy":"expected one of: local, cluster, redis"`},
			{`{"minute":5,"limit_by":"user"}`, `"limit_by":"expected one of: consumer, credential, ip, service, header, path"`},
		} {
			r := postJSON(t, admin+"/plugins", `{"name":"rate-limiting","config":`+tc.cfg+`}`)
			if r.status != 400 || !strings.Contains(string(r.body), tc.want) {
				t.Errorf("config %s: %d %s\nwant 400 with %s", tc.cfg, r.status, r.body, tc.want)
			}
		}
		r := postJSON(t, admin+"/plugins", `{"name":"rate-limiting","config":{"minute":5},"enabled":false}`)
		expectStatus(t, "defaults", r, 201)
		cfg, _ := r.json(t)["config"].(map[string]any)
		redisCfg, _ := cfg["redis"].(map[string]any)
		for k, want := range map[string]any{"limit_by": "consumer", "policy": "local", "fault_tolerant": true,
			"hide_client_headers": false, "error_code": 429.0, "error_message": "API rate limit exceeded", "sync_rate": -1.0} {
			if cfg[k] != want {
				t.Errorf("default %s = %v, want %v", k, cfg[k], want)
			}
		}
		if redisCfg["port"] != 6379.0 || redisCfg["timeout"] != 2000.0 || redisCfg["database"] != 0.0 || redisCfg["ssl"] != false {
			t.Errorf("redis defaults: %v", redisCfg)
		}
		id, _ := r.json(t)["id"].(string)
		expectStatus(t, "delete", do(t, "DELETE", admin+"/plugins/"+id, nil, nil), 204)

		// Kong 3.9's deprecated flat redis_* fields land in the redis record.
		r = form(t, admin+"/plugins", "name=rate-limiting", "enabled=false", "config.minute=5", "config.policy=redis",
			"config.redis_host=127.0.0.1", "config.redis_port=6380", "config.redis_ssl=true", "config.redis_timeout=150")
		expectStatus(t, "shorthands", r, 201)
		cfg, _ = r.json(t)["config"].(map[string]any)
		redisCfg, _ = cfg["redis"].(map[string]any)
		if redisCfg["host"] != "127.0.0.1" || redisCfg["port"] != 6380.0 || redisCfg["ssl"] != true || redisCfg["timeout"] != 150.0 || cfg["redis_host"] != nil {
			t.Errorf("shorthands: config %v", cfg)
		}
		id, _ = r.json(t)["id"].(string)
		r = do(t, "PATCH", admin+"/plugins/"+id, strings.NewReader(`{"config":{"redis_database":2}}`), map[string]string{"Content-Type": "application/json"})
		expectStatus(t, "patch with a shorthand", r, 200)
		cfg, _ = r.json(t)["config"].(map[string]any)
		redisCfg, _ = cfg["redis"].(map[string]any)
		if redisCfg["database"] != 2.0 || redisCfg["host"] != "127.0.0.1" || redisCfg["port"] != 6380.0 {
			t.Errorf("patched redis %v", redisCfg)
		}
		expectStatus(t, "delete", do(t, "DELETE", admin+"/plugins/"+id, nil, nil), 204)
	})

	t.Run("local exact under concurrency", func(t *testing.T) {
		rateLimitRoute(t, admin, "local", `{"hour":300,"limit_by":"ip"}`)
		got := burst(t, []string{proxy + "/local"}, 64, 8, nil)
		if got[200] != 300 || got[429] != 212 {
			t.Fatalf("statuses %v, want exactly 300 x 200 and 212 x 429", got)
		}
	})

	t.Run("header names spelled as Kong's", func(t *testing.T) {
		rateLimitRoute(t, admin, "spelled", `{"minute":1000,"hour":1000,"limit_by":"ip"}`)
		expectWireNames(t, wireNames(t, n.proxy, "/spelled"), "X-RateLimit-Limit-Minute",
			"X-RateLimit-Remaining-Hour", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset")
	})

	t.Run("headers as Kong computes them", func(t *testing.T) {
		rateLimitRoute(t, admin, "seq", `{"hour":3,"day":5,"limit_by":"ip"}`)
		for i := 1; i <= 3; i++ {
			r := do(t, "GET", proxy+"/seq", nil, nil)
			expectStatus(t, "request "+strconv.Itoa(i), r, 200)
			expectHeaders(t, r, map[string]string{
				"X-RateLimit-Limit-Hour": "3", "X-RateLimit-Remaining-Hour": strconv.Itoa(3 - i),
				"X-RateLimit-Limit-Day": "5", "X-RateLimit-Remaining-Day": strconv.Itoa(5 - i),
				"RateLimit-Limit": "3", "RateLimit-Remaining": strconv.Itoa(3 - i),
			})
			expectReset(t, "RateLimit-Reset", r)
			expectNoHeaders(t, r, "Retry-After")
		}
		r := do(t, "GET", proxy+"/seq", nil, nil)
		expectStatus(t, "over the limit", r, 429)
		if m := r.json(t); m["message"] != "API rate limit exceeded" || m["request_id"] != r.header.Get("X-Kong-Request-Id") || len(m) != 2 {
			t.Errorf("body %s", r.body)
		}
		// The refused window shows 0; the others keep their room (Kong takes one off
		// only when the request passes).
		expectHeaders(t, r, map[string]string{"X-RateLimit-Remaining-Hour": "0", "X-RateLimit-Remaining-Day": "2",
			"RateLimit-Limit": "3", "RateLimit-Remaining": "0"})
		expectReset(t, "Retry-After", r)
		if r.header.Get("Retry-After") != r.header.Get("RateLimit-Reset") {
			t.Errorf("Retry-After %q, RateLimit-Reset %q: want equal", r.header.Get("Retry-After"), r.header.Get("RateLimit-Reset"))
		}
	})

	t.Run("a new window counts from zero", func(t *testing.T) {
		rateLimitRoute(t, admin, "persecond", `{"second":1,"limit_by":"ip"}`)
		// nextSecond sleeps until just after the next whole second of the clock
		nextSecond := func() {
			time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second + 50*time.Millisecond)))
		}
		nextSecond()
		expectStatus(t, "first in its second", do(t, "GET", proxy+"/persecond", nil, nil), 200)
		expectStatus(t, "second in the same second", do(t, "GET", proxy+"/persecond", nil, nil), 429)
		nextSecond()
		expectStatus(t, "first in the next second", do(t, "GET", proxy+"/persecond", nil, nil), 200)
	})

	t.Run("fractional limits printed as Kong prints them", func(t *testing.T) {
		// a limit that is not a whole number: the values go out as text, not as integers
		rateLimitRoute(t, admin, "frac", `{"hour":2.5,"day":5,"limit_by":"ip"}`)
		r := do(t, "GET", proxy+"/frac", nil, nil)
		expectStatus(t, "first", r, 200)
		expectHeaders(t, r, map[string]string{
			"X-RateLimit-Limit-Hour": "2.5", "X-RateLimit-Remaining-Hour": "1.5",
			"X-RateLimit-Limit-Day": "5", "X-RateLimit-Remaining-Day": "4",
			"RateLimit-Limit": "2.5", "RateLimit-Remaining": "1.5",
		})
		expectReset(t, "RateLimit-Reset", r)
	})

	t.Run("most restrictive window ties go to the longer one", func(t *testing.T) {
		rateLimitRoute(t, admin, "tie", `{"hour":2,"day":2,"limit_by":"ip"}`)
		r := do(t, "GET", proxy+"/tie", nil, nil)
		expectHeaders(t, r, map[string]string{"RateLimit-Limit": "2", "RateLimit-Remaining": "1"})
		now := time.Now().UTC()
		want := 86400 - (now.Hour()*3600 + now.Minute()*60 + now.Second())
		if got, _ := strconv.Atoi(r.header.Get("RateLimit-Reset")); got < want-2 || got > want+2 {
			t.Errorf("RateLimit-Reset %s, want about %d (the day's window)", r.header.Get("RateLimit-Reset"), want)
		}
	})

	t.Run("hide_client_headers, error_code and error_message", func(t *testing.T) {
		rateLimitRoute(t, admin, "hidden", `{"hour":1,"limit_by":"ip","hide_client_headers":true,"error_code":418,"error_message":"slow down"}`)
		r := do(t, "GET", proxy+"/hidden", nil, nil)
		expectStatus(t, "first", r, 200)
		expectNoHeaders(t, r, rateLimitHeaderNames...)
		r = do(t, "GET", proxy+"/hidden", nil, nil)
		expectStatus(t, "second", r, 418)
		expectNoHeaders(t, r, rateLimitHeaderNames...)
		if m := r.json(t); m["message"] != "slow down" {
			t.Errorf("body %s", r.body)
		}
	})

	t.Run("limit_by ip uses the forwarded address", func(t *testing.T) {
		rateLimitRoute(t, admin, "byip", `{"hour":1,"limit_by":"ip"}`)
		for _, ip := range []string{"10.0.0.1", "10.0.0.2"} {
			xff := map[string]string{"X-Forwarded-For": ip}
			expectStatus(t, ip+" first", do(t, "GET", proxy+"/byip", nil, xff), 200)
			expectStatus(t, ip+" second", do(t, "GET", proxy+"/byip", nil, xff), 429)
		}
		expectStatus(t, "peer address", do(t, "GET", proxy+"/byip", nil, nil), 200)
	})

	t.Run("limit_by header falls back to the ip", func(t *testing.T) {
		rateLimitRoute(t, admin, "byheader", `{"hour":1,"limit_by":"header","header_name":"X-User"}`)
		for _, u := range []string{"ann", "bob"} {
			h := map[string]string{"X-User": u, "X-Forwarded-For": "10.1.1.1"}
			expectStatus(t, u+" first", do(t, "GET", proxy+"/byheader", nil, h), 200)
			expectStatus(t, u+" second", do(t, "GET", proxy+"/byheader", nil, h), 429)
		}
		h := map[string]string{"X-Forwarded-For": "10.1.1.1"}
		expectStatus(t, "no header: by ip, first", do(t, "GET", proxy+"/byheader", nil, h), 200)
		expectStatus(t, "no header: by ip, second", do(t, "GET", proxy+"/byheader", nil, h), 429)
	})

	t.Run("limit_by path", func(t *testing.T) {
		rateLimitRoute(t, admin, "bypath", `{"hour":1,"limit_by":"path","path":"/bypath/a"}`)
		a := func(ip string) map[string]string { return map[string]string{"X-Forwarded-For": ip} }
		expectStatus(t, "path from one ip", do(t, "GET", proxy+"/bypath/a", nil, a("10.2.0.1")), 200)
		expectStatus(t, "same path, other ip: one counter", do(t, "GET", proxy+"/bypath/a", nil, a("10.2.0.2")), 429)
		expectStatus(t, "other path: by ip", do(t, "GET", proxy+"/bypath/b", nil, a("10.2.0.3")), 200)
		expectStatus(t, "other path, same ip", do(t, "GET", proxy+"/bypath/c", nil, a("10.2.0.3")), 429)
	})

	t.Run("limit_by consumer, credential and service", func(t *testing.T) {
		expectStatus(t, "service", form(t, admin+"/services", "name=svc2", "url=http://"+echoAddr+"/"), 201)
		for _, by := range []string{"consumer", "credential", "service"} {
			r := form(t, admin+"/services/svc2/routes", "name=by"+by, "paths[]=/by"+by)
			expectStatus(t, "route", r, 201)
			expectStatus(t, "key-auth", postJSON(t, admin+"/routes/by"+by+"/plugins", `{"name":"key-auth","config":{"anonymous":null}}`), 201)
			expectStatus(t, "rate-limiting", postJSON(t, admin+"/routes/by"+by+"/plugins",
				`{"name":"rate-limiting","config":{"hour":1,"limit_by":"`+by+`"}}`), 201)
		}
		for _, c := range []string{"carol", "dave"} {
			expectStatus(t, "consumer", form(t, admin+"/consumers", "username="+c), 201)
			expectStatus(t, "key", form(t, admin+"/consumers/"+c+"/key-auth", "key="+c+"-key"), 201)
		}
		key := func(c, ip string) map[string]string {
			return map[string]string{"apikey": c + "-key", "X-Forwarded-For": ip}
		}
		for _, by := range []string{"consumer", "credential"} {
			expectStatus(t, by+": carol", do(t, "GET", proxy+"/by"+by, nil, key("carol", "10.3.0.1")), 200)
			expectStatus(t, by+": carol again, other ip", do(t, "GET", proxy+"/by"+by, nil, key("carol", "10.3.0.2")), 429)
			expectStatus(t, by+": dave", do(t, "GET", proxy+"/by"+by, nil, key("dave", "10.3.0.1")), 200)
		}
		expectStatus(t, "service: carol", do(t, "GET", proxy+"/byservice", nil, key("carol", "10.3.0.1")), 200)
		expectStatus(t, "service: dave shares it", do(t, "GET", proxy+"/byservice", nil, key("dave", "10.3.0.9")), 429)
	})

	t.Run("cluster policy on the embedded store", func(t *testing.T) {
		rateLimitRoute(t, admin, "cluster", `{"hour":7,"limit_by":"ip","policy":"cluster"}`)
		got := burst(t, []string{proxy + "/cluster"}, 64, 1, nil)
		if got[200] != 7 || got[429] != 57 {
			t.Fatalf("statuses %v, want exactly 7 x 200 and 57 x 429", got)
		}
		r := do(t, "GET", proxy+"/cluster", nil, nil)
		expectStatus(t, "after the burst", r, 429)
		expectHeaders(t, r, map[string]string{"X-RateLimit-Limit-Hour": "7", "X-RateLimit-Remaining-Hour": "0"})
	})

	t.Run("fault_tolerant", func(t *testing.T) {
		down := `"policy":"redis","redis":{"host":"127.0.0.1","port":1,"timeout":500}`
		rateLimitRoute(t, admin, "tolerant", `{"hour":1,"limit_by":"ip",`+down+`}`)
		rateLimitRoute(t, admin, "intolerant", `{"hour":1,"limit_by":"ip","fault_tolerant":false,`+down+`}`)
		for range 2 {
			r := do(t, "GET", proxy+"/tolerant", nil, nil)
			expectStatus(t, "redis down, fault tolerant", r, 200)
			expectNoHeaders(t, r, rateLimitHeaderNames...)
		}
		r := do(t, "GET", proxy+"/intolerant", nil, nil)
		expectStatus(t, "redis down, not fault tolerant", r, 500)
		if m := r.json(t); m["message"] != "An unexpected error occurred" {
			t.Errorf("body %s", r.body)
		}
	})

	t.Run("redis policy", func(t *testing.T) {
		rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379", DB: 3})
		defer rdb.Close()
		if err := rdb.Ping(context.Background()).Err(); err != nil {
			t.Skipf("SKIPPING: no Redis on 127.0.0.1:6379: %v", err)
		}
		routeID := rateLimitRoute(t, admin, "redis",
			`{"hour":9,"limit_by":"ip","policy":"redis","redis":{"host":"127.0.0.1","port":6379,"database":3}}`)
		pattern := "ratelimit:" + routeID + ":*"
		t.Cleanup(func() {
			keys, _ := rdb.Keys(context.Background(), pattern).Result()
			if len(keys) > 0 {
				rdb.Del(context.Background(), keys...)
			}
		})
		got := burst(t, []string{proxy + "/redis"}, 64, 1, nil)
		if got[200] != 9 || got[429] != 55 {
			t.Fatalf("statuses %v, want exactly 9 x 200 and 55 x 429", got)
		}
		keys, err := rdb.Keys(context.Background(), pattern).Result()
		if err != nil || len(keys) != 1 {
			t.Fatalf("redis keys %v (%v), want the one hourly counter", keys, err)
		}
		start := time.Now().UTC().Truncate(time.Hour).UnixMilli()
		want := fmt.Sprintf("ratelimit:%s:00000000-0000-0000-0000-000000000000:127.0.0.1:%d:hour", routeID, start)
		if keys[0] != want {
			t.Errorf("key %q, want Kong's %q", keys[0], want)
		}
		if v, _ := rdb.Get(context.Background(), keys[0]).Int(); v != 64 {
			t.Errorf("counter %d, want 64", v)
		}
		if ttl, _ := rdb.TTL(context.Background(), keys[0]).Result(); ttl <= 0 || ttl > time.Hour+2*time.Second {
			t.Errorf("ttl %v, want until the end of the hour", ttl)
		}
	})
}

// TestPluginRateLimitingClusterPostgres: two nodes on one PostgreSQL database hold one
// cluster-policy limit exactly between them.
func TestPluginRateLimitingClusterPostgres(t *testing.T) {
	bin := buildWeir(t)
	echoAddr := startEcho(t, bin)
	env := pgEnv(t, pgtest.Database(t))
	if out, code := weirCmd(t, bin, env, "migrations", "bootstrap"); code != 0 {
		t.Fatalf("bootstrap: %s", out)
	}
	a, b := startPgNode(t, bin, env), startPgNode(t, bin, env)
	admin := "http://" + a.admin
	awayFromHourEnd(t, 30*time.Second)
	expectStatus(t, "service", form(t, admin+"/services", "name=echo", "url=http://"+echoAddr+"/"), 201)
	rateLimitRoute(t, admin, "shared", `{"hour":11,"limit_by":"ip","policy":"cluster"}`)
	// Node B learns of the plugin through the database; the probe that first sees its
	// headers is the one request counted before the burst.
	eventually(t, 5*time.Second, "plugin on node B", func() error {
		if r := do(t, "GET", "http://"+b.proxy+"/shared", nil, nil); r.header.Get("X-RateLimit-Limit-Hour") != "11" {
			return fmt.Errorf("status %d without the plugin's headers", r.status)
		}
		return nil
	})
	// The probe above counted once on B.
	got := burst(t, []string{"http://" + a.proxy + "/shared", "http://" + b.proxy + "/shared"}, 64, 1, nil)
	if got[200] != 10 || got[429] != 54 {
		t.Fatalf("statuses %v, want exactly 10 x 200 and 54 x 429 across both nodes", got)
	}
	r := do(t, "GET", "http://"+a.proxy+"/shared", nil, nil)
	expectStatus(t, "node A after the burst", r, 429)
	expectHeaders(t, r, map[string]string{"X-RateLimit-Limit-Hour": "11", "X-RateLimit-Remaining-Hour": "0"})
}

// TestPluginRateLimitingDBLess: without a database Kong offers local and redis only.
func TestPluginRateLimitingDBLess(t *testing.T) {
	bin := buildWeir(t)
	echoAddr := startEcho(t, bin)
	n := &node{binary: bin, prefix: t.TempDir(), proxy: freeAddr(t), admin: freeAddr(t), extraEnv: []string{"KONG_DATABASE=off"}}
	n.start(t)
	admin := "http://" + n.admin
	r := postJSON(t, admin+"/plugins", `{"name":"rate-limiting","config":{"minute":5,"policy":"cluster"}}`)
	if r.status != 400 || !strings.Contains(string(r.body), `"policy":"expected one of: local, redis"`) {
		t.Errorf("cluster in DB-less: %d %s", r.status, r.body)
	}
	cfg := "_format_version: \"3.0\"\nservices:\n- name: s\n  url: http://" + echoAddr + "/\n  routes:\n  - name: r\n    paths: [/r]\n" +
		"  plugins:\n  - name: rate-limiting\n    config: {hour: 1, policy: %s}\n"
	r = do(t, "POST", admin+"/config", strings.NewReader(fmt.Sprintf(cfg, "cluster")), map[string]string{"Content-Type": "application/yaml"})
	if r.status != 400 || !strings.Contains(string(r.body), "expected one of: local, redis") {
		t.Errorf("declarative cluster in DB-less: %d %s", r.status, r.body)
	}
	r = do(t, "POST", admin+"/config", strings.NewReader(fmt.Sprintf(cfg, "local")), map[string]string{"Content-Type": "application/yaml"})
	expectStatus(t, "local in DB-less", r, 201)
	awayFromHourEnd(t, 5*time.Second)
	expectStatus(t, "first", do(t, "GET", "http://"+n.proxy+"/r", nil, nil), 200)
	expectStatus(t, "second", do(t, "GET", "http://"+n.proxy+"/r", nil, nil), 429)
}

// TestPluginRateLimitingClusterOutage: with the database down the cluster policy
// proxies without headers when fault_tolerant, and answers 500 when not.
func TestPluginRateLimitingClusterOutage(t *testing.T) {
	bin := buildWeir(t)
	echoAddr := startEcho(t, bin)
	cluster, err := pgtest.StartCluster()
	if err != nil {
		pgtest.Unavailable(t, err)
	}
	t.Cleanup(func() { _ = cluster.Stop(); cluster.Remove() })
	env := pgEnv(t, pgtest.DatabaseOn(t, cluster.DSN("postgres")))
	if out, code := weirCmd(t, bin, env, "migrations", "bootstrap"); code != 0 {
		t.Fatalf("bootstrap: %s", out)
	}
	n := startPgNode(t, bin, env)
	admin, proxy := "http://"+n.admin, "http://"+n.proxy
	awayFromHourEnd(t, 60*time.Second)
	expectStatus(t, "service", form(t, admin+"/services", "name=echo", "url=http://"+echoAddr+"/"), 201)
	rateLimitRoute(t, admin, "tolerant", `{"hour":100,"limit_by":"ip","policy":"cluster"}`)
	rateLimitRoute(t, admin, "intolerant", `{"hour":100,"limit_by":"ip","policy":"cluster","fault_tolerant":false}`)
	r := do(t, "GET", proxy+"/tolerant", nil, nil)
	expectStatus(t, "database up", r, 200)
	expectHeaders(t, r, map[string]string{"X-RateLimit-Remaining-Hour": "99"})

	if err := cluster.Stop(); err != nil {
		t.Fatal(err)
	}
	r = do(t, "GET", proxy+"/tolerant", nil, nil)
	expectStatus(t, "database down, fault tolerant", r, 200)
	expectNoHeaders(t, r, rateLimitHeaderNames...)
	r = do(t, "GET", proxy+"/intolerant", nil, nil)
	expectStatus(t, "database down, not fault tolerant", r, 500)
	if m := r.json(t); m["message"] != "An unexpected error occurred" {
		t.Errorf("body %s", r.body)
	}

	if err := cluster.Start(); err != nil {
		t.Fatal(err)
	}
	eventually(t, 15*time.Second, "counting again after the outage", func() error {
		r := do(t, "GET", proxy+"/tolerant", nil, nil)
		if r.header.Get("X-RateLimit-Limit-Hour") != "100" {
			return fmt.Errorf("status %d without headers", r.status)
		}
		return nil
	})
}
