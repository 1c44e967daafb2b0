package ratelimiting

import (
	"strconv"
	"time"
)

// periods are Kong's, smallest first, with the window length Kong uses for
// RateLimit-Reset (a month is 30 days and a year 365 there, whatever the calendar says).
// limitHeader and remainingHeader are the period's X-RateLimit-* header names.
var periods = [...]struct {
	name                         string
	limitHeader, remainingHeader string
	seconds                      int64
}{
	{"second", "X-RateLimit-Limit-Second", "X-RateLimit-Remaining-Second", 1},
	{"minute", "X-RateLimit-Limit-Minute", "X-RateLimit-Remaining-Minute", 60},
	{"hour", "X-RateLimit-Limit-Hour", "X-RateLimit-Remaining-Hour", 3600},
	{"day", "X-RateLimit-Limit-Day", "X-RateLimit-Remaining-Day", 86400},
	{"month", "X-RateLimit-Limit-Month", "X-RateLimit-Remaining-Month", 2592000},
	{"year", "X-RateLimit-Limit-Year", "X-RateLimit-Remaining-Year", 31536000},
}

// windowStart is the start, in Unix seconds, of the fixed calendar window (UTC) of
// period around now, as Kong's timestamp.get_timestamps computes it. Windows up to a
// day are whole multiples of their length (Unix time has no leap seconds), so only a
// month or a year needs the calendar, which costs a Go guest far more.
func windowStart(period string, now time.Time) int64 {
	unix := now.Unix()
	floor := func(n int64) int64 { return unix - ((unix%n)+n)%n }
	switch period {
	case "second":
		return unix
	case "minute":
		return floor(60)
	case "hour":
		return floor(3600)
	case "day":
		return floor(86400)
	}
	y, m, _ := now.UTC().Date()
	if period == "month" {
		return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC).Unix()
	}
	return time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
}

// usage is one configured limit and its counter's value after this request counted.
type usage struct {
	period    int // index in periods
	limit     float64
	limitText string // limit as the headers print it
	count     int64
}

// headerSet is the headers a verdict gives, in a fixed array: no allocation for the
// list itself. Two per window, three RateLimit-* and Retry-After at most. A value
// that is an integer is kept as one, so it can be sent without making its text.
type headerSet struct {
	kv [2*len(periods) + 4]header
	n  int
}

// header is one header of a headerSet: its value is text, or the integer num when
// isNum.
type header struct {
	name, text string
	num        int64
	isNum      bool
}

func (h *headerSet) add(name, value string) {
	h.kv[h.n] = header{name: name, text: value}
	h.n++
}

// addNumber adds a header whose value is a number as Lua prints it (see num).
func (h *headerSet) addNumber(name string, f float64) {
	if isInt(f) {
		h.kv[h.n] = header{name: name, num: int64(f), isNum: true}
		h.n++
		return
	}
	h.add(name, num(f))
}

// list returns the headers as name and text pairs, making the numbers' texts.
func (h *headerSet) list() [][2]string {
	out := make([][2]string, h.n)
	for i, kv := range h.kv[:h.n] {
		out[i] = [2]string{kv.name, kv.text}
		if kv.isNum {
			out[i][1] = strconv.FormatInt(kv.num, 10)
		}
	}
	return out
}

// verdict decides a request as Kong's handler does, from each window's usage before
// this request (count - 1): the request is refused when any window has no room left
// (stop is the last such window), and the headers are Kong's X-RateLimit-Limit-<P>,
// X-RateLimit-Remaining-<P> for every window plus RateLimit-Limit, -Remaining and
// -Reset for the most restrictive one (least remaining, then the longest window).
// reset is RateLimit-Reset, also Retry-After on a refusal.
func verdict(now time.Time, us []usage, headers *headerSet) (refuse bool, reset int64) {
	stop := -1
	for i, u := range us {
		if u.limit-float64(u.count-1) <= 0 {
			stop = i
		}
	}
	var (
		bestLimit     string
		bestRemaining float64
		bestWindow    int64
		chosen        bool
	)
	for i, u := range us {
		p := periods[u.period]
		remaining := u.limit - float64(u.count-1)
		if stop == -1 || stop == i {
			remaining--
		}
		remaining = max(0, remaining)
		if !chosen || remaining < bestRemaining || (remaining == bestRemaining && p.seconds > bestWindow) {
			chosen = true
			bestLimit, bestRemaining, bestWindow = u.limitText, remaining, p.seconds
			elapsed := now.Unix() - windowStart(p.name, now)
			reset = max(1, p.seconds-elapsed)
		}
		headers.add(p.limitHeader, u.limitText)
		headers.addNumber(p.remainingHeader, remaining)
	}
	headers.add("RateLimit-Limit", bestLimit)
	headers.addNumber("RateLimit-Remaining", bestRemaining)
	headers.addNumber("RateLimit-Reset", float64(reset))
	return stop != -1, reset
}

// num prints a number as Lua's tostring does for the values limits take: integers
// without a decimal point. Integers take the cheaper integer formatting.
func num(f float64) string {
	if isInt(f) {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// isInt says whether f prints as an integer (and fits one).
func isInt(f float64) bool { return f == float64(int64(f)) && f > -1e15 && f < 1e15 }

// periodOrder checks Kong's rule that a longer window may not have a lower limit, with
// Kong's message; "" when it holds.
func periodOrder(limits [6]*float64) string {
	for i, lo := range limits {
		if lo == nil {
			continue
		}
		for j := i + 1; j < len(limits); j++ {
			if hi := limits[j]; hi != nil && *hi < *lo {
				return "The limit for " + periods[j].name + "(" + strconv.FormatFloat(*hi, 'f', 1, 64) +
					") cannot be lower than the limit for " + periods[i].name + "(" + strconv.FormatFloat(*lo, 'f', 1, 64) + ")"
			}
		}
	}
	return ""
}
