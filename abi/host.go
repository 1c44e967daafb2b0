package abi

// The interfaces below are what the gateway implements for the ABI. They speak in plain
// Go values, never in a server library's types, so any front end (fasthttp for HTTP/1.1,
// net/http for HTTP/2) can feed the same plugins.

// HeaderMap is one header (or trailer) map of a stream. Keys compare case-insensitively;
// the ABI lower-cases keys before it calls Add, Set or Remove.
type HeaderMap interface {
	// Pairs returns every field in order, repeated keys included.
	Pairs() [][2]string
	// Get returns the first value of key.
	Get(key string) (string, bool)
	// Add appends a field, keeping any existing ones with that key.
	Add(key, value string)
	// Set replaces every field with that key by one field, or adds it.
	Set(key, value string)
	// Remove drops every field with that key; absent keys are fine.
	Remove(key string)
	// SetPairs replaces the whole map.
	SetPairs(pairs [][2]string)
}

// Buffer is one body buffer of a stream.
type Buffer interface {
	Bytes() []byte
	// Set replaces the whole content; the ABI computes prepend, append and replace
	// on top of Bytes and Set.
	Set(b []byte)
}

// LocalResponse is what proxy_send_local_response asked for. The ABI hands it to the
// stream once the callback that asked for it has returned (as Envoy does).
type LocalResponse struct {
	Status     int
	Details    string
	Body       []byte
	Headers    [][2]string
	GRPCStatus int32 // -1 when the guest passed none
}

// HTTPStream is one HTTP exchange as a plugin sees it. The gateway's pipeline implements
// it; the ABI reaches the request and response only through it.
type HTTPStream interface {
	// Map returns the header map of type t, or nil when the stream has none at this
	// point (response headers before the upstream answered, say).
	Map(t MapType) HeaderMap
	// Buffer returns the body buffer of type t, or nil.
	Buffer(t BufferType) Buffer
	// SendLocalResponse ends the exchange with a response made by the plugin; the
	// upstream is not called (or its response is replaced).
	SendLocalResponse(r LocalResponse)
	// Property returns the value at path (segments as the guest sent them, split on
	// NUL), or false when there is none. The segments are good only for the call (they
	// share the guest's memory); the value is only read (it may share the gateway's).
	Property(path []string) ([]byte, bool)
	// SetProperty writes a writable property; false when path is unknown or read-only.
	SetProperty(path []string, value []byte) bool
}

// Services are the gateway's host services that are not tied to one stream.
type Services interface {
	// Log writes one guest log line; plugin names the root context's plugin.
	Log(plugin string, level LogLevel, msg string)
	// LogLevel is the level below which guest log lines are dropped.
	LogLevel() LogLevel
	// CallForeignFunction runs a host function called by name through
	// proxy_call_foreign_function. stream is the stream of the current context, or nil
	// when the call comes from a root context. A name the gateway does not know returns
	// StatusNotFound. args is the instance's storage, valid until the call returns: a
	// function that keeps any of it copies it.
	CallForeignFunction(stream HTTPStream, name string, args []byte) ([]byte, Status)
}
