package router

// matchLinear is the reference matcher: every candidate, in priority order, until one
// matches. The index must always give the same answer.
func (r *Router) matchLinear(req *Request) *Match {
	path := NormalizePath(req.Path)
	for _, c := range r.candidates {
		var m Match
		if c.match(req, path, &m) {
			return &m
		}
	}
	return nil
}
