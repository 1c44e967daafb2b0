package router

import "strings"

// index finds the few candidates that can match a request without looking at the
// others. Candidates are filed by host (exact host, "*.x" suffix, "x.*" prefix, or no
// host) and, inside each host group, by path in a radix tree: a prefix path sits at its
// own node, a regex path at the node of its literal prefix (every match of the regex
// starts with it). What no tree can place (routes without paths, regexes without a
// literal prefix) is kept in the group's scan list. Every list is in priority order and
// every candidate found is checked in full, so the index only narrows the search; it
// never decides a match.
type index struct {
	exact  map[string]*group // by host without port
	suffix map[string]*group // "*.example.com" under ".example.com"
	prefix map[string]*group // "example.*" under "example."
	any    group             // routes without hosts, or with hosts no map can hold
}

type group struct {
	tree node
	scan []*candidate
}

// node is a radix tree node: label is the edge from its parent, cands the candidates
// whose key ends here.
type node struct {
	label    string
	cands    []*candidate
	first    []byte // first byte of each child's label, parallel to children
	children []*node
}

func newIndex(cands []*candidate) *index {
	ix := &index{exact: map[string]*group{}, suffix: map[string]*group{}, prefix: map[string]*group{}}
	for _, c := range cands {
		for _, g := range ix.groupsFor(c) {
			g.add(c)
		}
	}
	return ix
}

// groupsFor returns the groups c belongs in, each once.
func (ix *index) groupsFor(c *candidate) []*group {
	if len(c.hosts) == 0 {
		return []*group{&ix.any}
	}
	var out []*group
	for _, h := range c.hosts {
		var g *group
		switch {
		case !h.wildcard:
			g = groupIn(ix.exact, h.host)
		case h.suffix && strings.HasPrefix(h.host, "."):
			g = groupIn(ix.suffix, h.host)
		case !h.suffix && strings.HasSuffix(h.host, "."):
			g = groupIn(ix.prefix, h.host)
		default:
			g = &ix.any
		}
		dup := false
		for _, seen := range out {
			dup = dup || seen == g
		}
		if !dup {
			out = append(out, g)
		}
	}
	return out
}

func groupIn(m map[string]*group, key string) *group {
	g := m[key]
	if g == nil {
		g = &group{}
		m[key] = g
	}
	return g
}

func (g *group) add(c *candidate) {
	switch {
	case c.regex != nil && c.literal != "":
		g.tree.insert(c.literal, c)
	case c.regex != nil || c.path == "":
		g.scan = append(g.scan, c)
	default:
		g.tree.insert(c.path, c)
	}
}

// insert files c under key, splitting edges as needed.
func (n *node) insert(key string, c *candidate) {
	for {
		if key == "" {
			n.cands = append(n.cands, c)
			return
		}
		i := n.child(key[0])
		if i < 0 {
			n.addChild(&node{label: key, cands: []*candidate{c}})
			return
		}
		ch := n.children[i]
		common := commonPrefix(ch.label, key)
		if common < len(ch.label) {
			// split the edge: a new node for the shared part, the old child under it
			mid := &node{label: ch.label[:common]}
			ch.label = ch.label[common:]
			mid.addChild(ch)
			n.children[i] = mid
			ch = mid
		}
		n, key = ch, key[common:]
	}
}

func (n *node) child(b byte) int {
	for i, f := range n.first {
		if f == b {
			return i
		}
	}
	return -1
}

func (n *node) addChild(ch *node) {
	n.first = append(n.first, ch.label[0])
	n.children = append(n.children, ch)
}

func commonPrefix(a, b string) int {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	return i
}

// search is one request's walk over the index: it keeps the best match so far, so a
// list stops at the first candidate that ranks below it.
type search struct {
	req   Request // a copy: the search's fields leak to the regex engine, a pointer would take the caller's request to the heap
	path  string
	best  *Match // written only by a candidate that matches
	found bool
	rank  int
}

func (s *search) group(g *group) {
	if g == nil {
		return
	}
	s.walk(&g.tree, s.path)
	s.list(g.scan)
}

// walk lists the candidates of the nodes on rest's way down from n, the deepest
// first: a longer prefix path outranks a shorter one of a route alike, so once the
// deepest has matched, the lists above it stop at their first candidate (10,000
// routes /r1 ... /r10000 put /r5, /r50 and /r500 on the way to /r5000).
func (s *search) walk(n *node, rest string) {
	if rest != "" {
		if i := n.child(rest[0]); i >= 0 && strings.HasPrefix(rest, n.children[i].label) {
			ch := n.children[i]
			s.walk(ch, rest[len(ch.label):])
		}
	}
	s.list(n.cands)
}

func (s *search) list(cands []*candidate) {
	for _, c := range cands {
		if s.found && c.rank >= s.rank {
			return
		}
		if c.match(&s.req, s.path, s.best) {
			s.found, s.rank = true, c.rank
			return
		}
	}
}

// lookup visits the groups a request's host can reach, most specific first, so the
// scans of wider groups mostly stop at once.
func (ix *index) lookup(s *search) {
	host, _ := splitHostPort(s.req.Host)
	if len(ix.exact) > 0 {
		s.group(ix.exact[host])
	}
	if len(ix.suffix) > 0 || len(ix.prefix) > 0 {
		for i := 0; i < len(host); i++ {
			if host[i] != '.' {
				continue
			}
			if i > 0 && len(ix.suffix) > 0 {
				s.group(ix.suffix[host[i:]])
			}
			if i+1 < len(host) && len(ix.prefix) > 0 {
				s.group(ix.prefix[host[:i+1]])
			}
		}
	}
	s.group(&ix.any)
}
