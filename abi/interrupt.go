package abi

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// A guest that never returns must still be stoppable, and a guest that runs long must
// still let the Go runtime stop the world for a collection: code wazero compiled is
// never preempted, so a goroutine spinning in it stalls every other goroutine at the
// next GC, the watchdog's included. wazero can do both itself
// (WithCloseOnContextDone), but it then leaves the guest for Go at every function
// entry and loop iteration, which made a Go-built plugin's callbacks four to five
// times slower (key-auth: about 450 µs instead of 100 µs per request). Code without a
// loop always ends (a call chain without loops ends too, or overflows the stack, which
// traps), so weir instruments loops only, when it compiles a module: each loop head
// counts its iterations in a global of weir's own, and every 65,536th iteration it
// leaves the guest for Go (memory.grow by 0 pages, which wazero serves in Go: a
// preemption point) and reads a second global, the interrupt flag, exported as
// interruptGlobal. When the watchdog sets the flag, the guest reaches `unreachable`
// and the call fails like any trap.

// interruptGlobal is the export name of the added global. A module exporting this
// name itself is refused.
const interruptGlobal = "weir.interrupt"

// ErrUninstrumentable says a module uses an instruction weir cannot decode, so it
// cannot add its interrupt checks; such a module is refused rather than run without
// a way to stop it.
var ErrUninstrumentable = errors.New("module cannot be instrumented")

// Section ids of the binary format.
const (
	secCustom   = 0
	secImport   = 2
	secGlobal   = 6
	secExport   = 7
	secCode     = 10
	opLoop      = 0x03
	opGlobalGet = 0x23
	opGlobalSet = 0x24
)

// section is one section of a module: its id and its body.
type section struct {
	id   byte
	body []byte
}

// sectionRank is the position of each known section in a module: the tag section
// (13) sits before globals, the data count section (12) before code.
var sectionRank = map[byte]int{1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 13: 6, 6: 7, 7: 8, 8: 9, 9: 10, 12: 11, 10: 12, 11: 13}

// instrument returns wasm with the interrupt global added and a check at the head of
// every loop: global.get $interrupt; if; unreachable; end.
func instrument(wasm []byte) ([]byte, error) {
	if len(wasm) < 8 || !bytes.Equal(wasm[:4], []byte("\x00asm")) {
		return nil, fmt.Errorf("%w: not a wasm binary", ErrUninstrumentable)
	}
	var sections []section
	r := &reader{b: wasm, pos: 8}
	importedGlobals := uint32(0)
	for r.pos < len(r.b) {
		id := r.byte()
		size := r.u32()
		body := r.bytes(int(size))
		if r.err != nil {
			return nil, fmt.Errorf("%w: section %d: %w", ErrUninstrumentable, id, r.err)
		}
		if id == secImport {
			n, err := countImports(body, 0x03)
			if err != nil {
				return nil, err
			}
			importedGlobals = n
		}
		sections = append(sections, section{id, body})
	}
	// The new globals' indexes follow the imported and defined ones: the iteration
	// counter, then the interrupt flag.
	index := importedGlobals
	hasGlobal, hasExport := false, false
	memories, err := countMemories(sections)
	if err != nil {
		return nil, err
	}
	twoGlobals := []byte{0x7F, 0x01, 0x41, 0x00, 0x0B, 0x7F, 0x01, 0x41, 0x00, 0x0B} // 2 × mut i32 = 0
	for i, s := range sections {
		switch s.id {
		case secGlobal:
			g := &reader{b: s.body}
			n := g.u32()
			if g.err != nil {
				return nil, fmt.Errorf("%w: global section: %w", ErrUninstrumentable, g.err)
			}
			index += n
			sections[i].body = appendVec(s.body, g.pos, n+2, twoGlobals)
			hasGlobal = true
		case secExport:
			if bytes.Contains(s.body, []byte(interruptGlobal)) {
				return nil, fmt.Errorf("%w: it exports %q itself", ErrUninstrumentable, interruptGlobal)
			}
			hasExport = true
		}
	}
	check := loopCheck(index, index+1, memories > 0)
	out := append([]byte(nil), wasm[:8]...)
	emit := func(id byte, body []byte) {
		out = append(out, id)
		out = binary.AppendUvarint(out, uint64(len(body)))
		out = append(out, body...)
	}
	export := func(body []byte) []byte {
		e := &reader{b: body}
		n := e.u32()
		entry := binary.AppendUvarint(nil, uint64(len(interruptGlobal)))
		entry = append(entry, interruptGlobal...)
		entry = append(entry, 0x03) // global
		entry = binary.AppendUvarint(entry, uint64(index+1))
		return appendVec(body, e.pos, n+1, entry)
	}
	for _, s := range sections {
		// A module without a global or export section gets one where the order of
		// sections puts it: before the first section that must follow.
		if s.id != secCustom && sectionRank[s.id] > sectionRank[secGlobal] && !hasGlobal {
			emit(secGlobal, append([]byte{0x02}, twoGlobals...))
			hasGlobal = true
		}
		if s.id != secCustom && sectionRank[s.id] > sectionRank[secExport] && !hasExport {
			emit(secExport, export([]byte{0x00}))
			hasExport = true
		}
		switch s.id {
		case secExport:
			emit(secExport, export(s.body))
		case secCode:
			body, err := instrumentCode(s.body, check)
			if err != nil {
				return nil, err
			}
			emit(secCode, body)
		default:
			emit(s.id, s.body)
		}
	}
	if !hasGlobal || !hasExport {
		return nil, fmt.Errorf("%w: no code section", ErrUninstrumentable)
	}
	return out, nil
}

// loopCheck is the code put at every loop head:
//
//	counter := counter + 1
//	if counter & 0xFFFF == 0 {
//		memory.grow 0 (dropped)      ;; only with a memory
//		if interrupt { unreachable }
//	}
func loopCheck(counter, interrupt uint32, memory bool) []byte {
	get := func(b []byte, g uint32) []byte { return binary.AppendUvarint(append(b, opGlobalGet), uint64(g)) }
	b := get(nil, counter)
	b = append(b, 0x41, 0x01, 0x6A)                                   // i32.const 1, i32.add
	b = binary.AppendUvarint(append(b, opGlobalSet), uint64(counter)) // global.set
	b = get(b, counter)
	b = append(b, 0x41, 0xFF, 0xFF, 0x03, 0x71, 0x45, 0x04, 0x40) // i32.const 0xFFFF, i32.and, i32.eqz, if
	if memory {
		b = append(b, 0x41, 0x00, 0x40, 0x00, 0x1A) // i32.const 0, memory.grow 0, drop
	}
	b = get(b, interrupt)
	return append(b, 0x04, 0x40, 0x00, 0x0B, 0x0B) // if unreachable end, end
}

// countMemories counts the memories a module defines or imports.
func countMemories(sections []section) (int, error) {
	n := 0
	for _, s := range sections {
		switch s.id {
		case 5:
			n += int((&reader{b: s.body}).u32())
		case secImport:
			m, err := countImports(s.body, 0x02)
			if err != nil {
				return 0, err
			}
			n += int(m)
		}
	}
	return n, nil
}

// appendVec rewrites a vector section body whose count ends at countEnd: new count n,
// the old entries, then entry.
func appendVec(body []byte, countEnd int, n uint32, entry []byte) []byte {
	out := binary.AppendUvarint(nil, uint64(n))
	out = append(out, body[countEnd:]...)
	return append(out, entry...)
}

// countImports counts the imports of one kind (2 memory, 3 global) in an import
// section body.
func countImports(body []byte, want byte) (uint32, error) {
	r := &reader{b: body}
	n := r.u32()
	count := uint32(0)
	for range n {
		r.name()
		r.name()
		kind := r.byte()
		if kind == want {
			count++
		}
		switch kind {
		case 0x00: // func: type index
			r.u32()
		case 0x01: // table: reftype, limits
			r.byte()
			r.limits()
		case 0x02: // memory: limits
			r.limits()
		case 0x03: // global: valtype, mutability
			r.byte()
			r.byte()
		case 0x04: // tag: attribute, type index
			r.byte()
			r.u32()
		default:
			return 0, fmt.Errorf("%w: import kind %#x", ErrUninstrumentable, kind)
		}
	}
	if r.err != nil {
		return 0, fmt.Errorf("%w: import section: %w", ErrUninstrumentable, r.err)
	}
	return count, nil
}

// instrumentCode inserts check after the block type of every loop in every function
// body of a code section, re-encoding each body's size.
func instrumentCode(body []byte, check []byte) ([]byte, error) {
	r := &reader{b: body}
	n := r.u32()
	out := binary.AppendUvarint(make([]byte, 0, len(body)+len(body)/16), uint64(n))
	var fn []byte
	for i := range n {
		size := r.u32()
		code := r.bytes(int(size))
		if r.err != nil {
			return nil, fmt.Errorf("%w: function %d: %w", ErrUninstrumentable, i, r.err)
		}
		var err error
		if fn, err = instrumentFunction(fn[:0], code, check); err != nil {
			return nil, fmt.Errorf("%w: function %d: %w", ErrUninstrumentable, i, err)
		}
		out = binary.AppendUvarint(out, uint64(len(fn)))
		out = append(out, fn...)
	}
	return out, nil
}

// instrumentFunction copies one function body (locals, then instructions) to out with
// check after each loop's block type.
func instrumentFunction(out, code, check []byte) ([]byte, error) {
	r := &reader{b: code}
	groups := r.u32()
	for range groups {
		r.u32()
		r.byte()
	}
	if r.err != nil {
		return nil, fmt.Errorf("locals: %w", r.err)
	}
	copied := r.pos
	out = append(out, code[:copied]...)
	for r.pos < len(r.b) {
		op := r.byte()
		if err := skipImmediates(r, op); err != nil {
			return nil, fmt.Errorf("offset %d: %w", r.pos, err)
		}
		if r.err != nil {
			return nil, fmt.Errorf("offset %d: %w", r.pos, r.err)
		}
		if op == opLoop {
			out = append(out, code[copied:r.pos]...)
			out = append(out, check...)
			copied = r.pos
		}
	}
	return append(out, code[copied:]...), nil
}

// skipImmediates moves r past the immediates of instruction op (WebAssembly 2.0 with
// tail calls, exceptions and threads). An opcode it does not know is an error.
func skipImmediates(r *reader, op byte) error {
	switch {
	case op == 0x00 || op == 0x01 || op == 0x05 || op == 0x0B || op == 0x0F || op == 0x19 ||
		op == 0x1A || op == 0x1B || op == 0xD1 || op >= 0x45 && op <= 0xC4:
		// no immediates
	case op >= 0x02 && op <= 0x04 || op == 0x06: // block, loop, if, try
		r.blockType()
	case op == 0x07 || op == 0x08 || op == 0x09 || op == 0x18 || op == 0x0C || op == 0x0D ||
		op == 0x10 || op == 0x12 || op >= 0x20 && op <= 0x26 || op == 0xD2:
		r.u32() // tag, label, function, local, global or table index
	case op == 0x0E: // br_table
		n := r.u32()
		for range n + 1 {
			r.u32()
		}
	case op == 0x11 || op == 0x13: // call_indirect, return_call_indirect
		r.u32()
		r.u32()
	case op == 0x1C: // select with types
		n := r.u32()
		r.bytes(int(n))
	case op >= 0x28 && op <= 0x3E:
		r.memarg()
	case op == 0x3F || op == 0x40: // memory.size, memory.grow
		r.u32()
	case op == 0x41:
		r.sleb()
	case op == 0x42:
		r.sleb()
	case op == 0x43:
		r.bytes(4)
	case op == 0x44:
		r.bytes(8)
	case op == 0xD0: // ref.null
		r.byte()
	case op == 0xFC:
		return skipFC(r)
	case op == 0xFD:
		return skipSIMD(r)
	case op == 0xFE:
		return skipAtomic(r)
	default:
		return fmt.Errorf("unknown opcode %#x", op)
	}
	return nil
}

func skipFC(r *reader) error {
	switch sub := r.u32(); {
	case sub <= 7: // saturating truncations
	case sub == 8: // memory.init data, memory
		r.u32()
		r.u32()
	case sub == 9 || sub == 11 || sub == 13 || sub >= 15 && sub <= 17: // one index
		r.u32()
	case sub == 10 || sub == 12 || sub == 14: // two indexes
		r.u32()
		r.u32()
	default:
		return fmt.Errorf("unknown opcode 0xfc %d", sub)
	}
	return nil
}

func skipSIMD(r *reader) error {
	switch sub := r.u32(); {
	case sub <= 11 || sub == 92 || sub == 93: // loads and stores
		r.memarg()
	case sub == 12 || sub == 13: // v128.const, i8x16.shuffle
		r.bytes(16)
	case sub >= 21 && sub <= 34: // extract and replace lane
		r.byte()
	case sub >= 84 && sub <= 91: // load and store lane
		r.memarg()
		r.byte()
	case sub <= 275: // the remaining SIMD opcodes take no immediates
	default:
		return fmt.Errorf("unknown opcode 0xfd %d", sub)
	}
	return nil
}

func skipAtomic(r *reader) error {
	switch sub := r.u32(); {
	case sub == 0x03: // atomic.fence
		r.byte()
	case sub <= 0x4E:
		r.memarg()
	default:
		return fmt.Errorf("unknown opcode 0xfe %d", sub)
	}
	return nil
}

// reader decodes the binary format; the first error sticks and later reads return
// zero values.
type reader struct {
	b   []byte
	pos int
	err error
}

var errTruncated = errors.New("truncated")

func (r *reader) byte() byte {
	if r.err != nil || r.pos >= len(r.b) {
		r.err = cmpErr(r.err, errTruncated)
		return 0
	}
	c := r.b[r.pos]
	r.pos++
	return c
}

func (r *reader) bytes(n int) []byte {
	if r.err != nil || n < 0 || r.pos+n > len(r.b) {
		r.err = cmpErr(r.err, errTruncated)
		return nil
	}
	b := r.b[r.pos : r.pos+n]
	r.pos += n
	return b
}

// u32 reads an unsigned LEB128 of at most 5 bytes.
func (r *reader) u32() uint32 {
	var v uint32
	for shift := 0; shift < 35; shift += 7 {
		c := r.byte()
		v |= uint32(c&0x7F) << shift
		if c&0x80 == 0 {
			return v
		}
	}
	r.err = cmpErr(r.err, errors.New("LEB128 too long"))
	return 0
}

// sleb skips a signed LEB128 of at most 10 bytes.
func (r *reader) sleb() {
	for range 10 {
		if r.byte()&0x80 == 0 {
			return
		}
	}
	r.err = cmpErr(r.err, errors.New("LEB128 too long"))
}

func (r *reader) name() { r.bytes(int(r.u32())) }

func (r *reader) limits() {
	flags := r.byte()
	r.u32()
	if flags&0x01 != 0 {
		r.u32()
	}
}

// memarg is an alignment (bit 6 set: a memory index follows) and an offset.
func (r *reader) memarg() {
	if align := r.u32(); align&0x40 != 0 {
		r.u32()
	}
	r.u32()
}

// blockType is empty (0x40), a value type (one byte) or a type index (s33).
func (r *reader) blockType() {
	if r.pos < len(r.b) {
		if c := r.b[r.pos]; c == 0x40 || c >= 0x6F && c <= 0x7F {
			r.pos++
			return
		}
	}
	r.sleb()
}

func cmpErr(prev, next error) error {
	if prev != nil {
		return prev
	}
	return next
}
