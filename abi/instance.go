package abi

import (
	"context"
	"crypto/rand"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

// Instance is one VM: an instantiated module with its own linear memory and guest
// runtime. It is single-threaded: every call into the guest holds mu, so the many HTTP
// contexts interleaved on one instance see a coherent guest. Host functions run on the
// calling goroutine while mu is held and must never take it again.
type Instance struct {
	mod     *Module
	svc     Services
	guest   api.Module
	timeout time.Duration
	fns     [numCallbacks]export // cached exports by callbackIndex (fn nil: absent); wazero's lookup per call costs ~12 KB
	alloc   api.Function         // malloc, else proxy_on_memory_allocate; may be nil
	// cctx is the context of every guest call and watch its deadline (deadline.go).
	cctx  *callContext
	watch *watchdog
	// stack and allocStack carry a call's parameters and results (CallWithStack);
	// allocStack serves the allocator, called while a callback's stack is in use.
	stack      []uint64
	allocStack [1]uint64
	// retBuf is where returned values go when the guest named a buffer
	// (returnbuffer.go); written and read only during guest calls, under mu.
	retBuf returnBuffer
	// scratch holds the answer of the ABI layer's own foreign functions, and a header
	// map a guest reads whole, until it is copied to the guest, so they allocate
	// nothing per call; used under mu.
	scratch []byte
	// foreignArgs holds the copy of a gateway foreign function's arguments for the
	// length of the call; used under mu.
	foreignArgs []byte
	// pathSegments holds the segments of a property path being read (pathView);
	// used under mu.
	pathSegments [8]string
	// fieldRoom holds the fields of a weir.set_header_values call (rate-limiting's
	// five fit); used under mu.
	fieldRoom [8][2]string
	// names keeps the uncommon header names the guest used (nameCache); used under
	// mu.
	names nameCache
	// intTexts keeps the texts of integers the guest set as header values, and
	// guestNames the names it gave them by address; used under mu.
	intTexts   intTexts
	guestNames guestNames
	// askedFields are the names of the guest's last weir.header_fields call; used
	// under mu.
	askedFields askedFields
	// foreignNames are the gateway's foreign function names this instance called
	// (host_foreign.go); used under mu.
	foreignNames map[string]string

	failed atomic.Bool // set once; read without mu so pools can check health any time
	// failedIn is the plugin whose callback failed, once failed is set by a callback.
	failedIn atomic.Pointer[string]

	vmID string

	mu       sync.Mutex
	vmConfig []byte
	nextID   uint32
	// roots holds the VM and root contexts, streams the contexts under them: a node
	// with thousands of route-scoped plugin configs has that many roots, and every
	// request adds and removes stream contexts, which a map that large made slow.
	roots, streams map[uint32]*contextState
	call           callState // the guest call in progress; zero between calls
	vmRoot         *contextState
	calls          map[uint32]*pendingCall // proxy_http_call calls in flight
	callSeq        uint32
}

// export is a cached guest export and its result count (wazero builds the result
// types anew on each Definition().ResultTypes()).
type export struct {
	fn              api.Function
	params, results int
	stats           *CallbackStats
}

func newExport(fn api.Function, stats *CallbackStats) export {
	d := fn.Definition()
	return export{fn: fn, params: len(d.ParamTypes()), results: len(d.ResultTypes()), stats: stats}
}

// contextState is the host's view of one guest context: a root (plugin) context when
// root is nil, else an HTTP context under root.
type contextState struct {
	id         uint32
	root       *contextState
	pluginName string
	rootID     string
	config     []byte
	stream     HTTPStream
	bodyEnded  [4]bool // end_of_stream of the last body or data callback, by buffer type
	tick       *ticker // a root's proxy_on_tick timer, or nil
	// status is what proxy_get_status answers in this context: the outcome of the
	// last callout (HTTP call) answered to it, kept until the next one.
	status callStatus
	// stats, on a root whose plugin is not the VM's namesake (a module carrying
	// several plugins), holds the callback statistics of that plugin by callbackIndex,
	// so each plugin's callbacks are timed under its own name.
	stats *[numCallbacks]*CallbackStats
	// skip is a root context's declared HTTP callbacks to skip (httpcallbacks.go).
	skip callbackSet
	// unfiled is a stream the guest never learns of, its plugin keeping no stream
	// contexts (skipStreamContext): no id of the guest's names it, so it stays out of
	// the streams map, whose insert and delete were a good part of such a plugin's
	// price per request.
	unfiled bool
}

// callStatus is a callout's outcome as proxy_get_status reports it.
type callStatus struct {
	code uint32
	msg  string
}

// plugin returns the root context a context belongs to (itself for a root).
func (c *contextState) plugin() *contextState {
	if c.root != nil {
		return c.root
	}
	return c
}

// phase says which callback is running, for host calls whose answer depends on it
// (0.1.0's proxy_get_configuration).
type phase int

const (
	phaseOther phase = iota
	phaseVMStart
	phaseConfigure
)

// callState is what host functions need to know about the guest call in progress.
type callState struct {
	current  *contextState // switched by proxy_set_effective_context
	phase    phase
	deferred []func()    // run after the callback returns, outside mu (stream control)
	local    *localReply // the last proxy_send_local_response of this call
	// httpResp is the answer proxy_on_http_call_response is about: map types 6 and 7,
	// buffer type 4 and proxy_get_status read it.
	httpResp *HTTPCallResponse
}

// localReply is a recorded proxy_send_local_response, delivered once the callback ends.
type localReply struct {
	stream HTTPStream
	resp   LocalResponse
}

type instanceKey struct{}

// InstanceConfig says which VM an instance is.
type InstanceConfig struct {
	// VMID is the VM id (plugin_vm_id): instances with the same id share their shared
	// data and queues, as Envoy's VMs with one vm_id do. weir uses the module's name.
	VMID string
	// VMConfig is the VM configuration proxy_on_vm_start reads (buffer type 6).
	VMConfig []byte
}

// NewInstance instantiates the module without filesystem, network, environment or
// arguments (stdout and stderr go to svc.Log at info and error), runs its start
// functions by the spec's rule, creates the VM root context and calls
// proxy_on_vm_start with the VM configuration. A false from the guest wraps
// ErrConfigureRejected.
func (m *Module) NewInstance(ctx context.Context, svc Services, cfg InstanceConfig) (*Instance, error) {
	i := &Instance{mod: m, svc: svc, timeout: m.rt.timeout, vmConfig: cfg.VMConfig, vmID: cfg.VMID,
		roots: make(map[uint32]*contextState), streams: make(map[uint32]*contextState),
		calls: make(map[uint32]*pendingCall)}
	mcfg := wazero.NewModuleConfig().WithName("").WithStartFunctions().
		WithStdout(&logWriter{inst: i, level: LogInfo}).WithStderr(&logWriter{inst: i, level: LogError}).
		WithSysWalltime().WithSysNanotime().WithRandSource(rand.Reader).
		WithEnv("GOMEMLIMIT", m.rt.goMemLimit)
	guest, err := m.rt.rt.InstantiateModule(experimental.WithMemoryAllocator(ctx, mappedMemory), m.compiled, mcfg)
	if err != nil {
		return nil, fmt.Errorf("instantiate proxy-wasm module: %w", err)
	}
	i.guest = guest
	i.cctx = newCallContext(i)
	if g, ok := guest.ExportedGlobal(interruptGlobal).(api.MutableGlobal); ok {
		i.cctx.interrupt = g
	}
	i.watch = newWatchdog(i.cctx, i.timeout)
	m.rt.watchdogs.add(i.watch)
	i.cacheExports()
	if err := i.boot(ctx); err != nil {
		_ = i.Close(ctx)
		return nil, err
	}
	return i, nil
}

// cacheExports looks every callback up once.
func (i *Instance) cacheExports() {
	size := 1
	for name, arity := range i.mod.arity {
		if n := callbackIndex(name); n >= 0 {
			i.fns[n] = newExport(i.guest.ExportedFunction(name), i.mod.rt.callbacks.get(i.vmID, name))
			size = max(size, arity)
		}
	}
	i.stack = make([]uint64, size)
	defs := i.guest.ExportedFunctionDefinitions()
	for _, name := range []string{fnMalloc, fnMemoryAllocate} { // Envoy's order
		if def, ok := defs[name]; ok && isAllocator(def) {
			i.alloc = i.guest.ExportedFunction(name)
			break
		}
	}
}

// boot runs the start functions and creates the VM root context.
func (i *Instance) boot(ctx context.Context) error {
	if err := i.enter(); err != nil {
		return err
	}
	defer i.leave()
	if err := i.runStart(ctx); err != nil {
		return err
	}
	i.vmRoot = i.newContext(nil, "", "", nil)
	if err := i.callVoid(ctx, i.vmRoot, phaseOther, fnContextCreate, uint64(i.vmRoot.id), 0); err != nil {
		return err
	}
	ok, err := i.callBool(ctx, i.vmRoot, phaseVMStart, fnVMStart, uint64(i.vmRoot.id), uint64(len(i.vmConfig)))
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("%w: proxy_on_vm_start returned false", ErrConfigureRejected)
	}
	return nil
}

// runStart follows the spec: _initialize then main(0, 0) when _initialize is exported,
// else _start.
func (i *Instance) runStart(ctx context.Context) error {
	if _, ok := i.mod.arity[fnInitialize]; ok {
		if err := i.callVoid(ctx, nil, phaseOther, fnInitialize); err != nil {
			return err
		}
		return i.runMain(ctx)
	}
	return i.callVoid(ctx, nil, phaseOther, fnStart)
}

// runMain calls main with zeros for whatever i32 parameters it declares; a module may
// export no main at all.
func (i *Instance) runMain(ctx context.Context) error {
	def, ok := i.guest.ExportedFunctionDefinitions()[fnMain]
	if !ok || !allI32(def.ParamTypes()) {
		return nil
	}
	i.fns[callbackIndex(fnMain)] = newExport(i.guest.ExportedFunction(fnMain), i.mod.rt.callbacks.get(i.vmID, fnMain))
	if n := len(def.ParamTypes()); n > len(i.stack) {
		i.stack = make([]uint64, n)
	}
	_, err := i.invoke(ctx, nil, phaseOther, callbackIndex(fnMain), make([]uint64, len(def.ParamTypes()))...)
	return err
}

// newContext registers a context with a fresh id. Ids start at 1: 0 is "no parent".
func (i *Instance) newContext(root *contextState, pluginName, rootID string, config []byte) *contextState {
	return i.initContext(new(contextState), root, pluginName, rootID, config)
}

// initContext files c, fresh storage, as the instance's next context.
func (i *Instance) initContext(c *contextState, root *contextState, pluginName, rootID string, config []byte) *contextState {
	i.nextID++
	*c = contextState{id: i.nextID, root: root, pluginName: pluginName, rootID: rootID, config: config}
	i.contextsOf(c)[c.id] = c
	return c
}

// initUnfiled makes c, fresh storage, a stream of root the guest does not learn of
// (see contextState.unfiled).
func (i *Instance) initUnfiled(c *contextState, root *contextState) *contextState {
	i.nextID++
	*c = contextState{id: i.nextID, root: root, unfiled: true}
	return c
}

// contextsOf is the map that files c: streams, or roots for a context without a root.
func (i *Instance) contextsOf(c *contextState) map[uint32]*contextState {
	if c.root == nil {
		return i.roots
	}
	return i.streams
}

// isOpen says whether root is still a context of the instance (not closed).
func (i *Instance) isOpen(root *contextState) bool { return i.roots[root.id] == root }

// context finds a context of the instance by id.
func (i *Instance) context(id uint32) (*contextState, bool) {
	if c, ok := i.streams[id]; ok {
		return c, true
	}
	c, ok := i.roots[id]
	return c, ok
}

// FailedIn names the plugin whose callback failed and retired the instance: with
// several plugins in one module, the one to blame. "" while healthy, or when the
// instance failed outside any plugin's context (start-up, Close).
func (i *Instance) FailedIn() string {
	if p := i.failedIn.Load(); p != nil {
		return *p
	}
	return ""
}

// Healthy is false once a trap, deadline, exit or fault happened, or after Close: the
// host must retire the instance and never call it again.
func (i *Instance) Healthy() bool { return !i.failed.Load() }

// Close retires the instance and frees its memory. It waits for a callback in progress
// (at most the callback deadline).
func (i *Instance) Close(ctx context.Context) error {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.failed.Store(true)
	if i.watch != nil {
		i.mod.rt.watchdogs.remove(i.watch)
	}
	for id, p := range i.calls {
		p.cancel()
		delete(i.calls, id)
	}
	for _, c := range i.roots {
		stopTick(c) // only roots tick
	}
	if err := i.guest.Close(ctx); err != nil {
		return fmt.Errorf("close proxy-wasm instance: %w", err)
	}
	return nil
}
