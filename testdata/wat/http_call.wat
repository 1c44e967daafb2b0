;; HTTP calls and pause/resume, driven by request headers:
;;   x-call-upstream: U   dispatch GET /called to upstream U (a service name or
;;                        host:port), x-calls: N of them (one digit, default 1), and
;;                        PAUSE the request until every answer is in
;;   x-call-bad: 1        also check that a call without :path is BAD_ARGUMENT (else trap)
;; Each answer, handled on the root context, switches to the request's context
;; (proxy_set_effective_context, as the SDKs do) and adds a request header:
;; x-call-status: <the answer's :status>, or x-call-failed: 1 for a failed call. The last
;; answer resumes the request with proxy_continue_stream.
(module
  (import "env" "proxy_get_header_map_value" (func $get (param i32 i32 i32 i32 i32) (result i32)))
  (import "env" "proxy_add_header_map_value" (func $add (param i32 i32 i32 i32 i32) (result i32)))
  (import "env" "proxy_http_call" (func $call (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "env" "proxy_set_effective_context" (func $set_ctx (param i32) (result i32)))
  (import "env" "proxy_continue_stream" (func $continue (param i32) (result i32)))
  (memory (export "memory") 4)
  (global $heap (mut i32) (i32.const 0x30000))
  (data (i32.const 0) "x-call-upstream")
  (data (i32.const 32) "x-calls")
  (data (i32.const 48) ":method")
  (data (i32.const 56) "GET")
  (data (i32.const 64) ":path")
  (data (i32.const 72) "/called")
  (data (i32.const 80) ":authority")
  (data (i32.const 96) "x-call-status")
  (data (i32.const 112) ":status")
  (data (i32.const 128) "x-call-failed")
  (data (i32.const 144) "1")
  (data (i32.const 160) "x-call-bad")
  (func (export "proxy_abi_version_0_2_1"))

  (func (export "proxy_on_memory_allocate") (param $size i32) (result i32)
    (local $p i32)
    (if (i32.gt_u (i32.add (global.get $heap) (local.get $size)) (i32.const 0x40000))
      (then (global.set $heap (i32.const 0x30000))))
    (local.set $p (global.get $heap))
    (global.set $heap (i32.add (global.get $heap) (local.get $size)))
    (local.get $p))

  (func $pending (param $ctx i32) (result i32)
    (i32.add (i32.const 0x10000) (i32.shl (i32.and (local.get $ctx) (i32.const 0x3fff)) (i32.const 2))))
  (func $owner (param $call i32) (result i32)
    (i32.add (i32.const 0x20000) (i32.shl (i32.and (local.get $call) (i32.const 0x3fff)) (i32.const 2))))

  ;; put writes key and value lengths at $lens and the NUL-terminated key and value at
  ;; $data; it returns the next data position.
  (func $put (param $lens i32) (param $data i32) (param $k i32) (param $kl i32) (param $v i32) (param $vl i32) (result i32)
    (i32.store (local.get $lens) (local.get $kl))
    (i32.store offset=4 (local.get $lens) (local.get $vl))
    (memory.copy (local.get $data) (local.get $k) (local.get $kl))
    (local.set $data (i32.add (local.get $data) (local.get $kl)))
    (i32.store8 (local.get $data) (i32.const 0))
    (local.set $data (i32.add (local.get $data) (i32.const 1)))
    (memory.copy (local.get $data) (local.get $v) (local.get $vl))
    (local.set $data (i32.add (local.get $data) (local.get $vl)))
    (i32.store8 (local.get $data) (i32.const 0))
    (i32.add (local.get $data) (i32.const 1)))

  ;; request serializes the call's headers at 0x400 for upstream (ptr, len) and
  ;; returns the size; without $path the :path pair is left out.
  (func $request (param $up i32) (param $ul i32) (param $path i32) (result i32)
    (local $d i32)
    (local $n i32)
    (local.set $n (select (i32.const 3) (i32.const 2) (local.get $path)))
    (i32.store (i32.const 0x400) (local.get $n))
    (local.set $d (i32.add (i32.const 0x404) (i32.shl (local.get $n) (i32.const 3))))
    (local.set $d (call $put (i32.const 0x404) (local.get $d) (i32.const 48) (i32.const 7) (i32.const 56) (i32.const 3)))
    (local.set $d (call $put (i32.const 0x40c) (local.get $d) (i32.const 80) (i32.const 10) (local.get $up) (local.get $ul)))
    (if (local.get $path)
      (then (local.set $d (call $put (i32.const 0x414) (local.get $d) (i32.const 64) (i32.const 5) (i32.const 72) (i32.const 7)))))
    (i32.sub (local.get $d) (i32.const 0x400)))

  (func $dispatch (param $ctx i32) (param $up i32) (param $ul i32) (param $path i32) (result i32)
    (local $size i32)
    (local $st i32)
    (local.set $size (call $request (local.get $up) (local.get $ul) (local.get $path)))
    (local.set $st (call $call (local.get $up) (local.get $ul) (i32.const 0x400) (local.get $size)
      (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 2000) (i32.const 0x108)))
    (if (i32.eqz (local.get $st))
      (then (i32.store (call $owner (i32.load (i32.const 0x108))) (local.get $ctx))))
    (local.get $st))

  (func (export "proxy_on_request_headers") (param $ctx i32) (param i32 i32) (result i32)
    (local $up i32)
    (local $ul i32)
    (local $n i32)
    (local $k i32)
    (if (call $get (i32.const 0) (i32.const 0) (i32.const 15) (i32.const 0x100) (i32.const 0x104))
      (then (return (i32.const 0))))
    (local.set $up (i32.load (i32.const 0x100)))
    (local.set $ul (i32.load (i32.const 0x104)))
    (if (i32.eqz (call $get (i32.const 0) (i32.const 160) (i32.const 10) (i32.const 0x100) (i32.const 0x104)))
      (then (if (i32.ne (call $dispatch (local.get $ctx) (local.get $up) (local.get $ul) (i32.const 0)) (i32.const 2))
        (then unreachable))))
    (local.set $n (i32.const 1))
    (if (i32.eqz (call $get (i32.const 0) (i32.const 32) (i32.const 7) (i32.const 0x100) (i32.const 0x104)))
      (then (local.set $n (i32.sub (i32.load8_u (i32.load (i32.const 0x100))) (i32.const 48)))))
    (i32.store (call $pending (local.get $ctx)) (local.get $n))
    (block $done
      (loop $more
        (br_if $done (i32.ge_u (local.get $k) (local.get $n)))
        (if (call $dispatch (local.get $ctx) (local.get $up) (local.get $ul) (i32.const 1))
          (then unreachable))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $more)))
    (i32.const 1)) ;; PAUSE until the answers are in

  (func (export "proxy_on_http_call_response") (param $root i32) (param $call i32) (param $nh i32) (param i32 i32)
    (local $ctx i32)
    (local $left i32)
    (local.set $ctx (i32.load (call $owner (local.get $call))))
    (if (call $set_ctx (local.get $ctx)) (then unreachable))
    (if (local.get $nh)
      (then
        (if (call $get (i32.const 6) (i32.const 112) (i32.const 7) (i32.const 0x100) (i32.const 0x104))
          (then unreachable))
        (drop (call $add (i32.const 0) (i32.const 96) (i32.const 13)
          (i32.load (i32.const 0x100)) (i32.load (i32.const 0x104)))))
      (else
        (drop (call $add (i32.const 0) (i32.const 128) (i32.const 13) (i32.const 144) (i32.const 1)))))
    (local.set $left (i32.sub (i32.load (call $pending (local.get $ctx))) (i32.const 1)))
    (i32.store (call $pending (local.get $ctx)) (local.get $left))
    (if (i32.eqz (local.get $left))
      (then (drop (call $continue (i32.const 0)))))))
