// Package storetest is the conformance suite every store backend runs: the same
// contract (constraints, cascades, pagination, tags, change signals, wasm binaries)
// checked against each one, as Kong reruns its database tests per strategy.
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/google/uuid"

	"github.com/weir-gateway/weir/store"
)

// Opener returns an empty store for one test; the suite closes it.
type Opener func(t *testing.T) store.Store

// Run runs the whole suite against stores from open.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(*testing.T, store.Store)
	}{
		{"CRUD", testCRUD},
		{"UniqueConstraints", testUnique},
		{"ForeignKeys", testForeignKeys},
		{"DeleteRestrictsAndCascades", testDelete},
		{"Pagination", testPagination},
		{"Tags", testTags},
		{"ListByForeignKey", testListByForeign},
		{"FailedWriteLeavesNothing", testAtomic},
		{"ChangesSignal", testChanges},
		{"Dataset", testDataset},
		{"WasmModules", testWasm},
		{"UpstreamsAndTargets", testUpstreams},
		{"Credentials", testCredentials},
		{"Certificates", testCertificates},
		{"KeysAndVaults", testKeys},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() { _ = s.Close() })
			tc.fn(t, s)
		})
	}
}

var ctx = context.Background()

func str(s string) *string { return &s }

func service(name string, tags ...string) *store.Service {
	return &store.Service{ID: uuid.NewString(), Name: str(name), Protocol: "http", Host: "example.com",
		Port: 80, Retries: 5, ConnectTimeout: 60000, WriteTimeout: 60000, ReadTimeout: 60000, Enabled: true, Tags: tags}
}

func route(name string, svc *store.Service) *store.Route {
	r := &store.Route{ID: uuid.NewString(), Name: str(name), Protocols: []string{"http", "https"}, Paths: []string{"/" + name}}
	if svc != nil {
		r.Service = &store.Ref{ID: svc.ID}
	}
	return r
}

func consumer(username string) *store.Consumer {
	return &store.Consumer{ID: uuid.NewString(), Username: str(username)}
}

func plugin(name string, svc *store.Service, rt *store.Route, c *store.Consumer) *store.Plugin {
	p := &store.Plugin{ID: uuid.NewString(), Name: name, Config: json.RawMessage(`{}`), Enabled: true}
	if svc != nil {
		p.Service = &store.Ref{ID: svc.ID}
	}
	if rt != nil {
		p.Route = &store.Ref{ID: rt.ID}
	}
	if c != nil {
		p.Consumer = &store.Ref{ID: c.ID}
	}
	return p
}

func credential(key string, c *store.Consumer) *store.KeyAuthCredential {
	return &store.KeyAuthCredential{ID: uuid.NewString(), Key: key, Consumer: &store.Ref{ID: c.ID}}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantErr(t *testing.T, err, want error, msg string) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("got %v, want %v", err, want)
	}
	var se *store.Error
	if msg != "" && (!errors.As(err, &se) || se.Message != msg) {
		t.Fatalf("message %q, want %q", err, msg)
	}
}

func testCRUD(t *testing.T, s store.Store) {
	svc := service("a")
	must(t, s.Services().Insert(ctx, svc))
	got, err := s.Services().Get(ctx, svc.ID)
	must(t, err)
	if *got.Name != "a" || got.Host != "example.com" {
		t.Fatalf("got %+v", got)
	}
	byName, err := s.Services().GetBy(ctx, "name", "a")
	must(t, err)
	if byName.ID != svc.ID {
		t.Fatalf("GetBy name: %s", byName.ID)
	}
	svc.Name = str("b")
	must(t, s.Services().Update(ctx, svc))
	_, err = s.Services().GetBy(ctx, "name", "a")
	wantErr(t, err, store.ErrNotFound, "")
	if _, err = s.Services().GetBy(ctx, "name", "b"); err != nil {
		t.Fatal(err)
	}
	must(t, s.Services().Delete(ctx, svc.ID))
	_, err = s.Services().Get(ctx, svc.ID)
	wantErr(t, err, store.ErrNotFound, "")
	wantErr(t, s.Services().Delete(ctx, svc.ID), store.ErrNotFound, "")
	wantErr(t, s.Services().Update(ctx, svc), store.ErrNotFound, "")
}

func testUnique(t *testing.T, s store.Store) {
	svc := service("svc")
	must(t, s.Services().Insert(ctx, svc))
	c := consumer("alice")
	c.CustomID = str("c1")
	must(t, s.Consumers().Insert(ctx, c))
	p := plugin("key-auth", svc, nil, nil)
	p.InstanceName = str("ka")
	must(t, s.Plugins().Insert(ctx, p))
	must(t, s.KeyAuthCredentials().Insert(ctx, credential("k1", c)))

	other := consumer("bob")
	other.CustomID = str("c1")
	second := plugin("key-auth", nil, nil, nil)
	second.InstanceName = str("ka")
	tests := []struct {
		name  string
		write func() error
		msg   string
	}{
		{"service name", func() error { return s.Services().Insert(ctx, service("svc")) }, `UNIQUE violation detected on '{name="svc"}'`},
		{"consumer username", func() error { return s.Consumers().Insert(ctx, consumer("alice")) }, `UNIQUE violation detected on '{username="alice"}'`},
		{"consumer custom_id", func() error { return s.Consumers().Insert(ctx, other) }, `UNIQUE violation detected on '{custom_id="c1"}'`},
		{"plugin instance_name", func() error { return s.Plugins().Insert(ctx, second) }, `UNIQUE violation detected on '{instance_name="ka"}'`},
		{"plugin cache key", func() error { return s.Plugins().Insert(ctx, plugin("key-auth", svc, nil, nil)) },
			fmt.Sprintf(`UNIQUE violation detected on '{consumer=null,name="key-auth",route=null,service={id=%q}}'`, svc.ID)},
		{"credential key", func() error { return s.KeyAuthCredentials().Insert(ctx, credential("k1", c)) }, `UNIQUE violation detected on '{key="k1"}'`},
		{"id", func() error { return s.Services().Insert(ctx, svc) }, fmt.Sprintf(`UNIQUE violation detected on '{id=%q}'`, svc.ID)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { wantErr(t, tc.write(), store.ErrUniqueViolation, tc.msg) })
	}
	t.Run("global plugin beside scoped one", func(t *testing.T) {
		must(t, s.Plugins().Insert(ctx, plugin("key-auth", nil, nil, nil)))
	})
	t.Run("unset names do not collide", func(t *testing.T) {
		a, b := service("x"), service("y")
		a.Name, b.Name = nil, nil
		must(t, s.Services().Insert(ctx, a))
		must(t, s.Services().Insert(ctx, b))
	})
}

func testForeignKeys(t *testing.T, s store.Store) {
	ghost := service("ghost")
	ghostConsumer := consumer("ghost")
	tests := []struct {
		name  string
		write func() error
		msg   string
	}{
		{"route.service", func() error { return s.Routes().Insert(ctx, route("r", ghost)) },
			fmt.Sprintf(`the foreign key '{id=%q}' does not reference an existing 'services' entity.`, ghost.ID)},
		{"plugin.consumer", func() error { return s.Plugins().Insert(ctx, plugin("p", nil, nil, ghostConsumer)) },
			fmt.Sprintf(`the foreign key '{id=%q}' does not reference an existing 'consumers' entity.`, ghostConsumer.ID)},
		{"credential.consumer", func() error { return s.KeyAuthCredentials().Insert(ctx, credential("k", ghostConsumer)) },
			fmt.Sprintf(`the foreign key '{id=%q}' does not reference an existing 'consumers' entity.`, ghostConsumer.ID)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { wantErr(t, tc.write(), store.ErrForeignKey, tc.msg) })
	}
}

func testDelete(t *testing.T, s store.Store) {
	svc := service("svc")
	must(t, s.Services().Insert(ctx, svc))
	rt := route("r", svc)
	must(t, s.Routes().Insert(ctx, rt))
	c := consumer("alice")
	must(t, s.Consumers().Insert(ctx, c))
	onService, onRoute, onConsumer := plugin("a", svc, nil, nil), plugin("b", nil, rt, nil), plugin("c", nil, nil, c)
	for _, p := range []*store.Plugin{onService, onRoute, onConsumer} {
		must(t, s.Plugins().Insert(ctx, p))
	}
	cred := credential("k", c)
	must(t, s.KeyAuthCredentials().Insert(ctx, cred))

	wantErr(t, s.Services().Delete(ctx, svc.ID), store.ErrForeignKey, "an existing 'routes' entity references this 'services' entity")
	if _, err := s.Plugins().Get(ctx, onService.ID); err != nil {
		t.Fatalf("refused delete removed a plugin: %v", err)
	}
	must(t, s.Routes().Delete(ctx, rt.ID))
	must(t, s.Services().Delete(ctx, svc.ID))
	must(t, s.Consumers().Delete(ctx, c.ID))
	for _, id := range []string{onService.ID, onRoute.ID, onConsumer.ID} {
		_, err := s.Plugins().Get(ctx, id)
		wantErr(t, err, store.ErrNotFound, "")
	}
	_, err := s.KeyAuthCredentials().Get(ctx, cred.ID)
	wantErr(t, err, store.ErrNotFound, "")
	// The freed unique values can be used again.
	must(t, s.KeyAuthCredentials().Insert(ctx, credential("k", mustInsertConsumer(t, s, "alice"))))
}

func mustInsertConsumer(t *testing.T, s store.Store, name string) *store.Consumer {
	c := consumer(name)
	must(t, s.Consumers().Insert(ctx, c))
	return c
}

func testPagination(t *testing.T, s store.Store) {
	for i := range 5 {
		must(t, s.Services().Insert(ctx, service(fmt.Sprintf("s%d", i))))
	}
	seen := map[string]bool{}
	offset := ""
	var sizes []int
	for {
		page, err := s.Services().List(ctx, store.ListOptions{Size: 2, Offset: offset})
		must(t, err)
		sizes = append(sizes, len(page.Data))
		for _, svc := range page.Data {
			seen[svc.ID] = true
		}
		if page.Offset == "" {
			break
		}
		offset = page.Offset
	}
	if fmt.Sprint(sizes) != "[2 2 1]" || len(seen) != 5 {
		t.Fatalf("pages %v, %d distinct", sizes, len(seen))
	}
	all, err := s.Services().List(ctx, store.ListOptions{})
	must(t, err)
	if len(all.Data) != 5 || all.Offset != "" {
		t.Fatalf("default page: %d, offset %q", len(all.Data), all.Offset)
	}
	// A last page exactly as long as the size has no offset: clients stop there.
	full, err := s.Services().List(ctx, store.ListOptions{Size: 5})
	must(t, err)
	if len(full.Data) != 5 || full.Offset != "" {
		t.Fatalf("full single page: %d, offset %q", len(full.Data), full.Offset)
	}
	_, err = s.Services().List(ctx, store.ListOptions{Size: 1001})
	wantErr(t, err, store.ErrInvalidSize, "size must be an integer between 1 and 1000")
	_, err = s.Services().List(ctx, store.ListOptions{Offset: "!!"})
	wantErr(t, err, store.ErrInvalidOffset, "")
	empty, err := s.Routes().List(ctx, store.ListOptions{})
	must(t, err)
	if empty.Data == nil || len(empty.Data) != 0 {
		t.Fatalf("empty list must be an empty slice, got %#v", empty.Data)
	}
}

func testTags(t *testing.T, s store.Store) {
	must(t, s.Services().Insert(ctx, service("ab", "a", "b")))
	must(t, s.Services().Insert(ctx, service("a", "a")))
	must(t, s.Services().Insert(ctx, service("c", "c")))
	tests := []struct {
		tags []string
		any  bool
		want int
	}{
		{[]string{"a"}, false, 2},
		{[]string{"a", "b"}, false, 1},
		{[]string{"b", "c"}, true, 2},
		{[]string{"z"}, false, 0},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.tags, tc.any), func(t *testing.T) {
			page, err := s.Services().List(ctx, store.ListOptions{Tags: tc.tags, AnyTag: tc.any})
			must(t, err)
			if len(page.Data) != tc.want {
				t.Fatalf("got %d, want %d", len(page.Data), tc.want)
			}
		})
	}
	t.Run("paged", func(t *testing.T) {
		page, err := s.Services().List(ctx, store.ListOptions{Tags: []string{"a"}, Size: 1})
		must(t, err)
		if len(page.Data) != 1 || page.Offset == "" {
			t.Fatalf("first page %d, offset %q", len(page.Data), page.Offset)
		}
		next, err := s.Services().List(ctx, store.ListOptions{Tags: []string{"a"}, Size: 1, Offset: page.Offset})
		must(t, err)
		if len(next.Data) != 1 || next.Offset != "" || next.Data[0].ID == page.Data[0].ID {
			t.Fatalf("second page %+v", next)
		}
	})
}

func testListByForeign(t *testing.T, s store.Store) {
	a, b := service("a"), service("b")
	must(t, s.Services().Insert(ctx, a))
	must(t, s.Services().Insert(ctx, b))
	for _, r := range []*store.Route{route("r1", a), route("r2", a), route("r3", b)} {
		must(t, s.Routes().Insert(ctx, r))
	}
	page, err := s.Routes().List(ctx, store.ListOptions{Foreign: &store.ForeignFilter{Field: "service", ID: a.ID}})
	must(t, err)
	if len(page.Data) != 2 {
		t.Fatalf("routes of a: %d", len(page.Data))
	}
	first, err := s.Routes().List(ctx, store.ListOptions{Size: 1, Foreign: &store.ForeignFilter{Field: "service", ID: a.ID}})
	must(t, err)
	rest, err := s.Routes().List(ctx, store.ListOptions{Size: 1, Offset: first.Offset, Foreign: &store.ForeignFilter{Field: "service", ID: a.ID}})
	must(t, err)
	if len(rest.Data) != 1 || rest.Offset != "" || rest.Data[0].ID == first.Data[0].ID {
		t.Fatalf("paging children: %+v %+v", first, rest)
	}
}

func testAtomic(t *testing.T, s store.Store) {
	svc := service("svc")
	must(t, s.Services().Insert(ctx, svc))
	// A route whose name is fine but whose service is missing must leave no trace: not
	// even its name in the unique index.
	r := route("r", service("ghost"))
	wantErr(t, s.Routes().Insert(ctx, r), store.ErrForeignKey, "")
	_, err := s.Routes().Get(ctx, r.ID)
	wantErr(t, err, store.ErrNotFound, "")
	must(t, s.Routes().Insert(ctx, route("r", svc)))
	// A failed update keeps the old entity and its index entries.
	clash := service("other")
	must(t, s.Services().Insert(ctx, clash))
	clash.Name = str("svc")
	wantErr(t, s.Services().Update(ctx, clash), store.ErrUniqueViolation, "")
	if _, err := s.Services().GetBy(ctx, "name", "other"); err != nil {
		t.Fatalf("failed update lost the old name: %v", err)
	}
}

func testChanges(t *testing.T, s store.Store) {
	drain(s)
	must(t, s.Services().Insert(ctx, service("a")))
	select {
	case <-s.Changes():
	default:
		t.Fatal("no change signal after a write")
	}
	_ = s.Services().Insert(ctx, service("a"))
	for range 3 {
		must(t, s.Consumers().Insert(ctx, consumer(uuid.NewString())))
	}
	if len(s.Changes()) != 1 {
		t.Fatal("signals must coalesce into one")
	}
}

func drain(s store.Store) {
	for {
		select {
		case <-s.Changes():
		default:
			return
		}
	}
}

func testDataset(t *testing.T, s store.Store) {
	svc := service("svc")
	must(t, s.Services().Insert(ctx, svc))
	must(t, s.Routes().Insert(ctx, route("r", svc)))
	c := consumer("alice")
	must(t, s.Consumers().Insert(ctx, c))
	must(t, s.KeyAuthCredentials().Insert(ctx, credential("k", c)))
	must(t, s.Plugins().Insert(ctx, plugin("key-auth", svc, nil, nil)))
	must(t, s.WasmModules().Insert(ctx, &store.WasmModule{ID: uuid.NewString(), Name: "m"}, []byte("\x00asm")))
	ds, err := s.Dataset(ctx)
	must(t, err)
	got := []int{len(ds.Services), len(ds.Routes), len(ds.Consumers), len(ds.KeyAuthCredentials), len(ds.Plugins), len(ds.WasmModules)}
	if fmt.Sprint(got) != "[1 1 1 1 1 1]" {
		t.Fatalf("dataset counts %v", got)
	}
}

func testWasm(t *testing.T, s store.Store) {
	bin := []byte("\x00asm\x01\x00\x00\x00")
	a := &store.WasmModule{ID: uuid.NewString(), Name: "a"}
	b := &store.WasmModule{ID: uuid.NewString(), Name: "b"}
	must(t, s.WasmModules().Insert(ctx, a, bin))
	must(t, s.WasmModules().Insert(ctx, b, bin))
	if a.Size != int64(len(bin)) || len(a.SHA256) != 64 || a.SHA256 != b.SHA256 {
		t.Fatalf("binary metadata not set: %+v %+v", a, b)
	}
	got, err := s.WasmBinary(ctx, a.SHA256)
	must(t, err)
	if string(got) != string(bin) {
		t.Fatal("binary differs")
	}
	wantErr(t, s.WasmModules().Insert(ctx, &store.WasmModule{ID: uuid.NewString(), Name: "a"}, bin),
		store.ErrUniqueViolation, `UNIQUE violation detected on '{name="a"}'`)

	p := plugin("a", nil, nil, nil)
	must(t, s.Plugins().Insert(ctx, p))
	wantErr(t, s.WasmModules().Delete(ctx, a.ID), store.ErrReferencedByOthers,
		"an existing 'plugins' entity references this 'wasm_modules' entity")
	renamed := *a
	renamed.Name = "a2"
	wantErr(t, s.WasmModules().Update(ctx, &renamed, nil), store.ErrReferencedByOthers, "")
	must(t, s.Plugins().Delete(ctx, p.ID))

	// Update without a binary keeps it; with one replaces it.
	a.Priority = 7
	must(t, s.WasmModules().Update(ctx, a, nil))
	if a.SHA256 != b.SHA256 {
		t.Fatal("update without binary changed the binary")
	}
	must(t, s.WasmModules().Update(ctx, a, []byte("\x00asm\x01\x00\x00\x00\x00")))
	if a.SHA256 == b.SHA256 {
		t.Fatal("update with binary kept the old one")
	}
	if _, err := s.WasmBinary(ctx, b.SHA256); err != nil {
		t.Fatalf("binary still used by b was removed: %v", err)
	}
	must(t, s.WasmModules().Delete(ctx, b.ID))
	_, err = s.WasmBinary(ctx, b.SHA256)
	wantErr(t, err, store.ErrNotFound, "")
	must(t, s.WasmModules().Delete(ctx, a.ID))
	_, err = s.WasmBinary(ctx, a.SHA256)
	wantErr(t, err, store.ErrNotFound, "")
}

// testUpstreams: one target per address in an upstream, targets listed by upstream,
// and deleted with it.
func testUpstreams(t *testing.T, s store.Store) {
	up := &store.Upstream{ID: uuid.NewString(), Name: "backend", Algorithm: "round-robin", HashOn: "none",
		HashFallback: "none", HashOnCookiePath: "/", Slots: 10000, Healthchecks: []byte(`{"threshold":0}`)}
	must(t, s.Upstreams().Insert(ctx, up))
	other := &store.Upstream{ID: uuid.NewString(), Name: "other", Healthchecks: []byte(`{}`)}
	must(t, s.Upstreams().Insert(ctx, other))
	dup := &store.Upstream{ID: uuid.NewString(), Name: "backend", Healthchecks: []byte(`{}`)}
	wantErr(t, s.Upstreams().Insert(ctx, dup), store.ErrUniqueViolation, "")
	target := func(u *store.Upstream, addr string) *store.Target {
		return &store.Target{ID: uuid.NewString(), CreatedAt: 1.5, Upstream: &store.Ref{ID: u.ID}, Target: addr, Weight: 100}
	}
	must(t, s.Targets().Insert(ctx, target(up, "a:8000")))
	must(t, s.Targets().Insert(ctx, target(up, "b:8000")))
	must(t, s.Targets().Insert(ctx, target(other, "a:8000")))
	wantErr(t, s.Targets().Insert(ctx, target(up, "a:8000")), store.ErrUniqueViolation, "")
	orphan := &store.Target{ID: uuid.NewString(), Upstream: &store.Ref{ID: uuid.NewString()}, Target: "c:1"}
	wantErr(t, s.Targets().Insert(ctx, orphan), store.ErrForeignKey, "")
	page, err := s.Targets().List(ctx, store.ListOptions{Foreign: &store.ForeignFilter{Field: "upstream", ID: up.ID}})
	must(t, err)
	if len(page.Data) != 2 || page.Data[0].CreatedAt != 1.5 {
		t.Fatalf("targets of backend: %+v", page.Data)
	}
	ds, err := s.Dataset(ctx)
	must(t, err)
	if len(ds.Upstreams) != 2 || len(ds.Targets) != 3 {
		t.Fatalf("dataset: %d upstreams, %d targets", len(ds.Upstreams), len(ds.Targets))
	}
	must(t, s.Upstreams().Delete(ctx, up.ID))
	all, err := s.Targets().List(ctx, store.ListOptions{})
	must(t, err)
	if len(all.Data) != 1 || all.Data[0].Upstream.ID != other.ID {
		t.Fatalf("targets after deleting their upstream: %+v", all.Data)
	}
}

// testCredentials: each auth plugin's credential is unique where Kong's is, and goes
// with its consumer.
func testCredentials(t *testing.T, s store.Store) {
	alice, bob := mustInsertConsumer(t, s, "alice"), mustInsertConsumer(t, s, "bob")
	ref := func(c *store.Consumer) *store.Ref { return &store.Ref{ID: c.ID} }
	id := uuid.NewString
	must(t, s.JWTSecrets().Insert(ctx, &store.JWTSecret{ID: id(), Consumer: ref(alice), Key: "k", Secret: "s", Algorithm: "HS256"}))
	wantErr(t, s.JWTSecrets().Insert(ctx, &store.JWTSecret{ID: id(), Consumer: ref(bob), Key: "k"}), store.ErrUniqueViolation, "")
	must(t, s.BasicAuthCredentials().Insert(ctx, &store.BasicAuthCredential{ID: id(), Consumer: ref(alice), Username: "u", Password: "h"}))
	wantErr(t, s.BasicAuthCredentials().Insert(ctx, &store.BasicAuthCredential{ID: id(), Consumer: ref(bob), Username: "u"}), store.ErrUniqueViolation, "")
	must(t, s.HMACAuthCredentials().Insert(ctx, &store.HMACAuthCredential{ID: id(), Consumer: ref(alice), Username: "u", Secret: "s"}))
	wantErr(t, s.HMACAuthCredentials().Insert(ctx, &store.HMACAuthCredential{ID: id(), Consumer: ref(bob), Username: "u"}), store.ErrUniqueViolation, "")
	must(t, s.ACLs().Insert(ctx, &store.ACL{ID: id(), Consumer: ref(alice), Group: "g"}))
	must(t, s.ACLs().Insert(ctx, &store.ACL{ID: id(), Consumer: ref(bob), Group: "g"}))
	wantErr(t, s.ACLs().Insert(ctx, &store.ACL{ID: id(), Consumer: ref(alice), Group: "g"}), store.ErrUniqueViolation, "")
	orphan := &store.ACL{ID: id(), Consumer: &store.Ref{ID: id()}, Group: "g"}
	wantErr(t, s.ACLs().Insert(ctx, orphan), store.ErrForeignKey, "")
	byName, err := s.BasicAuthCredentials().GetBy(ctx, "username", "u")
	must(t, err)
	if byName.Password != "h" {
		t.Fatalf("basic-auth by username: %+v", byName)
	}
	must(t, s.Consumers().Delete(ctx, alice.ID))
	ds, err := s.Dataset(ctx)
	must(t, err)
	if n := len(ds.JWTSecrets) + len(ds.BasicAuthCredentials) + len(ds.HMACAuthCredentials); n != 0 || len(ds.ACLs) != 1 {
		t.Fatalf("after deleting alice: %d credentials, %d acls", n, len(ds.ACLs))
	}
}

// testCertificates: SNI names are unique and go with their certificate; a certificate
// a service uses cannot be deleted; a CA certificate is stored once per digest.
func testCertificates(t *testing.T, s store.Store) {
	id := uuid.NewString
	cert := &store.Certificate{ID: id(), Cert: "c", Key: "k"}
	must(t, s.Certificates().Insert(ctx, cert))
	ref := &store.Ref{ID: cert.ID}
	must(t, s.SNIs().Insert(ctx, &store.SNI{ID: id(), Name: "a.example", Certificate: ref}))
	wantErr(t, s.SNIs().Insert(ctx, &store.SNI{ID: id(), Name: "a.example", Certificate: ref}), store.ErrUniqueViolation, "")
	wantErr(t, s.SNIs().Insert(ctx, &store.SNI{ID: id(), Name: "b.example", Certificate: &store.Ref{ID: id()}}), store.ErrForeignKey, "")
	svc := service("tls")
	svc.Protocol, svc.ClientCertificate = "https", ref
	must(t, s.Services().Insert(ctx, svc))
	wantErr(t, s.Certificates().Delete(ctx, cert.ID), store.ErrForeignKey, "")
	must(t, s.Services().Delete(ctx, svc.ID))
	must(t, s.Certificates().Delete(ctx, cert.ID))
	if _, err := s.SNIs().GetBy(ctx, "name", "a.example"); err == nil {
		t.Fatal("SNI survived its certificate")
	}
	must(t, s.CACertificates().Insert(ctx, &store.CACertificate{ID: id(), Cert: "c", CertDigest: "d"}))
	wantErr(t, s.CACertificates().Insert(ctx, &store.CACertificate{ID: id(), Cert: "c", CertDigest: "d"}), store.ErrUniqueViolation, "")
}

// testKeys: vault prefixes and key names are unique, a kid is unique within its set
// (keys of no set counting as one set), and keys go with their set.
func testKeys(t *testing.T, s store.Store) {
	id := uuid.NewString
	must(t, s.Vaults().Insert(ctx, &store.Vault{ID: id(), Prefix: "my-env", Name: "env"}))
	wantErr(t, s.Vaults().Insert(ctx, &store.Vault{ID: id(), Prefix: "my-env", Name: "env"}), store.ErrUniqueViolation, "")
	set := &store.KeySet{ID: id(), Name: str("jwks")}
	must(t, s.KeySets().Insert(ctx, set))
	wantErr(t, s.KeySets().Insert(ctx, &store.KeySet{ID: id(), Name: str("jwks")}), store.ErrUniqueViolation, "")
	ref := &store.Ref{ID: set.ID}
	jwk := `{"kty":"oct","kid":"k1","k":"c2VjcmV0"}`
	must(t, s.Keys().Insert(ctx, &store.Key{ID: id(), Set: ref, Name: str("a"), Kid: "k1", JWK: &jwk}))
	wantErr(t, s.Keys().Insert(ctx, &store.Key{ID: id(), Set: ref, Name: str("b"), Kid: "k1", JWK: &jwk}), store.ErrUniqueViolation, "")
	wantErr(t, s.Keys().Insert(ctx, &store.Key{ID: id(), Set: ref, Name: str("a"), Kid: "k2", JWK: &jwk}), store.ErrUniqueViolation, "")
	must(t, s.Keys().Insert(ctx, &store.Key{ID: id(), Name: str("c"), Kid: "k1", JWK: &jwk}))
	wantErr(t, s.Keys().Insert(ctx, &store.Key{ID: id(), Name: str("d"), Kid: "k1", JWK: &jwk}), store.ErrUniqueViolation, "")
	wantErr(t, s.Keys().Insert(ctx, &store.Key{ID: id(), Set: &store.Ref{ID: id()}, Kid: "k3", JWK: &jwk}), store.ErrForeignKey, "")
	must(t, s.KeySets().Delete(ctx, set.ID))
	if _, err := s.Keys().GetBy(ctx, "name", "a"); err == nil {
		t.Fatal("key survived its set")
	}
	ds, err := s.Dataset(ctx)
	must(t, err)
	if len(ds.Vaults) != 1 || len(ds.KeySets) != 0 || len(ds.Keys) != 1 {
		t.Fatalf("dataset: %d vaults, %d key sets, %d keys", len(ds.Vaults), len(ds.KeySets), len(ds.Keys))
	}
}
