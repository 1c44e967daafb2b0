package ratelimiting

import (
	"fmt"
	"testing"
	"time"
)

func TestWindowStart(t *testing.T) {
	for _, tt := range []struct {
		now  time.Time
		want map[string]string
	}{
		{time.Date(2024, 3, 15, 13, 45, 30, 500e6, time.UTC), map[string]string{
			"second": "2024-03-15T13:45:30Z", "minute": "2024-03-15T13:45:00Z", "hour": "2024-03-15T13:00:00Z",
			"day": "2024-03-15T00:00:00Z", "month": "2024-03-01T00:00:00Z", "year": "2024-01-01T00:00:00Z",
		}},
		{time.Date(2024, 12, 31, 23, 59, 59, 999e6, time.FixedZone("east", 5*3600)), map[string]string{
			"second": "2024-12-31T18:59:59Z", "minute": "2024-12-31T18:59:00Z", "hour": "2024-12-31T18:00:00Z",
			"day": "2024-12-31T00:00:00Z", "month": "2024-12-01T00:00:00Z", "year": "2024-01-01T00:00:00Z",
		}},
		{time.Date(1969, 12, 31, 23, 30, 15, 0, time.UTC), map[string]string{
			"second": "1969-12-31T23:30:15Z", "minute": "1969-12-31T23:30:00Z", "hour": "1969-12-31T23:00:00Z",
			"day": "1969-12-31T00:00:00Z", "month": "1969-12-01T00:00:00Z", "year": "1969-01-01T00:00:00Z",
		}},
	} {
		for p, w := range tt.want {
			if got := time.Unix(windowStart(p, tt.now), 0).UTC().Format(time.RFC3339); got != w {
				t.Errorf("%v, %s: %s, want %s", tt.now, p, got, w)
			}
		}
	}
}

func TestVerdict(t *testing.T) {
	now := time.Date(2024, 3, 15, 13, 45, 30, 0, time.UTC) // 870 s left in the hour
	for _, tc := range []struct {
		name   string
		us     []usage
		refuse bool
		want   string
	}{
		{"first of three", []usage{u(2, 3, 1)}, false,
			"[[X-RateLimit-Limit-Hour 3] [X-RateLimit-Remaining-Hour 2] [RateLimit-Limit 3] [RateLimit-Remaining 2] [RateLimit-Reset 870]]"},
		{"last that fits", []usage{u(2, 3, 3)}, false,
			"[[X-RateLimit-Limit-Hour 3] [X-RateLimit-Remaining-Hour 0] [RateLimit-Limit 3] [RateLimit-Remaining 0] [RateLimit-Reset 870]]"},
		{"refused: other windows keep their room", []usage{u(2, 3, 4), u(3, 5, 4)}, true,
			"[[X-RateLimit-Limit-Hour 3] [X-RateLimit-Remaining-Hour 0] [X-RateLimit-Limit-Day 5] [X-RateLimit-Remaining-Day 2] [RateLimit-Limit 3] [RateLimit-Remaining 0] [RateLimit-Reset 870]]"},
		{"tie goes to the longer window", []usage{u(1, 2, 1), u(2, 2, 1)}, false,
			"[[X-RateLimit-Limit-Minute 2] [X-RateLimit-Remaining-Minute 1] [X-RateLimit-Limit-Hour 2] [X-RateLimit-Remaining-Hour 1] [RateLimit-Limit 2] [RateLimit-Remaining 1] [RateLimit-Reset 870]]"},
		{"fractional limit", []usage{u(0, 2.5, 2)}, false,
			"[[X-RateLimit-Limit-Second 2.5] [X-RateLimit-Remaining-Second 0.5] [RateLimit-Limit 2.5] [RateLimit-Remaining 0.5] [RateLimit-Reset 1]]"},
		{"month reset uses Kong's 30 days", []usage{u(4, 100, 1)}, false,
			fmt.Sprintf("[[X-RateLimit-Limit-Month 100] [X-RateLimit-Remaining-Month 99] [RateLimit-Limit 100] [RateLimit-Remaining 99] [RateLimit-Reset %d]]", 2592000-(14*86400+13*3600+45*60+30))},
	} {
		var headers headerSet
		refuse, _ := verdict(now, tc.us, &headers)
		if refuse != tc.refuse || fmt.Sprint(headers.list()) != tc.want {
			t.Errorf("%s: refuse=%v %v\nwant refuse=%v %s", tc.name, refuse, headers.list(), tc.refuse, tc.want)
		}
	}
}

func TestPeriodOrder(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	if msg := periodOrder([6]*float64{f(10), nil, f(5)}); msg != "The limit for hour(5.0) cannot be lower than the limit for second(10.0)" {
		t.Errorf("got %q", msg)
	}
	if msg := periodOrder([6]*float64{f(1), f(1), nil, f(2)}); msg != "" {
		t.Errorf("got %q", msg)
	}
}

// u is a usage as onRequest builds it.
func u(period int, limit float64, count int64) usage {
	return usage{period: period, limit: limit, limitText: num(limit), count: count}
}
