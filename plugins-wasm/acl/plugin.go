// Package acl is Kong 3.9's acl plugin as a weir proxy-wasm plugin: it lets a request
// through when its authenticated consumer's groups (Kong's acls, asked from the
// gateway) pass the allow or deny list, and tells the upstream the groups.
package acl

import (
	"encoding/json"
	"strings"

	"github.com/weir-gateway/weir/sdk/proxywasm"
	"github.com/weir-gateway/weir/sdk/weir"
)

// config is acl's configuration (schema.json; its entity checks make exactly one of
// allow and deny non-empty).
type config struct {
	Allow                        []string `json:"allow"`
	Deny                         []string `json:"deny"`
	HideGroupsHeader             bool     `json:"hide_groups_header"`
	AlwaysUseAuthenticatedGroups bool     `json:"always_use_authenticated_groups"`
}

const (
	msgForbidden  = "You cannot consume this service"
	msgUnexpected = "An unexpected error occurred"
)

func init() {
	weir.Register(weir.Plugin[config]{Name: "acl", OnRequest: onRequest})
}

// deny says which list the config uses: deny when it has a group, as Kong decides.
func (c *config) deny() bool { return len(c.Deny) > 0 }

func (c *config) groups() []string {
	if c.deny() {
		return c.Deny
	}
	return c.Allow
}

func onRequest(r *weir.Request, c *config) weir.Action {
	consumer, credentialID, authenticated := weir.AuthenticatedConsumer()
	withCredential := credentialID != ""
	header := "x-consumer-groups"
	var groups []string
	if !authenticated || !withCredential || c.AlwaysUseAuthenticatedGroups {
		groups = authenticatedGroups()
	}
	switch {
	case groups != nil:
		header = "x-authenticated-groups"
	case !authenticated:
		if withCredential {
			return r.Error(403, msgForbidden)
		}
		return r.Error(401, "Unauthorized")
	default:
		var err error
		if groups, _, err = weir.ConsumerGroups(); err != nil {
			proxywasm.LogErrorf("acl: groups of consumer %s: %v", consumer.ID, err)
			return r.Error(500, msgUnexpected)
		}
		if len(groups) == 0 && !c.deny() {
			if withCredential {
				return r.Error(403, msgForbidden)
			}
			return r.Error(401, "Unauthorized")
		}
	}
	if inAny(c.groups(), groups) == c.deny() {
		return r.Error(403, msgForbidden)
	}
	if !c.HideGroupsHeader {
		if err := r.SetHeader(header, strings.Join(groups, ", ")); err != nil {
			proxywasm.LogErrorf("acl: set %s: %v", header, err)
		}
	}
	return weir.Continue
}

// authenticatedGroups are the groups an earlier plugin authenticated the request with
// (Kong's kong.ctx.shared.authenticated_groups): a JSON array of strings stored under
// weir.ctx.authenticated_groups; nil when there is none.
func authenticatedGroups() []string {
	raw, ok := weir.CtxGet("authenticated_groups")
	if !ok {
		return nil
	}
	var groups []string
	if err := json.Unmarshal(raw, &groups); err != nil || groups == nil {
		proxywasm.LogWarnf("acl: invalid authenticated_groups, a JSON array of strings was expected")
		return nil
	}
	return groups
}

// inAny reports whether any of want is among have.
func inAny(want, have []string) bool {
	for _, w := range want {
		for _, h := range have {
			if w == h {
				return true
			}
		}
	}
	return false
}
