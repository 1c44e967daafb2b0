;; Imports a host function no proxy-wasm host provides: refused at upload.
(module
  (import "env" "proxy_open_the_pod_bay_doors" (func (param i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "proxy_abi_version_0_2_1")))
