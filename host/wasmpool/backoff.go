package wasmpool

import "time"

// Backoff rate-limits the replacement of crashed instances, as the proxy-wasm spec asks
// ("create a new VM, and track and rate-limit crashes"). The first crash is replaced at
// once, as ngx_wasm_module does, so one bad request costs one error; each further crash
// in a row waits twice as long as the one before, from Base (Envoy's reload backoff
// base is 1 s) up to Max. An instance that ran for Reset before it crashed starts the
// count again.
type Backoff struct {
	Base  time.Duration
	Max   time.Duration
	Reset time.Duration
}

// DefaultBackoff is the policy a Config with a zero Backoff gets.
var DefaultBackoff = Backoff{Base: time.Second, Max: 30 * time.Second, Reset: time.Minute}

// delay is how long to wait before replacing an instance after crashes crashes in a row.
func (b Backoff) delay(crashes int) time.Duration {
	if crashes <= 1 {
		return 0
	}
	d := b.Base
	for n := 2; n < crashes && d < b.Max; n++ {
		d *= 2
	}
	return min(d, b.Max)
}
