package weir

import (
	"net/url"
	"reflect"
	"testing"
)

// The SDK's codec must agree with net/url, which it replaces to keep modules small.
func TestCodecMatchesNetURL(t *testing.T) {
	inputs := []string{"", "a", "a+b", "%41%42", "%4", "%zz", "é", "a b&c", "x=1&y=%20&y=2", "k;v=1", "=v", "a=b=c", "&&a=1&", "%E2%82%AC+%2B"}
	for _, in := range inputs {
		want, werr := url.QueryUnescape(in)
		got, gerr := unescapeStrict(in)
		if got != want || (werr == nil) != (gerr == nil) {
			t.Errorf("unescape(%q) = %q, %v; net/url %q, %v", in, got, gerr, want, werr)
		}
		if escape(in) != url.QueryEscape(in) {
			t.Errorf("escape(%q) = %q; net/url %q", in, escape(in), url.QueryEscape(in))
		}
		wantForm, werr := url.ParseQuery(in)
		gotForm, gerr := parseForm(in)
		if (werr == nil) != (gerr == nil) || (werr == nil && !reflect.DeepEqual(map[string][]string(wantForm), gotForm)) {
			t.Errorf("parseForm(%q) = %v, %v; net/url %v, %v", in, gotForm, gerr, wantForm, werr)
		}
		if werr == nil && encodeForm(gotForm) != wantForm.Encode() {
			t.Errorf("encodeForm(%q) = %q; net/url %q", in, encodeForm(gotForm), wantForm.Encode())
		}
	}
	if mediaType(" Application/JSON ; charset=utf-8") != "application/json" {
		t.Error("mediaType")
	}
}
