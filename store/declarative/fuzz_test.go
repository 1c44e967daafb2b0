package declarative_test

import (
	"context"
	"os"
	"testing"

	"github.com/weir-gateway/weir/store/declarative"
)

// FuzzLoad: any file is loaded or refused with an error; Parse and Load never panic.
func FuzzLoad(f *testing.F) {
	if deck, err := os.ReadFile("testdata/deck.yaml"); err == nil {
		f.Add(deck)
	}
	for _, seed := range []string{
		`{"_format_version":"3.0","services":[{"name":"s","host":"h","routes":[{"paths":["/"]}]}]}`,
		"_format_version: \"3.0\"\nconsumers:\n- username: a\n  acls: [{group: g}, {group: g}]\n",
		"_format_version: \"3.0\"\ncertificates:\n- cert: x\n  key: y\n  snis: [a.example, {name: b}]\n",
		"_format_version: \"3.0\"\nplugins:\n- name: key-auth\n  service: {id: 3f1a2c4e-1b2d-4e5f-8a9b-0c1d2e3f4a5b}\n",
		"_format_version: \"3.0\"\nservices: {}\n", "_format_version: 3.0", "[1, 2]", "~", "&a [*a]",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tree, err := declarative.Parse(data)
		if err != nil {
			return
		}
		_, _ = declarative.Load(context.Background(), tree, declarative.Options{})
	})
}
