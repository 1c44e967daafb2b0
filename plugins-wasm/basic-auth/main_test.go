package basicauth

import "testing"

func TestSplitUserPass(t *testing.T) {
	for _, tc := range []struct {
		in, user, pass string
		ok             bool
	}{
		{"user:pass", "user", "pass", true},
		{"user:pa:ss", "user", "pa:ss", true},
		{"user:", "user", "", true},
		{"::user:pass", "user", "pass", true},
		{"user:pass\nmore", "user", "pass", true},
		{"user", "", "", false},
		{":", "", "", false},
		{"", "", "", false},
	} {
		user, pass, ok := splitUserPass(tc.in)
		if user != tc.user || pass != tc.pass || ok != tc.ok {
			t.Errorf("splitUserPass(%q) = %q, %q, %v", tc.in, user, pass, ok)
		}
	}
}

func TestDecodeBase64(t *testing.T) {
	for _, tc := range []struct {
		in, out string
		ok      bool
	}{
		{"dXNlcjpwYXNz", "user:pass", true},
		{"dXNlcjpwYQ==", "user:pa", true},
		{"dXNlcjpwYQ", "user:pa", true},
		{"dXNlcjpwYQ==junk", "user:pa", true},
		{"dXNlc", "", false},
		{"!!!!", "", false},
	} {
		out, ok := decodeBase64(tc.in)
		if ok != tc.ok || (ok && out != tc.out) {
			t.Errorf("decodeBase64(%q) = %q, %v", tc.in, out, ok)
		}
	}
}
