;; An HTTP-only filter (no L4 callbacks) that traps whenever it is given a non-root
;; context: host/stream's tests enable it for tcp to check that a module without L4
;; callbacks is never given a connection.
(module
  (memory (export "memory") 1)
  (func (export "proxy_abi_version_0_2_1"))
  (func (export "proxy_on_memory_allocate") (param i32) (result i32) i32.const 1024)
  (func (export "proxy_on_context_create") (param i32) (param $parent i32)
    (if (local.get $parent) (then unreachable)))
  (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32) i32.const 0))
