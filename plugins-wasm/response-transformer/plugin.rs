//! Kong 3.9's response-transformer plugin as a weir built-in, in Rust: it removes,
//! renames, replaces, adds and appends response headers and the top-level fields of
//! JSON response bodies. Bodies come out as Kong's cjson and the Go build before this
//! one wrote them: keys sorted, values compacted, nothing HTML-escaped.

use crate::host;
use crate::json::{self, split, Object, Value};
use crate::Action;
use std::borrow::Cow;

struct Rename {
    from: String,
    to: String,
    /// Where Config::probes holds from as get_headers' table finds it.
    probe: usize,
}

struct Header {
    name: String,
    value: String,
    /// Where Config::probes holds the name as get_headers' table finds it, for the
    /// operations that test whether the header is there (replace, add).
    probe: Option<usize>,
}

/// response-transformer's configuration (schema.json), read once: entries split, JSON
/// values encoded, entries Kong would skip left out.
#[derive(Default)]
pub struct Config {
    remove_json: Vec<String>,
    rename_json: Vec<(String, String)>,
    replace_json: Vec<(String, Vec<u8>)>,
    add_json: Vec<(String, Vec<u8>)>,
    append_json: Vec<(String, Vec<u8>)>,
    remove_headers: Vec<String>,
    rename_headers: Vec<Rename>,
    replace_headers: Vec<Header>,
    add_headers: Vec<Header>,
    append_headers: Vec<Header>,
    /// The names whose presence the header operations test, as get_headers' table
    /// finds them (lower-case, underscores as dashes), each once.
    probes: Vec<String>,
    /// Some json operation is configured (an entry Kong skips counts too): only then is
    /// the body read, and rewritten.
    json_ops: bool,
}

/// One operation's lists as configured.
#[derive(Default)]
struct Op {
    json: Vec<String>,
    json_types: Vec<String>,
    headers: Vec<String>,
}

fn op(name: &str, v: Value) -> Result<Op, String> {
    let mut o = Op::default();
    match v {
        Value::Null => return Ok(o),
        Value::Raw(r) if r.first() == Some(&b'{') => json::fields(r, |field, v| {
            let path = format!("{}.{}", name, field);
            match field {
                "json" => o.json = json::opt_strings(&path, v)?.unwrap_or_default(),
                "json_types" => o.json_types = json::opt_strings(&path, v)?.unwrap_or_default(),
                "headers" => o.headers = json::opt_strings(&path, v)?.unwrap_or_default(),
                _ => {}
            }
            Ok(())
        })?,
        v => return Err(format!("{}: expected an object, found {}", name, v.kind())),
    }
    if o.json_types.iter().any(|t| !matches!(t.as_str(), "boolean" | "number" | "string")) {
        return Err(format!("{}.json_types: expected one of: boolean, number, string", name));
    }
    Ok(o)
}

/// How ngx.req.get_headers' table finds a name: lower-case, underscores as dashes.
fn header_key(name: &str) -> String {
    crate::request::header_arg_name(name)
}

impl Config {
    pub fn parse(raw: &[u8]) -> Result<Config, String> {
        let (mut remove, mut rename, mut replace, mut add, mut append) =
            (Op::default(), Op::default(), Op::default(), Op::default(), Op::default());
        json::config_fields(raw, |name, v| {
            match name {
                "remove" => remove = op(name, v)?,
                "rename" => rename = op(name, v)?,
                "replace" => replace = op(name, v)?,
                "add" => add = op(name, v)?,
                "append" => append = op(name, v)?,
                _ => {}
            }
            Ok(())
        })?;
        let json_fields = |o: &Op| -> Vec<(String, Vec<u8>)> {
            let mut out = Vec::new();
            for (i, e) in o.json.iter().enumerate() {
                let (name, value) = split(e);
                if let Some(v) = json_value(value, o.json_types.get(i).map(String::as_str).unwrap_or("")) {
                    out.push((name.to_string(), v));
                }
            }
            out
        };
        let mut probes: Vec<String> = Vec::new();
        let mut probe = |name: &str| -> usize {
            let key = header_key(name);
            match probes.iter().position(|p| *p == key) {
                Some(i) => i,
                None => {
                    probes.push(key);
                    probes.len() - 1
                }
            }
        };
        let headers = |entries: &[String], probe: &mut dyn FnMut(&str) -> Option<usize>| -> Vec<Header> {
            entries
                .iter()
                .map(|e| split(e))
                .filter(|(_, value)| !value.is_empty())
                .map(|(name, value)| Header { name: name.to_string(), value: value.to_string(), probe: probe(name) })
                .collect()
        };
        let rename_headers = rename
            .headers
            .iter()
            .map(|e| split(e))
            .map(|(from, to)| Rename { from: from.to_string(), to: to.to_string(), probe: probe(from) })
            .collect();
        let replace_headers = headers(&replace.headers, &mut |name| Some(probe(name)));
        let add_headers = headers(&add.headers, &mut |name| Some(probe(name)));
        let append_headers = headers(&append.headers, &mut |_| None);
        Ok(Config {
            remove_json: remove.json.iter().map(|e| split(e).0.to_string()).collect(),
            rename_json: rename.json.iter().map(|e| split(e)).map(|(a, b)| (a.to_string(), b.to_string())).collect(),
            replace_json: json_fields(&replace),
            add_json: json_fields(&add),
            append_json: json_fields(&append),
            remove_headers: remove.headers.iter().map(|e| split(e).0.to_string()).collect(),
            rename_headers,
            replace_headers,
            add_headers,
            append_headers,
            probes,
            json_ops: [&remove, &rename, &replace, &add, &append].iter().any(|o| !o.json.is_empty()),
        })
    }

    /// Whether any json operation is configured: only then is the body read.
    pub fn reads_body(&self) -> bool {
        self.json_ops
    }
}

/// Buffers kept between requests, so a response allocates only for its JSON members.
#[derive(Default)]
pub struct Scratch {
    headers: Vec<u8>,
    present: Vec<bool>,
    value: Vec<u8>,
    args: Vec<u8>,
    body: Vec<u8>,
    out: Vec<u8>,
}

/// The response headers callback: the header operations, in Kong's order, each testing
/// the headers as they came. A response without a body then goes through the body
/// step at once (end_of_stream); one with a body goes through the body callback.
///
/// Only a rename needs the headers' values, so only then is the whole map read; the
/// other operations ask the host for the names they test (weir.header_value), all
/// before the first change. Kong's header_filter also clears Content-Length when it
/// will rewrite a JSON body; weir keeps no Content-Length in a response's header map
/// and writes the length of the body it sends, so there is nothing to clear.
pub fn on_response(c: &Config, s: &mut Scratch, end_of_stream: bool) {
    const MAP: u32 = host::MAP_RESPONSE_HEADERS;
    let raw = &mut s.headers;
    host::reuse(raw);
    let before: Option<Vec<(&[u8], &[u8])>> = if c.rename_headers.is_empty() {
        None
    } else {
        if let Err(e) = host::header_map(MAP, raw) {
            host::log_error(&format!("weir: read response headers: {}", e));
        }
        Some(match host::pairs(raw) {
            Some(fields) => fields.collect(),
            None => {
                host::log_error("weir: read response headers: malformed header map");
                Vec::new()
            }
        })
    };
    let (present, value, args) = (&mut s.present, &mut s.value, &mut s.args);
    present.clear();
    for key in &c.probes {
        present.push(match &before {
            Some(fields) => fields.iter().any(|(k, _)| k.eq_ignore_ascii_case(key.as_bytes())),
            // a name the host refuses (over its key limit) is on no header
            None => matches!(host::header_value(MAP, key, value, args), Ok(n) if n > 0),
        });
    }
    let has = |probe: Option<usize>| probe.map_or(false, |i| present[i]);
    let mut err = None;
    let mut note = |r: Result<(), host::Status>| {
        if let (None, Err(e)) = (&err, r) {
            err = Some(e);
        }
    };
    for name in &c.remove_headers {
        note(host::remove_header(MAP, name));
    }
    for r in &c.rename_headers {
        if r.to.is_empty() || !present[r.probe] {
            continue;
        }
        let fields = before.as_deref().unwrap_or_default();
        for (i, (_, v)) in fields.iter().filter(|(k, _)| k.eq_ignore_ascii_case(r.from.as_bytes())).enumerate() {
            note(if i == 0 { host::replace_header(MAP, &r.to, v) } else { host::add_header(MAP, &r.to, v) });
        }
        note(host::remove_header(MAP, &r.from));
    }
    for h in &c.replace_headers {
        if has(h.probe) {
            note(host::replace_header(MAP, &h.name, h.value.as_bytes()));
        }
    }
    for h in &c.add_headers {
        if !has(h.probe) {
            note(host::replace_header(MAP, &h.name, h.value.as_bytes()));
        }
    }
    for h in &c.append_headers {
        note(host::add_header(MAP, &h.name, h.value.as_bytes()));
    }
    if let Some(e) = err {
        host::log_error(&format!("response-transformer: headers: {}", e));
    }
    if end_of_stream && transforms_body(c, s) {
        on_response_body(c, 0, s); // no body will come
    }
}

/// Whether the body callback rewrites the body: json operations are configured and the
/// response's first Content-Type, as the header callbacks left it, names JSON (Kong's
/// body_filter reads it so, through kong.response.get_header).
pub fn transforms_body(c: &Config, s: &mut Scratch) -> bool {
    if !c.reads_body() {
        return false;
    }
    s.value.clear();
    matches!(host::header_value(host::MAP_RESPONSE_HEADERS, "content-type", &mut s.value, &mut s.args), Ok(n) if n > 0)
        && names_json(&s.value)
}

/// The response body callback, once the whole body is in (size bytes).
pub fn on_response_body(c: &Config, size: usize, s: &mut Scratch) -> Action {
    let (body, out) = (&mut s.body, &mut s.out);
    host::reuse(body);
    if let Err(e) = host::body(host::BUFFER_RESPONSE_BODY, size, body) {
        host::log_error(&format!("weir: read body: {}", e));
    }
    host::reuse(out);
    match transform_json(c, body, out) {
        None => host::log_warn("response-transformer: body transform failed: failed parsing json body"),
        Some(()) => {
            if let Err(e) = host::replace_body(host::BUFFER_RESPONSE_BODY, out) {
                host::log_error(&format!("response-transformer: set body: {}", e));
            }
        }
    }
    Action::Continue
}

/// Whether a Content-Type value names application/json among its comma-separated types,
/// parameters and white space around them ignored. The common value, ASCII, is read as
/// bytes; another one as text, invalid UTF-8 replaced.
fn names_json(ct: &[u8]) -> bool {
    const JSON: &[u8] = b"application/json";
    if !ct.is_ascii() {
        let ct = String::from_utf8_lossy(ct);
        return ct.split(',').any(|t| t.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case("application/json"));
    }
    // str::trim's white space, in ASCII: tab to carriage return, and space. One pass
    // with indices: split and position cost a memchr call a piece in wasm.
    let space = |b: u8| b == b' ' || (b'\t'..=b'\r').contains(&b);
    let (n, mut i) = (ct.len(), 0);
    while i <= n {
        while i < n && space(ct[i]) {
            i += 1;
        }
        let start = i;
        while i < n && ct[i] != b',' && ct[i] != b';' {
            i += 1;
        }
        let mut end = i;
        while end > start && space(ct[end - 1]) {
            end -= 1;
        }
        if ct[start..end].eq_ignore_ascii_case(JSON) {
            return true;
        }
        while i < n && ct[i] != b',' {
            i += 1; // the type's parameters
        }
        i += 1;
    }
    false
}

/// Applies the json operations to a response body, in Kong's order: remove, rename,
/// replace, add, append. None when the body is not a JSON object; it is then left as
/// it is.
fn transform_json(c: &Config, body: &[u8], out: &mut Vec<u8>) -> Option<()> {
    let mut obj = Object::parse(body)?;
    for name in &c.remove_json {
        obj.remove(name);
    }
    for (from, to) in &c.rename_json {
        if let Some(v) = obj.get_value(from) {
            if !to.is_empty() {
                obj.set(to, v);
                obj.remove(from); // renaming a key to itself removes it, as in Kong
            }
        }
    }
    for (name, v) in &c.replace_json {
        if obj.truthy(name) {
            obj.set(name, Cow::Borrowed(v));
        }
    }
    for (name, v) in &c.add_json {
        if !obj.truthy(name) {
            obj.set(name, Cow::Borrowed(v));
        }
    }
    for (name, v) in &c.append_json {
        let appended = json::append(obj.get(name), v);
        obj.set(name, Cow::Owned(appended));
    }
    obj.push_json(out);
    Some(())
}

/// Turns a configured value into JSON as Kong does: the text with cjson's escapes
/// (quotes and slashes excepted), then cast to json_type. None when a number does not
/// parse (Kong then skips the entry) or the value is empty.
fn json_value(value: &str, json_type: &str) -> Option<Vec<u8>> {
    if value.is_empty() {
        return None;
    }
    let v = cjson_escape(value);
    match json_type {
        "number" => lua_number(&v).map(|n| format_number(n).into_bytes()),
        "boolean" => Some(if v == "true" { b"true".to_vec() } else { b"false".to_vec() }),
        _ => {
            let mut out = Vec::with_capacity(v.len() + 2);
            json::push_string_plain(&mut out, &v);
            Some(out)
        }
    }
}

/// Escapes what cjson escapes in a string, except '"' and '/' (Kong undoes those):
/// backslashes and control characters.
fn cjson_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => out.push_str(&format!("\\u00{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// Lua's tonumber on a string: decimal or hexadecimal, spaces around allowed, no inf or
/// nan.
fn lua_number(s: &str) -> Option<f64> {
    let s = s.trim();
    let (neg, h) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    if h.len() >= 2 && h[..2].eq_ignore_ascii_case("0x") {
        let digits = &h[2..];
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let u = u64::from_str_radix(digits, 16).ok()? as f64;
        return Some(if neg { -u } else { u });
    }
    let lower = s.to_ascii_lowercase();
    if lower.contains("inf") || lower.contains("nan") || lower.contains('_') {
        return None;
    }
    // Go's ParseFloat: an optional sign, digits with at most one '.', an exponent.
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let digits = mantissa.bytes().filter(u8::is_ascii_digit).count();
    let dots = mantissa.bytes().filter(|&b| b == b'.').count();
    if digits == 0 || dots > 1 || digits + dots != mantissa.len() {
        return None;
    }
    if let Some(e) = exponent {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        if e.is_empty() || !e.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
    }
    let n: f64 = s.parse().ok()?;
    if n.is_infinite() {
        return None;
    }
    Some(n)
}

/// Writes a number as cjson does (%.14g, as Go's strconv writes 'g' with 14 digits).
fn format_number(n: f64) -> String {
    if n == n.trunc() && n.abs() < 1e14 {
        return (n as i64).to_string();
    }
    // 14 significant digits, then Go's choice between %e and %f, trailing zeros cut.
    let e = format!("{:.13e}", n);
    let (mantissa, exp) = e.split_at(e.find('e').unwrap_or(e.len()));
    let exp: i32 = exp.trim_start_matches('e').parse().unwrap_or(0);
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    let nd = digits.len() as i32;
    let dp = exp + 1; // the decimal point's position after the first digit
    let mut eprec = 14;
    if eprec > nd && nd >= dp {
        eprec = nd;
    }
    if exp < -4 || exp >= eprec {
        out.push_str(&digits[..1]);
        if nd > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        let a = exp.unsigned_abs();
        if a < 10 {
            out.push('0');
        }
        out.push_str(&a.to_string());
        return out;
    }
    if dp <= 0 {
        out.push_str("0.");
        out.push_str(&"0".repeat((-dp) as usize));
        out.push_str(digits);
    } else if dp >= nd {
        out.push_str(digits);
        out.push_str(&"0".repeat((dp - nd) as usize));
    } else {
        out.push_str(&digits[..dp as usize]);
        out.push('.');
        out.push_str(&digits[dp as usize..]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(raw: &str) -> Config {
        Config::parse(raw.as_bytes()).unwrap()
    }

    #[test]
    fn transforms_json_as_the_go_build_did() {
        let cases = [
            ("remove", r#"{"remove":{"json":["a","zz"]}}"#, r#"{"a":1,"b":2}"#, r#"{"b":2}"#),
            ("rename keeps type", r#"{"rename":{"json":["a:c","f:g","n:m"]}}"#, r#"{"a":[1],"f":false,"n":null}"#,
                r#"{"c":[1],"g":false,"m":null}"#),
            ("rename to itself removes", r#"{"rename":{"json":["a:a"]}}"#, r#"{"a":1,"b":2}"#, r#"{"b":2}"#),
            ("replace only truthy", r#"{"replace":{"json":["a:x","f:x","n:x","z:x"]}}"#, r#"{"a":1,"f":false,"n":null}"#,
                r#"{"a":"x","f":false,"n":"x"}"#),
            ("add only falsy", r#"{"add":{"json":["a:x","f:x","z:x"]}}"#, r#"{"a":1,"f":false}"#, r#"{"a":1,"f":"x","z":"x"}"#),
            ("types", r#"{"add":{"json":["n:42","b:true","c:yes","s:42","bad:4x","h:0x10","f:1.5"],
                "json_types":["number","boolean","boolean","string","number","number","number"]}}"#,
                "{}", r#"{"b":true,"c":false,"f":1.5,"h":16,"n":42,"s":"42"}"#),
            ("append", r#"{"append":{"json":["s:x","l:x","n:x","z:x","o:x"]}}"#, r#"{"s":"a","l":["a",1],"n":5,"o":{"k":1}}"#,
                r#"{"l":["a",1,"x"],"n":["x"],"o":{"1":"x","k":1},"s":["a","x"],"z":["x"]}"#),
            ("escapes as Kong", r#"{"add":{"json":["a:x\\y","b:<a href=\"/p\">"]}}"#, "{}", r#"{"a":"x\\\\y","b":"<a href=\"/p\">"}"#),
            ("value after many colons", r#"{"add":{"json":["a:::b:c"]}}"#, "{}", r#"{"a":"b:c"}"#),
            ("spaces, duplicates, nested values compacted, no HTML escapes", r#"{"remove":{"json":["x"]}}"#,
                " {\"b\" : [1, {\"k\": \"<&>\"}], \"a\":1, \"a\" : 2, \"\u{e9}\":\"\u{2028}\"} ",
                "{\"a\":2,\"b\":[1,{\"k\":\"<&>\"}],\"\u{e9}\":\"\u{2028}\"}"),
            ("append to an empty list and to a spaced one", r#"{"append":{"json":["e:1","l:2"],"json_types":["number","number"]}}"#,
                r#"{"e":[ ],"l":[ 1 , "a b" ]}"#, r#"{"e":[1],"l":[1,"a b",2]}"#),
        ];
        for (name, cfg, input, want) in cases.iter() {
            let mut out = Vec::new();
            let got = transform_json(&config(cfg), input.as_bytes(), &mut out).map(|()| String::from_utf8(out).unwrap());
            assert_eq!(got.as_deref(), Some(*want), "{}", name);
        }
        for bad in ["[1]", "\"s\"", "nope", "", "null"] {
            assert!(transform_json(&config(r#"{"remove":{"json":["a"]}}"#), bad.as_bytes(), &mut Vec::new()).is_none(), "{}", bad);
        }
    }

    #[test]
    fn numbers_as_cjson_writes_them() {
        let cases = [
            ("42", "42"), ("-7", "-7"), ("1.5", "1.5"), ("0x10", "16"), ("-0x10", "-16"), (" 3 ", "3"), ("1e3", "1000"),
            ("0.1", "0.1"), ("1e14", "1e+14"), ("123456789012345", "1.2345678901234e+14"), ("1e-5", "1e-05"),
            ("0.0001", "0.0001"), ("2.5e20", "2.5e+20"), ("3.14159265358979", "3.1415926535898"), (".5", "0.5"),
            ("5.", "5"), ("+2", "2"), ("-0.000123", "-0.000123"), ("99999999999999.9", "1e+14"),
        ];
        for (input, want) in cases.iter() {
            assert_eq!(lua_number(input).map(format_number).as_deref(), Some(*want), "{}", input);
        }
        for bad in ["", "4x", "inf", "nan", "1_000", "0x", "0x1p4", "1e", "--1", "1.2.3", "e5", "."] {
            assert_eq!(lua_number(bad), None, "{}", bad);
        }
    }

    #[test]
    fn json_content_types() {
        assert!(names_json(b"application/json; charset=utf-8"));
        assert!(names_json(b"text/plain, Application/JSON"));
        assert!(!names_json(b"text/plain"));
        assert!(!names_json(b""));
    }

    #[test]
    fn reads_ascii_content_types_as_text_does() {
        let text = |ct: &str| ct.split(',').any(|t| t.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case("application/json"));
        let parts = [
            "", " ", "\t", "\u{b}", "\u{c}", "\r\n", "\u{e}", "application/json", "Application/JSON", "application/jsonx",
            ";", ",", "charset=utf-8", "text/plain", "\u{a0}", "\u{2003}",
        ];
        for a in parts {
            for b in parts {
                for c in parts {
                    for d in parts {
                        let ct = format!("{}{}{}{}", a, b, c, d);
                        assert_eq!(names_json(ct.as_bytes()), text(&ct), "{:?}", ct);
                    }
                }
            }
        }
        assert!(names_json(b"application/json;\xff"));
        assert!(!names_json(b"\xffapplication/json"));
    }

    #[test]
    fn configs() {
        assert!(!config("{}").reads_body());
        assert!(config(r#"{"add":{"json":["a:1"]}}"#).reads_body());
        assert!(config(r#"{"add":{"json":["a:"],"headers":["x:1"]}}"#).reads_body()); // skipped, but the body is rewritten
        assert_eq!(config(r#"{"add":{"headers":["x:1","y:"]}}"#).add_headers.len(), 1);
        let err = Config::parse(br#"{"add":{"json_types":["date"]}}"#).err().unwrap();
        assert_eq!(err, "add.json_types: expected one of: boolean, number, string");
    }
}
