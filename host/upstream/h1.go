package upstream

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/weir-gateway/weir/abi"
	"github.com/weir-gateway/weir/host/netaddr"
	"github.com/weir-gateway/weir/host/pipeline"
)

// The HTTP/1.1 exchange weir runs itself, for a plain-HTTP service whose request and
// response are both buffered: most proxied traffic. fasthttp's HostClient builds a
// header object of the request the pipeline already holds as pairs, parses the
// target back, and parses the response head into another object that is then copied
// into pairs; counted over sockets, that was over a fifth of a no-plugin request's
// instructions. Here the head is written from the pairs and read into them in one
// pass each. TLS services, streamed bodies and streamed responses keep to fasthttp.
//
// It behaves as the HostClient it replaces was configured: keep-alive connections
// per service address within the Keepalive limits (Kong's upstream_keepalive_*
// properties); the service's write timeout for
// sending and read timeout for the whole response; an exchange that failed after the
// connection was made is tried again on another connection, up to the service's
// retries, for GET, HEAD and PUT.

// h1MaxHead bounds a response head (status line and fields): a service sending more
// gets a 502, as nginx's proxy_buffer_size does.
const h1MaxHead = 16 << 10

var (
	errClosedBeforeAnswer = errors.New("the service closed the connection before answering")
	errHeadTooLarge       = fmt.Errorf("response head larger than %d bytes", h1MaxHead)
	errInvalidField       = errors.New("a header field holds a line break")
)

// h1Pool is the connections to one service address (one poolKey).
type h1Pool struct {
	key       poolKey
	keepalive Keepalive
	dial      func(addr string) (net.Conn, error)
	// busy counts the exchanges in progress, and procs is GOMAXPROCS when the pool
	// was made: see yieldWhenCrowded.
	busy  atomic.Int32
	procs int32

	mu sync.Mutex
	// idle holds kept-alive connections, the longest idle first: the most recent is
	// reused, so the others age out.
	idle     []*h1Conn
	cleaning bool
}

// h1Conn is one connection and the addresses the upstream.* properties report. Its
// buffers are lent for an exchange only, so idle connections hold none.
type h1Conn struct {
	net.Conn
	remote, local string
	idleSince     time.Time
	requests      int
}

var (
	h1Readers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, h1MaxHead) }}
	h1Writers = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 4<<10) }}
)

// newH1Pool makes the pool of k; TLS is fasthttp's client's (k.tls is never set here).
func newH1Pool(k poolKey, ka Keepalive, _ *tls.Config) *h1Pool {
	return &h1Pool{key: k, keepalive: ka, dial: dialer(millis(k.connect)), procs: int32(runtime.GOMAXPROCS(0))}
}

// yieldWhenCrowded yields the processor when at least as many other exchanges are in
// progress on this service as there are processors: the node is busy, and other
// requests are likely runnable. An exchange yields twice then:
//
//   - before it writes its request, so the requests that are ready go out back to
//     back. The upstream, woken by the first, is then still at work when the next
//     arrives. Spread out by each request's own work (plugins, most of all), most
//     writes found it idle and paid to wake it (on a virtual machine, an interrupt to
//     another CPU, about as costly as the write).
//   - between writing the request and reading the answer. The answer to a request just
//     written is seldom there yet: reading at once costs a read that finds nothing and
//     a wait for the poller, which wakes this goroutine only once the processor is
//     free anyway. After the others have run, the answer is usually in, and one read
//     takes it.
//
// A node that is not that busy does not yield, so no idle processor is woken for it.
// others excludes the calling exchange.
func (p *h1Pool) yieldWhenCrowded(others int32) {
	if others >= p.procs {
		yield()
	}
}

// yield is runtime.Gosched, replaced in tests to watch when the yields come.
var yield = runtime.Gosched

// do sends req and reads the answer into resp, trying again as the doc above says.
func (p *h1Pool) do(req *pipeline.UpstreamRequest, resp *pipeline.Message) error {
	attempts := 1
	if retriable(req.Method) {
		attempts += p.key.retries // 0 when the pipeline retries itself (poolKey)
	}
	for i := 1; ; i++ {
		sent, err := p.exchange(req, resp)
		if err == nil || !sent || i >= attempts {
			return err
		}
	}
}

// retriable are the methods fasthttp's HostClient tries again.
func retriable(method string) bool {
	return method == "GET" || method == "HEAD" || method == "PUT"
}

// exchange runs one request on one connection; sent is false when nothing went out
// (no connection could be made, or the request was refused).
func (p *h1Pool) exchange(req *pipeline.UpstreamRequest, resp *pipeline.Message) (sent bool, err error) {
	p.yieldWhenCrowded(p.busy.Load())
	c, err := p.get()
	if err != nil {
		return false, err
	}
	p.busy.Add(1)
	defer p.busy.Add(-1)
	req.RemoteAddr, req.LocalAddr = c.remote, c.local
	// one clock read for both deadlines: the read one counts from before the write
	// (a request's head goes out in microseconds), a clock read less per request
	now := time.Now()
	_ = c.SetWriteDeadline(now.Add(millis(p.key.write)))
	bw := h1Writers.Get().(*bufio.Writer)
	bw.Reset(c)
	closing, err := writeRequest(bw, req)
	bw.Reset(nil)
	h1Writers.Put(bw)
	if errors.Is(err, errInvalidField) { // refused before anything was written
		p.put(c, now)
		return false, err
	}
	if err != nil {
		_ = c.Close()
		return true, err
	}
	_ = c.SetReadDeadline(now.Add(millis(p.key.read)))
	p.yieldWhenCrowded(p.busy.Load() - 1)
	br := h1Readers.Get().(*bufio.Reader)
	br.Reset(c)
	keep, err := readResponse(br, req.Method, resp)
	c.requests++
	spent := p.keepalive.MaxRequests > 0 && c.requests >= p.keepalive.MaxRequests
	// bytes past the answer would be read as the next one's
	keep = keep && !closing && !spent && br.Buffered() == 0
	br.Reset(nil)
	h1Readers.Put(br)
	if err != nil {
		_ = c.Close()
		return true, err
	}
	if keep {
		p.put(c, now)
	} else {
		_ = c.Close()
	}
	return true, nil
}

// get takes the most recently used idle connection, or dials one.
func (p *h1Pool) get() (*h1Conn, error) {
	p.mu.Lock()
	if n := len(p.idle); n > 0 {
		c := p.idle[n-1]
		p.idle[n-1] = nil
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		return c, nil
	}
	p.mu.Unlock()
	conn, err := p.dial(p.key.addr)
	if err != nil {
		return nil, err
	}
	return &h1Conn{
		Conn:   conn,
		remote: netaddr.String(conn.RemoteAddr()),
		local:  netaddr.String(conn.LocalAddr()),
	}, nil
}

// put keeps c for the next request, unless the pool is full; a timer closes
// connections idle too long.
func (p *h1Pool) put(c *h1Conn, now time.Time) {
	c.idleSince = now
	p.mu.Lock()
	if len(p.idle) >= p.keepalive.PoolSize {
		p.mu.Unlock()
		_ = c.Close()
		return
	}
	p.idle = append(p.idle, c)
	start := !p.cleaning && p.keepalive.IdleTimeout > 0
	p.cleaning = p.cleaning || start
	p.mu.Unlock()
	if start {
		time.AfterFunc(p.keepalive.IdleTimeout/4, p.clean)
	}
}

// clean closes the connections idle longer than the idle timeout, and comes back
// while any stay idle.
func (p *h1Pool) clean() {
	deadline := time.Now().Add(-p.keepalive.IdleTimeout)
	p.mu.Lock()
	n := 0
	for n < len(p.idle) && p.idle[n].idleSince.Before(deadline) {
		n++
	}
	old := append([]*h1Conn(nil), p.idle[:n]...)
	rest := copy(p.idle, p.idle[n:])
	clear(p.idle[rest:])
	p.idle = p.idle[:rest]
	p.cleaning = rest > 0
	p.mu.Unlock()
	for _, c := range old {
		_ = c.Close()
	}
	if rest > 0 {
		time.AfterFunc(p.keepalive.IdleTimeout/4, p.clean)
	}
}

// writeRequest sends req's head and body: the request line, Host, the fields in
// order (pseudo-headers, Host, Content-Length and Transfer-Encoding left out: the
// body is sent whole, with its length), then the body. closing reports a
// "Connection: close" field: the connection is not kept after the answer.
func writeRequest(w *bufio.Writer, req *pipeline.UpstreamRequest) (closing bool, err error) {
	b := w.AvailableBuffer()
	b = append(b, req.Method...)
	b = append(b, ' ')
	b = append(b, req.Path...)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = append(b, req.Host...)
	b = append(b, "\r\n"...)
	lines := 2
	for _, kv := range req.Headers.Pairs() {
		k, v := kv[0], kv[1]
		switch {
		case k == "" || k[0] == ':':
			continue
		case k == "host", k == "content-length", k == "transfer-encoding":
			continue
		case k == "connection" && hasToken(v, "close"):
			closing = true
		}
		b = abi.AppendWireName(b, k)
		b = append(b, ": "...)
		b = append(b, v...)
		b = append(b, "\r\n"...)
		lines++
	}
	if len(req.Body) > 0 || (req.Method != "GET" && req.Method != "HEAD") {
		b = append(b, "Content-Length: "...)
		b = strconv.AppendInt(b, int64(len(req.Body)), 10)
		b = append(b, "\r\n"...)
		lines++
	}
	b = append(b, "\r\n"...)
	// a line break inside a field would start a field or a request of its own
	if bytes.Count(b, []byte{'\n'}) != lines+1 || bytes.Count(b, []byte{'\r'}) != lines+1 {
		return false, errInvalidField
	}
	if _, err := w.Write(b); err != nil {
		return false, err
	}
	if _, err := w.Write(req.Body); err != nil {
		return false, err
	}
	return closing, w.Flush()
}

// readResponse reads an answer into resp: :status, the fields (framing and
// hop-by-hop ones left out) and the body. Interim 1xx answers are skipped. keep
// reports whether the connection may carry another request.
func readResponse(br *bufio.Reader, method string, resp *pipeline.Message) (keep bool, err error) {
	for {
		head, err := peekHead(br)
		if err != nil {
			return false, err
		}
		r, err := parseHead(head, resp)
		if err != nil {
			return false, err
		}
		_, _ = br.Discard(len(head))
		if r.status >= 100 && r.status < 200 && r.status != 101 {
			continue
		}
		switch {
		case method == "HEAD" || r.status < 200 || r.status == 204 || r.status == 304:
			resp.Body.Set(nil)
		case r.chunked:
			body, err := readChunked(br)
			if err != nil {
				return false, fmt.Errorf("reading the chunked body: %w", err)
			}
			resp.Body.Set(body)
		case r.length >= 0:
			body, err := appendN(br, nil, r.length)
			if err != nil {
				return false, fmt.Errorf("reading the body: %w", err)
			}
			resp.Body.Set(body)
		default: // the body ends with the connection
			body, err := io.ReadAll(br)
			if err != nil {
				return false, fmt.Errorf("reading the body: %w", err)
			}
			if len(body) == 0 {
				body = nil
			}
			resp.Body.Set(body)
			return false, nil
		}
		return r.keep && r.status != 101, nil
	}
}

// peekHead waits for a whole response head in br's buffer and returns it, the
// blank line included, without consuming it.
func peekHead(br *bufio.Reader) ([]byte, error) {
	scanned := 0
	for {
		b, _ := br.Peek(br.Buffered())
		if end := headEnd(b, scanned); end > 0 {
			return b[:end], nil
		}
		scanned = len(b)
		if len(b) >= h1MaxHead {
			return nil, errHeadTooLarge
		}
		if _, err := br.Peek(len(b) + 1); err != nil {
			switch {
			case errors.Is(err, bufio.ErrBufferFull):
				return nil, errHeadTooLarge
			case len(b) == 0 && errors.Is(err, io.EOF):
				return nil, errClosedBeforeAnswer
			case errors.Is(err, io.EOF):
				return nil, fmt.Errorf("reading the response head: %w", io.ErrUnexpectedEOF)
			}
			return nil, fmt.Errorf("reading the response head: %w", err)
		}
	}
}

// headEnd is the length of the head in b (through its blank line), or 0 when b
// does not hold all of it; the first from bytes were looked at already.
func headEnd(b []byte, from int) int {
	for i := max(from-2, 0); ; {
		n := bytes.IndexByte(b[i:], '\n')
		if n < 0 {
			return 0
		}
		i += n + 1
		switch {
		case i < len(b) && b[i] == '\n':
			return i + 1
		case i+1 < len(b) && b[i] == '\r' && b[i+1] == '\n':
			return i + 2
		}
	}
}

// responseHead is what the framing of an answer depends on.
type responseHead struct {
	status  int
	length  int64 // -1: no Content-Length
	chunked bool
	keep    bool
}

// parseHead reads a status line and fields into resp's headers (lower-case names,
// values in one block of text).
func parseHead(head []byte, resp *pipeline.Message) (responseHead, error) {
	r := responseHead{length: -1}
	line, rest := nextLine(head)
	if len(line) < 12 || string(line[:7]) != "HTTP/1." || line[8] != ' ' || (len(line) > 12 && line[12] != ' ') {
		return r, fmt.Errorf("malformed status line %q", line)
	}
	code := 0
	for _, c := range line[9:12] {
		if c < '0' || c > '9' {
			return r, fmt.Errorf("malformed status line %q", line)
		}
		code = code*10 + int(c-'0')
	}
	if code < 100 {
		return r, fmt.Errorf("malformed status line %q", line)
	}
	r.status = code
	r.keep = line[7] != '0' // HTTP/1.0 closes unless it asks to keep alive
	h := &resp.Headers
	h.Reset()
	// room for a usual answer's fields, the gateway's own after them included, without
	// counting the lines: a pooled exchange keeps its room from request to request
	h.Grow(16)
	h.AddLower(":status", pipeline.StatusText(code))
	var texts pipeline.Texts
	texts.Reserve(len(rest))
	kept := false // the field before was added to h
	for len(rest) > 0 {
		line, rest = nextLine(rest)
		if len(line) == 0 {
			break
		}
		if line[0] == ' ' || line[0] == '\t' {
			// an obsolete continuation of the field before; of a framing field, or of
			// none, it is refused
			if !kept {
				return r, fmt.Errorf("malformed header line %q", line)
			}
			pairs := h.Pairs()
			last := &pairs[len(pairs)-1]
			last[1] = last[1] + " " + string(trimOWS(line))
			continue
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 || !isToken(line[:colon]) {
			return r, fmt.Errorf("malformed header line %q", line)
		}
		name, value := line[:colon], trimOWS(line[colon+1:])
		kept = false
		switch {
		case abi.IsLowered("content-length", name):
			n, err := strconv.ParseInt(string(value), 10, 64)
			if err != nil || n < 0 || (r.length >= 0 && n != r.length) {
				return r, fmt.Errorf("invalid Content-Length %q", value)
			}
			r.length = n
		case abi.IsLowered("transfer-encoding", name):
			r.chunked = hasToken(value, "chunked")
		case abi.IsLowered("connection", name):
			switch {
			case hasToken(value, "close"):
				r.keep = false
			case hasToken(value, "keep-alive"):
				r.keep = true
			}
		case abi.IsLowered("keep-alive", name):
		default:
			h.AddLower(abi.HeaderName(name), texts.Copy(value))
			kept = true
		}
	}
	if r.chunked {
		r.length = -1
	}
	return r, nil
}

// readChunked reads a chunked body to its end, trailers skipped.
func readChunked(br *bufio.Reader) ([]byte, error) {
	var body []byte
	for {
		line, err := readLine(br)
		if err != nil {
			return nil, err
		}
		if i := bytes.IndexAny(line, "; \t"); i >= 0 {
			line = line[:i] // chunk extensions
		}
		size, err := strconv.ParseUint(string(line), 16, 63)
		if err != nil {
			return nil, fmt.Errorf("malformed chunk size %q", line)
		}
		if size == 0 {
			for { // trailers, up to the blank line
				line, err := readLine(br)
				if err != nil {
					return nil, err
				}
				if len(line) == 0 {
					return body, nil
				}
			}
		}
		if body, err = appendN(br, body, int64(size)); err != nil {
			return nil, err
		}
		if line, err := readLine(br); err != nil || len(line) != 0 {
			return nil, fmt.Errorf("chunk not followed by a line end")
		}
	}
}

// appendN reads n more bytes from br onto body. Room is made as the bytes arrive, at
// most 1 MiB ahead: a length a service declares is not trusted with an allocation of
// its size.
func appendN(br *bufio.Reader, body []byte, n int64) ([]byte, error) {
	for n > 0 {
		step := int(min(n, 1<<20))
		start := len(body)
		body = slices.Grow(body, step)[:start+step]
		if _, err := io.ReadFull(br, body[start:]); err != nil {
			return nil, err
		}
		n -= int64(step)
	}
	return body, nil
}

// readLine reads one line without its line end.
func readLine(br *bufio.Reader) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, nil
}

// nextLine splits b after its first line, which it returns without its line end.
func nextLine(b []byte) (line, rest []byte) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return b, nil
	}
	line, rest = b[:i], b[i+1:]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, rest
}

// trimOWS drops the spaces and tabs around a field value or list item.
func trimOWS[T string | []byte](b T) T {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// isToken says whether name is a field name: no white space or control byte. It
// tests eight bytes at a time (every response field's name passes through here).
func isToken(name []byte) bool {
	for ; len(name) >= 8; name = name[8:] {
		if w := binary.LittleEndian.Uint64(name); hasByteBelow(w, '!') || hasByteBelow(w^del8, 1) {
			return false
		}
	}
	for _, c := range name {
		if c <= ' ' || c == 0x7f {
			return false
		}
	}
	return true
}

// del8 is the byte 0x7f (DEL) eight times: a word's bytes equal to it are the zero
// bytes of the word xor del8.
const del8 = 0x7f7f7f7f7f7f7f7f

// hasByteBelow says whether any of w's eight bytes is below n (n at most 128): a byte
// below n borrows into its top bit when n is taken from it, where a byte that had its
// top bit set already is masked out.
func hasByteBelow(w uint64, n byte) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	return (w-ones*uint64(n))&^w&highs != 0
}

// hasToken says whether the comma-separated list v holds token, ignoring case.
func hasToken[T string | []byte](v T, token string) bool {
	if len(v) == len(token) { // a list of one, as most are
		return abi.IsLowered(token, v)
	}
	start := 0
	for i := 0; i <= len(v); i++ {
		if i < len(v) && v[i] != ',' {
			continue
		}
		if abi.IsLowered(token, trimOWS(v[start:i])) {
			return true
		}
		start = i + 1
	}
	return false
}
