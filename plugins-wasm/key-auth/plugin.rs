//! Kong 3.9's key-auth plugin as a weir built-in, in Rust (it runs on every request it
//! is enabled for): it finds an API key in the request, looks its credential up in the
//! gateway, and either authenticates the consumer or answers 401 (or falls back to the
//! anonymous consumer).

use crate::host::{self, Headers};
use crate::json::{self, Value};
use crate::request::{self, Arg, Body};
use crate::Action;

/// Kong's messages for a failed key-auth.
const MSG_NO_KEY: &str = "No API key found in request";
const MSG_DUPLICATE: &str = "Duplicate API key found";
const MSG_BAD_KEY: &str = "Unauthorized";
const MSG_UNEXPECTED: &str = "An unexpected error occurred";

/// key-auth's configuration (schema.json), with Kong's defaults for what is absent or
/// null.
#[derive(Debug)]
pub struct Config {
    key_names: Vec<String>,
    /// Each key name as a header lookup reads it (lower-case, underscores as dashes).
    header_names: Vec<String>,
    hide_credentials: bool,
    anonymous: String,
    key_in_header: bool,
    key_in_query: bool,
    key_in_body: bool,
    run_on_preflight: bool,
    /// The WWW-Authenticate value of every 401.
    challenge: String,
}

impl Config {
    pub fn parse(raw: &[u8]) -> Result<Config, String> {
        let mut c = Config {
            key_names: vec!["apikey".to_string()],
            header_names: Vec::new(),
            hide_credentials: false,
            anonymous: String::new(),
            key_in_header: true,
            key_in_query: true,
            key_in_body: false,
            run_on_preflight: true,
            challenge: String::new(),
        };
        let mut realm = String::new();
        json::config_fields(raw, |name, v| {
            match name {
                "key_names" => {
                    if let Some(names) = json::opt_strings(name, v)? {
                        c.key_names = names;
                    }
                }
                "hide_credentials" => c.hide_credentials = json::opt_bool(name, &v)?.unwrap_or(false),
                "key_in_header" => c.key_in_header = json::opt_bool(name, &v)?.unwrap_or(true),
                "key_in_query" => c.key_in_query = json::opt_bool(name, &v)?.unwrap_or(true),
                "key_in_body" => c.key_in_body = json::opt_bool(name, &v)?.unwrap_or(false),
                "run_on_preflight" => c.run_on_preflight = json::opt_bool(name, &v)?.unwrap_or(true),
                "anonymous" => c.anonymous = json::opt_string(name, v)?.unwrap_or_default(),
                "realm" => realm = json::opt_string(name, v)?.unwrap_or_default(),
                _ => {}
            }
            Ok(())
        })?;
        c.header_names = c.key_names.iter().map(|n| request::header_arg_name(n)).collect();
        c.challenge = if realm.is_empty() { "Key".to_string() } else { format!("Key realm={}", host::go_quote(realm.as_bytes())) };
        Ok(c)
    }
}

impl Config {
    /// Whether the plugin may read the request body (the key there, or to hide it).
    pub fn reads_body(&self) -> bool {
        self.key_in_body
    }
}


/// Buffers a request's work reuses (a guest runs one callback at a time).
#[derive(Default)]
pub struct Scratch {
    args: Vec<u8>,
    answer: Vec<u8>,
    /// The buffer the last key was read into, kept for the next request's.
    key: Vec<u8>,
}

/// The request headers callback.
pub fn on_request(c: &Config, s: &mut Scratch) -> Action {
    if !c.run_on_preflight && request::header(":method", &mut s.args) == b"OPTIONS" {
        return Action::Continue;
    }
    if !c.anonymous.is_empty() && authenticated_with_credential(s) {
        return Action::Continue; // a logical OR with an auth plugin that already succeeded
    }
    if c.key_in_body && c.hide_credentials {
        return Action::ReadBody; // the key may have to be removed from the body
    }
    run(c, s, None)
}

/// The request body callback, once the whole body is in (size bytes).
pub fn on_request_body(c: &Config, s: &mut Scratch, size: usize) -> Action {
    let mut body = Vec::new();
    if let Err(e) = host::body(host::BUFFER_REQUEST_BODY, size, &mut body) {
        host::log_error(&format!("weir: read body: {}", e));
    }
    let content_type = request::header("content-type", &mut s.args);
    run(c, s, Some(Body::parse(&content_type, &body)))
}

/// Whether an auth plugin that ran earlier authenticated the request with a real
/// credential (not an anonymous consumer).
fn authenticated_with_credential(s: &mut Scratch) -> bool {
    s.answer.clear();
    if !host::property(b"weir\0consumer_id", &mut s.answer) || s.answer.is_empty() {
        return false;
    }
    s.answer.clear();
    host::property(b"weir\0credential_id", &mut s.answer) && !s.answer.is_empty()
}

/// Searches for the key as Kong does (for each key name in order: the header, the
/// query, the body; the first name holding anything ends the search) and settles the
/// request, unless the search needs the body first (body is None until it is in).
fn run(c: &Config, s: &mut Scratch, body: Option<Body>) -> Action {
    let (mut found, mut fail): (Option<(&str, Vec<u8>)>, &str) = (None, MSG_NO_KEY);
    let mut path = None; // :path, read once if the query is searched
    for (name, header) in c.key_names.iter().zip(&c.header_names) {
        let mut a = Arg::Absent;
        if c.key_in_header {
            a = request::header_arg(header, std::mem::take(&mut s.key), &mut s.args).unwrap_or(Arg::Absent);
        }
        if a == Arg::Absent && c.key_in_query {
            let path = path.get_or_insert_with(|| request::header(":path", &mut s.args));
            a = request::query_arg(query(path), name);
        }
        if a == Arg::Absent && c.key_in_body {
            match &body {
                None => return Action::ReadBody,
                Some(b) => a = b.arg(name),
            }
        }
        match a {
            Arg::List => {
                fail = MSG_DUPLICATE;
                break;
            }
            Arg::String(v) => {
                if !v.is_empty() {
                    found = Some((name, v));
                    fail = "";
                }
                break;
            }
            Arg::Absent | Arg::Other => {}
        }
    }
    let mut status = 401;
    if let Some((name, key)) = found {
        if c.hide_credentials {
            hide(s, name, body.as_ref());
        }
        let authenticated = authenticate(&key, s);
        s.key = key;
        host::reuse(&mut s.key);
        match authenticated {
            Ok(true) => return Action::Continue,
            Ok(false) => fail = MSG_BAD_KEY,
            Err(e) => {
                host::log_error(&format!("key-auth: find credential: {}", e));
                status = 500;
                fail = MSG_UNEXPECTED;
            }
        }
    }
    if !c.anonymous.is_empty() {
        return anonymous(c, s);
    }
    let mut headers = Headers::default();
    if status == 401 {
        headers.push("www-authenticate", &c.challenge);
    }
    error(status, fail, &headers)
}

/// The query of a :path, empty when it has none.
fn query(path: &[u8]) -> &[u8] {
    match path.iter().position(|&b| b == b'?') {
        Some(i) => &path[i + 1..],
        None => &[],
    }
}

/// Looks the key's credential up and records its consumer, in one host call
/// (weir.find_credential with authenticate): whether it was found.
fn authenticate(key: &[u8], s: &mut Scratch) -> Result<bool, String> {
    const NAME: &str = "weir.find_credential";
    let args = &mut s.args;
    args.clear();
    args.extend_from_slice(br#"{"kind":"keyauth_credentials","field":"key","value":"#);
    // bytes that are not UTF-8 go as \ufffd, as Go reads them; <, > and & as they are,
    // so that a key holding them still reaches the host in the form it reads fastest
    json::push_bytes_plain(args, key);
    args.extend_from_slice(br#","authenticate":true}"#);
    s.answer.clear();
    host::foreign(NAME, args, &mut s.answer).map_err(|e| format!("{}: {}", NAME, e))?;
    match s.answer.as_slice() {
        br#"{"found":true}"# => return Ok(true),
        br#"{"found":false}"# => return Ok(false),
        _ => {}
    }
    let mut found = None;
    json::fields(&s.answer, |name, v| {
        if let ("found", Value::Bool(b)) = (name, v) {
            found = Some(b);
        }
        Ok(())
    })
    .map_err(|e| format!("{}: decode result: {}", NAME, e))?;
    Ok(found.unwrap_or(false))
}

/// Maps a failed request to the configured anonymous consumer (Kong's logical OR
/// between auth plugins); a missing consumer is a 500.
fn anonymous(c: &Config, s: &mut Scratch) -> Action {
    match authenticate_anonymous(&c.anonymous, s) {
        Ok(()) => Action::Continue,
        Err(e) => {
            host::log_error(&format!("key-auth: {}", e));
            error(500, MSG_UNEXPECTED, &Headers::default())
        }
    }
}

fn authenticate_anonymous(id_or_username: &str, s: &mut Scratch) -> Result<(), String> {
    let args = &mut s.args;
    args.clear();
    args.extend_from_slice(br#"{"id_or_username":"#);
    json::push_string(args, id_or_username);
    args.push(b'}');
    s.answer.clear();
    host::foreign("weir.find_consumer", args, &mut s.answer).map_err(|e| format!("weir.find_consumer: {}", e))?;
    let (mut found, mut consumer) = (false, None);
    json::fields(&s.answer, |name, v| {
        match (name, v) {
            ("found", Value::Bool(b)) => found = b,
            ("consumer", Value::Raw(r)) => {
                json::fields(r, |name, v| {
                    if let ("id", Value::String(id)) = (name, v) {
                        consumer = Some(id);
                    }
                    Ok(())
                })?;
            }
            _ => {}
        }
        Ok(())
    })
    .map_err(|e| format!("weir.find_consumer: decode result: {}", e))?;
    let id = match consumer {
        Some(id) if found => id,
        _ => return Err(format!("anonymous consumer {} is configured but does not exist", host::go_quote(id_or_username.as_bytes()))),
    };
    let args = &mut s.args;
    args.clear();
    args.extend_from_slice(br#"{"consumer_id":"#);
    json::push_string(args, &id);
    args.extend_from_slice(br#","credential_id":"","anonymous":true}"#);
    s.answer.clear();
    host::foreign("weir.authenticate", args, &mut s.answer).map_err(|e| format!("weir.authenticate: {}", e))
}

/// Removes the key from what the upstream will see: the header and query argument of
/// that name, and the body field when the body was read. Failures are logged: the
/// request is authenticated either way, as in Kong.
fn hide(s: &mut Scratch, name: &str, body: Option<&Body>) {
    let fail = |what: &str, e: host::Status| host::log_error(&format!("key-auth: hide {}: {}: {}", name, what, e));
    if let Err(e) = host::remove_header(host::MAP_REQUEST_HEADERS, name) {
        fail("header", e);
    }
    let path = request::header(":path", &mut s.args);
    let q = query(&path);
    if request::query_arg(q, name) != Arg::Absent {
        let mut new_path = path[..path.len() - q.len() - 1].to_vec();
        let rest = request::query_without(q, name);
        if !rest.is_empty() {
            new_path.push(b'?');
            new_path.extend_from_slice(&rest);
        }
        if let Err(e) = host::replace_header(host::MAP_REQUEST_HEADERS, ":path", &new_path) {
            fail("query", e);
        }
    }
    if let Some(out) = body.and_then(|b| b.without(name)) {
        if let Err(e) = host::replace_body(host::BUFFER_REQUEST_BODY, &out) {
            fail("body", e);
        }
    }
}

/// Ends the request with Kong's error body ({"message", "request_id"}) and headers.
fn error(status: u32, msg: &str, headers: &Headers) -> Action {
    host::send_error(status, msg, headers);
    Action::Stop
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configs() {
        let c = Config::parse(b"{}").unwrap();
        assert_eq!(c.key_names, ["apikey"]);
        assert!(c.key_in_header && c.key_in_query && !c.key_in_body && c.run_on_preflight && !c.hide_credentials);
        assert_eq!(c.challenge, "Key");
        let c = Config::parse(br#"{"key_names":["a","b"],"anonymous":null,"realm":"my \"realm\"","key_in_query":false}"#).unwrap();
        assert_eq!((c.key_names.len(), c.anonymous.as_str(), c.key_in_query), (2, "", false));
        assert_eq!(c.challenge, r#"Key realm="my \"realm\"""#);
        assert_eq!(Config::parse(br#"{"key_names":"a"}"#).unwrap_err(), "key_names: expected an array, found a string");
        assert_eq!(Config::parse(br#"{"key_names":[1]}"#).unwrap_err(), "key_names: expected a string, found a number");
        assert_eq!(Config::parse(b"[]").unwrap_err(), "expected a JSON object");
    }

    #[test]
    fn queries() {
        assert_eq!(query(b"/x?a=1"), b"a=1");
        assert_eq!(query(b"/x"), b"");
        assert_eq!(query(b"/x?"), b"");
        assert_eq!(host::go_quote("a\tb\u{1}".as_bytes()), "\"a\\tb\\x01\"");
    }
}
