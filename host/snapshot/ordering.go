package snapshot

import "sync"

// accessPhase is the one phase plugin ordering can change, as in Kong Enterprise.
const accessPhase = "access"

// orderCache keeps the access order computed per route and service, so a request
// pays for the sort only the first time its combination is seen in a snapshot.
type orderCache struct{ m sync.Map } // route id + "\x00" + service id -> []string

// PluginOrder lists plugin names in the order a request on this route and service runs
// its request phase: priority order, changed where the plugin configs that apply
// (consumer-scoped ones excepted, which may not carry ordering) ask to run before or
// after other plugins. Without any ordering in the snapshot it is the priority order.
func (s *Snapshot) PluginOrder(routeID, serviceID string) []string {
	if s.orders == nil {
		return s.order
	}
	key := routeID + "\x00" + serviceID
	if v, ok := s.orders.m.Load(key); ok {
		return v.([]string)
	}
	order := s.dynamicOrder(routeID, serviceID)
	s.orders.m.Store(key, order)
	return order
}

// dynamicOrder sorts s.order topologically under the before/after constraints of the
// configs that apply, moving as little as it can: at each step it takes, among the
// plugins no constraint holds back, the one of lowest rank (then priority). A plugin
// told to run after another waits for it and then runs at once; one told to run
// before others is ranked with the earliest of them. A cycle among the constraints
// leaves the priority order.
func (s *Snapshot) dynamicOrder(routeID, serviceID string) []string {
	index := make(map[string]int, len(s.order))
	for i, name := range s.order {
		index[name] = i
	}
	after := make([][]int, len(s.order))  // after[i]: plugins that must wait for i
	before := make([][]int, len(s.order)) // before[i]: plugins i was told to precede
	waiting := make([]int, len(s.order))  // how many plugins i waits for
	edge := func(first, then string) bool {
		i, ok1 := index[first]
		j, ok2 := index[then]
		if ok1 && ok2 && i != j {
			after[i] = append(after[i], j)
			waiting[j]++
			return true
		}
		return false
	}
	for _, name := range s.order {
		p := s.Resolve(name, routeID, serviceID, "")
		if p == nil || p.Entity.Ordering == nil {
			continue
		}
		for _, other := range p.Entity.Ordering.Before[accessPhase] {
			if edge(name, other) {
				before[index[name]] = append(before[index[name]], index[other])
			}
		}
		for _, other := range p.Entity.Ordering.After[accessPhase] {
			edge(other, name)
		}
	}
	// A plugin that must run before others moves up to the earliest of them and no
	// further: rank is the lowest position among the plugin and all it must precede.
	rank := make([]int, len(s.order))
	for i := range rank {
		rank[i] = i
	}
	for changed := true; changed; {
		changed = false
		for i, next := range before {
			for _, j := range next {
				if rank[j] < rank[i] {
					rank[i], changed = rank[j], true
				}
			}
		}
	}
	out := make([]string, 0, len(s.order))
	done := make([]bool, len(s.order))
	for len(out) < len(s.order) {
		next := -1
		for i := range s.order {
			if !done[i] && waiting[i] == 0 && (next < 0 || rank[i] < rank[next]) {
				next = i
			}
		}
		if next < 0 {
			return s.order // a cycle: nothing is free to run
		}
		done[next] = true
		out = append(out, s.order[next])
		for _, j := range after[next] {
			waiting[j]--
		}
	}
	return out
}
