;; Imports proxy_log with the wrong signature: refused at upload.
(module
  (import "env" "proxy_log" (func (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "proxy_abi_version_0_2_1")))
