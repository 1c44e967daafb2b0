package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
)

// runEcho serves an httpbin-style /anything: every request is answered with a JSON
// description of what arrived, so a user can see what weir sent upstream.
func runEcho(args []string) error {
	fs := flag.NewFlagSet("echo-server", flag.ContinueOnError)
	listen := fs.String("listen", "127.0.0.1:9999", "address to listen on")
	if err := fs.Parse(args); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "echo server listening on %s\n", *listen)
	return http.ListenAndServe(*listen, http.HandlerFunc(echo))
}

// echoReply is the JSON the echo server answers with.
type echoReply struct {
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Path    string            `json:"path"`
	Query   string            `json:"query"`
	Host    string            `json:"host"`
	Headers map[string]string `json:"headers"`
	Body    string            `json:"body"`
}

func echo(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	headers := make(map[string]string, len(r.Header))
	for k, v := range r.Header {
		headers[k] = strings.Join(v, ", ")
	}
	reply := echoReply{
		Method: r.Method, URL: r.URL.RequestURI(), Path: r.URL.Path, Query: r.URL.RawQuery,
		Host: r.Host, Headers: headers, Body: string(body),
	}
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(reply)
}
