// Command nreq sends exactly N GET requests over C keep-alive connections and fails on
// any answer but 200: proc-instructions.sh needs a known number of requests, which a
// load generator run for a duration does not give.
//
//	nreq -addr 127.0.0.1:8000 -n 20000 -c 8 -H 'apikey: key-1'
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"os"
	"strconv"
	"sync"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8000", "host:port to send to")
	n := flag.Int("n", 1000, "requests in all")
	c := flag.Int("c", 8, "connections")
	path := flag.String("path", "/", "request target")
	header := flag.String("H", "", "one more header line, as name: value")
	flag.Parse()
	req := "GET " + *path + " HTTP/1.1\r\nHost: " + *addr + "\r\n"
	if *header != "" {
		req += *header + "\r\n"
	}
	req += "\r\n"
	var wg sync.WaitGroup
	errs := make(chan error, *c)
	for i := range *c {
		count := *n / *c
		if i < *n%*c {
			count++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := send(*addr, []byte(req), count); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		fmt.Fprintln(os.Stderr, "nreq:", err)
		os.Exit(1)
	}
}

// send sends req count times on one connection, reading each answer whole.
func send(addr string, req []byte, count int) error {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	r := textproto.NewReader(bufio.NewReader(conn))
	for range count {
		if _, err := conn.Write(req); err != nil {
			return err
		}
		status, err := r.ReadLine()
		if err != nil {
			return err
		}
		if len(status) < 12 || status[9:12] != "200" {
			return fmt.Errorf("answer %q", status)
		}
		head, err := r.ReadMIMEHeader()
		if err != nil {
			return err
		}
		length, err := strconv.Atoi(head.Get("Content-Length"))
		if err != nil {
			return fmt.Errorf("answer without a length: %w", err)
		}
		if _, err := io.CopyN(io.Discard, r.R, int64(length)); err != nil {
			return err
		}
	}
	return nil
}
