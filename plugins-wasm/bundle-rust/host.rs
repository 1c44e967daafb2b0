//! The gateway as the Rust built-ins see it: the proxy-wasm 0.2.1 host calls they make
//! and weir's foreign functions (docs/foreign-functions.md), behind safe wrappers.
//!
//! Values the host returns land in one buffer of the module's own (`weir.return_buffer`),
//! so no host call re-enters the module to allocate; a value too large for it comes
//! from `proxy_on_memory_allocate` and is freed once copied out.

use std::alloc::{alloc, dealloc, Layout};

/// Outside wasm (the unit tests' native build) the host calls exist only to link: a
/// test that reaches one is a test of the wrong thing.
#[cfg(not(target_arch = "wasm32"))]
mod imports {
    #![allow(clippy::missing_safety_doc)]
    macro_rules! absent {
        ($($name:ident($($arg:ident: $ty:ty),*) -> $ret:ty;)*) => {
            $(pub unsafe fn $name($(_: $ty),*) -> $ret { panic!(concat!(stringify!($name), " outside wasm")) })*
        };
    }
    absent! {
        proxy_log(level: u32, msg: *const u8, size: usize) -> u32;
        proxy_get_buffer_bytes(kind: u32, start: usize, max: usize, data: *mut *mut u8, size: *mut usize) -> u32;
        proxy_get_property(path: *const u8, size: usize, data: *mut *mut u8, out: *mut usize) -> u32;
        proxy_get_current_time_nanoseconds(out: *mut u64) -> u32;
        proxy_send_local_response(status: u32, details: *const u8, details_size: usize, body: *const u8, body_size: usize, headers: *const u8, headers_size: usize, grpc_status: i32) -> u32;
        proxy_call_foreign_function(name: *const u8, name_size: usize, args: *const u8, args_size: usize, data: *mut *mut u8, size: *mut usize) -> u32;
        proxy_replace_header_map_value(map: u32, key: *const u8, key_size: usize, value: *const u8, value_size: usize) -> u32;
        proxy_remove_header_map_value(map: u32, key: *const u8, key_size: usize) -> u32;
        proxy_set_buffer_bytes(kind: u32, start: usize, size: usize, data: *const u8, data_size: usize) -> u32;
        proxy_add_header_map_value(map: u32, key: *const u8, key_size: usize, value: *const u8, value_size: usize) -> u32;
        proxy_get_header_map_pairs(map: u32, data: *mut *mut u8, size: *mut usize) -> u32;
    }
}

#[cfg(target_arch = "wasm32")]
mod imports {
    #[link(wasm_import_module = "env")]
    extern "C" {
        pub fn proxy_log(level: u32, msg: *const u8, size: usize) -> u32;
        pub fn proxy_get_buffer_bytes(kind: u32, start: usize, max: usize, data: *mut *mut u8, size: *mut usize) -> u32;
        pub fn proxy_get_property(path: *const u8, size: usize, data: *mut *mut u8, out: *mut usize) -> u32;
        pub fn proxy_get_current_time_nanoseconds(out: *mut u64) -> u32;
        pub fn proxy_send_local_response(
            status: u32, details: *const u8, details_size: usize, body: *const u8, body_size: usize,
            headers: *const u8, headers_size: usize, grpc_status: i32,
        ) -> u32;
        pub fn proxy_call_foreign_function(
            name: *const u8, name_size: usize, args: *const u8, args_size: usize, data: *mut *mut u8, size: *mut usize,
        ) -> u32;
        pub fn proxy_replace_header_map_value(map: u32, key: *const u8, key_size: usize, value: *const u8, value_size: usize) -> u32;
        pub fn proxy_remove_header_map_value(map: u32, key: *const u8, key_size: usize) -> u32;
        pub fn proxy_set_buffer_bytes(kind: u32, start: usize, size: usize, data: *const u8, data_size: usize) -> u32;
        pub fn proxy_add_header_map_value(map: u32, key: *const u8, key_size: usize, value: *const u8, value_size: usize) -> u32;
        pub fn proxy_get_header_map_pairs(map: u32, data: *mut *mut u8, size: *mut usize) -> u32;
    }
}

use imports::*;

/// A host call's status other than OK, named as the ABI names it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Status(pub u32);

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        let name = match self.0 {
            1 => "not found",
            2 => "bad argument",
            3 => "serialization failure",
            4 => "parse failure",
            6 => "invalid memory access",
            7 => "empty",
            8 => "compare-and-swap mismatch",
            10 => "internal failure",
            12 => "unimplemented",
            _ => return write!(f, "status {}", self.0),
        };
        f.write_str(name)
    }
}

const OK: u32 = 0;
const NOT_FOUND: u32 = 1;
const LOG_WARN: u32 = 3;
const LOG_ERROR: u32 = 4;
/// The buffer types of proxy_get_buffer_bytes and proxy_set_buffer_bytes.
pub const BUFFER_REQUEST_BODY: u32 = 0;
pub const BUFFER_RESPONSE_BODY: u32 = 1;
const BUFFER_PLUGIN_CONFIGURATION: u32 = 7;
/// The header map types of proxy_get_header_map_value and weir's header functions.
pub const MAP_REQUEST_HEADERS: u32 = 0;
pub const MAP_RESPONSE_HEADERS: u32 = 2;

const RETURN_SIZE: usize = 4096;
static mut RETURN: [u8; RETURN_SIZE] = [0; RETURN_SIZE];

/// Names the return buffer to the host; from proxy_on_vm_start, once per instance. A
/// host without weir.return_buffer allocates every value, which works as well.
pub fn use_return_buffer() {
    let mut args = [0u8; 8];
    // SAFETY: only the address is taken; the host writes the buffer between calls only.
    let addr = unsafe { RETURN.as_ptr() } as usize as u32;
    args[..4].copy_from_slice(&addr.to_le_bytes());
    args[4..].copy_from_slice(&(RETURN_SIZE as u32).to_le_bytes());
    let mut ignored = Vec::new();
    let _ = foreign("weir.return_buffer", &args, &mut ignored);
}

/// The module's allocator as the host calls it, for values larger than the return
/// buffer; take frees what it hands out.
pub fn allocate(size: usize) -> *mut u8 {
    // SAFETY: the layout's size is at least 1.
    unsafe { alloc(Layout::from_size_align(size.max(1), 1).unwrap()) }
}

/// take appends a value the host returned to out, and frees it unless it is in the
/// return buffer.
fn take(ptr: *mut u8, size: usize, out: &mut Vec<u8>) {
    read_answer(ptr, size, |answer| out.extend_from_slice(answer));
}

/// Hands a value the host returned (see take) to read, then frees it unless it is in
/// the return buffer; an absent value reads as empty.
fn read_answer<R>(ptr: *mut u8, size: usize, read: impl FnOnce(&[u8]) -> R) -> R {
    if ptr.is_null() {
        return read(&[]);
    }
    // SAFETY: the host wrote size bytes at ptr: in the return buffer, or in a block
    // allocate made for exactly this value.
    unsafe {
        let r = read(std::slice::from_raw_parts(ptr, size));
        let start = RETURN.as_ptr() as usize;
        if (ptr as usize) < start || ptr as usize >= start + RETURN_SIZE {
            dealloc(ptr, Layout::from_size_align(size.max(1), 1).unwrap());
        }
        r
    }
}

/// Buffers larger than this are let go rather than kept for the next request: a large
/// body grew them.
const KEEP: usize = 1 << 20;

/// Empties a buffer a plugin keeps between requests, letting go of it when a large
/// body grew it.
pub fn reuse<T>(b: &mut Vec<T>) {
    if b.capacity() * std::mem::size_of::<T>() > KEEP {
        *b = Vec::new();
    }
    b.clear();
}

/// Calls one of weir's foreign functions; its answer is appended to out.
pub fn foreign(name: &str, args: &[u8], out: &mut Vec<u8>) -> Result<(), Status> {
    foreign_read(name, args, |answer| out.extend_from_slice(answer))
}

/// Calls one of weir's foreign functions and hands its answer to read, in place.
fn foreign_read<R>(name: &str, args: &[u8], read: impl FnOnce(&[u8]) -> R) -> Result<R, Status> {
    let (mut ptr, mut size) = (std::ptr::null_mut(), 0usize);
    // SAFETY: every pointer is to live memory of the stated size.
    let st = unsafe { proxy_call_foreign_function(name.as_ptr(), name.len(), args.as_ptr(), args.len(), &mut ptr, &mut size) };
    if st != OK {
        return Err(Status(st));
    }
    Ok(read_answer(ptr, size, read))
}

/// Appends a property's value to out; false when the property is absent or unreadable.
/// path is NUL-separated, as the ABI takes it ("weir\0consumer_id").
pub fn property(path: &[u8], out: &mut Vec<u8>) -> bool {
    let (mut ptr, mut size) = (std::ptr::null_mut(), 0usize);
    // SAFETY: as in foreign.
    let st = unsafe { proxy_get_property(path.as_ptr(), path.len(), &mut ptr, &mut size) };
    if st != OK {
        return false;
    }
    take(ptr, size, out);
    true
}

/// The root context's plugin configuration, empty when there is none.
pub fn plugin_configuration(size: usize) -> Result<Vec<u8>, Status> {
    let mut out = Vec::new();
    if size == 0 {
        return Ok(out);
    }
    let (mut ptr, mut got) = (std::ptr::null_mut(), 0usize);
    // SAFETY: as in foreign.
    let st = unsafe { proxy_get_buffer_bytes(BUFFER_PLUGIN_CONFIGURATION, 0, size, &mut ptr, &mut got) };
    match st {
        OK => {
            take(ptr, got, &mut out);
            Ok(out)
        }
        NOT_FOUND | 7 => Ok(out), // not found, empty: no configuration
        _ => Err(Status(st)),
    }
}

/// A body buffered so far (size bytes, as the body callback was told), appended to out;
/// kind is BUFFER_REQUEST_BODY or BUFFER_RESPONSE_BODY.
pub fn body(kind: u32, size: usize, out: &mut Vec<u8>) -> Result<(), Status> {
    if size == 0 {
        return Ok(());
    }
    let (mut ptr, mut got) = (std::ptr::null_mut(), 0usize);
    // SAFETY: as in foreign.
    let st = unsafe { proxy_get_buffer_bytes(kind, 0, size, &mut ptr, &mut got) };
    match st {
        OK => {
            take(ptr, got, out);
            Ok(())
        }
        NOT_FOUND | 7 => Ok(()),
        _ => Err(Status(st)),
    }
}

/// Replaces a whole body (weir fixes Content-Length); kind as for body.
pub fn replace_body(kind: u32, body: &[u8]) -> Result<(), Status> {
    // SAFETY: body is live.
    let st = unsafe { proxy_set_buffer_bytes(kind, 0, i32::MAX as usize, body.as_ptr(), body.len()) };
    if st != OK {
        return Err(Status(st));
    }
    Ok(())
}

/// Replaces every value of a header with one.
pub fn replace_header(map: u32, name: impl AsRef<[u8]>, value: &[u8]) -> Result<(), Status> {
    let name = name.as_ref();
    // SAFETY: name and value are live.
    let st = unsafe { proxy_replace_header_map_value(map, name.as_ptr(), name.len(), value.as_ptr(), value.len()) };
    if st != OK {
        return Err(Status(st));
    }
    Ok(())
}

/// Adds a field to a header map, beside any of the same name.
pub fn add_header(map: u32, name: impl AsRef<[u8]>, value: &[u8]) -> Result<(), Status> {
    let name = name.as_ref();
    // SAFETY: name and value are live.
    let st = unsafe { proxy_add_header_map_value(map, name.as_ptr(), name.len(), value.as_ptr(), value.len()) };
    if st != OK {
        return Err(Status(st));
    }
    Ok(())
}

/// Appends a header map to out in the ABI's pairs layout (see encode_pairs), for pairs
/// to read: every field, in order, names and values as they are (not necessarily
/// UTF-8), with no copy per field.
pub fn header_map(map: u32, out: &mut Vec<u8>) -> Result<(), Status> {
    let (mut ptr, mut size) = (std::ptr::null_mut(), 0usize);
    // SAFETY: as in foreign.
    let st = unsafe { proxy_get_header_map_pairs(map, &mut ptr, &mut size) };
    if st == NOT_FOUND {
        return Ok(());
    }
    if st != OK {
        return Err(Status(st));
    }
    take(ptr, size, out);
    Ok(())
}

/// The fields of a header map in the ABI's pairs layout, in order; None when the layout
/// is malformed (every field is checked before the first is given).
pub fn pairs(raw: &[u8]) -> Option<Pairs> {
    let u32_at = |i: usize| raw.get(i..i + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize);
    let n = if raw.is_empty() { 0 } else { u32_at(0)? };
    let mut data = 4usize.checked_add(n.checked_mul(8)?)?;
    for i in 0..n {
        let (k, v) = (u32_at(4 + 8 * i)?, u32_at(8 + 8 * i)?);
        let value_end = data.checked_add(k)?.checked_add(1)?.checked_add(v)?;
        if value_end > raw.len() {
            return None;
        }
        data = value_end + 1;
    }
    Some(Pairs { raw, n, i: 0, data: 4 + 8 * n })
}

/// An iterator over the fields of a header map in the pairs layout (see pairs).
pub struct Pairs<'a> {
    raw: &'a [u8],
    n: usize,
    i: usize,
    data: usize,
}

impl<'a> Iterator for Pairs<'a> {
    type Item = (&'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        if self.i >= self.n {
            return None;
        }
        // pairs checked every length against the data: one bounds check per field here
        let lens = self.raw.get(4 + 8 * self.i..12 + 8 * self.i)?;
        let k = u32::from_le_bytes([lens[0], lens[1], lens[2], lens[3]]) as usize;
        let v = u32::from_le_bytes([lens[4], lens[5], lens[6], lens[7]]) as usize;
        self.i += 1;
        let field = self.raw.get(self.data..self.data + k + 1 + v)?;
        self.data += k + v + 2;
        Some((&field[..k], &field[k + 1..]))
    }
}

/// Removes a header; an absent one is not an error.
pub fn remove_header(map: u32, name: impl AsRef<[u8]>) -> Result<(), Status> {
    let name = name.as_ref();
    // SAFETY: name is live.
    let st = unsafe { proxy_remove_header_map_value(map, name.as_ptr(), name.len()) };
    if st != OK && st != NOT_FOUND {
        return Err(Status(st));
    }
    Ok(())
}

/// Tells weir which HTTP callbacks the calling root context's plugin leaves empty
/// (weir.declare_http_callbacks), so its streams never enter the module for them;
/// from proxy_on_configure. skip names them as the function takes them.
pub fn declare_http_callbacks(skip: &[&str]) {
    let mut args = b"{\"skip\":[".to_vec();
    for (i, name) in skip.iter().enumerate() {
        if i > 0 {
            args.push(b',');
        }
        crate::json::push_string(&mut args, name);
    }
    args.extend_from_slice(b"]}");
    let mut none = Vec::new();
    if let Err(e) = foreign("weir.declare_http_callbacks", &args, &mut none) {
        if e.0 != NOT_FOUND {
            log_error(&format!("weir.declare_http_callbacks: {}", e));
        }
    }
}

/// The host's wall clock, in Unix nanoseconds.
pub fn now_nanos() -> u64 {
    let mut t = 0u64;
    // SAFETY: t is live.
    unsafe { proxy_get_current_time_nanoseconds(&mut t) };
    t
}

pub fn log_warn(msg: &str) {
    // SAFETY: msg is live.
    unsafe { proxy_log(LOG_WARN, msg.as_ptr(), msg.len()) };
}

pub fn log_error(msg: &str) {
    // SAFETY: msg is live.
    unsafe { proxy_log(LOG_ERROR, msg.as_ptr(), msg.len()) };
}

/// A list of headers kept in one reusable buffer: names are static, values are text
/// appended to the buffer, so building one allocates nothing once the buffer has grown.
#[derive(Default)]
pub struct Headers {
    text: Vec<u8>,
    list: Vec<(&'static str, usize, usize)>, // name, value's start and end in text
}

impl Headers {
    pub fn clear(&mut self) {
        self.text.clear();
        self.list.clear();
    }

    pub fn push(&mut self, name: &'static str, value: &str) {
        let start = self.text.len();
        self.text.extend_from_slice(value.as_bytes());
        self.list.push((name, start, self.text.len()));
    }

    /// Adds a header whose value is an integer, formatted without core::fmt.
    pub fn push_int(&mut self, name: &'static str, n: i64) {
        let start = self.text.len();
        push_int(&mut self.text, n);
        self.list.push((name, start, self.text.len()));
    }

    /// The headers, in the order they were added.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &[u8])> + Clone + '_ {
        self.list.iter().map(move |&(k, s, e)| (k, &self.text[s..e]))
    }
}

/// Appends n in decimal. A value is cut into parts below 10^8 (with one 64-bit
/// division, the slow kind, when it has more than eight digits), and each part is
/// written two digits at a time (push_u32).
pub fn push_int(out: &mut Vec<u8>, n: i64) {
    if n < 0 {
        out.push(b'-');
    }
    let u = n.unsigned_abs();
    const E8: u64 = 100_000_000;
    if u < E8 {
        push_u32(out, u as u32, 0);
    } else if u < E8 * E8 {
        push_u32(out, (u / E8) as u32, 0);
        push_u32(out, (u % E8) as u32, 8);
    } else {
        let (hi, rest) = (u / (E8 * E8), u % (E8 * E8));
        push_u32(out, hi as u32, 0);
        push_u32(out, (rest / E8) as u32, 8);
        push_u32(out, (rest % E8) as u32, 8);
    }
}

/// "00" to "99", for writing two digits at once.
const DIGIT_PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// Appends n in decimal, left-padded with zeros to width digits. The compiler keeps a
/// division by a constant a division in wasm, and wazero runs it as the processor's
/// divide instruction, so n / 100 is written as the multiplication and shift that
/// give it exactly for every u32.
fn push_u32(out: &mut Vec<u8>, mut n: u32, width: usize) {
    let mut digits = [b'0'; 10];
    let mut i = digits.len();
    while n >= 100 {
        let q = ((n as u64 * 1_374_389_535) >> 37) as u32;
        let r = (n - q * 100) as usize * 2;
        i -= 2;
        digits[i..i + 2].copy_from_slice(&DIGIT_PAIRS[r..r + 2]);
        n = q;
    }
    if n >= 10 {
        let r = n as usize * 2;
        i -= 2;
        digits[i..i + 2].copy_from_slice(&DIGIT_PAIRS[r..r + 2]);
    } else {
        i -= 1;
        digits[i] = b'0' + n as u8;
    }
    out.extend_from_slice(&digits[i.min(digits.len() - width)..]);
}

/// Appends headers in the ABI's pairs layout: the count, each name's and value's
/// length, then each name and value NUL-terminated. The space is reserved once and
/// the lengths stored as words: a copy per small piece cost more than the rest.
pub fn encode_pairs<'k, 'v, I>(out: &mut Vec<u8>, headers: I)
where
    I: Iterator<Item = (&'k str, &'v [u8])> + Clone,
{
    let (mut count, mut text) = (0usize, 0usize);
    for (k, v) in headers.clone() {
        count += 1;
        text += k.len() + v.len() + 2;
    }
    let start = out.len();
    out.resize(start + 4 + 8 * count + text, 0);
    let (lens, data) = out[start..].split_at_mut(4 + 8 * count);
    lens[..4].copy_from_slice(&(count as u32).to_le_bytes());
    let mut at = 0;
    for (i, (k, v)) in headers.enumerate() {
        lens[4 + 8 * i..8 + 8 * i].copy_from_slice(&(k.len() as u32).to_le_bytes());
        lens[8 + 8 * i..12 + 8 * i].copy_from_slice(&(v.len() as u32).to_le_bytes());
        data[at..at + k.len()].copy_from_slice(k.as_bytes());
        at += k.len() + 1; // the NUL resize wrote
        data[at..at + v.len()].copy_from_slice(v);
        at += v.len() + 1;
    }
}

/// Ends the request with a response of the plugin's own: content-type, then headers.
pub fn send_response(status: u32, content_type: &str, headers: &Headers, body: &[u8]) -> Result<(), Status> {
    let mut pairs = Vec::with_capacity(256);
    let first = std::iter::once(("content-type", content_type.as_bytes()));
    encode_pairs(&mut pairs, first.chain(headers.iter()));
    // SAFETY: every pointer is to live memory of the stated size.
    let st = unsafe {
        proxy_send_local_response(status, std::ptr::null(), 0, body.as_ptr(), body.len(), pairs.as_ptr(), pairs.len(), -1)
    };
    if st != OK {
        return Err(Status(st));
    }
    Ok(())
}

/// Ends the request like Kong's kong.response.error: a JSON body {"message": msg,
/// "request_id": id} (the id omitted when the host has none), content-type
/// application/json, then headers. A host that refuses the response is logged.
pub fn send_error(status: u32, msg: &str, headers: &Headers) {
    let mut body = Vec::with_capacity(64 + msg.len());
    body.extend_from_slice(b"{\"message\":");
    crate::json::push_string(&mut body, msg);
    let mut id = Vec::new();
    if property(b"request\0id", &mut id) && !id.is_empty() {
        body.extend_from_slice(b",\"request_id\":");
        crate::json::push_string(&mut body, &String::from_utf8_lossy(&id));
    }
    body.push(b'}');
    if let Err(e) = send_response(status, "application/json; charset=utf-8", headers, &body) {
        log_error(&format!("weir: send {} response: {}", status, e));
    }
}

/// Replaces several headers of a map in one host call (weir.set_header_values).
pub fn set_header_values(map: u32, headers: &Headers, scratch: &mut Vec<u8>) -> Result<(), Status> {
    scratch.clear();
    scratch.extend_from_slice(&map.to_le_bytes());
    encode_pairs(scratch, headers.iter());
    let mut none = Vec::new();
    foreign("weir.set_header_values", scratch, &mut none)
}

/// Replaces several headers of a map with integers in one host call
/// (weir.set_header_integers): the host reads each static name where it is and writes
/// the number, so nothing is copied or formatted here. The arguments are laid out in
/// space reserved once (a push per field cost more than the call).
pub fn set_header_integers<I>(map: u32, headers: I, scratch: &mut Vec<u8>) -> Result<(), Status>
where
    I: ExactSizeIterator<Item = (&'static str, i64)>,
{
    scratch.clear();
    scratch.resize(4 + 16 * headers.len(), 0);
    let (head, entries) = scratch.split_at_mut(4);
    head.copy_from_slice(&map.to_le_bytes());
    for (e, (name, n)) in entries.chunks_exact_mut(16).zip(headers) {
        e[..4].copy_from_slice(&(name.as_ptr() as usize as u32).to_le_bytes());
        e[4..8].copy_from_slice(&(name.len() as u32).to_le_bytes());
        e[8..].copy_from_slice(&n.to_le_bytes());
    }
    let mut none = Vec::new();
    foreign("weir.set_header_integers", scratch, &mut none)
}

/// A header's number of fields and its first value (weir.header_value): the value is
/// appended to out, and the count returned.
pub fn header_value(map: u32, name: &str, out: &mut Vec<u8>, scratch: &mut Vec<u8>) -> Result<u32, Status> {
    scratch.clear();
    scratch.extend_from_slice(&map.to_le_bytes());
    scratch.extend_from_slice(name.as_bytes());
    // the count, then the value, copied as it is read
    foreign_read("weir.header_value", scratch, |answer| match answer {
        [a, b, c, d, value @ ..] => {
            out.extend_from_slice(value);
            Ok(u32::from_le_bytes([*a, *b, *c, *d]))
        }
        _ => Err(Status(3)),
    })?
}

/// Adds delta to the node's shared counter under key (weir.counter_add) and returns the
/// new value.
/// args holds the delta, 8 bytes little-endian, then the key (counter_args writes it);
/// out is where the answer lands.
pub fn counter_add(args: &[u8], out: &mut Vec<u8>) -> Result<i64, Status> {
    out.clear();
    foreign("weir.counter_add", args, out)?;
    if out.len() != 8 {
        return Err(Status(3));
    }
    let mut n = [0u8; 8];
    n.copy_from_slice(out);
    Ok(i64::from_le_bytes(n))
}

/// s as Go's %q prints it, for log lines and the values a Go plugin quoted: printable
/// text as it is, quotes and backslashes escaped, control characters and invalid UTF-8
/// as escapes.
pub fn go_quote(s: &[u8]) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let mut i = 0;
    while i < s.len() {
        let (c, n) = match crate::json::next_char(&s[i..]) {
            Some(cn) => cn,
            None => {
                out.push_str(&format!("\\x{:02x}", s[i]));
                i += 1;
                continue;
            }
        };
        i += n;
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_integers_as_rust_does() {
        let mut out = Vec::new();
        let mut check = |n: i64| {
            out.clear();
            push_int(&mut out, n);
            assert_eq!(out, n.to_string().into_bytes(), "{}", n);
        };
        for n in 0..100_000 {
            check(n);
            check(-n);
        }
        let mut n: i64 = 1;
        for _ in 0..18 {
            for d in [-1, 0, 1, 7, 99] {
                check(n + d);
                check(-(n + d));
            }
            n *= 10;
        }
        for n in [u32::MAX as i64, i64::MAX, i64::MIN, i64::MIN + 1, 4_294_967_299, 99_999_999_999] {
            check(n);
        }
    }

    #[test]
    fn encodes_pairs_in_the_abi_layout() {
        let fields: [(&str, &[u8]); 3] = [("a", b"1"), ("ratelimit-limit", b""), ("", b"\xff\x00x")];
        for n in 0..=fields.len() {
            let mut want = (n as u32).to_le_bytes().to_vec();
            for (k, v) in &fields[..n] {
                want.extend_from_slice(&(k.len() as u32).to_le_bytes());
                want.extend_from_slice(&(v.len() as u32).to_le_bytes());
            }
            for (k, v) in &fields[..n] {
                want.extend_from_slice(k.as_bytes());
                want.push(0);
                want.extend_from_slice(v);
                want.push(0);
            }
            let mut out = b"kept".to_vec();
            encode_pairs(&mut out, fields[..n].iter().copied());
            assert_eq!(&out[..4], b"kept");
            assert_eq!(&out[4..], &want[..], "{} fields", n);
        }
    }
}
