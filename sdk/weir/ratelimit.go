package weir

import "encoding/json"

// fnRateLimitIncrement is the gateway's shared rate-limiting counters.
const fnRateLimitIncrement = "weir.ratelimit_increment"

// RateLimitKey names one counter of a fixed window: Key is what is limited (the
// rate-limiting plugin uses <route id>:<service id>:<identifier>), Period one of second,
// minute, hour, day, month, year, and Start the window's start in seconds since the epoch.
type RateLimitKey struct {
	Key    string `json:"key"`
	Period string `json:"period"`
	Start  int64  `json:"start"`
}

// RateLimitIncrement adds one to each counter and returns each one's value just after,
// exact across every node that shares the counters. With redis nil the counters live
// in the gateway's database (Kong's cluster policy; an error when the database keeps
// none); otherwise redis is a Redis configuration in the shape of Kong 3.9's
// rate-limiting `redis` record and the counters live there. An error means the
// counters could not be reached.
func RateLimitIncrement(keys []RateLimitKey, redis json.RawMessage) ([]int64, error) {
	args := struct {
		Keys  []RateLimitKey  `json:"keys"`
		Redis json.RawMessage `json:"redis,omitempty"`
	}{keys, redis}
	var res struct {
		Values []int64 `json:"values"`
	}
	if err := call(fnRateLimitIncrement, args, &res); err != nil {
		return nil, err
	}
	return res.Values, nil
}
