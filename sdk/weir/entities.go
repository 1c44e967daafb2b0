package weir

import "encoding/json"

// Consumer is a consumer as the gateway sends it (Kong's consumers entity).
type Consumer struct {
	ID       string   `json:"id"`
	Username *string  `json:"username"`
	CustomID *string  `json:"custom_id"`
	Tags     []string `json:"tags"`
}

// Credential is a credential entity of any kind. ID and the owning consumer are typed;
// Raw keeps the whole entity for kind-specific fields (a JWT secret's algorithm, say).
type Credential struct {
	ID       string `json:"id"`
	Consumer *struct {
		ID string `json:"id"`
	} `json:"consumer"`
	Raw json.RawMessage `json:"-"`
}

// UnmarshalJSON fills the typed fields and keeps the raw entity.
func (c *Credential) UnmarshalJSON(b []byte) error {
	type plain Credential
	if err := json.Unmarshal(b, (*plain)(c)); err != nil {
		return err
	}
	c.Raw = append(json.RawMessage(nil), b...)
	return nil
}
