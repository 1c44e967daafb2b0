package store

import "encoding/json"

// The entity structs below marshal to exactly the JSON Kong's Admin API returns for the
// same entity: every field present, unset ones as null.

// Ref is a foreign key as Kong writes it: {"id": "..."}.
type Ref struct {
	ID string `json:"id"`
}

// Service is an upstream API (Kong's services entity).
type Service struct {
	ID                string   `json:"id"`
	CreatedAt         int64    `json:"created_at"`
	UpdatedAt         int64    `json:"updated_at"`
	Name              *string  `json:"name"`
	Retries           int      `json:"retries"`
	Protocol          string   `json:"protocol"`
	Host              string   `json:"host"`
	Port              int      `json:"port"`
	Path              *string  `json:"path"`
	ConnectTimeout    int      `json:"connect_timeout"`
	WriteTimeout      int      `json:"write_timeout"`
	ReadTimeout       int      `json:"read_timeout"`
	Tags              []string `json:"tags"`
	ClientCertificate *Ref     `json:"client_certificate"`
	TLSVerify         *bool    `json:"tls_verify"`
	TLSVerifyDepth    *int     `json:"tls_verify_depth"`
	CACertificates    []string `json:"ca_certificates"`
	Enabled           bool     `json:"enabled"`
}

// CIDRPort is one entry of a route's sources or destinations.
type CIDRPort struct {
	IP   *string `json:"ip,omitempty"`
	Port *int    `json:"port,omitempty"`
}

// Route says which requests reach a service (Kong's routes entity).
type Route struct {
	ID                      string              `json:"id"`
	CreatedAt               int64               `json:"created_at"`
	UpdatedAt               int64               `json:"updated_at"`
	Name                    *string             `json:"name"`
	Protocols               []string            `json:"protocols"`
	Methods                 []string            `json:"methods"`
	Hosts                   []string            `json:"hosts"`
	Paths                   []string            `json:"paths"`
	Headers                 map[string][]string `json:"headers"`
	SNIs                    []string            `json:"snis"`
	Sources                 []CIDRPort          `json:"sources"`
	Destinations            []CIDRPort          `json:"destinations"`
	HTTPSRedirectStatusCode int                 `json:"https_redirect_status_code"`
	RegexPriority           int                 `json:"regex_priority"`
	StripPath               bool                `json:"strip_path"`
	PathHandling            string              `json:"path_handling"`
	PreserveHost            bool                `json:"preserve_host"`
	RequestBuffering        bool                `json:"request_buffering"`
	ResponseBuffering       bool                `json:"response_buffering"`
	Service                 *Ref                `json:"service"`
	Tags                    []string            `json:"tags"`
}

// Consumer is a client of the gateway (Kong's consumers entity).
type Consumer struct {
	ID        string   `json:"id"`
	CreatedAt int64    `json:"created_at"`
	UpdatedAt int64    `json:"updated_at"`
	Username  *string  `json:"username"`
	CustomID  *string  `json:"custom_id"`
	Tags      []string `json:"tags"`
}

// Plugin is one enabled plugin instance with its config (Kong's plugins entity). Name is
// a built-in plugin or an uploaded wasm module.
type Plugin struct {
	ID           string          `json:"id"`
	CreatedAt    int64           `json:"created_at"`
	UpdatedAt    int64           `json:"updated_at"`
	Name         string          `json:"name"`
	InstanceName *string         `json:"instance_name"`
	Config       json.RawMessage `json:"config"`
	Service      *Ref            `json:"service"`
	Route        *Ref            `json:"route"`
	Consumer     *Ref            `json:"consumer"`
	Protocols    []string        `json:"protocols"`
	Enabled      bool            `json:"enabled"`
	// Ordering is absent from Kong OSS's plugin entity, so it is left out of the JSON
	// when unset and OSS clients see the entity they know.
	Ordering *PluginOrdering `json:"ordering,omitempty"`
	Tags     []string        `json:"tags"`
}

// PluginOrdering moves a plugin before or after other plugins in one phase (only
// "access"), overriding priorities: Kong Enterprise's dynamic plugin ordering.
type PluginOrdering struct {
	Before map[string][]string `json:"before,omitempty"`
	After  map[string][]string `json:"after,omitempty"`
}

// KeyAuthCredential is an API key of a consumer (Kong's keyauth_credentials entity).
type KeyAuthCredential struct {
	ID        string   `json:"id"`
	CreatedAt int64    `json:"created_at"`
	Consumer  *Ref     `json:"consumer"`
	Key       string   `json:"key"`
	TTL       *int     `json:"ttl"`
	Tags      []string `json:"tags"`
}

// WasmModule is an uploaded proxy-wasm plugin binary. Plugins name it by Name; the binary
// itself is stored apart, content-addressed by SHA256, and read with Store.WasmBinary.
type WasmModule struct {
	ID        string   `json:"id"`
	CreatedAt int64    `json:"created_at"`
	UpdatedAt int64    `json:"updated_at"`
	Name      string   `json:"name"`
	SHA256    string   `json:"sha256"`
	Size      int64    `json:"size"`
	Priority  int      `json:"priority"`
	Tags      []string `json:"tags"`
	// Version and Schema come from the module's weir.plugin custom section (written by
	// `weir plugin build`): Schema is its plugin schema, which then validates and fills
	// the config of plugins using the module. Both are null for a module without one.
	Version *string         `json:"version"`
	Schema  json.RawMessage `json:"schema"`
}

// Dataset is every entity the proxy needs, read in one consistent transaction.
type Dataset struct {
	Services             []Service
	Routes               []Route
	Consumers            []Consumer
	Plugins              []Plugin
	KeyAuthCredentials   []KeyAuthCredential
	WasmModules          []WasmModule
	Upstreams            []Upstream
	Targets              []Target
	JWTSecrets           []JWTSecret
	BasicAuthCredentials []BasicAuthCredential
	ACLs                 []ACL
	HMACAuthCredentials  []HMACAuthCredential
	Certificates         []Certificate
	SNIs                 []SNI
	CACertificates       []CACertificate
	Vaults               []Vault
	KeySets              []KeySet
	Keys                 []Key
}
