package abi

import (
	"fmt"
	"strings"
	"testing"

	"github.com/valyala/fasthttp"
)

func TestHeaderName(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"Content-Type", "content-type"},
		{"X-Custom-Thing", "x-custom-thing"},
		{"apikey", "apikey"},
		{strings.Repeat("A", 70), strings.Repeat("a", 70)},
		{"X-RateLimit-Limit-Hour", "x-ratelimit-limit-hour"},
		{"X-\xc3\x84", "x-\xc3\x84"}, // bytes outside ASCII are kept as they are
	} {
		if got := HeaderName([]byte(tt.in)); got != tt.want {
			t.Errorf("HeaderName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	for _, name := range commonHeaders { // each found, in its slot or past it, in any case
		for _, in := range [][]byte{[]byte(strings.ToUpper(name)), []byte(name), AppendWireName(nil, name)} {
			if n := testing.AllocsPerRun(10, func() { _ = HeaderName(in) }); n != 0 || HeaderName(in) != name {
				t.Errorf("common name %s: %q, allocated %.0f times", in, HeaderName(in), n)
			}
			got := HeaderName(in)
			clear(in) // the name is the table's, not a view of the caller's bytes
			if got != name {
				t.Errorf("common name %s changed with the bytes it was read from: %q", name, got)
			}
		}
	}
	if common("x-not-common") != nil {
		t.Error("x-not-common found among the common names")
	}
}

// TestNameCache: an uncommon name is made once and then found without an allocation,
// in any case; a full cache still answers, allocating; common names never enter it;
// the answer never shares the caller's bytes.
func TestNameCache(t *testing.T) {
	var c nameCache
	first := c.name([]byte("X-Served-By"))
	for _, in := range []string{"x-served-by", "X-SERVED-BY", "X-Served-By"} {
		b := []byte(in)
		if n := testing.AllocsPerRun(10, func() { _ = c.name(b) }); n != 0 {
			t.Errorf("%s: allocated %.0f times once cached", in, n)
		}
		got := c.name(b)
		clear(b)
		if got != "x-served-by" || got != first {
			t.Errorf("%s: %q", in, got)
		}
	}
	if c.name([]byte("Content-Type")); len(c.names) != 1 {
		t.Errorf("a common name entered the cache: %q", c.names)
	}
	for _, common := range commonNames { // lower-case, as the built-ins send them; some share a slot
		if got := c.name([]byte(common.lower)); got != common.lower || interned(got) == nil {
			t.Errorf("%s: %q, not the gateway's own string", common.lower, got)
		}
	}
	if len(c.names) != 1 {
		t.Errorf("a lower-case common name entered the cache: %q", c.names)
	}
	lower := []byte("x-lower-first") // an uncommon name first seen in lower case
	if got := c.name(lower); got != "x-lower-first" || c.names["x-lower-first"] != got {
		t.Errorf("x-lower-first: %q, kept %q", got, c.names)
	}
	clear(lower)
	if got := c.name([]byte("X-Lower-First")); got != "x-lower-first" {
		t.Errorf("X-Lower-First after its lower-case form: %q", got)
	}
	delete(c.names, "x-lower-first")
	for i := range 2 * maxCachedNames {
		name := fmt.Sprintf("X-Name-%d", i)
		if got := c.name([]byte(name)); got != strings.ToLower(name) {
			t.Fatalf("%s: %q", name, got)
		}
	}
	if len(c.names) != maxCachedNames {
		t.Errorf("the cache holds %d names, want its bound %d", len(c.names), maxCachedNames)
	}
	var none *nameCache // HeaderName's: keeps nothing
	if got := none.name([]byte("X-Other")); got != "x-other" {
		t.Errorf("without a cache: %q", got)
	}
}

// TestHasUpperASCII: the eight-bytes-at-a-time test agrees with a byte-at-a-time one
// for every byte value at every position of strings up to 17 bytes long.
func TestHasUpperASCII(t *testing.T) {
	naive := func(s string) bool {
		for i := 0; i < len(s); i++ {
			if 'A' <= s[i] && s[i] <= 'Z' {
				return true
			}
		}
		return false
	}
	for n := 0; n <= 17; n++ {
		for pos := 0; pos < max(n, 1); pos++ {
			for c := 0; c < 256; c++ {
				b := []byte(strings.Repeat("a", n))
				if n > 0 {
					b[pos] = byte(c)
				}
				if got, want := HasUpperASCII(string(b)), naive(string(b)); got != want {
					t.Fatalf("HasUpperASCII(%q) = %v, want %v", b, got, want)
				}
			}
		}
	}
	for _, s := range []string{"x-forwarded-for", "X-Forwarded-For", "\xc3\x81bc-def-ghij", "abcdefgh\xdb", "@[`{"} {
		if got, want := HasUpperASCII(s), naive(s); got != want {
			t.Errorf("HasUpperASCII(%q) = %v, want %v", s, got, want)
		}
	}
}

// wantWire is the wire form of name: its spelling when it is a common name spelled
// otherwise (the gateway's names are lower-case), else what fasthttp's normalizing
// makes of it.
func wantWire(name string) string {
	if s, ok := spelled[name]; ok {
		return s
	}
	return string(fasthttp.AppendNormalizedHeaderKey(nil, name))
}

// TestAppendWireName: names come out as fasthttp's normalizing writes them, for the
// gateway's own names, names in any case, and names it leaves alone, but for the
// common names spelled otherwise.
func TestAppendWireName(t *testing.T) {
	names := []string{"x-forwarded-for", "via", "content-type", "X-KONG-request-id", "a--b-", "-x", "1st-try",
		"x_under_score", "x.dot", "with space", "x-\xc3\xa4", "", "x:y", "ratelimit-remaining", "WWW-Authenticate"}
	for _, n := range commonHeaders {
		names = append(names, n)
	}
	for c := 0; c < 256; c++ { // every byte, alone and between letters
		names = append(names, string([]byte{byte(c)}), "ab-"+string([]byte{byte(c)})+"-cd")
	}
	for _, name := range names {
		want := "prefix:" + wantWire(name)
		if got := string(AppendWireName([]byte("prefix:"), name)); got != want {
			t.Errorf("AppendWireName(%q) = %q, want %q", name, got, want)
		}
	}
}

// TestWireSpellings: the names Kong's plugins write in their own spelling go out so,
// and every spelled name is a common one (spelled is read only for those).
func TestWireSpellings(t *testing.T) {
	for _, tt := range []struct{ name, want string }{
		{"www-authenticate", "WWW-Authenticate"},
		{"x-ratelimit-limit-minute", "X-RateLimit-Limit-Minute"},
		{"x-ratelimit-remaining-hour", "X-RateLimit-Remaining-Hour"},
		{"ratelimit-reset", "RateLimit-Reset"},
		{"etag", "ETag"},
		{"x-consumer-id", "X-Consumer-ID"},
		{"kong-request-id", "Kong-Request-ID"},
		{"x-forwarded-for", "X-Forwarded-For"},
		{"x-served-by", "X-Served-By"},
	} {
		if got := string(AppendWireName(nil, tt.name)); got != tt.want {
			t.Errorf("AppendWireName(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
	for name := range spelled {
		if common(name) == nil {
			t.Errorf("%s is spelled but not a common name", name)
		}
	}
}

// TestInterned: the gateway's own strings for the common names (HeaderName's and
// CommonName's answers) are told by their address, any other string is not, whatever
// its bytes; AppendWireName writes both alike.
func TestInterned(t *testing.T) {
	for _, name := range commonHeaders {
		own := CommonName(name)
		if own != name || HeaderName([]byte(name)) != own || interned(own) == nil || interned(own).lower != name {
			t.Errorf("%s: CommonName %q, HeaderName %q, interned %v", name, own, HeaderName([]byte(name)), interned(own))
		}
		if h := HeaderName(AppendWireName(nil, name)); interned(h) == nil {
			t.Errorf("%s: HeaderName of its wire form is not the gateway's own string", name)
		}
		for _, other := range []string{strings.Clone(name), own[:len(own)-1], own[1:], name + "x"} {
			if c := interned(other); c != nil {
				t.Errorf("%q taken for the common name %q", other, c.lower)
			}
		}
		want := wantWire(name)
		for _, in := range []string{own, strings.Clone(name)} {
			if got := string(AppendWireName(nil, in)); got != want {
				t.Errorf("%s: AppendWireName %q, want %q", name, got, want)
			}
			if got, ok := CommonWireName(in); !ok || got != want {
				t.Errorf("%s: CommonWireName %q, %v; want %q", name, got, ok, want)
			}
		}
		buf := make([]byte, 0, 64)
		if n := testing.AllocsPerRun(10, func() { _ = AppendWireName(buf[:0], own) }); n != 0 {
			t.Errorf("%s: AppendWireName allocated %.0f times", name, n)
		}
	}
	for _, s := range []string{"", "x-not-common", commonText, commonText[:0], commonText[len(commonText):]} {
		if c := interned(s); c != nil {
			t.Errorf("%q taken for the common name %q", s, c.lower)
		}
	}
	if got := CommonName("x-not-common"); got != "x-not-common" {
		t.Errorf("CommonName of an uncommon name: %q", got)
	}
	if got, ok := CommonWireName("x-not-common"); ok {
		t.Errorf("CommonWireName of an uncommon name: %q", got)
	}
	for _, name := range []string{"x-not-common", "x_under", "with space", ""} {
		if got, want := string(AppendOtherWireName([]byte("p:"), name)), string(AppendWireName([]byte("p:"), name)); got != want {
			t.Errorf("AppendOtherWireName(%q) = %q, AppendWireName %q", name, got, want)
		}
	}
}
