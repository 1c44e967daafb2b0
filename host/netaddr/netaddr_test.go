package netaddr

import (
	"net"
	"testing"
)

func TestFormatsOncePerAddress(t *testing.T) {
	a := &net.TCPAddr{IP: net.ParseIP("192.0.2.7"), Port: 8080}
	b := &net.TCPAddr{IP: net.ParseIP("2001:db8::1"), Port: 443}
	for _, tt := range []struct {
		addr    *net.TCPAddr
		str, ip string
	}{
		{a, "192.0.2.7:8080", "192.0.2.7"},
		{b, "[2001:db8::1]:443", "2001:db8::1"},
		{a, "192.0.2.7:8080", "192.0.2.7"},
	} {
		if got := String(tt.addr); got != tt.str {
			t.Errorf("String = %q, want %q", got, tt.str)
		}
		if got := IP(tt.addr); got != tt.ip {
			t.Errorf("IP = %q, want %q", got, tt.ip)
		}
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = String(a), IP(a) }); n != 0 {
		t.Errorf("a known address allocated %.0f times", n)
	}
	if String(nil) != "" || IP(nil) != "" {
		t.Error("nil address not empty")
	}
}

// TestManyAddresses: more addresses than the cache has slots all read right, and a
// non-TCP address is formatted as it says.
func TestManyAddresses(t *testing.T) {
	for i := range 2*slots + 10 {
		a := &net.TCPAddr{IP: net.IPv4(10, 0, byte(i>>8), byte(i)), Port: i}
		if got, want := String(a), a.String(); got != want {
			t.Fatalf("String = %q, want %q", got, want)
		}
		if got, want := IP(a), a.IP.String(); got != want {
			t.Fatalf("IP = %q, want %q", got, want)
		}
	}
	u := &net.UnixAddr{Name: "/run/weir.sock", Net: "unix"}
	if got := String(u); got != "/run/weir.sock" {
		t.Errorf("String(unix) = %q", got)
	}
	var nilTCP *net.TCPAddr
	if String(nilTCP) != "" {
		t.Error("typed nil address not empty")
	}
}
