package abi

import (
	"context"
	"fmt"
	"sync"
)

// queues are the shared queues of a runtime, named by (VM id, name) as in Envoy. The
// last root context to register a queue owns it: each enqueue makes the host call
// proxy_on_queue_ready on that root once, asynchronously (the enqueuer may hold another
// instance, or the same one), as Envoy posts one call per enqueue; only instances of
// the owner's VM id may dequeue.
type queues struct {
	mu     sync.Mutex
	nextID uint32
	byName map[queueName]*queue
	byID   map[uint32]*queue
}

type queueName struct{ vmID, name string }

type queue struct {
	id    uint32
	vmID  string
	items [][]byte
	bytes int
	// owner and root receive proxy_on_queue_ready, one call per enqueue: pending
	// counts the calls owed, and notifying is set while a goroutine makes them.
	owner     *Instance
	root      *contextState
	pending   int
	notifying bool
}

func newQueues() *queues {
	return &queues{byName: map[queueName]*queue{}, byID: map[uint32]*queue{}}
}

// register opens (or creates) the queue and makes root on inst its owner.
func (qs *queues) register(inst *Instance, root *contextState, name string) uint32 {
	qs.mu.Lock()
	defer qs.mu.Unlock()
	k := queueName{inst.vmID, name}
	q := qs.byName[k]
	if q == nil {
		qs.nextID++
		q = &queue{id: qs.nextID, vmID: inst.vmID}
		qs.byName[k], qs.byID[q.id] = q, q
	}
	q.owner, q.root = inst, root
	return q.id
}

func (qs *queues) resolve(vmID, name string) (uint32, bool) {
	qs.mu.Lock()
	defer qs.mu.Unlock()
	q := qs.byName[queueName{vmID, name}]
	if q == nil {
		return 0, false
	}
	return q.id, true
}

// enqueue appends a copy of value, dropping the oldest items past the caps, and
// schedules the owner's notification.
func (qs *queues) enqueue(id uint32, value []byte) Status {
	qs.mu.Lock()
	defer qs.mu.Unlock()
	q := qs.byID[id]
	if q == nil {
		return StatusNotFound
	}
	q.items = append(q.items, append([]byte(nil), value...))
	q.bytes += len(value)
	for len(q.items) > MaxQueueItems || q.bytes > MaxQueueBytes {
		q.bytes -= len(q.items[0])
		q.items[0] = nil
		q.items = q.items[1:]
	}
	q.pending = min(q.pending+1, MaxQueueItems)
	if !q.notifying && q.owner != nil {
		q.notifying = true
		go qs.notify(q)
	}
	return StatusOK
}

// dequeue takes the oldest item; only instances of the queue's VM id may.
func (qs *queues) dequeue(vmID string, id uint32) ([]byte, Status) {
	qs.mu.Lock()
	defer qs.mu.Unlock()
	q := qs.byID[id]
	if q == nil || q.vmID != vmID {
		return nil, StatusNotFound
	}
	if len(q.items) == 0 {
		return nil, StatusEmpty
	}
	v := q.items[0]
	q.items[0] = nil
	q.items = q.items[1:]
	q.bytes -= len(v)
	return v, StatusOK
}

// notify makes the proxy_on_queue_ready calls owed to the queue's owner, one at a
// time, until none is left. An owner that has failed or closed, or whose root is gone,
// is not called; a replacement instance takes the queue over when it registers it
// again.
func (qs *queues) notify(q *queue) {
	for {
		qs.mu.Lock()
		if q.pending == 0 {
			q.notifying = false
			qs.mu.Unlock()
			return
		}
		q.pending--
		inst, root, id := q.owner, q.root, q.id
		qs.mu.Unlock()
		inst.queueReady(root, id)
	}
}

// queueReady runs one proxy_on_queue_ready on root.
func (i *Instance) queueReady(root *contextState, id uint32) {
	if err := i.enter(); err != nil {
		return
	}
	defer i.leaveAndRun()
	if !i.isOpen(root) {
		return
	}
	if _, err := i.invoke(context.Background(), root, phaseOther, callbackIndex(fnQueueReady), uint64(root.id), uint64(id)); err != nil {
		i.svc.Log(root.pluginName, LogError, fmt.Sprintf("proxy_on_queue_ready: %v", err))
	}
}
