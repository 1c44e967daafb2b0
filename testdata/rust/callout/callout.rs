//! callout: a proxy-wasm 0.2.1 plugin in Rust with hand-written ABI bindings (no
//! crates), built for wasm32-unknown-unknown, so it has no start function and exports
//! proxy_on_memory_allocate.
//!
//! Configuration: `{"upstream":"<weir service name or host:port>"}`.
//!
//! - request headers: adds 1 to the shared u64 "rust.hits" with a compare-and-swap
//!   loop, dispatches GET /callout to the configured upstream and PAUSEs the request.
//! - http call response: sets the caller as the effective context, adds
//!   x-rust-call-status (the call's :status, or "failed <code from proxy_get_status>")
//!   and x-rust-call-saw (the
//!   `"url"` the echo upstream reported) to the request, then continues it.
//! - response headers: tells the client x-rust-hits, the count this request made.

use std::cell::RefCell;
use std::collections::HashMap;

const OK: u32 = 0;
const CAS_MISMATCH: u32 = 8;
const CONTINUE: u32 = 0;
const PAUSE: u32 = 1;
const LOG_INFO: u32 = 2;
const LOG_ERROR: u32 = 4;
const REQUEST_HEADERS: u32 = 0;
const RESPONSE_HEADERS: u32 = 2;
const CALL_RESPONSE_HEADERS: u32 = 6;
const CALL_RESPONSE_BODY: u32 = 4;
const PLUGIN_CONFIGURATION: u32 = 7;
const STREAM_REQUEST: u32 = 0;

#[link(wasm_import_module = "env")]
extern "C" {
    fn proxy_log(level: u32, msg: *const u8, size: usize) -> u32;
    fn proxy_get_buffer_bytes(kind: u32, start: usize, max: usize, data: *mut *mut u8, size: *mut usize) -> u32;
    fn proxy_get_header_map_value(map: u32, key: *const u8, key_size: usize, value: *mut *mut u8, value_size: *mut usize) -> u32;
    fn proxy_add_header_map_value(map: u32, key: *const u8, key_size: usize, value: *const u8, value_size: usize) -> u32;
    fn proxy_get_shared_data(key: *const u8, key_size: usize, value: *mut *mut u8, value_size: *mut usize, cas: *mut u32) -> u32;
    fn proxy_set_shared_data(key: *const u8, key_size: usize, value: *const u8, value_size: usize, cas: u32) -> u32;
    fn proxy_http_call(
        upstream: *const u8, upstream_size: usize, headers: *const u8, headers_size: usize,
        body: *const u8, body_size: usize, trailers: *const u8, trailers_size: usize,
        timeout_ms: u32, call_id: *mut u32,
    ) -> u32;
    fn proxy_set_effective_context(context_id: u32) -> u32;
    fn proxy_continue_stream(stream: u32) -> u32;
    fn proxy_get_status(code: *mut u32, message: *mut *mut u8, message_size: *mut usize) -> u32;
}

#[derive(Default)]
struct State {
    upstream: HashMap<u32, String>, // root context -> configured upstream
    parent: HashMap<u32, u32>,      // HTTP context -> its root
    hits: HashMap<u32, u64>,        // HTTP context -> the count it made
    calls: HashMap<u32, u32>,       // call id -> HTTP context
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::default());
}

fn log(level: u32, msg: &str) {
    unsafe { proxy_log(level, msg.as_ptr(), msg.len()) };
}

/// take turns a buffer the host allocated with proxy_on_memory_allocate into a Vec,
/// which frees it when dropped.
unsafe fn take(ptr: *mut u8, size: usize) -> Vec<u8> {
    if ptr.is_null() || size == 0 {
        return Vec::new();
    }
    Vec::from_raw_parts(ptr, size, size)
}

fn buffer(kind: u32, max: usize) -> Vec<u8> {
    let (mut ptr, mut size) = (std::ptr::null_mut(), 0usize);
    match unsafe { proxy_get_buffer_bytes(kind, 0, max, &mut ptr, &mut size) } {
        OK => unsafe { take(ptr, size) },
        _ => Vec::new(),
    }
}

fn header(map: u32, key: &str) -> Option<String> {
    let (mut ptr, mut size) = (std::ptr::null_mut(), 0usize);
    let status = unsafe { proxy_get_header_map_value(map, key.as_ptr(), key.len(), &mut ptr, &mut size) };
    if status != OK {
        return None;
    }
    Some(String::from_utf8_lossy(&unsafe { take(ptr, size) }).into_owned())
}

fn add_header(map: u32, key: &str, value: &str) {
    unsafe { proxy_add_header_map_value(map, key.as_ptr(), key.len(), value.as_ptr(), value.len()) };
}

/// json_string finds `"key":"value"` in a flat JSON object; enough for this fixture.
fn json_string(doc: &str, key: &str) -> Option<String> {
    let needle = format!("\"{}\"", key);
    let rest = &doc[doc.find(&needle)? + needle.len()..];
    let rest = rest.trim_start().strip_prefix(':')?.trim_start().strip_prefix('"')?;
    Some(rest[..rest.find('"')?].to_string())
}

/// pairs serializes a header map as the ABI wants it: a count, each pair's key and value
/// lengths, then each key and value NUL-terminated.
fn pairs(headers: &[(&str, &str)]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&(headers.len() as u32).to_le_bytes());
    for (k, v) in headers {
        out.extend_from_slice(&(k.len() as u32).to_le_bytes());
        out.extend_from_slice(&(v.len() as u32).to_le_bytes());
    }
    for (k, v) in headers {
        out.extend_from_slice(k.as_bytes());
        out.push(0);
        out.extend_from_slice(v.as_bytes());
        out.push(0);
    }
    out
}

/// count_hit adds one to the shared counter, retrying when another instance won.
fn count_hit() -> u64 {
    let key = "rust.hits";
    for _ in 0..100 {
        let (mut ptr, mut size, mut cas) = (std::ptr::null_mut(), 0usize, 0u32);
        let status = unsafe { proxy_get_shared_data(key.as_ptr(), key.len(), &mut ptr, &mut size, &mut cas) };
        let value = if status == OK { unsafe { take(ptr, size) } } else { Vec::new() };
        let mut n = [0u8; 8];
        if value.len() == 8 {
            n.copy_from_slice(&value);
        }
        let next = u64::from_le_bytes(n) + 1;
        let bytes = next.to_le_bytes();
        match unsafe { proxy_set_shared_data(key.as_ptr(), key.len(), bytes.as_ptr(), bytes.len(), cas) } {
            OK => return next,
            CAS_MISMATCH => continue,
            other => {
                log(LOG_ERROR, &format!("callout: set_shared_data: status {}", other));
                return 0;
            }
        }
    }
    0
}

#[no_mangle]
pub extern "C" fn proxy_abi_version_0_2_1() {}

#[no_mangle]
pub extern "C" fn proxy_on_memory_allocate(size: usize) -> *mut u8 {
    let mut v: Vec<u8> = Vec::with_capacity(size);
    let ptr = v.as_mut_ptr();
    std::mem::forget(v);
    ptr
}

#[no_mangle]
pub extern "C" fn proxy_on_context_create(context_id: u32, parent_id: u32) {
    if parent_id != 0 {
        STATE.with(|s| s.borrow_mut().parent.insert(context_id, parent_id));
    }
}

#[no_mangle]
pub extern "C" fn proxy_on_configure(root_id: u32, size: usize) -> u32 {
    let config = String::from_utf8_lossy(&buffer(PLUGIN_CONFIGURATION, size)).into_owned();
    match json_string(&config, "upstream") {
        Some(upstream) => {
            log(LOG_INFO, &format!("callout: calling {}", upstream));
            STATE.with(|s| s.borrow_mut().upstream.insert(root_id, upstream));
            1
        }
        None => {
            log(LOG_ERROR, "callout: the configuration needs an upstream");
            0
        }
    }
}

#[no_mangle]
pub extern "C" fn proxy_on_request_headers(context_id: u32, _headers: u32, _end_of_stream: u32) -> u32 {
    let hits = count_hit();
    let upstream = STATE.with(|s| {
        let mut s = s.borrow_mut();
        s.hits.insert(context_id, hits);
        let root = s.parent.get(&context_id).copied().unwrap_or(0);
        s.upstream.get(&root).cloned().unwrap_or_default()
    });
    let headers = pairs(&[(":method", "GET"), (":path", "/callout"), (":authority", "callout")]);
    let mut call_id = 0u32;
    let status = unsafe {
        proxy_http_call(
            upstream.as_ptr(), upstream.len(), headers.as_ptr(), headers.len(),
            std::ptr::null(), 0, std::ptr::null(), 0, 5000, &mut call_id,
        )
    };
    if status != OK {
        log(LOG_ERROR, &format!("callout: http_call to {}: status {}", upstream, status));
        add_header(REQUEST_HEADERS, "x-rust-call-status", "refused");
        return CONTINUE;
    }
    STATE.with(|s| s.borrow_mut().calls.insert(call_id, context_id));
    PAUSE
}

#[no_mangle]
pub extern "C" fn proxy_on_http_call_response(_root_id: u32, call_id: u32, headers: u32, body_size: usize, _trailers: u32) {
    let context_id = match STATE.with(|s| s.borrow_mut().calls.remove(&call_id)) {
        Some(id) => id,
        None => return,
    };
    let (status, saw) = if headers == 0 {
        let (mut code, mut ptr, mut size) = (0u32, std::ptr::null_mut(), 0usize);
        if unsafe { proxy_get_status(&mut code, &mut ptr, &mut size) } == OK {
            let reason = String::from_utf8_lossy(&unsafe { take(ptr, size) }).into_owned();
            log(LOG_INFO, &format!("callout: call failed: {} {}", code, reason));
        }
        (format!("failed {}", code), String::new())
    } else {
        let body = String::from_utf8_lossy(&buffer(CALL_RESPONSE_BODY, body_size)).into_owned();
        (
            header(CALL_RESPONSE_HEADERS, ":status").unwrap_or_default(),
            json_string(&body, "url").unwrap_or_default(),
        )
    };
    unsafe { proxy_set_effective_context(context_id) };
    add_header(REQUEST_HEADERS, "x-rust-call-status", &status);
    add_header(REQUEST_HEADERS, "x-rust-call-saw", &saw);
    unsafe { proxy_continue_stream(STREAM_REQUEST) };
}

#[no_mangle]
pub extern "C" fn proxy_on_response_headers(context_id: u32, _headers: u32, _end_of_stream: u32) -> u32 {
    let hits = STATE.with(|s| s.borrow().hits.get(&context_id).copied().unwrap_or(0));
    add_header(RESPONSE_HEADERS, "x-rust-hits", &hits.to_string());
    CONTINUE
}

#[no_mangle]
pub extern "C" fn proxy_on_delete(context_id: u32) {
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        s.parent.remove(&context_id);
        s.hits.remove(&context_id);
        s.upstream.remove(&context_id);
        s.calls.retain(|_, ctx| *ctx != context_id);
    });
}
