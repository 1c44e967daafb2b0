;; A module that misbehaves on demand, for the sandbox tests. The plugin configuration
;; picks the behaviour: its third byte from the end (the X of {"do":"X"}). Each root
;; context keeps its own selector and hands it to the HTTP contexts under it, so one
;; instance can hold a well-behaved and a hostile plugin side by side.
;;
;; Traps, in the callback named:  c on_configure   n on_context_create (HTTP)
;;   h request headers   b request body   H response headers   B response body
;;   d on_done   l on_log   x on_delete
;; Hostile in request headers:  L endless loop   M memory bomb (grow until refused,
;;   then abort as an allocator would)   R unbounded recursion
;;   P wild pointers: every host call with an out-of-bounds pointer must answer
;;     INVALID_MEMORY_ACCESS (6); anything else traps
;;   S huge header maps: a count of 2^32-1, a 2 MiB map, and adding headers until the
;;     host refuses must each answer BAD_ARGUMENT (2); anything else traps
;; Anything else: a well-behaved plugin that adds x-hostile: ok to the response.
(module
  (import "env" "proxy_get_buffer_bytes" (func $get_buf (param i32 i32 i32 i32 i32) (result i32)))
  (import "env" "proxy_log" (func $log (param i32 i32 i32) (result i32)))
  (import "env" "proxy_get_header_map_pairs" (func $get_pairs (param i32 i32 i32) (result i32)))
  (import "env" "proxy_set_header_map_pairs" (func $set_pairs (param i32 i32 i32) (result i32)))
  (import "env" "proxy_add_header_map_value" (func $add (param i32 i32 i32 i32 i32) (result i32)))
  (import "env" "proxy_remove_header_map_value" (func $remove (param i32 i32 i32) (result i32)))
  (import "env" "proxy_get_property" (func $get_prop (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 3)
  (global $heap (mut i32) (i32.const 0x20000))
  (data (i32.const 0) "x-hostile")
  (data (i32.const 16) "ok")
  (data (i32.const 32) "x-h")
  (data (i32.const 48) "\ff\ff\ff\ff\00\00\00\00")
  (func (export "proxy_abi_version_0_2_1"))

  ;; A bump allocator over page 2 that starts over when full: what the host copies in
  ;; is read at once and never kept, and nothing asks for more than a page.
  (func (export "proxy_on_memory_allocate") (param $size i32) (result i32)
    (local $p i32)
    (if (i32.gt_u (i32.add (global.get $heap) (local.get $size)) (i32.const 0x30000))
      (then (global.set $heap (i32.const 0x20000))))
    (local.set $p (global.get $heap))
    (global.set $heap (i32.add (global.get $heap) (local.get $size)))
    (local.get $p))

  ;; slot is where context id's selector lives: a 16K-entry table in page 1.
  (func $slot (param $id i32) (result i32)
    (i32.add (i32.const 0x10000) (i32.shl (i32.and (local.get $id) (i32.const 0x3fff)) (i32.const 2))))
  (func $sel (param $id i32) (result i32) (i32.load (call $slot (local.get $id))))
  (func $trap_if (param $id i32) (param $c i32)
    (if (i32.eq (call $sel (local.get $id)) (local.get $c)) (then unreachable)))

  (func (export "proxy_on_context_create") (param $id i32) (param $parent i32)
    (if (local.get $parent)
      (then
        (i32.store (call $slot (local.get $id)) (call $sel (local.get $parent)))
        (call $trap_if (local.get $id) (i32.const 0x6e))))) ;; n

  (func (export "proxy_on_configure") (param $id i32) (param $size i32) (result i32)
    (local $sel i32)
    (if (i32.ge_u (local.get $size) (i32.const 3))
      (then
        (drop (call $get_buf (i32.const 7) (i32.const 0) (local.get $size) (i32.const 0x100) (i32.const 0x104)))
        (local.set $sel (i32.load8_u (i32.sub
          (i32.add (i32.load (i32.const 0x100)) (i32.load (i32.const 0x104))) (i32.const 3))))))
    (i32.store (call $slot (local.get $id)) (local.get $sel))
    (call $trap_if (local.get $id) (i32.const 0x63)) ;; c
    (i32.const 1))

  (func $recurse (param $n i32) (result i32)
    (i32.add (call $recurse (i32.add (local.get $n) (i32.const 1))) (i32.const 1)))

  ;; expect traps unless got equals want.
  (func $expect (param $got i32) (param $want i32)
    (if (i32.ne (local.get $got) (local.get $want)) (then unreachable)))

  (func $wild_pointers
    (call $expect (call $log (i32.const 2) (i32.const 0xfffffff0) (i32.const 0x100)) (i32.const 6))
    (call $expect (call $get_pairs (i32.const 0) (i32.const 0xfffffffc) (i32.const 0x108)) (i32.const 6))
    (call $expect (call $set_pairs (i32.const 0) (i32.const 0xffffff00) (i32.const 0x1000)) (i32.const 6))
    (call $expect (call $add (i32.const 0) (i32.const 0xffffffff) (i32.const 2) (i32.const 16) (i32.const 2)) (i32.const 6))
    (call $expect (call $get_prop (i32.const 0xffffffff) (i32.const 2) (i32.const 0x100) (i32.const 0x104)) (i32.const 6)))

  (func $huge_maps
    (local $n i32)
    (local $st i32)
    (call $expect (call $set_pairs (i32.const 0) (i32.const 48) (i32.const 8)) (i32.const 2))
    (call $expect (call $set_pairs (i32.const 0) (i32.const 0) (i32.const 0x200000)) (i32.const 2))
    (block $refused
      (loop $more
        (local.set $st (call $add (i32.const 0) (i32.const 32) (i32.const 3) (i32.const 16) (i32.const 2)))
        (br_if $refused (local.get $st))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br_if $more (i32.lt_u (local.get $n) (i32.const 100000)))))
    (call $expect (local.get $st) (i32.const 2))
    (call $expect (call $remove (i32.const 0) (i32.const 32) (i32.const 3)) (i32.const 0)))

  (func (export "proxy_on_request_headers") (param $id i32) (param i32 i32) (result i32)
    (local $c i32)
    (local.set $c (call $sel (local.get $id)))
    (call $trap_if (local.get $id) (i32.const 0x68)) ;; h
    (if (i32.eq (local.get $c) (i32.const 0x4c)) ;; L
      (then (loop $forever (br $forever))))
    (if (i32.eq (local.get $c) (i32.const 0x4d)) ;; M
      (then (loop $grow
        (br_if $grow (i32.ne (memory.grow (i32.const 256)) (i32.const -1))))
        unreachable))
    (if (i32.eq (local.get $c) (i32.const 0x52)) ;; R
      (then (drop (call $recurse (i32.const 0)))))
    (if (i32.eq (local.get $c) (i32.const 0x50)) (then (call $wild_pointers))) ;; P
    (if (i32.eq (local.get $c) (i32.const 0x53)) (then (call $huge_maps))) ;; S
    (i32.const 0))

  (func (export "proxy_on_request_body") (param $id i32) (param i32 i32) (result i32)
    (call $trap_if (local.get $id) (i32.const 0x62)) ;; b
    (i32.const 0))

  (func (export "proxy_on_response_headers") (param $id i32) (param i32 i32) (result i32)
    (call $trap_if (local.get $id) (i32.const 0x48)) ;; H
    (drop (call $add (i32.const 2) (i32.const 0) (i32.const 9) (i32.const 16) (i32.const 2)))
    (i32.const 0))

  (func (export "proxy_on_response_body") (param $id i32) (param i32 i32) (result i32)
    (call $trap_if (local.get $id) (i32.const 0x42)) ;; B
    (i32.const 0))

  (func (export "proxy_on_done") (param $id i32) (result i32)
    (call $trap_if (local.get $id) (i32.const 0x64)) ;; d
    (i32.const 1))

  (func (export "proxy_on_log") (param $id i32)
    (call $trap_if (local.get $id) (i32.const 0x6c))) ;; l

  (func (export "proxy_on_delete") (param $id i32)
    (call $trap_if (local.get $id) (i32.const 0x78)))) ;; x
