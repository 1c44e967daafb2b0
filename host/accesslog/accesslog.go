// Package accesslog writes one line per proxied request (proxy_access_log): nginx's
// combined format, as Kong's default access log, or one JSON object per line.
package accesslog

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"
)

// Entry is what one line records.
type Entry struct {
	Time         time.Time `json:"-"`
	TimeRFC3339  string    `json:"time"`
	ClientIP     string    `json:"client_ip"`
	Method       string    `json:"method"`
	URI          string    `json:"uri"`
	Protocol     string    `json:"protocol"`
	Status       int       `json:"status"`
	BytesSent    int       `json:"bytes_sent"`
	Referer      string    `json:"referer,omitempty"`
	UserAgent    string    `json:"user_agent,omitempty"`
	RequestID    string    `json:"request_id"`
	RouteID      string    `json:"route_id,omitempty"`
	ServiceID    string    `json:"service_id,omitempty"`
	ConsumerID   string    `json:"consumer_id,omitempty"`
	UpstreamAddr string    `json:"upstream_addr,omitempty"`
	// UpstreamStatus is the upstream's status, 0 when the gateway answered itself.
	UpstreamStatus int    `json:"upstream_status,omitempty"`
	ServiceName    string `json:"service_name,omitempty"`
	RouteName      string `json:"route_name,omitempty"`
	ConsumerName   string `json:"consumer_username,omitempty"`
	BytesReceived  int    `json:"bytes_received"`
	// LatencyMS is the whole request, in milliseconds; UpstreamLatencyMS the wait for
	// the upstream's answer.
	LatencyMS         int64 `json:"latency_ms"`
	UpstreamLatencyMS int64 `json:"upstream_latency_ms"`
}

// Logger buffers lines and writes them at least every flushEvery, so a request never
// waits on the disk.
type Logger struct {
	mu   sync.Mutex
	w    *bufio.Writer
	out  io.Writer
	json bool
	buf  []byte
	stop chan struct{}
	done chan struct{}
}

const flushEvery = time.Second

// New starts a logger writing to out, as JSON lines when asJSON.
func New(out io.Writer, asJSON bool) *Logger {
	l := &Logger{w: bufio.NewWriterSize(out, 64<<10), out: out, json: asJSON,
		stop: make(chan struct{}), done: make(chan struct{})}
	go l.flusher()
	return l
}

func (l *Logger) flusher() {
	defer close(l.done)
	t := time.NewTicker(flushEvery)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
			l.mu.Lock()
			_ = l.w.Flush()
			l.mu.Unlock()
		}
	}
}

// Log writes one entry.
func (l *Logger) Log(e *Entry) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = l.buf[:0]
	if l.json {
		e.TimeRFC3339 = e.Time.UTC().Format(time.RFC3339Nano)
		b, err := json.Marshal(e)
		if err != nil {
			return
		}
		l.buf = append(b, '\n')
	} else {
		l.buf = appendCombined(l.buf, e)
	}
	_, _ = l.w.Write(l.buf)
}

// appendCombined is nginx's combined format: $remote_addr - $remote_user [$time_local]
// "$request" $status $body_bytes_sent "$http_referer" "$http_user_agent".
func appendCombined(b []byte, e *Entry) []byte {
	b = append(b, e.ClientIP...)
	b = append(b, " - - ["...)
	b = e.Time.AppendFormat(b, "02/Jan/2006:15:04:05 -0700")
	b = append(b, "] \""...)
	b = append(b, fmt.Sprintf("%s %s %s", e.Method, e.URI, e.Protocol)...)
	b = append(b, "\" "...)
	b = strconv.AppendInt(b, int64(e.Status), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(e.BytesSent), 10)
	b = append(b, " \""...)
	b = append(b, dash(e.Referer)...)
	b = append(b, "\" \""...)
	b = append(b, dash(e.UserAgent)...)
	b = append(b, "\"\n"...)
	return b
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return strconv.Quote(s)[1 : len(strconv.Quote(s))-1]
}

// Close writes what is buffered and stops the flusher.
func (l *Logger) Close() error {
	close(l.stop)
	<-l.done
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.w.Flush(); err != nil {
		return fmt.Errorf("access log: %w", err)
	}
	return nil
}
