;; _initialize traps: the module compiles but never starts, so an upload must be refused.
(module
  (memory (export "memory") 1)
  (func (export "proxy_abi_version_0_2_1"))
  (func (export "_initialize") unreachable))
