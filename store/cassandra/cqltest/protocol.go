package cqltest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Opcodes of native protocol v4.
const (
	opError        byte = 0x00
	opStartup      byte = 0x01
	opReady        byte = 0x02
	opAuthenticate byte = 0x03
	opOptions      byte = 0x05
	opSupported    byte = 0x06
	opQuery        byte = 0x07
	opResult       byte = 0x08
	opPrepare      byte = 0x09
	opExecute      byte = 0x0A
	opRegister     byte = 0x0B
	opBatch        byte = 0x0D
	opAuthResponse byte = 0x0F
	opAuthSuccess  byte = 0x10
)

// Result kinds.
const (
	resultVoid         int32 = 1
	resultRows         int32 = 2
	resultSetKeyspace  int32 = 3
	resultPrepared     int32 = 4
	resultSchemaChange int32 = 5
)

// Error codes, as Cassandra sends them.
const (
	ErrServer         int32 = 0x0000
	ErrProtocol       int32 = 0x000A
	ErrBadCredentials int32 = 0x0100
	ErrSyntax         int32 = 0x2000
	ErrInvalid        int32 = 0x2200
	ErrConfig         int32 = 0x2300
	ErrAlreadyExists  int32 = 0x2400
	ErrUnprepared     int32 = 0x2500
)

// Error is an ERROR response.
type Error struct {
	Code    int32
	Message string
	// extra is the code-specific body that follows the message.
	extra []byte
}

func (e *Error) Error() string { return fmt.Sprintf("cql error 0x%04x: %s", e.Code, e.Message) }

func invalid(format string, args ...any) *Error {
	return &Error{Code: ErrInvalid, Message: fmt.Sprintf(format, args...)}
}

type frame struct {
	version byte
	flags   byte
	stream  int16
	opcode  byte
	body    []byte
}

const maxFrame = 256 << 20

func readFrame(r io.Reader) (*frame, error) {
	var h [9]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return nil, err
	}
	n := binary.BigEndian.Uint32(h[5:])
	if n > maxFrame {
		return nil, fmt.Errorf("frame of %d bytes", n)
	}
	f := &frame{version: h[0], flags: h[1], stream: int16(binary.BigEndian.Uint16(h[2:])), opcode: h[4], body: make([]byte, n)}
	_, err := io.ReadFull(r, f.body)
	return f, err
}

func writeFrame(w io.Writer, stream int16, opcode byte, body []byte) error {
	var h [9]byte
	h[0] = 0x84
	binary.BigEndian.PutUint16(h[2:], uint16(stream))
	h[4] = opcode
	binary.BigEndian.PutUint32(h[5:], uint32(len(body)))
	_, err := w.Write(append(h[:], body...))
	return err
}

func errorBody(e *Error) []byte {
	var b bytes.Buffer
	writeInt(&b, e.Code)
	writeString(&b, e.Message)
	b.Write(e.extra)
	return b.Bytes()
}

// Writers of the protocol's notation.

func writeShort(b *bytes.Buffer, v uint16) { _ = binary.Write(b, binary.BigEndian, v) }
func writeInt(b *bytes.Buffer, v int32)    { _ = binary.Write(b, binary.BigEndian, v) }

func writeString(b *bytes.Buffer, s string) {
	writeShort(b, uint16(len(s)))
	b.WriteString(s)
}

func writeBytes(b *bytes.Buffer, v []byte) {
	if v == nil {
		writeInt(b, -1)
		return
	}
	writeInt(b, int32(len(v)))
	b.Write(v)
}

func writeShortBytes(b *bytes.Buffer, v []byte) {
	writeShort(b, uint16(len(v)))
	b.Write(v)
}

func writeStringMultimap(b *bytes.Buffer, m map[string][]string) {
	writeShort(b, uint16(len(m)))
	for k, vs := range m {
		writeString(b, k)
		writeShort(b, uint16(len(vs)))
		for _, v := range vs {
			writeString(b, v)
		}
	}
}

// reader reads the protocol's notation from a request body.
type reader struct {
	b   []byte
	err error
}

var errShort = errors.New("truncated message")

func (r *reader) take(n int) []byte {
	if r.err != nil || n < 0 || n > len(r.b) {
		r.err = errShort
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *reader) byte() byte {
	v := r.take(1)
	if v == nil {
		return 0
	}
	return v[0]
}

func (r *reader) short() uint16 {
	v := r.take(2)
	if v == nil {
		return 0
	}
	return binary.BigEndian.Uint16(v)
}

func (r *reader) int() int32 {
	v := r.take(4)
	if v == nil {
		return 0
	}
	return int32(binary.BigEndian.Uint32(v))
}

func (r *reader) string() string     { return string(r.take(int(r.short()))) }
func (r *reader) longString() string { return string(r.take(int(r.int()))) }
func (r *reader) shortBytes() []byte { return r.take(int(r.short())) }

func (r *reader) bytes() []byte {
	n := r.int()
	if n < 0 {
		return nil
	}
	v := r.take(int(n))
	if v == nil {
		return nil
	}
	return append([]byte{}, v...)
}

func (r *reader) stringMap() map[string]string {
	n := int(r.short())
	m := make(map[string]string, n)
	for range n {
		k := r.string()
		m[k] = r.string()
	}
	return m
}

// Query parameter flags.
const (
	flagValues      = 0x01
	flagPageSize    = 0x04
	flagPagingState = 0x08
	flagSerial      = 0x10
	flagTimestamp   = 0x20
	flagNames       = 0x40
)

// params are a QUERY's or EXECUTE's <query_parameters>.
type params struct {
	values      [][]byte
	pageSize    int
	pagingState []byte
}

func (r *reader) params() (params, error) {
	var p params
	r.short() // consistency: one node holds everything
	flags := r.byte()
	if flags&flagNames != 0 {
		return p, &Error{Code: ErrProtocol, Message: "named values are not supported by the test double"}
	}
	if flags&flagValues != 0 {
		n := int(r.short())
		for range n {
			p.values = append(p.values, r.bytes())
		}
	}
	if flags&flagPageSize != 0 {
		p.pageSize = int(r.int())
	}
	if flags&flagPagingState != 0 {
		p.pagingState = r.bytes()
	}
	if flags&flagSerial != 0 {
		r.short()
	}
	if flags&flagTimestamp != 0 {
		r.take(8)
	}
	if r.err != nil {
		return p, &Error{Code: ErrProtocol, Message: r.err.Error()}
	}
	return p, nil
}
