package cqltest

import (
	"bytes"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
)

type keyspace struct {
	name        string
	replication map[string]string
	durable     bool
	tables      map[string]*table
}

type table struct {
	ks, name string
	cols     []columnDef
	idx      map[string]int
	pk, ck   []int
	ttl      int
	parts    map[string]*partition
}

type partition struct {
	key  string
	rows []*row // ordered by clustering key
}

type row struct {
	vals    [][]byte // by column index
	expires time.Time
}

func (r *row) live(now time.Time) bool { return r.expires.IsZero() || now.Before(r.expires) }

// colSpec describes a bind marker or a result column.
type colSpec struct {
	ks, table, name string
	typ             *ctype
}

// compiled is a parsed statement resolved against the schema.
type compiled struct {
	id      []byte
	text    string
	st      stmt
	ks, tbl string
	markers []colSpec
	result  []colSpec
	pkBind  []int // marker index of each partition key column, when all are bound
	where   *wherePlan
}

func (c *compiled) isModification() bool {
	switch c.st.(type) {
	case *insertStmt, *updateStmt, *deleteStmt:
		return true
	}
	return false
}

func (c *compiled) conditional() bool {
	switch st := c.st.(type) {
	case *insertStmt:
		return st.ifNotExists
	case *updateStmt:
		return st.ifExists || len(st.ifConds) > 0
	case *deleteStmt:
		return st.ifExists || len(st.ifConds) > 0
	}
	return false
}

const systemKeyspace, schemaKeyspace = "system", "system_schema"

func isSystem(ks string) bool { return ks == systemKeyspace || ks == schemaKeyspace }

func (s *Server) createSystemTables() {
	mk := func(ks, name, ddl string) {
		st, _, err := parse(ddl)
		if err != nil {
			panic(err)
		}
		ct := st.(*createTableStmt)
		if s.keyspaces[ks] == nil {
			s.keyspaces[ks] = &keyspace{name: ks, tables: map[string]*table{}, durable: true,
				replication: map[string]string{"class": "org.apache.cassandra.locator.LocalStrategy"}}
		}
		s.keyspaces[ks].tables[name] = newTable(ks, ct)
	}
	mk(systemKeyspace, "local", `CREATE TABLE local (key text PRIMARY KEY, bootstrapped text, broadcast_address inet,
		cluster_name text, cql_version text, data_center text, host_id uuid, listen_address inet, partitioner text,
		rack text, release_version text, rpc_address inet, schema_version uuid, tokens set<text>, native_protocol_version text)`)
	mk(systemKeyspace, "peers", `CREATE TABLE peers (peer inet PRIMARY KEY, data_center text, host_id uuid, rack text,
		release_version text, rpc_address inet, schema_version uuid, tokens set<text>)`)
	mk(schemaKeyspace, "keyspaces", `CREATE TABLE keyspaces (keyspace_name text PRIMARY KEY, durable_writes boolean,
		replication map<text, text>)`)
	local := s.keyspaces[systemKeyspace].tables["local"]
	ip := []byte{127, 0, 0, 1}
	vals := map[string][]byte{
		"key": []byte("local"), "bootstrapped": []byte("COMPLETED"), "broadcast_address": ip,
		"cluster_name": []byte("weir test double"), "cql_version": []byte("3.4.6"), "data_center": []byte("datacenter1"),
		"host_id": s.hostID[:], "listen_address": ip, "partitioner": []byte("org.apache.cassandra.dht.Murmur3Partitioner"),
		"rack": []byte("rack1"), "release_version": []byte("4.1.0"), "rpc_address": ip,
		"tokens": encodeTextSet("0"), "native_protocol_version": []byte("4"),
	}
	r := &row{vals: make([][]byte, len(local.cols))}
	for name, v := range vals {
		r.vals[local.idx[name]] = v
	}
	local.upsert(r, time.Time{})
	s.newSchemaVersion()
	for _, ks := range []string{systemKeyspace, schemaKeyspace} {
		s.recordKeyspace(s.keyspaces[ks])
	}
}

// newSchemaVersion gives system.local a new schema_version after a schema change.
func (s *Server) newSchemaVersion() {
	local := s.keyspaces[systemKeyspace].tables["local"]
	v := uuid.New()
	for _, p := range local.parts {
		for _, r := range p.rows {
			r.vals[local.idx["schema_version"]] = v[:]
		}
	}
}

func (s *Server) recordKeyspace(ks *keyspace) {
	t := s.keyspaces[schemaKeyspace].tables["keyspaces"]
	durable := []byte{0}
	if ks.durable {
		durable = []byte{1}
	}
	t.upsert(&row{vals: [][]byte{[]byte(ks.name), durable, encodeTextMap(ks.replication)}}, time.Time{})
}

func newTable(ks string, ct *createTableStmt) *table {
	t := &table{ks: ks, name: ct.table.name, cols: ct.cols, idx: map[string]int{}, ttl: ct.ttl, parts: map[string]*partition{}}
	for i, c := range ct.cols {
		t.idx[c.name] = i
	}
	for _, c := range ct.pk {
		t.pk = append(t.pk, t.idx[c])
	}
	for _, c := range ct.ck {
		t.ck = append(t.ck, t.idx[c])
	}
	return t
}

func partKey(vals [][]byte) string {
	var b bytes.Buffer
	for _, v := range vals {
		writeBytes(&b, v)
	}
	return b.String()
}

func (t *table) partKeyOf(r *row) string {
	vals := make([][]byte, len(t.pk))
	for i, c := range t.pk {
		vals[i] = r.vals[c]
	}
	return partKey(vals)
}

// compareCK orders two rows of one partition by their clustering columns.
func (t *table) compareCK(a, b [][]byte) int {
	for i, c := range t.ck {
		if n := compareValues(t.cols[c].typ, a[i], b[i]); n != 0 {
			return n
		}
	}
	return 0
}

func (t *table) ckOf(r *row) [][]byte {
	out := make([][]byte, len(t.ck))
	for i, c := range t.ck {
		out[i] = r.vals[c]
	}
	return out
}

// find returns the row with that clustering key in a partition, and where it is or
// would go.
func (t *table) find(p *partition, ck [][]byte) (int, bool) {
	i := sort.Search(len(p.rows), func(i int) bool { return t.compareCK(t.ckOf(p.rows[i]), ck) >= 0 })
	return i, i < len(p.rows) && t.compareCK(t.ckOf(p.rows[i]), ck) == 0
}

// lookup returns the live row with that primary key, or nil.
func (t *table) lookup(pk string, ck [][]byte, now time.Time) *row {
	p := t.parts[pk]
	if p == nil {
		return nil
	}
	i, ok := t.find(p, ck)
	if !ok || !p.rows[i].live(now) {
		return nil
	}
	return p.rows[i]
}

// upsert merges the non-nil cells of r into the stored row with its key. The cells in
// set are written even when nil (a null written explicitly).
func (t *table) upsert(r *row, expires time.Time, set ...int) {
	key := t.partKeyOf(r)
	p := t.parts[key]
	if p == nil {
		p = &partition{key: key}
		t.parts[key] = p
	}
	ck := t.ckOf(r)
	i, ok := t.find(p, ck)
	if !ok {
		p.rows = slices.Insert(p.rows, i, &row{vals: make([][]byte, len(t.cols))})
	}
	cur := p.rows[i]
	if !cur.live(time.Now()) {
		cur.vals = make([][]byte, len(t.cols))
	}
	for c, v := range r.vals {
		if v != nil || slices.Contains(set, c) {
			cur.vals[c] = v
		}
	}
	cur.expires = expires
}

func (t *table) remove(pk string, ck [][]byte) {
	p := t.parts[pk]
	if p == nil {
		return
	}
	if len(ck) < len(t.ck) {
		// A partition or a clustering prefix.
		p.rows = slices.DeleteFunc(p.rows, func(r *row) bool {
			got := t.ckOf(r)
			for i := range ck {
				if compareValues(t.cols[t.ck[i]].typ, got[i], ck[i]) != 0 {
					return false
				}
			}
			return true
		})
	} else if i, ok := t.find(p, ck); ok {
		p.rows = slices.Delete(p.rows, i, i+1)
	}
	if len(p.rows) == 0 {
		delete(t.parts, pk)
	}
}

func (s *Server) compile(sessKS, text string) (*compiled, error) {
	st, nMarkers, err := parse(text)
	if err != nil {
		return nil, err
	}
	c := &compiled{text: text, st: st, markers: make([]colSpec, nMarkers)}
	var q qualName
	switch x := st.(type) {
	case *selectStmt:
		q = x.table
	case *insertStmt:
		q = x.table
	case *updateStmt:
		q = x.table
	case *deleteStmt:
		q = x.table
	default:
		return c, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.resolve(sessKS, q)
	if err != nil {
		return nil, err
	}
	c.ks, c.tbl = t.ks, t.name
	if err := c.bindTypes(t); err != nil {
		return nil, err
	}
	return c, nil
}

func (s *Server) resolve(sessKS string, q qualName) (*table, error) {
	ksName := q.ks
	if ksName == "" {
		ksName = sessKS
	}
	if ksName == "" {
		return nil, invalid("No keyspace has been specified. USE a keyspace, or explicitly specify keyspace.tablename")
	}
	ks := s.keyspaces[ksName]
	if ks == nil {
		return nil, invalid("Keyspace %s does not exist", ksName)
	}
	t := ks.tables[q.name]
	if t == nil {
		return nil, invalid("unconfigured table %s", q.name)
	}
	return t, nil
}

func (t *table) col(name string) (int, error) {
	i, ok := t.idx[name]
	if !ok {
		return 0, invalid("Undefined column name %s", name)
	}
	return i, nil
}

// bindTypes checks the statement's columns and gives each bind marker its type.
func (c *compiled) bindTypes(t *table) error {
	mark := func(e expr, name string, typ *ctype) {
		if e.marker >= 0 {
			c.markers[e.marker] = colSpec{t.ks, t.name, name, typ}
		}
	}
	conds := func(cs []cond) error {
		for _, cd := range cs {
			i, err := t.col(cd.col)
			if err != nil {
				return err
			}
			for _, v := range cd.vals {
				mark(v, cd.col, t.cols[i].typ)
			}
		}
		return nil
	}
	var where []cond
	switch st := c.st.(type) {
	case *selectStmt:
		if st.allowFiltering {
			return invalid("the test double refuses ALLOW FILTERING: restrict the partition key instead")
		}
		if st.cols == nil {
			for _, col := range t.cols {
				c.result = append(c.result, colSpec{t.ks, t.name, col.name, col.typ})
			}
		}
		for _, name := range st.cols {
			i, err := t.col(name)
			if err != nil {
				return err
			}
			c.result = append(c.result, colSpec{t.ks, t.name, name, t.cols[i].typ})
		}
		if st.limit != nil {
			mark(*st.limit, "[limit]", intType)
		}
		where = st.where
	case *insertStmt:
		for i, name := range st.cols {
			ci, err := t.col(name)
			if err != nil {
				return err
			}
			mark(st.vals[i], name, t.cols[ci].typ)
		}
		for _, k := range append(slices.Clone(t.pk), t.ck...) {
			if !slices.Contains(st.cols, t.cols[k].name) {
				return invalid("Some partition key parts are missing: %s", t.cols[k].name)
			}
		}
		if st.ttl != nil {
			mark(*st.ttl, "[ttl]", intType)
		}
		c.pkBind = pkMarkers(t, func(name string) (expr, bool) {
			i := slices.Index(st.cols, name)
			if i < 0 {
				return expr{}, false
			}
			return st.vals[i], true
		})
		return nil
	case *updateStmt:
		if st.ttl != nil {
			mark(*st.ttl, "[ttl]", intType)
		}
		for _, a := range st.sets {
			i, err := t.col(a.col)
			if err != nil {
				return err
			}
			if slices.Contains(t.pk, i) || slices.Contains(t.ck, i) {
				return invalid("PRIMARY KEY part %s found in SET part", a.col)
			}
			mark(a.val, a.col, t.cols[i].typ)
		}
		where = st.where
		if err := conds(st.ifConds); err != nil {
			return err
		}
	case *deleteStmt:
		where = st.where
		if err := conds(st.ifConds); err != nil {
			return err
		}
	}
	// Markers of WHERE come before those of IF in the text; both are typed here.
	if err := conds(where); err != nil {
		return err
	}
	plan, err := planWhere(t, where, c.st)
	if err != nil {
		return err
	}
	c.where = plan
	c.pkBind = pkMarkers(t, func(name string) (expr, bool) {
		for _, cd := range where {
			if cd.col == name && cd.op == "=" {
				return cd.vals[0], true
			}
		}
		return expr{}, false
	})
	return nil
}

func pkMarkers(t *table, find func(string) (expr, bool)) []int {
	var out []int
	for _, k := range t.pk {
		e, ok := find(t.cols[k].name)
		if !ok || e.marker < 0 {
			return nil
		}
		out = append(out, e.marker)
	}
	return out
}

// wherePlan is a WHERE clause checked against the primary key: equality on the whole
// partition key (or nothing, for scans of system tables), equality on a prefix of the
// clustering columns, then at most one column with range bounds.
type wherePlan struct {
	pk       []cond // by partition key column, nil when unrestricted
	ckEq     []cond
	rangeCol int // index into t.ck of the ranged column, or -1
	bounds   []cond
}

const filteringMsg = "Cannot execute this query as it might involve data filtering and thus may have unpredictable performance. If you want to execute this query despite the performance unpredictability, use ALLOW FILTERING"

func planWhere(t *table, where []cond, st stmt) (*wherePlan, error) {
	plan := &wherePlan{rangeCol: -1}
	byCol := map[string][]cond{}
	for _, cd := range where {
		i := t.idx[cd.col]
		if !slices.Contains(t.pk, i) && !slices.Contains(t.ck, i) {
			if _, ok := st.(*selectStmt); ok {
				return nil, invalid("%s", filteringMsg)
			}
			return nil, invalid("Non PRIMARY KEY columns found in where clause: %s", cd.col)
		}
		if cd.op == "IN" {
			return nil, invalid("IN restrictions are not supported by the test double")
		}
		byCol[cd.col] = append(byCol[cd.col], cd)
	}
	restricted := 0
	for _, k := range t.pk {
		cs := byCol[t.cols[k].name]
		if len(cs) == 1 && cs[0].op == "=" {
			plan.pk = append(plan.pk, cs[0])
			restricted++
		} else if len(cs) > 0 {
			return nil, invalid("Only EQ and IN relation are supported on the partition key (unless you use the token() function)")
		}
	}
	_, isSelect := st.(*selectStmt)
	switch {
	case restricted == 0 && len(where) == 0 && isSelect && isSystem(t.ks):
		plan.pk = nil
	case restricted == 0 && len(where) == 0 && isSelect:
		return nil, invalid("the test double refuses a SELECT on %s.%s that does not restrict the partition key (a scan of every node)", t.ks, t.name)
	case restricted == 0 && isSelect:
		return nil, invalid("%s", filteringMsg)
	case restricted < len(t.pk) && isSelect:
		return nil, invalid("Partition key parts: %s must be restricted as other parts are", missingPK(t, byCol))
	case restricted < len(t.pk):
		return nil, invalid("Some partition key parts are missing: %s", missingPK(t, byCol))
	}
	gap := ""
	for ci, k := range t.ck {
		name := t.cols[k].name
		cs := byCol[name]
		switch {
		case len(cs) == 0:
			if gap == "" {
				gap = name
			}
			continue
		case gap != "":
			return nil, invalid("PRIMARY KEY column \"%s\" cannot be restricted as preceding column \"%s\" is not restricted", name, gap)
		case plan.rangeCol >= 0:
			return nil, invalid("Clustering column \"%s\" cannot be restricted (preceding column \"%s\" is restricted by a non-EQ relation)", name, t.cols[t.ck[plan.rangeCol]].name)
		case len(cs) == 1 && cs[0].op == "=":
			plan.ckEq = append(plan.ckEq, cs[0])
		default:
			for _, cd := range cs {
				if cd.op == "=" {
					return nil, invalid("%s cannot be restricted by more than one relation if it includes an Equal", name)
				}
			}
			plan.rangeCol, plan.bounds = ci, cs
		}
	}
	if !isSelect {
		full := len(plan.ckEq) == len(t.ck)
		if plan.rangeCol >= 0 {
			return nil, invalid("Range deletions and updates are not supported by the test double")
		}
		if _, ok := st.(*updateStmt); ok && !full {
			return nil, invalid("Some clustering keys are missing: %s", t.cols[t.ck[len(plan.ckEq)]].name)
		}
		if d, ok := st.(*deleteStmt); ok && !full && (d.ifExists || len(d.ifConds) > 0) {
			return nil, invalid("DELETE statements must restrict all PRIMARY KEY columns with equality relations in order to use IF conditions")
		}
	}
	return plan, nil
}

func missingPK(t *table, byCol map[string][]cond) string {
	var out []string
	for _, k := range t.pk {
		if len(byCol[t.cols[k].name]) == 0 {
			out = append(out, t.cols[k].name)
		}
	}
	return strings.Join(out, ", ")
}

// binder turns expressions into serialized values.
type binder struct {
	vals [][]byte
	err  error
}

func (b *binder) value(e expr, typ *ctype) []byte {
	if b.err != nil {
		return nil
	}
	if e.marker >= 0 {
		if e.marker >= len(b.vals) {
			b.err = invalid("There were %d markers(?) in CQL but %d bound variables", e.marker+1, len(b.vals))
			return nil
		}
		return b.vals[e.marker]
	}
	v, err := literal(typ, e.lit)
	if err != nil {
		b.err = err
	}
	return v
}

func (b *binder) ttl(e *expr, t *table) time.Time {
	secs := t.ttl
	if e != nil {
		v := b.value(*e, intType)
		if v != nil {
			secs = int(decodeInt(v))
		}
	}
	if secs <= 0 {
		return time.Time{}
	}
	return time.Now().Add(time.Duration(secs) * time.Second)
}

func (s *Server) table(c *compiled) (*table, error) {
	ks := s.keyspaces[c.ks]
	if ks == nil || ks.tables[c.tbl] == nil {
		return nil, invalid("unconfigured table %s", c.tbl)
	}
	return ks.tables[c.tbl], nil
}

// key binds a plan's partition key and clustering equalities.
func (p *wherePlan) key(t *table, b *binder) (string, [][]byte) {
	pk := make([][]byte, len(p.pk))
	for i, cd := range p.pk {
		pk[i] = b.value(cd.vals[0], t.cols[t.idx[cd.col]].typ)
		if pk[i] == nil && b.err == nil {
			b.err = invalid("Invalid null value in condition for column %s", cd.col)
		}
	}
	ck := make([][]byte, len(p.ckEq))
	for i, cd := range p.ckEq {
		ck[i] = b.value(cd.vals[0], t.cols[t.idx[cd.col]].typ)
	}
	return partKey(pk), ck
}

func (s *Server) run(sess *session, c *compiled, p params) ([]byte, error) {
	switch st := c.st.(type) {
	case *useStmt:
		s.mu.Lock()
		_, ok := s.keyspaces[st.ks]
		s.mu.Unlock()
		if !ok {
			return nil, invalid("Keyspace '%s' does not exist", st.ks)
		}
		sess.keyspace = st.ks
		var b bytes.Buffer
		writeInt(&b, resultSetKeyspace)
		writeString(&b, st.ks)
		return b.Bytes(), nil
	case *createKeyspaceStmt, *createTableStmt, *dropStmt:
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.ddl(sess, c.st)
	case *selectStmt:
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.selectRows(c, p)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.conditional() {
		return s.cas(c, p.values)
	}
	m, err := s.plan(c, p.values)
	if err != nil {
		return nil, err
	}
	m()
	var b bytes.Buffer
	writeInt(&b, resultVoid)
	return b.Bytes(), nil
}

// plan checks an unconditional modification and returns the function that applies it.
// The caller holds s.mu.
func (s *Server) plan(c *compiled, vals [][]byte) (func(), error) {
	t, err := s.table(c)
	if err != nil {
		return nil, err
	}
	b := &binder{vals: vals}
	switch st := c.st.(type) {
	case *insertStmt:
		r := &row{vals: make([][]byte, len(t.cols))}
		var set []int
		for i, name := range st.cols {
			ci := t.idx[name]
			r.vals[ci] = b.value(st.vals[i], t.cols[ci].typ)
			set = append(set, ci)
		}
		exp := b.ttl(st.ttl, t)
		if err := keyNotNull(t, r, b); err != nil {
			return nil, err
		}
		return func() { t.upsert(r, exp, set...) }, b.err
	case *updateStmt:
		_, ck := c.where.key(t, b)
		r, set := s.updatedRow(t, c, st, b, ck)
		exp := b.ttl(st.ttl, t)
		return func() { t.upsert(r, exp, set...) }, b.err
	case *deleteStmt:
		pk, ck := c.where.key(t, b)
		return func() { t.remove(pk, ck) }, b.err
	}
	return nil, invalid("not a modification")
}

func keyNotNull(t *table, r *row, b *binder) error {
	if b.err != nil {
		return b.err
	}
	for _, k := range append(slices.Clone(t.pk), t.ck...) {
		if r.vals[k] == nil {
			return invalid("Invalid null value in condition for column %s", t.cols[k].name)
		}
	}
	return nil
}

// updatedRow builds the cells an UPDATE writes: its key and its SET columns.
func (s *Server) updatedRow(t *table, c *compiled, st *updateStmt, b *binder, ck [][]byte) (*row, []int) {
	r := &row{vals: make([][]byte, len(t.cols))}
	for _, cd := range c.where.pk {
		r.vals[t.idx[cd.col]] = b.value(cd.vals[0], t.cols[t.idx[cd.col]].typ)
	}
	for i, cd := range c.where.ckEq {
		r.vals[t.idx[cd.col]] = ck[i]
	}
	var set []int
	for _, a := range st.sets {
		ci := t.idx[a.col]
		r.vals[ci] = b.value(a.val, t.cols[ci].typ)
		set = append(set, ci)
	}
	return r, set
}

// cas runs a conditional statement and answers with Cassandra's [applied] row.
func (s *Server) cas(c *compiled, vals [][]byte) ([]byte, error) {
	t, err := s.table(c)
	if err != nil {
		return nil, err
	}
	b := &binder{vals: vals}
	now := time.Now()
	var cur *row
	var pk string
	var ck [][]byte
	if st, ok := c.st.(*insertStmt); ok {
		r := &row{vals: make([][]byte, len(t.cols))}
		for i, name := range st.cols {
			r.vals[t.idx[name]] = b.value(st.vals[i], t.cols[t.idx[name]].typ)
		}
		if err := keyNotNull(t, r, b); err != nil {
			return nil, err
		}
		pk, ck = t.partKeyOf(r), t.ckOf(r)
	} else {
		pk, ck = c.where.key(t, b)
	}
	if b.err != nil {
		return nil, b.err
	}
	cur = t.lookup(pk, ck, now)
	var ifExists bool
	var ifConds []cond
	switch st := c.st.(type) {
	case *insertStmt:
		if cur != nil {
			return casResult(t, false, cur, nil), nil
		}
	case *updateStmt:
		ifExists, ifConds = st.ifExists, st.ifConds
	case *deleteStmt:
		ifExists, ifConds = st.ifExists, st.ifConds
	}
	if ifExists && cur == nil {
		return casResult(t, false, nil, nil), nil
	}
	if len(ifConds) > 0 {
		var cols []int
		ok := true
		for _, cd := range ifConds {
			if cd.op != "=" {
				return nil, invalid("only = conditions are supported by the test double")
			}
			ci := t.idx[cd.col]
			cols = append(cols, ci)
			want := b.value(cd.vals[0], t.cols[ci].typ)
			var have []byte
			if cur != nil {
				have = cur.vals[ci]
			}
			if !bytes.Equal(want, have) || (want == nil) != (have == nil) {
				ok = false
			}
		}
		if b.err != nil {
			return nil, b.err
		}
		if !ok {
			return casResult(t, false, cur, cols), nil
		}
	}
	m, err := s.plan(c, vals)
	if err != nil {
		return nil, err
	}
	m()
	return casResult(t, true, nil, nil), nil
}

// casResult is the row of a conditional statement: [applied], then, when it was not
// applied, the current values of the conditioned columns (every column for IF NOT
// EXISTS and IF EXISTS).
func casResult(t *table, applied bool, cur *row, cols []int) []byte {
	specs := []colSpec{{t.ks, t.name, "[applied]", boolType}}
	vals := [][]byte{{0}}
	if applied {
		vals[0] = []byte{1}
	}
	if !applied && cur != nil {
		if cols == nil {
			for i := range t.cols {
				cols = append(cols, i)
			}
		}
		for _, ci := range cols {
			specs = append(specs, colSpec{t.ks, t.name, t.cols[ci].name, t.cols[ci].typ})
			vals = append(vals, cur.vals[ci])
		}
	}
	var b bytes.Buffer
	writeInt(&b, resultRows)
	c := &compiled{result: specs}
	c.writeResultMetadata(&b, nil)
	writeInt(&b, 1)
	for _, v := range vals {
		writeBytes(&b, v)
	}
	return b.Bytes()
}

func (s *Server) ddl(sess *session, st stmt) ([]byte, error) {
	var b bytes.Buffer
	void := func() ([]byte, error) {
		writeInt(&b, resultVoid)
		return b.Bytes(), nil
	}
	changed := func(change, target, ks, name string) ([]byte, error) {
		s.newSchemaVersion()
		writeInt(&b, resultSchemaChange)
		writeString(&b, change)
		writeString(&b, target)
		writeString(&b, ks)
		if target == "TABLE" {
			writeString(&b, name)
		}
		return b.Bytes(), nil
	}
	switch x := st.(type) {
	case *createKeyspaceStmt:
		if s.keyspaces[x.name] != nil {
			if x.ifNotExists {
				return void()
			}
			var extra bytes.Buffer
			writeString(&extra, x.name)
			writeString(&extra, "")
			return nil, &Error{Code: ErrAlreadyExists, Message: "Keyspace " + x.name + " already exists", extra: extra.Bytes()}
		}
		if err := checkReplication(x.replication); err != nil {
			return nil, err
		}
		ks := &keyspace{name: x.name, replication: x.replication, durable: x.durable, tables: map[string]*table{}}
		s.keyspaces[x.name] = ks
		s.recordKeyspace(ks)
		return changed("CREATED", "KEYSPACE", x.name, "")
	case *createTableStmt:
		ksName := x.table.ks
		if ksName == "" {
			ksName = sess.keyspace
		}
		ks := s.keyspaces[ksName]
		if ks == nil {
			return nil, invalid("Keyspace %s doesn't exist", ksName)
		}
		if ks.tables[x.table.name] != nil {
			if x.ifNotExists {
				return void()
			}
			var extra bytes.Buffer
			writeString(&extra, ksName)
			writeString(&extra, x.table.name)
			return nil, &Error{Code: ErrAlreadyExists, Message: "Table " + ksName + "." + x.table.name + " already exists", extra: extra.Bytes()}
		}
		for _, k := range append(slices.Clone(x.pk), x.ck...) {
			if !slices.ContainsFunc(x.cols, func(c columnDef) bool { return c.name == k }) {
				return nil, invalid("Unknown definition %s referenced in PRIMARY KEY", k)
			}
		}
		ks.tables[x.table.name] = newTable(ksName, x)
		return changed("CREATED", "TABLE", ksName, x.table.name)
	case *dropStmt:
		if !x.keyspace {
			return nil, invalid("DROP TABLE is not supported by the test double")
		}
		if s.keyspaces[x.name.name] == nil || isSystem(x.name.name) {
			if x.ifExists && !isSystem(x.name.name) {
				return void()
			}
			return nil, &Error{Code: ErrConfig, Message: "Cannot drop non existing keyspace '" + x.name.name + "'."}
		}
		delete(s.keyspaces, x.name.name)
		kt := s.keyspaces[schemaKeyspace].tables["keyspaces"]
		kt.remove(partKey([][]byte{[]byte(x.name.name)}), nil)
		return changed("DROPPED", "KEYSPACE", x.name.name, "")
	}
	return nil, invalid("unsupported schema statement")
}

func checkReplication(r map[string]string) error {
	class := r["class"]
	switch {
	case strings.HasSuffix(class, "SimpleStrategy"):
		if r["replication_factor"] == "" {
			return &Error{Code: ErrConfig, Message: "SimpleStrategy requires a replication_factor strategy option."}
		}
	case strings.HasSuffix(class, "NetworkTopologyStrategy"):
	default:
		return &Error{Code: ErrConfig, Message: "Unable to find replication strategy class '" + class + "'"}
	}
	return nil
}

// selectRows runs a SELECT: the rows of one partition (or of every partition of a
// system table) that satisfy the clustering restrictions, then LIMIT and paging.
func (s *Server) selectRows(c *compiled, p params) ([]byte, error) {
	t, err := s.table(c)
	if err != nil {
		return nil, err
	}
	st := c.st.(*selectStmt)
	b := &binder{vals: p.values}
	limit := -1
	if st.limit != nil {
		if v := b.value(*st.limit, intType); v != nil {
			limit = int(decodeInt(v))
		}
		if limit <= 0 && b.err == nil {
			return nil, invalid("LIMIT must be strictly positive")
		}
	}
	var parts []*partition
	var ckEq [][]byte
	if c.where.pk == nil {
		for _, part := range t.parts {
			parts = append(parts, part)
		}
		sort.Slice(parts, func(i, j int) bool { return parts[i].key < parts[j].key })
	} else {
		var pk string
		pk, ckEq = c.where.key(t, b)
		if part := t.parts[pk]; part != nil {
			parts = []*partition{part}
		}
	}
	bounds := make([][]byte, len(c.where.bounds))
	for i, cd := range c.where.bounds {
		bounds[i] = b.value(cd.vals[0], t.cols[t.idx[cd.col]].typ)
	}
	if b.err != nil {
		return nil, b.err
	}
	sent, after, err := decodePagingState(p.pagingState)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	var rows []*row
	var keys []pageKey
	for _, part := range parts {
		for _, r := range part.rows {
			if !r.live(now) || !c.where.matches(t, r, ckEq, bounds) {
				continue
			}
			k := pageKey{part.key, t.ckOf(r)}
			if after != nil && t.comparePageKeys(k, *after) <= 0 {
				continue
			}
			rows = append(rows, r)
			keys = append(keys, k)
		}
	}
	if limit >= 0 {
		rows = rows[:min(len(rows), max(limit-sent, 0))]
	}
	var state []byte
	if p.pageSize > 0 && len(rows) > p.pageSize {
		rows = rows[:p.pageSize]
		state = encodePagingState(sent+len(rows), keys[len(rows)-1])
	}
	var out bytes.Buffer
	writeInt(&out, resultRows)
	cols := make([]int, len(c.result))
	for i, spec := range c.result {
		cols[i] = t.idx[spec.name]
	}
	c.writeResultMetadata(&out, state)
	writeInt(&out, int32(len(rows)))
	for _, r := range rows {
		for _, ci := range cols {
			writeBytes(&out, r.vals[ci])
		}
	}
	return out.Bytes(), nil
}

func (p *wherePlan) matches(t *table, r *row, ckEq, bounds [][]byte) bool {
	for i := range ckEq {
		k := t.ck[i]
		if compareValues(t.cols[k].typ, r.vals[k], ckEq[i]) != 0 {
			return false
		}
	}
	if p.rangeCol < 0 {
		return true
	}
	k := t.ck[p.rangeCol]
	for i, cd := range p.bounds {
		n := compareValues(t.cols[k].typ, r.vals[k], bounds[i])
		ok := map[string]bool{"<": n < 0, "<=": n <= 0, ">": n > 0, ">=": n >= 0}[cd.op]
		if !ok {
			return false
		}
	}
	return true
}

// pageKey is the position of a row: its partition, then its clustering key.
type pageKey struct {
	part string
	ck   [][]byte
}

func (t *table) comparePageKeys(a, b pageKey) int {
	if n := strings.Compare(a.part, b.part); n != 0 {
		return n
	}
	return t.compareCK(a.ck, b.ck)
}

// The paging state is the number of rows already sent (for LIMIT) and the key of the
// last one, so a page resumes after it even when rows were written in between.
func encodePagingState(sent int, k pageKey) []byte {
	var b bytes.Buffer
	writeInt(&b, int32(sent))
	writeBytes(&b, []byte(k.part))
	writeShort(&b, uint16(len(k.ck)))
	for _, v := range k.ck {
		writeBytes(&b, v)
	}
	return b.Bytes()
}

func decodePagingState(state []byte) (int, *pageKey, error) {
	if len(state) == 0 {
		return 0, nil, nil
	}
	r := &reader{b: state}
	sent := int(r.int())
	k := &pageKey{part: string(r.bytes())}
	for range int(r.short()) {
		k.ck = append(k.ck, r.bytes())
	}
	if r.err != nil || len(r.b) != 0 {
		return 0, nil, &Error{Code: ErrProtocol, Message: "Invalid value for the paging state"}
	}
	return sent, k, nil
}

// writeBindMetadata writes a PREPARED result's <metadata>: the bind markers.
func (c *compiled) writeBindMetadata(b *bytes.Buffer) {
	writeInt(b, 0)
	writeInt(b, int32(len(c.markers)))
	writeInt(b, int32(len(c.pkBind)))
	for _, i := range c.pkBind {
		writeShort(b, uint16(i))
	}
	for _, m := range c.markers {
		if m.typ == nil { // a statement without a table
			m = colSpec{"system", "local", "?", textType}
		}
		writeString(b, m.ks)
		writeString(b, m.table)
		writeString(b, m.name)
		m.typ.write(b)
	}
}

// writeResultMetadata writes <metadata> of a Rows result, with the paging state when
// more pages follow. Conditional statements announce no columns when prepared: their
// rows carry their own metadata, as Cassandra's do.
func (c *compiled) writeResultMetadata(b *bytes.Buffer, state []byte) {
	specs := c.result
	flags := int32(0)
	if state != nil {
		flags |= 0x0002
	}
	writeInt(b, flags)
	writeInt(b, int32(len(specs)))
	if state != nil {
		writeBytes(b, state)
	}
	for _, sp := range specs {
		writeString(b, sp.ks)
		writeString(b, sp.table)
		writeString(b, sp.name)
		sp.typ.write(b)
	}
}
