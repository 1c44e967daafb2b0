package conf

import "fmt"

// Admin holds what protects the Admin API.
type Admin struct {
	// Token, when set (admin_token), is required on every Admin API request as
	// `Authorization: Bearer <token>` or `Kong-Admin-Token: <token>`.
	Token string
	// MaxBodySize caps an Admin API request body, in bytes (admin_max_body_size).
	MaxBodySize int64
	// MaxModuleSize caps an uploaded wasm module, in bytes (wasm_max_module_size).
	MaxModuleSize int64
	// SSLCert and SSLCertKey are the PEM files ssl admin listeners serve
	// (admin_ssl_cert, admin_ssl_cert_key); unset, a self-signed pair is generated
	// once and kept in the prefix.
	SSLCert, SSLCertKey string
	// ClientCA, when set (admin_ssl_client_ca), is a PEM bundle of CAs; a client
	// certificate they issued authenticates an Admin API request over TLS.
	ClientCA string
}

// Admin defaults: bodies up to 64 MiB, modules up to 32 MiB. A standard-Go plugin is
// about 2 MB, so the module cap leaves room for large guests while keeping a hostile
// upload from costing a compile of gigabytes; the body cap leaves room for the module
// in base64 JSON and for large declarative files.
const (
	defaultAdminMaxBodySize  = "64m"
	defaultWasmMaxModuleSize = "32m"
)

// parseAdmin reads admin_token, admin_max_body_size and wasm_max_module_size.
func parseAdmin(props map[string]string) (Admin, []error) {
	a := Admin{Token: props["admin_token"], SSLCert: props["admin_ssl_cert"], SSLCertKey: props["admin_ssl_cert_key"],
		ClientCA: props["admin_ssl_client_ca"]}
	var errs []error
	if (a.SSLCert == "") != (a.SSLCertKey == "") {
		errs = append(errs, fmt.Errorf("admin_ssl_cert and admin_ssl_cert_key: set both or neither"))
	}
	var err error
	if a.MaxBodySize, err = parseSize(props["admin_max_body_size"]); err != nil || a.MaxBodySize < 1 {
		errs = append(errs, fmt.Errorf("admin_max_body_size: expected a size such as 64m: %q", props["admin_max_body_size"]))
	}
	if a.MaxModuleSize, err = parseSize(props["wasm_max_module_size"]); err != nil || a.MaxModuleSize < 1 {
		errs = append(errs, fmt.Errorf("wasm_max_module_size: expected a size such as 32m: %q", props["wasm_max_module_size"]))
	}
	if a.MaxModuleSize > a.MaxBodySize && a.MaxBodySize > 0 {
		errs = append(errs, fmt.Errorf("wasm_max_module_size (%d) is larger than admin_max_body_size (%d): no upload could reach it", a.MaxModuleSize, a.MaxBodySize))
	}
	return a, errs
}
