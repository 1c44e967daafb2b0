;; Host services: shared data, queues, ticks and metrics.
;; on_configure registers queue "q", defines counter "requests", gauge "level" and
;; histogram "sizes", and ticks every 5 ms. Each tick adds 1 to the shared u32 "ticks"
;; with a CAS loop (cas 0 the first time). Each request increments "requests", sets
;; "level" to 42, records 5 in "sizes" and enqueues "hello". on_queue_ready dequeues
;; until the queue is EMPTY (7), logging "dequeued <item>" for each item (a later
;; notification may so find it empty at once). Any unexpected status traps.
(module
  (import "env" "proxy_register_shared_queue" (func $register (param i32 i32 i32) (result i32)))
  (import "env" "proxy_enqueue_shared_queue" (func $enqueue (param i32 i32 i32) (result i32)))
  (import "env" "proxy_dequeue_shared_queue" (func $dequeue (param i32 i32 i32) (result i32)))
  (import "env" "proxy_get_shared_data" (func $get (param i32 i32 i32 i32 i32) (result i32)))
  (import "env" "proxy_set_shared_data" (func $set (param i32 i32 i32 i32 i32) (result i32)))
  (import "env" "proxy_set_tick_period_milliseconds" (func $tick (param i32) (result i32)))
  (import "env" "proxy_define_metric" (func $define (param i32 i32 i32 i32) (result i32)))
  (import "env" "proxy_increment_metric" (func $incr (param i32 i64) (result i32)))
  (import "env" "proxy_record_metric" (func $record (param i32 i64) (result i32)))
  (import "env" "proxy_log" (func $log (param i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  (global $heap (mut i32) (i32.const 0x10000))
  (data (i32.const 0) "q")
  (data (i32.const 16) "requests")
  (data (i32.const 32) "level")
  (data (i32.const 48) "sizes")
  (data (i32.const 64) "ticks")
  (data (i32.const 80) "hello")
  (data (i32.const 96) "dequeued ")
  (func (export "proxy_abi_version_0_2_1"))

  (func (export "proxy_on_memory_allocate") (param $size i32) (result i32)
    (local $p i32)
    (if (i32.gt_u (i32.add (global.get $heap) (local.get $size)) (i32.const 0x20000))
      (then (global.set $heap (i32.const 0x10000))))
    (local.set $p (global.get $heap))
    (global.set $heap (i32.add (global.get $heap) (local.get $size)))
    (local.get $p))

  (func $ok (param $st i32) (if (local.get $st) (then unreachable)))

  (func (export "proxy_on_configure") (param $root i32) (param i32) (result i32)
    (call $ok (call $register (i32.const 0) (i32.const 1) (i32.const 0x200)))
    (call $ok (call $define (i32.const 0) (i32.const 16) (i32.const 8) (i32.const 0x204)))
    (call $ok (call $define (i32.const 1) (i32.const 32) (i32.const 5) (i32.const 0x208)))
    (call $ok (call $define (i32.const 2) (i32.const 48) (i32.const 5) (i32.const 0x20c)))
    (call $ok (call $tick (i32.const 5)))
    (i32.const 1))

  (func (export "proxy_on_tick") (param $root i32)
    (local $st i32)
    (loop $retry
      (local.set $st (call $get (i32.const 64) (i32.const 5) (i32.const 0x100) (i32.const 0x104) (i32.const 0x108)))
      (if (i32.eq (local.get $st) (i32.const 1)) ;; NOT_FOUND: start at 1, unconditionally
        (then
          (i32.store (i32.const 0x110) (i32.const 1))
          (i32.store (i32.const 0x108) (i32.const 0)))
        (else
          (call $ok (local.get $st))
          (i32.store (i32.const 0x110) (i32.add (i32.load (i32.load (i32.const 0x100))) (i32.const 1)))))
      (local.set $st (call $set (i32.const 64) (i32.const 5) (i32.const 0x110) (i32.const 4) (i32.load (i32.const 0x108))))
      (br_if $retry (i32.eq (local.get $st) (i32.const 8))) ;; CAS_MISMATCH: someone else won
      (call $ok (local.get $st))))

  (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
    (call $ok (call $incr (i32.load (i32.const 0x204)) (i64.const 1)))
    (call $ok (call $record (i32.load (i32.const 0x208)) (i64.const 42)))
    (call $ok (call $record (i32.load (i32.const 0x20c)) (i64.const 5)))
    (call $ok (call $enqueue (i32.load (i32.const 0x200)) (i32.const 80) (i32.const 5)))
    (i32.const 0))

  (func (export "proxy_on_queue_ready") (param $root i32) (param $q i32)
    (local $st i32)
    (loop $next
      (local.set $st (call $dequeue (local.get $q) (i32.const 0x100) (i32.const 0x104)))
      (if (i32.ne (local.get $st) (i32.const 7))
        (then
          (call $ok (local.get $st))
          (memory.copy (i32.const 0x300) (i32.const 96) (i32.const 9))
          (memory.copy (i32.const 0x309) (i32.load (i32.const 0x100)) (i32.load (i32.const 0x104)))
          (drop (call $log (i32.const 2) (i32.const 0x300) (i32.add (i32.const 9) (i32.load (i32.const 0x104)))))
          (br $next))))))
