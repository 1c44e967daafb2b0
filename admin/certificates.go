package admin

import (
	"context"
	"fmt"
	"net/http"
	"sort"

	"github.com/labstack/echo/v4"

	"github.com/weir-gateway/weir/store"
)

// Certificates carry Kong's transient `snis` field: a list of names given with a
// certificate creates (or, on update, replaces) its SNI entities, and every certificate
// the API returns lists the names of its SNIs.

// certificateResource serves /certificates with the snis shorthand.
func (s *Server) certificateResource() *resource[store.Certificate] {
	v := s.validator
	r := newResource(s, store.Certificates, s.store.Certificates(),
		func(_ context.Context, in map[string]any) (*store.Certificate, error) {
			if _, _, err := sniNames(in); err != nil {
				return nil, err
			}
			return v.Certificate(withoutKey(in, "snis"))
		})
	r.present = s.withSNINames
	r.written = s.syncSNIs
	r.alias = s.certificateBySNI
	return r
}

// certificateBySNI finds the certificate serving a name: Kong's
// /certificates/{certificate id or sni}.
func (s *Server) certificateBySNI(ctx context.Context, name string) (*store.Certificate, error) {
	sni, err := s.store.SNIs().GetBy(ctx, "name", name)
	if errorsIsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return s.store.Certificates().Get(ctx, sni.Certificate.ID)
}

func withoutKey(in map[string]any, key string) map[string]any {
	out := make(map[string]any, len(in))
	for k, v := range in {
		if k != key {
			out[k] = v
		}
	}
	return out
}

// sniNames reads the snis field of a request: absent (nil, false), or its names; a
// form's single value is one name.
func sniNames(in map[string]any) ([]string, bool, error) {
	raw, ok := in["snis"]
	if !ok {
		return nil, false, nil
	}
	switch t := raw.(type) {
	case nil:
		return []string{}, true, nil
	case string:
		return []string{t}, true, nil
	case []any:
		out := make([]string, 0, len(t))
		for _, e := range t {
			s, ok := e.(string)
			if !ok {
				return nil, true, store.SchemaViolation(map[string]any{"snis": "expected an array of strings"})
			}
			out = append(out, s)
		}
		return out, true, nil
	}
	return nil, true, store.SchemaViolation(map[string]any{"snis": "expected an array of strings"})
}

// snisOf lists the SNIs of one certificate.
func (s *Server) snisOf(ctx context.Context, certID string) ([]store.SNI, error) {
	var out []store.SNI
	opts := store.ListOptions{Size: store.MaxPageSize, Foreign: &store.ForeignFilter{Field: "certificate", ID: certID}}
	err := walk(ctx, s.store.SNIs().List, opts, func(n store.SNI) error {
		out = append(out, n)
		return nil
	})
	return out, err
}

// withSNINames adds each certificate's SNI names, sorted, as Kong shows them.
func (s *Server) withSNINames(ctx context.Context, certs []store.Certificate) ([]any, error) {
	out := make([]any, 0, len(certs))
	for _, c := range certs {
		snis, err := s.snisOf(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		names := make([]string, 0, len(snis))
		for _, n := range snis {
			names = append(names, n.Name)
		}
		sort.Strings(names)
		attrs, err := store.Attributes(c)
		if err != nil {
			return nil, err
		}
		attrs["snis"] = names
		out = append(out, attrs)
	}
	return out, nil
}

// syncSNIs makes a certificate's SNIs the names the request gave, when it gave any.
// Every name is checked (valid, not another certificate's) before anything changes.
func (s *Server) syncSNIs(ctx context.Context, in map[string]any, c *store.Certificate) error {
	names, given, err := sniNames(in)
	if err != nil || !given {
		return err
	}
	current, err := s.snisOf(ctx, c.ID)
	if err != nil {
		return err
	}
	have := map[string]store.SNI{}
	for _, n := range current {
		have[n.Name] = n
	}
	want := map[string]bool{}
	var add []*store.SNI
	for _, name := range names {
		if want[name] {
			continue
		}
		want[name] = true
		if _, ok := have[name]; ok {
			continue
		}
		sni, err := s.validator.SNI(map[string]any{"name": name, "certificate": map[string]any{"id": c.ID}})
		if err != nil {
			return err
		}
		other, err := s.store.SNIs().GetBy(ctx, "name", name)
		switch {
		case err == nil:
			return store.SchemaViolation(map[string]any{"snis": fmt.Sprintf("%s already associated with existing certificate '%s'", name, other.Certificate.ID)})
		case !errorsIsNotFound(err):
			return err
		}
		add = append(add, sni)
	}
	for _, sni := range add {
		if err := s.store.SNIs().Insert(ctx, sni); err != nil {
			return err
		}
	}
	for name, n := range have {
		if !want[name] {
			if err := s.store.SNIs().Delete(ctx, n.ID); err != nil && !errorsIsNotFound(err) {
				return err
			}
		}
	}
	return nil
}

// tlsRoutes serves certificates, SNIs and CA certificates.
func (s *Server) tlsRoutes(e *echo.Echo) {
	st, v := s.store, s.validator
	certs := s.certificateResource()
	snis := newResource(s, store.SNIs, st.SNIs(),
		func(_ context.Context, in map[string]any) (*store.SNI, error) { return v.SNI(in) })
	cas := newResource(s, store.CACertificates, st.CACertificates(),
		func(_ context.Context, in map[string]any) (*store.CACertificate, error) { return v.CACertificate(in) })

	for _, t := range []struct {
		path, param string
		r           interface {
			collection(echo.Context, *scope) error
			item(echo.Context, string, *scope) error
		}
	}{{"/certificates", "certificate", certs}, {"/snis", "sni", snis}, {"/ca_certificates", "ca_certificate", cas}} {
		e.Match(collectionMethods, t.path, func(c echo.Context) error { return t.r.collection(c, nil) })
		e.Match(itemMethods, t.path+"/:"+t.param, func(c echo.Context) error { return t.r.item(c, param2(c, t.param), nil) })
	}
	nested(e, "/certificates/:certificate/snis", "sni", snis, parentScope(st.Certificates(), store.Certificates, "certificate", "certificate"))
	e.Match(readMethods, "/snis/:sni/certificate", func(c echo.Context) error {
		return s.sniCertificate(c, certs)
	})
	s.checks[store.Certificates] = checkOf(certs.validate)
	s.checks[store.SNIs] = checkOf(snis.validate)
	s.checks[store.CACertificates] = checkOf(cas.validate)
	s.tagSources = append(s.tagSources, tagsOf(store.Certificates, st.Certificates().List),
		tagsOf(store.SNIs, st.SNIs().List), tagsOf(store.CACertificates, st.CACertificates().List))
}

// sniCertificate answers GET /snis/{sni}/certificate, with the certificate's SNI names.
func (s *Server) sniCertificate(c echo.Context, certs *resource[store.Certificate]) error {
	ctx := c.Request().Context()
	sni, err := findEntity(ctx, s.store.SNIs(), store.SNIs, param2(c, "sni"))
	if err != nil {
		return err
	}
	if sni == nil {
		return notFound
	}
	cert, err := s.store.Certificates().Get(ctx, sni.Certificate.ID)
	if err != nil {
		return err
	}
	return certs.answer(c, http.StatusOK, cert)
}
