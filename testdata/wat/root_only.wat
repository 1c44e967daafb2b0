;; A root-only module: a VM and plugin root contexts, ticks, no HTTP callbacks. Creating
;; an HTTP context in it would be a host bug, so on_context_create traps when given a
;; parent (a stream context); through the proxy, requests must pass untouched.
(module
  (memory (export "memory") 1)
  (func (export "proxy_abi_version_0_2_1"))
  (func (export "proxy_on_context_create") (param $id i32) (param $parent i32)
    (if (local.get $parent) (then unreachable)))
  (func (export "proxy_on_vm_start") (param i32 i32) (result i32) i32.const 1)
  (func (export "proxy_on_configure") (param i32 i32) (result i32) i32.const 1))
