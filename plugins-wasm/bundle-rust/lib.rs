//! The built-ins written in Rust, in one proxy-wasm 0.2.1 module: each plugin is served
//! to the root contexts whose root id is its name, as in the Go bundle. They are the
//! plugins whose cost per request matters most, where a standard-Go guest's own
//! overhead (its runtime on every entry, its stack in linear memory, its collector)
//! cost more than the work itself.
//!
//! Built with Debian's rustc and its wasm32 std, no crates (build.sh); the module is
//! committed beside its sources so weir builds with Go alone, and CI checks it matches.
//! Each plugin's source sits in its own folder with its schema.json.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

mod host;
mod json;
mod request;
#[path = "../key-auth/plugin.rs"]
mod key_auth;
#[path = "../rate-limiting/plugin.rs"]
mod rate_limiting;
#[path = "../request-transformer/plugin.rs"]
mod request_transformer;
#[path = "../response-transformer/plugin.rs"]
mod response_transformer;

/// What a plugin's callback decided.
pub enum Action {
    Continue,
    /// Wait for the whole body (the request's from a request callback, the response's
    /// from a response callback), then run the plugin's body callback.
    ReadBody,
    /// The plugin answered the request.
    Stop,
}

/// One configured root context: a plugin and its configuration.
enum Plugin {
    KeyAuth(key_auth::Config),
    RateLimiting(rate_limiting::Config),
    RequestTransformer(request_transformer::Config),
    ResponseTransformer(response_transformer::Config),
}

impl Plugin {
    /// Reads the configuration of the plugin named root_id, and tells weir which
    /// callbacks it leaves empty (weir.declare_http_callbacks), so that weir neither
    /// enters the module for them nor holds a body the plugin does not read.
    fn configure(root_id: &[u8], raw: &[u8]) -> Result<Plugin, String> {
        let (plugin, uses): (Plugin, &[&str]) = match root_id {
            b"key-auth" => {
                let c = key_auth::Config::parse(raw)?;
                let uses = request_callbacks(c.reads_body());
                (Plugin::KeyAuth(c), uses)
            }
            b"rate-limiting" => (Plugin::RateLimiting(rate_limiting::Config::parse(raw)?), request_callbacks(false)),
            b"request-transformer" => {
                let c = request_transformer::Config::parse(raw)?;
                let uses = request_callbacks(c.reads_body());
                (Plugin::RequestTransformer(c), uses)
            }
            b"response-transformer" => {
                let c = response_transformer::Config::parse(raw)?;
                let uses: &[&str] = if c.reads_body() { &["response_headers", "response_body"] } else { &["response_headers"] };
                (Plugin::ResponseTransformer(c), uses)
            }
            _ => return Err("no built-in of this name in the module".into()),
        };
        const CALLBACKS: [&str; 6] = ["request_headers", "request_body", "response_headers", "response_body", "done", "log"];
        let mut skip: Vec<&str> = CALLBACKS.iter().copied().filter(|c| !uses.contains(c)).collect();
        // One callback a stream, or response-transformer's two, which carry nothing
        // between them (its body callback reads the response's headers as they are
        // then, as Kong's body_filter does): no stream contexts (weir passes the root's
        // id to the callbacks; see stream_of).
        if uses.len() == 1 || matches!(plugin, Plugin::ResponseTransformer(_)) {
            skip.push("stream_context");
        }
        host::declare_http_callbacks(&skip);
        Ok(plugin)
    }
}

/// The callbacks a plugin of the request path uses: the request headers', and the
/// request body's when it reads the body.
fn request_callbacks(reads_body: bool) -> &'static [&'static str] {
    if reads_body {
        &["request_headers", "request_body"]
    } else {
        &["request_headers"]
    }
}

/// Hashes context ids, small integers the host hands out, with one multiplication:
/// every stream is inserted, looked up and removed once, and the default SipHash cost
/// more than the rest of the lookup.
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(8) ^ b as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.0 = (n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

type ByID<V> = HashMap<u32, V, BuildHasherDefault<IdHasher>>;

/// One HTTP context: its root, and where its request stands.
#[derive(Default)]
struct Stream {
    root: u32,
    /// The plugin waits for the whole request body.
    want_body: bool,
    /// The plugin answered the request itself.
    stopped: bool,
}

/// The stream a callback names, and its plugin: a stream context, or the root context's
/// id that weir passes for a plugin that keeps no stream contexts (Plugin::configure),
/// which then stands for a stream living only as long as this callback (once). None
/// for an unknown id or a root not configured.
fn stream_of<'a>(
    streams: &'a mut ByID<Stream>,
    roots: &'a ByID<Option<Plugin>>,
    id: u32,
    once: &'a mut Stream,
) -> Option<(&'a mut Stream, &'a Plugin)> {
    // a root's id first: most configurations of the built-ins keep no stream contexts
    if let Some(root) = roots.get(&id) {
        once.root = id;
        return root.as_ref().map(|p| (once, p));
    }
    let stream = streams.get_mut(&id)?;
    let plugin = roots.get(&stream.root)?.as_ref()?;
    Some((stream, plugin))
}

/// The module's state: root contexts by id (None until configured), the streams, and
/// each plugin's reusable buffers.
#[derive(Default)]
struct Guest {
    roots: ByID<Option<Plugin>>,
    streams: ByID<Stream>,
    key_auth: key_auth::Scratch,
    rate_limiting: rate_limiting::Scratch,
    request_transformer: request_transformer::Scratch,
    response_transformer: response_transformer::Scratch,
}

thread_local! {
    static GUEST: RefCell<Guest> = RefCell::new(Guest::default());
}

/// proxy-wasm's actions.
const CONTINUE: u32 = 0;
const PAUSE: u32 = 1;

#[no_mangle]
pub extern "C" fn proxy_abi_version_0_2_1() {}

#[no_mangle]
pub extern "C" fn proxy_on_memory_allocate(size: usize) -> *mut u8 {
    host::allocate(size)
}

#[no_mangle]
pub extern "C" fn proxy_on_context_create(id: u32, parent: u32) {
    GUEST.with(|g| {
        let mut g = g.borrow_mut();
        if parent == 0 {
            g.roots.insert(id, None);
        } else {
            g.streams.insert(id, Stream { root: parent, ..Stream::default() });
        }
    });
}

#[no_mangle]
pub extern "C" fn proxy_on_vm_start(_root: u32, _size: usize) -> u32 {
    host::use_return_buffer();
    1
}

#[no_mangle]
pub extern "C" fn proxy_on_configure(root: u32, size: usize) -> u32 {
    let mut root_id = Vec::new();
    host::property(b"plugin_root_id", &mut root_id);
    let name = String::from_utf8_lossy(&root_id).into_owned();
    let plugin = host::plugin_configuration(size)
        .map_err(|e| format!("read configuration: {}", e))
        .and_then(|raw| Plugin::configure(&root_id, &raw));
    match plugin {
        Ok(p) => {
            GUEST.with(|g| g.borrow_mut().roots.insert(root, Some(p)));
            1
        }
        Err(e) => {
            host::log_error(&format!("{}: {}", name, e));
            0
        }
    }
}

/// Turns a request callback's decision into the host's action: ReadBody waits for the
/// body (or runs the body callback now, through body, when none will come), Stop
/// pauses the answered request.
fn settle(stream: &mut Stream, a: Action, end_of_stream: bool, body: impl FnOnce() -> Action) -> u32 {
    let a = match a {
        Action::ReadBody if end_of_stream => body(),
        Action::ReadBody => {
            stream.want_body = true;
            return CONTINUE;
        }
        a => a,
    };
    match a {
        Action::Stop => {
            stream.stopped = true;
            PAUSE
        }
        _ => CONTINUE,
    }
}

#[no_mangle]
pub extern "C" fn proxy_on_request_headers(id: u32, _headers: usize, end_of_stream: u32) -> u32 {
    GUEST.with(|g| {
        let g = &mut *g.borrow_mut();
        let mut once = Stream::default();
        let (stream, plugin) = match stream_of(&mut g.streams, &g.roots, id, &mut once) {
            Some(found) => found,
            None => return CONTINUE,
        };
        match plugin {
            Plugin::KeyAuth(c) => {
                let s = &mut g.key_auth;
                let a = key_auth::on_request(c, s);
                settle(stream, a, end_of_stream != 0, || key_auth::on_request_body(c, s, 0))
            }
            Plugin::RateLimiting(c) => rate_limiting::on_request(c, &mut g.rate_limiting),
            Plugin::RequestTransformer(c) => {
                let s = &mut g.request_transformer;
                let a = request_transformer::on_request(c, s);
                settle(stream, a, end_of_stream != 0, || request_transformer::on_request_body(c, s, 0))
            }
            Plugin::ResponseTransformer(_) => CONTINUE,
        }
    })
}

#[no_mangle]
pub extern "C" fn proxy_on_request_body(id: u32, size: usize, end_of_stream: u32) -> u32 {
    GUEST.with(|g| {
        let g = &mut *g.borrow_mut();
        let stream = match g.streams.get_mut(&id) {
            Some(s) if s.want_body && !s.stopped => s,
            _ => return CONTINUE,
        };
        if end_of_stream == 0 {
            return PAUSE; // weir keeps buffering until the last chunk
        }
        stream.want_body = false;
        match g.roots.get(&stream.root).and_then(Option::as_ref) {
            Some(Plugin::KeyAuth(c)) => {
                let a = key_auth::on_request_body(c, &mut g.key_auth, size);
                settle(stream, a, true, || Action::Continue)
            }
            Some(Plugin::RequestTransformer(c)) => {
                let a = request_transformer::on_request_body(c, &mut g.request_transformer, size);
                settle(stream, a, true, || Action::Continue)
            }
            _ => CONTINUE,
        }
    })
}

#[no_mangle]
pub extern "C" fn proxy_on_response_headers(id: u32, _headers: usize, end_of_stream: u32) -> u32 {
    GUEST.with(|g| {
        let g = &mut *g.borrow_mut();
        let mut once = Stream::default();
        if let Some((_, Plugin::ResponseTransformer(c))) = stream_of(&mut g.streams, &g.roots, id, &mut once) {
            response_transformer::on_response(c, &mut g.response_transformer, end_of_stream != 0);
        }
        CONTINUE
    })
}

#[no_mangle]
pub extern "C" fn proxy_on_response_body(id: u32, size: usize, end_of_stream: u32) -> u32 {
    GUEST.with(|g| {
        let g = &mut *g.borrow_mut();
        let mut once = Stream::default();
        if let Some((_, Plugin::ResponseTransformer(c))) = stream_of(&mut g.streams, &g.roots, id, &mut once) {
            let scratch = &mut g.response_transformer;
            if !response_transformer::transforms_body(c, scratch) {
                return CONTINUE;
            }
            if end_of_stream == 0 {
                return PAUSE; // weir keeps buffering until the last chunk
            }
            response_transformer::on_response_body(c, size, scratch);
        }
        CONTINUE
    })
}

#[no_mangle]
pub extern "C" fn proxy_on_delete(id: u32) {
    GUEST.with(|g| {
        let mut g = g.borrow_mut();
        if g.streams.remove(&id).is_none() {
            g.roots.remove(&id);
        }
    });
}
