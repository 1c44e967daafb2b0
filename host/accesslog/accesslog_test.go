package accesslog

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

func TestFormats(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	e := Entry{Time: at, ClientIP: "10.0.0.1", Method: "GET", URI: "/a?b=1", Protocol: "HTTP/1.1",
		Status: 200, BytesSent: 12, UserAgent: `curl "x"`, RequestID: "rid", RouteID: "r1", LatencyMS: 3}
	tests := []struct {
		name string
		json bool
		want string
	}{
		{"combined", false, `10.0.0.1 - - [02/Jan/2026:03:04:05 +0000] "GET /a?b=1 HTTP/1.1" 200 12 "-" "curl \"x\""` + "\n"},
		{"json", true, `{"time":"2026-01-02T03:04:05Z","client_ip":"10.0.0.1","method":"GET","uri":"/a?b=1","protocol":"HTTP/1.1","status":200,"bytes_sent":12,"user_agent":"curl \"x\"","request_id":"rid","route_id":"r1","bytes_received":0,"latency_ms":3,"upstream_latency_ms":0}` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			l := New(&out, tt.json)
			entry := e
			l.Log(&entry)
			if out.Len() != 0 {
				t.Fatal("written before a flush: requests would wait on the disk")
			}
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			if out.String() != tt.want {
				t.Fatalf("got  %s\nwant %s", out.String(), tt.want)
			}
			if tt.json && !json.Valid(out.Bytes()) {
				t.Fatal("not JSON")
			}
		})
	}
}
