package weir

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/weir-gateway/weir/sdk/proxywasm"
)

// getShared and setShared are the shared-data host calls, and hostAdd weir's
// one-call increment; variables so tests can stand in.
var (
	getShared = proxywasm.GetSharedData
	setShared = proxywasm.SetSharedData
	hostAdd   = counterAdd
)

// fnCounterAdd adds to an 8-byte counter in shared data in one host call, on weir.
const fnCounterAdd = "weir.counter_add"

// noHostAdd is set once a host answered that it has no fnCounterAdd (hosts other than
// weir): Add then uses the compare-and-swap loop for good.
var noHostAdd bool

// addArgs is where counterAdd builds its arguments: the host copies them during the
// call, and a guest is single-threaded.
var addArgs []byte

// addAnswer is where counterAdd reads the new value, without an allocation.
var addAnswer [8]byte

// counterAdd makes the one-call increment; ok is false when the host lacks it.
func counterAdd(key string, delta int64) (n int64, ok bool, err error) {
	if noHostAdd {
		return 0, false, nil
	}
	addArgs = append(binary.LittleEndian.AppendUint64(addArgs[:0], uint64(delta)), key...)
	res, err := proxywasm.CallForeignFunctionInto(fnCounterAdd, addArgs, addAnswer[:0])
	switch {
	case errors.Is(err, types.ErrorStatusNotFound):
		noHostAdd = true
		return 0, false, nil
	case err != nil:
		return 0, true, fmt.Errorf("weir: shared counter %s: %w", key, err)
	case len(res) != 8:
		return 0, true, fmt.Errorf("weir: shared counter %s: answer of %d bytes, want 8", key, len(res))
	}
	return int64(binary.LittleEndian.Uint64(res)), true, nil
}

// ErrContention says a counter's update lost its compare-and-swap too many times in a
// row to other instances updating the same key.
var ErrContention = errors.New("weir: shared counter: too much contention")

// counterRetries bounds an update's compare-and-swap loop.
const counterRetries = 64

// Counter is an int64 in the host's shared data under a key, which every instance of
// the module on a node shares (weir keys shared data by VM id, the module's name).
// Updates are compare-and-swap loops, so concurrent instances never lose an update,
// including to a key two of them create at the same moment (see createCAS).
//
// The value is stored as 8 bytes, little-endian. A Counter is a name; copy it freely.
type Counter struct{ Key string }

// NewCounter names a counter.
func NewCounter(key string) Counter { return Counter{Key: key} }

// Get reads the counter; a missing key is 0.
func (c Counter) Get() (int64, error) {
	n, _, err := c.read()
	return n, err
}

// Add adds delta and returns the new value: one host call on weir, a compare-and-swap
// loop elsewhere.
func (c Counter) Add(delta int64) (int64, error) {
	if n, ok, err := hostAdd(c.Key, delta); ok {
		return n, err
	}
	return c.update(func(n int64) int64 { return n + delta })
}

// Set stores n, whatever the counter held.
func (c Counter) Set(n int64) error {
	return setShared(c.Key, encodeInt(n), 0)
}

// Init creates the counter with n unless it exists; created says which.
func (c Counter) Init(n int64) (created bool, err error) {
	_, cas, err := c.read()
	if err != nil || cas != 0 {
		return false, err
	}
	if cas, err = createCAS(); err != nil {
		return false, err
	}
	err = setShared(c.Key, encodeInt(n), cas)
	if errors.Is(err, types.ErrorStatusCasMismatch) {
		return false, nil // another instance created it first
	}
	return err == nil, err
}

// update applies f in a compare-and-swap loop.
func (c Counter) update(f func(int64) int64) (int64, error) {
	for range counterRetries {
		n, cas, err := c.read()
		if err != nil {
			return 0, err
		}
		if cas == 0 {
			if cas, err = createCAS(); err != nil {
				return 0, err
			}
		}
		next := f(n)
		err = setShared(c.Key, encodeInt(next), cas)
		if err == nil {
			return next, nil
		}
		if !errors.Is(err, types.ErrorStatusCasMismatch) {
			return 0, fmt.Errorf("weir: shared counter %s: %w", c.Key, err)
		}
	}
	return 0, fmt.Errorf("%w (%s)", ErrContention, c.Key)
}

// read returns the value and its cas; a missing key is (0, 0).
func (c Counter) read() (int64, uint32, error) {
	v, cas, err := getShared(c.Key)
	if errors.Is(err, types.ErrorStatusNotFound) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, fmt.Errorf("weir: shared counter %s: %w", c.Key, err)
	}
	if len(v) != 8 {
		return 0, 0, fmt.Errorf("weir: shared counter %s: value of %d bytes, want 8", c.Key, len(v))
	}
	return int64(binary.LittleEndian.Uint64(v)), cas, nil
}

func encodeInt(n int64) []byte {
	return binary.LittleEndian.AppendUint64(make([]byte, 0, 8), uint64(n))
}

// casProbeKey is a shared-data key whose cas createCAS borrows.
const casProbeKey = "weir.counter.cas-probe"

// createCAS returns a cas with which a write creates a missing key but fails on a key
// that exists. proxy-wasm has no create-if-absent: a missing key accepts any cas, and
// cas 0 overwrites whatever is there, so two instances that both found the key missing
// would each write their first value and one update would be lost. Every write gets a
// cas of its own, so the cas of another key (the probe) is never the current cas of
// the counter's key: the second creator's write fails with CAS_MISMATCH and it retries
// on the value the first one wrote.
func createCAS() (uint32, error) {
	for range 2 {
		_, cas, err := getShared(casProbeKey)
		if err == nil && cas != 0 {
			return cas, nil
		}
		if err != nil && !errors.Is(err, types.ErrorStatusNotFound) {
			return 0, fmt.Errorf("weir: shared counter: %w", err)
		}
		if err := setShared(casProbeKey, []byte{1}, 0); err != nil {
			return 0, fmt.Errorf("weir: shared counter: %w", err)
		}
	}
	return 0, fmt.Errorf("weir: shared counter: the cas probe key cannot be kept")
}
