// Package cqltest is a TEST DOUBLE, NOT A DATABASE: a small in-memory server that speaks
// the Cassandra native protocol v4 well enough for gocql to connect to it over TCP and
// for weir's Cassandra store to run against it in CI, where no Cassandra can be
// installed.
//
// It answers OPTIONS, STARTUP (with optional password authentication), REGISTER, the
// system tables gocql reads (system.local, system.peers, system_schema.keyspaces),
// PREPARE, EXECUTE, QUERY and BATCH for the CQL subset the store issues, keeps rows in
// memory on one node, implements IF NOT EXISTS, IF EXISTS and IF column = value with
// Cassandra's [applied] column, pages with paging state, and honours TTLs.
//
// It rejects what Cassandra rejects and a little more, so that the store cannot depend
// on queries a real cluster would refuse or run badly: a SELECT on a user table must
// restrict the whole partition key with equality (Cassandra would allow an unrestricted
// full scan; the double refuses it because the store must never need one), restrictions
// on non-key columns are refused with Cassandra's "ALLOW FILTERING" error, and ALLOW
// FILTERING itself is refused. Statements outside the subset fail with a syntax error
// rather than being guessed at.
//
// Nothing here models replication, consistency levels, tombstones or concurrency between
// replicas: every statement applies atomically under one lock.
package cqltest

import (
	"bufio"
	"bytes"
	"crypto/md5"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"

	"github.com/google/uuid"
)

// Server is one in-memory node.
type Server struct {
	mu        sync.Mutex
	keyspaces map[string]*keyspace
	prepared  map[string]*compiled
	user      string
	password  string
	hostID    uuid.UUID

	netMu    sync.Mutex
	addr     string
	ln       net.Listener
	conns    map[net.Conn]bool
	stopped  bool
	statsMu  sync.Mutex
	executed map[string]int
	faults   []fault
}

// fault makes statements containing match fail with err.
type fault struct {
	match string
	err   *Error
	times int
}

// FailNext makes the next n statements whose text contains match (alone or in a
// batch) fail with err, without applying anything: a fault for tests of error paths.
func (s *Server) FailNext(match string, n int, err *Error) {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	s.faults = append(s.faults, fault{match, err, n})
}

// WriteTimeout is the error of a write the coordinator timed out on; writeType is
// Cassandra's (SIMPLE, BATCH, BATCH_LOG, CAS…).
func WriteTimeout(writeType string) *Error {
	var extra bytes.Buffer
	writeShort(&extra, 0x0001) // ONE
	writeInt(&extra, 0)
	writeInt(&extra, 1)
	writeString(&extra, writeType)
	return &Error{Code: 0x1100, Message: "Operation timed out - received only 0 responses.", extra: extra.Bytes()}
}

// injected returns the fault for a statement, if one is armed.
func (s *Server) injected(text string) error {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	for i := range s.faults {
		f := &s.faults[i]
		if f.times > 0 && strings.Contains(text, f.match) {
			f.times--
			return f.err
		}
	}
	return nil
}

// Start listens on 127.0.0.1 on a free port.
func Start() (*Server, error) {
	s := &Server{keyspaces: map[string]*keyspace{}, prepared: map[string]*compiled{}, hostID: uuid.New(),
		conns: map[net.Conn]bool{}, executed: map[string]int{}}
	s.createSystemTables()
	if err := s.listen("127.0.0.1:0"); err != nil {
		return nil, err
	}
	return s, nil
}

// RequireAuth makes the server ask for PasswordAuthenticator credentials.
func (s *Server) RequireAuth(user, password string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.user, s.password = user, password
}

// Host is the address the server listens on, and Port its port.
func (s *Server) Host() string { h, _, _ := net.SplitHostPort(s.addr); return h }

// Port is the TCP port the server listens on.
func (s *Server) Port() int { return s.ln.Addr().(*net.TCPAddr).Port }

// Addr is host:port.
func (s *Server) Addr() string { return s.addr }

// Statements returns how many times each statement text has run (QUERY, EXECUTE or in
// a BATCH), for tests that check which statements a client sends.
func (s *Server) Statements() map[string]int {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	out := make(map[string]int, len(s.executed))
	for k, v := range s.executed {
		out[k] = v
	}
	return out
}

func (s *Server) listen(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("cqltest: %w", err)
	}
	s.netMu.Lock()
	s.ln, s.addr, s.stopped = ln, ln.Addr().String(), false
	s.netMu.Unlock()
	go s.accept(ln)
	return nil
}

// Stop closes the listener and every connection, keeping the data: an outage.
func (s *Server) Stop() {
	s.netMu.Lock()
	defer s.netMu.Unlock()
	if s.stopped {
		return
	}
	s.stopped = true
	_ = s.ln.Close()
	for c := range s.conns {
		_ = c.Close()
	}
}

// Restart listens again on the same address after Stop.
func (s *Server) Restart() error { return s.listen(s.addr) }

// Close stops the server for good.
func (s *Server) Close() error {
	s.Stop()
	return nil
}

func (s *Server) accept(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		s.netMu.Lock()
		if s.stopped {
			s.netMu.Unlock()
			_ = c.Close()
			return
		}
		s.conns[c] = true
		s.netMu.Unlock()
		go s.serve(c)
	}
}

// session is one client connection's state.
type session struct {
	keyspace string
	authed   bool
}

func (s *Server) serve(c net.Conn) {
	defer func() {
		s.netMu.Lock()
		delete(s.conns, c)
		s.netMu.Unlock()
		_ = c.Close()
	}()
	r := bufio.NewReader(c)
	w := bufio.NewWriter(c)
	sess := &session{}
	for {
		f, err := readFrame(r)
		if err != nil {
			return
		}
		op, body := s.handle(sess, f)
		if err := writeFrame(w, f.stream, op, body); err != nil {
			return
		}
		if err := w.Flush(); err != nil {
			return
		}
	}
}

func (s *Server) handle(sess *session, f *frame) (byte, []byte) {
	if f.version&0x7f != 4 {
		msg := fmt.Sprintf("Invalid or unsupported protocol version (%d); supported versions are (4/v4)", f.version&0x7f)
		return opError, errorBody(&Error{Code: ErrProtocol, Message: msg})
	}
	if f.flags&0x01 != 0 {
		return opError, errorBody(&Error{Code: ErrProtocol, Message: "compression is not supported by the test double"})
	}
	body, op, err := s.dispatch(sess, f)
	if err != nil {
		var ce *Error
		if !errors.As(err, &ce) {
			ce = &Error{Code: ErrServer, Message: err.Error()}
		}
		return opError, errorBody(ce)
	}
	return op, body
}

func (s *Server) dispatch(sess *session, f *frame) ([]byte, byte, error) {
	r := &reader{b: f.body}
	switch f.opcode {
	case opOptions:
		var b bytes.Buffer
		writeStringMultimap(&b, map[string][]string{"CQL_VERSION": {"3.4.6"}, "COMPRESSION": {}, "PROTOCOL_VERSIONS": {"4/v4"}})
		return b.Bytes(), opSupported, nil
	case opStartup:
		r.stringMap()
		s.mu.Lock()
		needAuth := s.user != ""
		s.mu.Unlock()
		if needAuth {
			var b bytes.Buffer
			writeString(&b, "org.apache.cassandra.auth.PasswordAuthenticator")
			return b.Bytes(), opAuthenticate, nil
		}
		sess.authed = true
		return nil, opReady, nil
	case opAuthResponse:
		return s.authenticate(sess, r.bytes())
	}
	if !sess.authed {
		return nil, 0, &Error{Code: ErrProtocol, Message: "the connection is not authenticated"}
	}
	switch f.opcode {
	case opRegister:
		return nil, opReady, nil
	case opQuery:
		q := r.longString()
		p, err := r.params()
		if err != nil {
			return nil, 0, err
		}
		s.count(q)
		if err := s.injected(q); err != nil {
			return nil, 0, err
		}
		body, err := s.query(sess, q, p)
		return body, opResult, err
	case opPrepare:
		body, err := s.prepare(sess, r.longString())
		return body, opResult, err
	case opExecute:
		id := r.shortBytes()
		p, err := r.params()
		if err != nil {
			return nil, 0, err
		}
		body, err := s.execute(sess, id, p)
		return body, opResult, err
	case opBatch:
		body, err := s.batch(sess, r)
		return body, opResult, err
	}
	return nil, 0, &Error{Code: ErrProtocol, Message: fmt.Sprintf("unsupported opcode 0x%02x", f.opcode)}
}

func (s *Server) count(q string) {
	s.statsMu.Lock()
	s.executed[strings.Join(strings.Fields(q), " ")]++
	s.statsMu.Unlock()
}

func (s *Server) authenticate(sess *session, token []byte) ([]byte, byte, error) {
	parts := bytes.Split(token, []byte{0})
	s.mu.Lock()
	ok := len(parts) == 3 && string(parts[1]) == s.user && string(parts[2]) == s.password
	s.mu.Unlock()
	if !ok {
		return nil, 0, &Error{Code: ErrBadCredentials, Message: "Provided username and/or password are incorrect"}
	}
	sess.authed = true
	var b bytes.Buffer
	writeBytes(&b, nil)
	return b.Bytes(), opAuthSuccess, nil
}

func (s *Server) query(sess *session, q string, p params) ([]byte, error) {
	c, err := s.compile(sess.keyspace, q)
	if err != nil {
		return nil, err
	}
	return s.run(sess, c, p)
}

func (s *Server) prepare(sess *session, q string) ([]byte, error) {
	c, err := s.compile(sess.keyspace, q)
	if err != nil {
		return nil, err
	}
	sum := md5.Sum([]byte(sess.keyspace + "\x00" + q))
	c.id = sum[:]
	s.mu.Lock()
	s.prepared[string(c.id)] = c
	s.mu.Unlock()
	var b bytes.Buffer
	writeInt(&b, resultPrepared)
	writeShortBytes(&b, c.id)
	c.writeBindMetadata(&b)
	c.writeResultMetadata(&b, nil)
	return b.Bytes(), nil
}

func (s *Server) execute(sess *session, id []byte, p params) ([]byte, error) {
	s.mu.Lock()
	c := s.prepared[string(id)]
	s.mu.Unlock()
	if c == nil {
		var extra bytes.Buffer
		writeShortBytes(&extra, id)
		return nil, &Error{Code: ErrUnprepared, Message: "Prepared query with ID not found", extra: extra.Bytes()}
	}
	s.count(c.text)
	if err := s.injected(c.text); err != nil {
		return nil, err
	}
	return s.run(sess, c, p)
}

// batch runs a BATCH message's statements atomically.
func (s *Server) batch(sess *session, r *reader) ([]byte, error) {
	r.byte() // logged, unlogged or counter: one node applies all alike
	n := int(r.short())
	type item struct {
		c    *compiled
		vals [][]byte
	}
	items := make([]item, 0, n)
	for range n {
		var c *compiled
		var err error
		switch r.byte() {
		case 0:
			c, err = s.compile(sess.keyspace, r.longString())
		case 1:
			id := r.shortBytes()
			s.mu.Lock()
			c = s.prepared[string(id)]
			s.mu.Unlock()
			if c == nil {
				var extra bytes.Buffer
				writeShortBytes(&extra, id)
				err = &Error{Code: ErrUnprepared, Message: "Prepared query with ID not found", extra: extra.Bytes()}
			}
		default:
			err = &Error{Code: ErrProtocol, Message: "bad batch statement kind"}
		}
		if err != nil {
			return nil, err
		}
		var vals [][]byte
		for range int(r.short()) {
			vals = append(vals, r.bytes())
		}
		if !c.isModification() {
			return nil, invalid("Invalid statement in batch: only UPDATE, INSERT and DELETE statements are allowed.")
		}
		if c.conditional() {
			return nil, invalid("conditional statements in batches are not supported by the test double")
		}
		if err := s.injected(c.text); err != nil {
			return nil, err
		}
		items = append(items, item{c, vals})
	}
	if r.err != nil {
		return nil, &Error{Code: ErrProtocol, Message: r.err.Error()}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	// Check everything before applying anything.
	var muts []func()
	for _, it := range items {
		s.count(it.c.text)
		m, err := s.plan(it.c, it.vals)
		if err != nil {
			return nil, err
		}
		muts = append(muts, m)
	}
	for _, m := range muts {
		m()
	}
	var b bytes.Buffer
	writeInt(&b, resultVoid)
	return b.Bytes(), nil
}
