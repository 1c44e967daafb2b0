;; Host calls with pointers outside memory must answer INVALID_MEMORY_ACCESS (6), not
;; panic the host. The module logs "ima" for each call that got 6, "other" otherwise.
(module
  (import "env" "proxy_log" (func $log (param i32 i32 i32) (result i32)))
  (import "env" "proxy_get_header_map_pairs" (func $get_pairs (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 4096))
  (data (i32.const 16) "ima")
  (data (i32.const 32) "other")
  (func (export "proxy_abi_version_0_2_1"))
  (func (export "proxy_on_memory_allocate") (param $size i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $heap))
    (global.set $heap (i32.add (global.get $heap) (local.get $size)))
    (local.get $p))
  (func $report (param $status i32)
    (if (i32.eq (local.get $status) (i32.const 6))
      (then (drop (call $log (i32.const 2) (i32.const 16) (i32.const 3))))
      (else (drop (call $log (i32.const 2) (i32.const 32) (i32.const 5))))))
  (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
    ;; a message running past the end of memory, wrapping past 2^32
    (call $report (call $log (i32.const 2) (i32.const 0xfffffff0) (i32.const 100)))
    ;; a return pointer outside memory
    (call $report (call $get_pairs (i32.const 0) (i32.const 0xffffffff) (i32.const 8)))
    i32.const 0))
