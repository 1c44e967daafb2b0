package snapshot

import (
	"crypto/tls"
	"crypto/x509"
	"testing"
)

func TestVerifyDepth(t *testing.T) {
	leaf, mid, root := &x509.Certificate{}, &x509.Certificate{}, &x509.Certificate{}
	tests := []struct {
		depth  int
		chains [][]*x509.Certificate
		ok     bool
	}{
		{0, [][]*x509.Certificate{{leaf}}, true},
		{0, [][]*x509.Certificate{{leaf, root}}, false},
		{1, [][]*x509.Certificate{{leaf, root}}, true},
		{1, [][]*x509.Certificate{{leaf, mid, root}}, false},
		{1, [][]*x509.Certificate{{leaf, mid, root}, {leaf, root}}, true}, // any chain that fits
		{2, [][]*x509.Certificate{{leaf, mid, root}}, true},
	}
	for _, tt := range tests {
		err := verifyDepth(tt.depth)(tls.ConnectionState{VerifiedChains: tt.chains})
		if (err == nil) != tt.ok {
			t.Errorf("depth %d, chains of %d: err %v, want ok=%v", tt.depth, len(tt.chains[0]), err, tt.ok)
		}
	}
}
