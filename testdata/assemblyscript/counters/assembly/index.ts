// counters: a proxy-wasm 0.2.0 plugin in AssemblyScript on @solo-io/proxy-runtime, which
// exports malloc as the allocator. It exercises the host services shared by a VM id:
//
//   configure         defines counter as_requests, gauge as_last_path_len and histogram
//                     as_path_len; registers shared queue "as-paths"; ticks every 10 ms.
//   tick              adds 1 to shared data "as.ticks" with a compare-and-swap loop, then
//                     resumes every paused response: set_effective_context, add
//                     x-as-resumed: tick, continue_stream(HTTP_RESPONSE).
//   request headers   counts the request, records its path length, enqueues the path.
//   queue ready       dequeues every path and keeps the latest in shared data "as.last".
//   response headers  tells the client x-as-ticks (the tick count) and x-as-last (the
//                     latest dequeued path), and PAUSEs until the next tick.
export * from "@solo-io/proxy-runtime/proxy";
import {
  RootContext, Context, registerRootContext, FilterHeadersStatusValues, stream_context,
  Counter, Gauge, Histogram, log, LogLevelValues, WasmResultValues, continue_response,
} from "@solo-io/proxy-runtime";
import * as imports from "@solo-io/proxy-runtime/imports";
import { free } from "@solo-io/proxy-runtime/malloc";

const QUEUE = "as-paths";
const TICKS = "as.ticks";
const LAST = "as.last";

// Out-parameters the host writes: a pointer, a size, a cas or a queue id.
let outPtr: usize = memory.data(4);
let outSize: usize = memory.data(4);
let outU32: usize = memory.data(4);

// SharedValue is one entry of shared data: its bytes and cas, or found = false.
class SharedValue {
  found: bool = false;
  value: string = "";
  cas: u32 = 0;
}

function getShared(key: string): SharedValue {
  const k = String.UTF8.encode(key);
  const res = new SharedValue();
  const status = imports.proxy_get_shared_data(changetype<usize>(k), k.byteLength, outPtr, outSize, outU32);
  if (status != WasmResultValues.Ok) {
    return res;
  }
  res.found = true;
  res.cas = load<u32>(outU32);
  const size = load<u32>(outSize);
  if (size > 0) {
    // the host allocated the value with our malloc, which made it an ArrayBuffer
    const ptr = load<usize>(outPtr);
    const buf = changetype<ArrayBuffer>(ptr);
    res.value = String.UTF8.decode(buf.slice(0, size));
    free(ptr);
  }
  return res;
}

function setShared(key: string, value: string, cas: u32): u32 {
  const k = String.UTF8.encode(key);
  const v = String.UTF8.encode(value);
  return imports.proxy_set_shared_data(changetype<usize>(k), k.byteLength, changetype<usize>(v), v.byteLength, cas);
}

class CountersRoot extends RootContext {
  requests: Counter | null = null;
  lastLen: Gauge | null = null;
  pathLen: Histogram | null = null;
  queue: u32 = 0;
  paused: u32[] = [];

  onConfigure(configuration_size: u32): bool {
    this.requests = new Counter("as_requests");
    this.lastLen = new Gauge("as_last_path_len");
    this.pathLen = new Histogram("as_path_len");
    const name = String.UTF8.encode(QUEUE);
    if (imports.proxy_register_shared_queue(changetype<usize>(name), name.byteLength, outU32) != WasmResultValues.Ok) {
      log(LogLevelValues.error, "counters: cannot register the queue");
      return false;
    }
    this.queue = load<u32>(outU32);
    imports.proxy_set_tick_period_milliseconds(10);
    log(LogLevelValues.info, "counters: configured");
    return true;
  }

  onTick(): void {
    for (let i = 0; i < 10; i++) {
      const cur = getShared(TICKS);
      const n = cur.found ? I32.parseInt(cur.value) : 0;
      if (setShared(TICKS, (n + 1).toString(), cur.cas) == WasmResultValues.Ok) {
        break;
      }
    }
    this.resumePaused();
  }

  // resumePaused continues every response paused since the last tick; a context the
  // host no longer knows (its client went away) is skipped.
  resumePaused(): void {
    const paused = this.paused;
    this.paused = [];
    for (let i = 0; i < paused.length; i++) {
      if (imports.proxy_set_effective_context(paused[i]) != WasmResultValues.Ok) {
        continue;
      }
      stream_context.headers.response.add("x-as-resumed", "tick");
      continue_response();
    }
  }

  onQueueReady(token: u32): void {
    while (true) {
      const status = imports.proxy_dequeue_shared_queue(token, outPtr, outSize);
      if (status != WasmResultValues.Ok) {
        return;
      }
      const size = load<u32>(outSize);
      let path = "";
      if (size > 0) {
        const ptr = load<usize>(outPtr);
        path = String.UTF8.decode(changetype<ArrayBuffer>(ptr).slice(0, size));
        free(ptr);
      }
      setShared(LAST, path, 0);
    }
  }

  createContext(context_id: u32): Context {
    return new Counters(context_id, this);
  }
}

class Counters extends Context {
  root: CountersRoot;

  constructor(context_id: u32, root: CountersRoot) {
    super(context_id, root);
    this.root = root;
  }

  onRequestHeaders(headers: u32, end_of_stream: bool): FilterHeadersStatusValues {
    const path = stream_context.headers.request.get(":path");
    (this.root.requests as Counter).increment(1);
    (this.root.lastLen as Gauge).record((this.root.lastLen as Gauge).metric_id, path.length);
    (this.root.pathLen as Histogram).record((this.root.pathLen as Histogram).metric_id, path.length);
    const data = String.UTF8.encode(path);
    imports.proxy_enqueue_shared_queue(this.root.queue, changetype<usize>(data), data.byteLength);
    return FilterHeadersStatusValues.Continue;
  }

  onResponseHeaders(headers: u32, end_of_stream: bool): FilterHeadersStatusValues {
    const ticks = getShared(TICKS);
    const last = getShared(LAST);
    stream_context.headers.response.add("x-as-ticks", ticks.found ? ticks.value : "0");
    stream_context.headers.response.add("x-as-last", last.value);
    this.root.paused.push(this.context_id);
    return FilterHeadersStatusValues.StopIteration;
  }
}

registerRootContext((context_id: u32) => { return new CountersRoot(context_id); }, "");
