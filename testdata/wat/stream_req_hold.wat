;; Streamed request bodies (cmd/weir TestStreamedRequestBody): on_request_body
;; returns PAUSE until end_of_stream, so the host buffers the chunks, then wraps the
;; whole body it is finally given in "<" and ">" and continues; an unexpected status
;; traps.
(module
  (import "env" "proxy_get_buffer_bytes" (func $get_buffer (param i32 i32 i32 i32 i32) (result i32)))
  (import "env" "proxy_set_buffer_bytes" (func $set_buffer (param i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  (global $heap (mut i32) (i32.const 4096))
  (func (export "proxy_abi_version_0_2_1"))
  (func (export "proxy_on_memory_allocate") (param $size i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $heap))
    (global.set $heap (i32.add (global.get $heap) (local.get $size)))
    (local.get $p))
  (func (export "proxy_on_request_body") (param i32) (param $size i32) (param $eos i32) (result i32)
    (local $src i32) (local $dst i32) (local $n i32) (local $i i32) (local $c i32)
    ;; PAUSE until the end of the stream: the host buffers and calls again
    (if (i32.eqz (local.get $eos)) (then (return (i32.const 1))))
    (if (i32.eqz (local.get $size)) (then (return (i32.const 0))))
    (global.set $heap (i32.const 4096))
    (if (call $get_buffer (i32.const 0) (i32.const 0) (local.get $size) (i32.const 1024) (i32.const 1028))
      (then unreachable))
    (local.set $src (i32.load (i32.const 1024)))
    (local.set $n (i32.load (i32.const 1028)))
    ;; the new chunk: "<", the bytes, ">"
    (local.set $dst (global.get $heap))
    (i32.store8 (local.get $dst) (i32.const 60))
    (block $done
      (loop $copy
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $c (i32.load8_u (i32.add (local.get $src) (local.get $i))))
        (i32.store8 (i32.add (local.get $dst) (i32.add (local.get $i) (i32.const 1))) (local.get $c))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $copy)))
    (i32.store8 (i32.add (local.get $dst) (i32.add (local.get $n) (i32.const 1))) (i32.const 62))
    (if (call $set_buffer (i32.const 0) (i32.const 0) (local.get $n) (local.get $dst) (i32.add (local.get $n) (i32.const 2)))
      (then unreachable))
    i32.const 0))
