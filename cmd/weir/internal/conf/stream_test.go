package conf

import (
	"reflect"
	"strings"
	"testing"
)

func TestStreamListen(t *testing.T) {
	c, err := Load("", []string{"HOME=/nowhere", "WEIR_PREFIX=/tmp/w"})
	if err != nil {
		t.Fatal(err)
	}
	if c.StreamListen != nil {
		t.Fatalf("stream_listen is %+v by default, want off", c.StreamListen)
	}
	c, err = Load("", []string{"HOME=/nowhere", "WEIR_PREFIX=/tmp/w", "KONG_STREAM_LISTEN=127.0.0.1:9000, 127.0.0.1:9001 ssl reuseport"})
	if err != nil {
		t.Fatal(err)
	}
	want := []Listen{{Addr: "127.0.0.1:9000", Flags: []string{}}, {Addr: "127.0.0.1:9001", Flags: []string{"ssl", "reuseport"}}}
	if !reflect.DeepEqual(c.StreamListen, want) {
		t.Fatalf("stream_listen = %+v, want %+v", c.StreamListen, want)
	}
	for flag, msg := range map[string]string{"http2": "http2 flag", "proxy_protocol": "proxy_protocol flag", "nope": "unknown flag"} {
		_, err := Load("", []string{"HOME=/nowhere", "WEIR_STREAM_LISTEN=127.0.0.1:9000 " + flag})
		if err == nil || !strings.Contains(err.Error(), "stream_listen") || !strings.Contains(err.Error(), msg) {
			t.Errorf("%s: err = %v", flag, err)
		}
	}
}

func TestStatusListen(t *testing.T) {
	c, err := Load("", []string{"HOME=/nowhere", "WEIR_PREFIX=/tmp/w"})
	if err != nil {
		t.Fatal(err)
	}
	if c.StatusListen != nil {
		t.Fatalf("status_listen is %+v by default, want off", c.StatusListen)
	}
	c, err = Load("", []string{"HOME=/nowhere", "WEIR_PREFIX=/tmp/w", "KONG_STATUS_LISTEN=127.0.0.1:8100, 127.0.0.1:8543 ssl"})
	if err != nil {
		t.Fatal(err)
	}
	want := []Listen{{Addr: "127.0.0.1:8100", Flags: []string{}}, {Addr: "127.0.0.1:8543", Flags: []string{"ssl"}}}
	if !reflect.DeepEqual(c.StatusListen, want) {
		t.Fatalf("status_listen = %+v, want %+v", c.StatusListen, want)
	}
	if _, err := Load("", []string{"HOME=/nowhere", "WEIR_STATUS_LISTEN=127.0.0.1:8100 http2"}); err == nil || !strings.Contains(err.Error(), "status_listen") {
		t.Fatalf("http2 on status_listen: err = %v", err)
	}
}
