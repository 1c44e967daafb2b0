;; A wasm module without a proxy_abi_version_* marker: the host must refuse it.
(module
  (memory (export "memory") 1)
  (func (export "proxy_on_context_create") (param i32 i32)))
