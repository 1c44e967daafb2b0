package abi

import (
	"context"
	"fmt"
	"time"
)

// ticker runs proxy_on_tick for one root context on its own goroutine, under the
// instance's mutex like every other callback. Closing stop ends it; so do the root's
// deletion and the instance's failure.
type ticker struct{ stop chan struct{} }

// setTick replaces root's ticker: period 0 stops ticking. mu is held.
func (i *Instance) setTick(root *contextState, period time.Duration) {
	stopTick(root)
	if period <= 0 {
		return
	}
	t := &ticker{stop: make(chan struct{})}
	root.tick = t
	go i.runTicks(root, t, period)
}

func stopTick(c *contextState) {
	if c.tick != nil {
		close(c.tick.stop)
		c.tick = nil
	}
}

func (i *Instance) runTicks(root *contextState, t *ticker, period time.Duration) {
	tk := time.NewTicker(period)
	defer tk.Stop()
	for {
		select {
		case <-t.stop:
			return
		case <-tk.C:
		}
		if !i.tick(root, t) {
			return
		}
	}
}

// tick makes one proxy_on_tick call; false ends the ticker (the root is gone, its
// ticker replaced, or the instance failed).
func (i *Instance) tick(root *contextState, t *ticker) bool {
	if err := i.enter(); err != nil {
		return false
	}
	defer i.leaveAndRun()
	if root.tick != t || !i.isOpen(root) {
		return false
	}
	if _, err := i.invoke(context.Background(), root, phaseOther, callbackIndex(fnTick), uint64(root.id)); err != nil {
		i.svc.Log(root.pluginName, LogError, fmt.Sprintf("proxy_on_tick: %v", err))
		return false
	}
	return true
}
