;; on_request_headers sends a local 403 and then logs "after": the host must deliver
;; the response only once the callback has returned, so the log line comes first.
(module
  (import "env" "proxy_send_local_response"
    (func $send (param i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "env" "proxy_log" (func $log (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "denied")
  (data (i32.const 16) "no")
  ;; one header pair, X-Why: test, serialized: count, key/value lengths, key\0value\0
  (data (i32.const 32) "\01\00\00\00\05\00\00\00\04\00\00\00X-Why\00test\00")
  (data (i32.const 64) "after")
  (func (export "proxy_abi_version_0_2_1"))
  (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
    (if (call $send (i32.const 403) (i32.const 0) (i32.const 6) (i32.const 16) (i32.const 2)
                    (i32.const 32) (i32.const 23) (i32.const -1))
      (then unreachable))
    (drop (call $log (i32.const 2) (i32.const 64) (i32.const 5)))
    i32.const 0))
