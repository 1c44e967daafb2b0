package pipeline

import (
	"context"
	"encoding/json"
	"log/slog"

	"github.com/weir-gateway/weir/abi"
	"github.com/weir-gateway/weir/host/snapshot"
	"github.com/weir-gateway/weir/store"
)

// Foreign-function names weir serves to plugins (see docs/foreign-functions.md).
const (
	fnFindCredential = "weir.find_credential"
	fnFindConsumer   = "weir.find_consumer"
	fnAuthenticate   = "weir.authenticate"
	fnRouterMatch    = "weir.router_match"
	fnCheckPassword  = "weir.check_password"
	fnConsumerGroups = "weir.consumer_groups"
)

// Services implements abi.Services for every wasm instance: guest logs go to the
// gateway's log, and foreign functions reach the snapshot of the calling request.
type Services struct {
	Logger *slog.Logger
	Level  abi.LogLevel
	// Snapshot is the current configuration, for host services called outside a
	// request (a tick's HTTP call naming a service); nil means none.
	Snapshot func() *snapshot.Snapshot
	// Upstream sends proxy_http_call requests; nil makes them BAD_ARGUMENT.
	Upstream Upstream
	// Metrics records requests for weir.prometheus_observe; nil makes it NOT_FOUND.
	Metrics MetricsRecorder
	// Counters keeps the rate-limiting cluster policy's counters; nil when the store
	// has none (weir.ratelimit_increment then answers NOT_FOUND for it).
	Counters store.Counters
	rl       rateLimiters
}

// snapshot is the configuration a host service runs on: the request's own, else the
// current one.
func (s *Services) snapshot(e *Exchange) *snapshot.Snapshot {
	if e != nil && e.snap != nil {
		return e.snap
	}
	if s.Snapshot != nil {
		return s.Snapshot()
	}
	return nil
}

// Log implements abi.Services.
func (s *Services) Log(plugin string, level abi.LogLevel, msg string) {
	s.Logger.Log(context.Background(), slogLevel(level), msg, "plugin", plugin, "source", "wasm")
}

// LogLevel implements abi.Services.
func (s *Services) LogLevel() abi.LogLevel { return s.Level }

func slogLevel(l abi.LogLevel) slog.Level {
	switch {
	case l <= abi.LogDebug:
		return slog.LevelDebug
	case l == abi.LogInfo:
		return slog.LevelInfo
	case l == abi.LogWarn:
		return slog.LevelWarn
	}
	return slog.LevelError
}

// CallForeignFunction implements abi.Services.
func (s *Services) CallForeignFunction(stream abi.HTTPStream, name string, args []byte) ([]byte, abi.Status) {
	e, _ := stream.(*Exchange)
	switch name {
	case fnFindCredential:
		return callFindCredential(e, args)
	case fnFindConsumer:
		return call(e, args, findConsumer)
	case fnAuthenticate:
		return call(e, args, authenticate)
	case fnRouterMatch:
		return call(e, args, routerMatch)
	case fnLogSerialize:
		return logSerialize(e)
	case fnPrometheusObserve:
		return s.prometheusObserve(e, args)
	case fnCheckPassword:
		return call(e, args, checkPassword)
	case fnConsumerGroups:
		return call(e, args, consumerGroups)
	case fnRateLimitIncrement:
		return call(e, args, s.rateLimitIncrement)
	}
	return nil, abi.StatusNotFound
}

// call decodes JSON args, runs fn on the request's exchange and encodes its result.
// Outside a request (a root context) these functions do not apply: NOT_FOUND.
func call[A any](e *Exchange, args []byte, fn func(*Exchange, *A) (any, abi.Status)) ([]byte, abi.Status) {
	if e == nil || e.snap == nil {
		return nil, abi.StatusNotFound
	}
	var a A
	if err := json.Unmarshal(args, &a); err != nil {
		return nil, abi.StatusParseFailure
	}
	res, status := fn(e, &a)
	if status != abi.StatusOK || res == nil {
		return nil, status
	}
	out, err := json.Marshal(res)
	if err != nil {
		return nil, abi.StatusSerializationFailure
	}
	return out, abi.StatusOK
}

type findCredentialArgs struct {
	Kind  string `json:"kind"`
	Field string `json:"field"`
	Value string `json:"value"`
	// Authenticate asks for weir.authenticate's work on the credential found, in the
	// same call, and for no entities in the result: a plugin that needs nothing of the
	// credential but that it exists (key-auth) makes one host call and decodes nothing.
	Authenticate bool `json:"authenticate"`
}

// The answers without entities, made once: the ABI layer copies a result into the
// guest and keeps nothing of it.
var (
	foundOnly = []byte(`{"found":true}`)
	notFound  = []byte(`{"found":false}`)
)

// callFindCredential is call for weir.find_credential, the one foreign function on
// every keyed request: its arguments are read by scanFlatObject when they have the
// SDK's shape, and an answer without entities is a constant.
func callFindCredential(e *Exchange, args []byte) ([]byte, abi.Status) {
	if e == nil || e.snap == nil {
		return nil, abi.StatusNotFound
	}
	var a findCredentialArgs
	if !a.canonical(args) && !a.scan(args) {
		slow := new(findCredentialArgs) // decoded apart, so that a stays off the heap
		if err := json.Unmarshal(args, slow); err != nil {
			return nil, abi.StatusParseFailure
		}
		a = *slow
	}
	res, status := findCredential(e, &a)
	if status != abi.StatusOK {
		return nil, status
	}
	if res.Credential == nil && res.Consumer == nil {
		if res.Found {
			return foundOnly, abi.StatusOK
		}
		return notFound, abi.StatusOK
	}
	out, err := json.Marshal(res)
	if err != nil {
		return nil, abi.StatusSerializationFailure
	}
	return out, abi.StatusOK
}

// credentialQueries are weir.find_credential's arguments up to the value's first byte,
// exactly as the SDKs write them, for each of credentialLookups, in its order.
var credentialQueries = func() (q []string) {
	for _, l := range credentialLookups {
		q = append(q, `{"kind":"`+l.kind+`","field":"`+l.field+`","value":"`)
	}
	return q
}()

// canonical reads the arguments when they are the bytes an SDK writes for a lookup
// weir answers: one of credentialQueries, a plain string, then the end or
// authenticate. It compares them whole where scan reads member by member (about 1,400
// instructions a keyed request); false leaves the reading to scan.
func (a *findCredentialArgs) canonical(args []byte) bool {
	for i, q := range credentialQueries {
		if len(args) <= len(q) || string(args[:len(q)]) != q {
			continue
		}
		value, next, ok := plainString(args, len(q)-1)
		if !ok {
			return false
		}
		authenticate := false
		switch string(args[next:]) {
		case `,"authenticate":true}`:
			authenticate = true
		case "}", `,"authenticate":false}`:
		default:
			return false
		}
		l := &credentialLookups[i]
		*a = findCredentialArgs{Kind: l.kind, Field: l.field, Value: value, Authenticate: authenticate}
		return true
	}
	return false
}

// scan reads the arguments in the shape the SDK sends them: exactly these keys, plain
// strings and a bool. false means encoding/json must decide.
func (a *findCredentialArgs) scan(args []byte) bool {
	return scanFlatObject(args, func(key, str string, isBool, boolean bool) bool {
		switch {
		case key == "kind" && !isBool:
			a.Kind = str
		case key == "field" && !isBool:
			a.Field = str
		case key == "value" && !isBool:
			a.Value = str
		case key == "authenticate" && isBool:
			a.Authenticate = boolean
		default:
			return false
		}
		return true
	})
}

type found struct {
	Found      bool `json:"found"`
	Credential any  `json:"credential,omitempty"`
	Consumer   any  `json:"consumer,omitempty"`
}

func findCredential(e *Exchange, a *findCredentialArgs) (found, abi.Status) {
	cred, owner, ok := lookupCredential(e.snap, a)
	if !ok {
		return found{}, abi.StatusBadArgument
	}
	if cred.entity == nil || owner == nil {
		return found{}, abi.StatusOK
	}
	consumer := e.snap.Consumer(owner.ID)
	if consumer == nil {
		return found{}, abi.StatusOK
	}
	if a.Authenticate {
		setConsumer(e, consumer, cred.id, cred.identifier, false)
		return found{Found: true}, abi.StatusOK
	}
	return found{Found: true, Credential: cred.entity, Consumer: consumer}, abi.StatusOK
}

type findConsumerArgs struct {
	IDOrUsername string `json:"id_or_username"`
}

func findConsumer(e *Exchange, a *findConsumerArgs) (any, abi.Status) {
	c := e.snap.ConsumerByIDOrUsername(a.IDOrUsername)
	if c == nil {
		return found{}, abi.StatusOK
	}
	return found{Found: true, Consumer: c}, abi.StatusOK
}

type authenticateArgs struct {
	ConsumerID   string `json:"consumer_id"`
	CredentialID string `json:"credential_id"`
	Anonymous    bool   `json:"anonymous"`
	// Identifier is the X-Credential-Identifier value when it is not the credential's
	// id (Kong's jwt sends the secret's key, basic-auth the username).
	Identifier string `json:"identifier"`
}

// authenticate records the consumer on the request and sets the headers Kong's auth
// plugins send upstream, dropping any the client sent itself.
func authenticate(e *Exchange, a *authenticateArgs) (any, abi.Status) {
	c := e.snap.Consumer(a.ConsumerID)
	if c == nil {
		return nil, abi.StatusNotFound
	}
	setConsumer(e, c, a.CredentialID, a.Identifier, a.Anonymous)
	return nil, abi.StatusOK
}

// setConsumer records the authenticated consumer and its credential (credentialID ""
// for none; identifier, when set, is the X-Credential-Identifier instead of the id).
func setConsumer(e *Exchange, c *store.Consumer, credentialID, identifier string, anonymous bool) {
	e.consumer, e.credentialID, e.anonymous = c, credentialID, anonymous
	cred := credentialID
	if identifier != "" {
		cred = identifier
	}
	e.Request.Headers.setOrRemove([]fieldChange{
		{key: consumerFields[0], value: c.ID},
		optionalField(consumerFields[1], c.CustomID),
		optionalField(consumerFields[2], c.Username),
		{key: consumerFields[3], value: cred, remove: credentialID == ""},
		{key: consumerFields[4], value: "true", remove: !anonymous},
	})
}

// consumerFields are the fields setConsumer sets, as the gateway's own strings for
// them (abi.CommonName).
var consumerFields = commonNames("x-consumer-id", "x-consumer-custom-id", "x-consumer-username",
	"x-credential-identifier", "x-anonymous-consumer")

// optionalField sets key to *v, or removes it when v is nil.
func optionalField(key string, v *string) fieldChange {
	if v == nil {
		return fieldChange{key: key, remove: true}
	}
	return fieldChange{key: key, value: *v}
}

// matched is weir.router_match's result: the route and service the request matched,
// as the Admin API shows them (Kong's kong.router.get_route and get_service).
type matched struct {
	Route   any `json:"route"`
	Service any `json:"service"`
}

func routerMatch(e *Exchange, _ *struct{}) (any, abi.Status) {
	var m matched
	if r := e.Route(); r != nil {
		m.Route = r
	}
	if e.service != nil {
		m.Service = e.service
	}
	return m, abi.StatusOK
}
