//! Reading a request's credentials the way Kong's PDK finds them, for the Rust
//! built-ins: a header, a query argument or a body field under one name, told apart as
//! absent, one string, several values or something else. The same rules as the Go SDK's
//! weir.Arg, Query and Body, so a plugin answers alike in either language.

use crate::host;
use crate::json;

/// What a request holds under one name.
#[derive(Debug, PartialEq)]
pub enum Arg {
    Absent,
    /// Exactly one string.
    String(Vec<u8>),
    /// Several values: a repeated header or argument, a JSON array or object.
    List,
    /// Something that is not a string: a query flag without '=', a JSON number,
    /// boolean or null.
    Other,
}

/// A request header looked up as ngx.req.get_headers does (weir.header_value, one host
/// call): case-insensitively, with underscores read as dashes, which header_arg_name
/// has made of name already (a plugin does it once per configuration). A string lands
/// in value, emptied first: a buffer the plugin keeps between requests, so that
/// finding a key allocates nothing.
pub fn header_arg(name: &str, mut value: Vec<u8>, scratch: &mut Vec<u8>) -> Result<Arg, host::Status> {
    value.clear();
    match host::header_value(host::MAP_REQUEST_HEADERS, name, &mut value, scratch)? {
        0 => Ok(Arg::Absent),
        1 => Ok(Arg::String(value)),
        _ => Ok(Arg::List),
    }
}

/// name as header_arg looks it up: lower-case, underscores read as dashes.
pub fn header_arg_name(name: &str) -> String {
    name.to_ascii_lowercase().replace('_', "-")
}

/// The first value of a request header, empty when absent.
pub fn header(name: &str, scratch: &mut Vec<u8>) -> Vec<u8> {
    let mut value = Vec::new();
    let _ = host::header_value(host::MAP_REQUEST_HEADERS, name, &mut value, scratch);
    value
}

/// Appends one query component decoded as Go's url.QueryUnescape does: %XX escapes and
/// '+' as a space; false, with out as it was, for a malformed escape.
fn push_unescaped_strict(out: &mut Vec<u8>, s: &[u8]) -> bool {
    let start = out.len();
    let hex = |c: Option<&u8>| c.and_then(|&c| (c as char).to_digit(16));
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'+' => out.push(b' '),
            b'%' => match (hex(s.get(i + 1)), hex(s.get(i + 2))) {
                (Some(hi), Some(lo)) => {
                    out.push((hi * 16 + lo) as u8);
                    i += 2;
                }
                _ => {
                    out.truncate(start);
                    return false;
                }
            },
            c => out.push(c),
        }
        i += 1;
    }
    true
}

/// Decodes one query component; None for a malformed escape.
fn unescape_strict(s: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len());
    push_unescaped_strict(&mut out, s).then(|| out)
}

/// Appends one query component decoded, as it is when it is malformed; no allocation.
pub fn push_unescaped(out: &mut Vec<u8>, s: &[u8]) {
    if !push_unescaped_strict(out, s) {
        out.extend_from_slice(s);
    }
}

/// Decodes one query component, keeping it as it is when it is malformed.
fn unescape(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    push_unescaped(&mut out, s);
    out
}

/// Calls arg for each argument of a query string or form body as the Go SDK's
/// Query.Args splits them (ngx.decode_args' pieces): the name and the value as written,
/// still escaped (see push_unescaped), the value None for a flag written without '='.
pub fn each_arg<'a>(q: &'a [u8], mut arg: impl FnMut(&'a [u8], Option<&'a [u8]>)) {
    for part in parts(q) {
        let (k, v) = split_pair(part);
        arg(k, v);
    }
}

/// Appends one query component escaped as ngx.escape_uri escapes it, which Kong's
/// set_query and ngx.encode_args write: every byte but letters, digits and "-._~", a
/// space as %20.
pub fn push_uri_component(out: &mut Vec<u8>, s: &[u8]) {
    push_escaping(out, s, false)
}

/// Appends one query component encoded as Go's url.QueryEscape does: as
/// push_uri_component, but a space as '+'.
fn push_escaped(out: &mut Vec<u8>, s: &[u8]) {
    push_escaping(out, s, true)
}

/// The bytes a query component keeps as they are: letters, digits and "-._~".
const UNRESERVED: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_' || b == b'~';
        c += 1;
    }
    t
};

/// Appends s with every byte but the unreserved ones percent-encoded (a space as '+'
/// when plus_for_space). Runs of unreserved bytes go out in one copy each: a push a
/// byte costs several times more in wasm.
fn push_escaping(out: &mut Vec<u8>, s: &[u8], plus_for_space: bool) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.reserve(s.len());
    let mut start = 0;
    for (i, &c) in s.iter().enumerate() {
        if UNRESERVED[c as usize] {
            continue;
        }
        out.extend_from_slice(&s[start..i]);
        if c == b' ' && plus_for_space {
            out.push(b'+');
        } else {
            out.extend_from_slice(&[b'%', HEX[(c >> 4) as usize], HEX[(c & 15) as usize]]);
        }
        start = i + 1;
    }
    out.extend_from_slice(&s[start..]);
}

fn split_pair(part: &[u8]) -> (&[u8], Option<&[u8]>) {
    match part.iter().position(|&b| b == b'=') {
        Some(i) => (&part[..i], Some(&part[i + 1..])),
        None => (part, None),
    }
}

fn parts(q: &[u8]) -> impl Iterator<Item = &[u8]> {
    q.split(|&b| b == b'&').filter(move |_| !q.is_empty())
}

/// Looks an argument of a raw query string up, as ngx.req.get_uri_args reads it: `name`
/// without '=' is a flag (Other); a flag next to values, or a repeated argument, is a
/// List. Names and values are percent-decoded.
pub fn query_arg(q: &[u8], name: &str) -> Arg {
    let (mut first, mut values, mut flag) = (None, 0, false);
    for part in parts(q) {
        let (k, v) = split_pair(part);
        if unescape(k) != name.as_bytes() {
            continue;
        }
        match v {
            None => flag = true,
            Some(v) => {
                values += 1;
                if first.is_none() {
                    first = Some(unescape(v));
                }
            }
        }
    }
    match (flag, values) {
        (true, 0) => Arg::Other,
        (true, _) | (false, 2..) => Arg::List,
        (false, 1) => Arg::String(first.unwrap_or_default()),
        (false, _) => Arg::Absent,
    }
}

/// The query with every argument called name removed; the others kept byte for byte.
pub fn query_without(q: &[u8], name: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(q.len());
    for part in parts(q) {
        if unescape(split_pair(part).0) == name.as_bytes() {
            continue;
        }
        if !out.is_empty() {
            out.push(b'&');
        }
        out.extend_from_slice(part);
    }
    out
}

/// A body parsed by its content type: a form (application/x-www-form-urlencoded) or a
/// JSON object (application/json). Any other body, an empty one, or one that does not
/// parse, has no fields, as Kong's get_body failing does.
pub enum Body<'a> {
    None,
    /// Each field's decoded name and values, in order.
    Form(Vec<(Vec<u8>, Vec<Vec<u8>>)>),
    /// Each member's name and value as written; a repeated name keeps its last value.
    Json(Vec<(String, &'a [u8])>),
}

impl<'a> Body<'a> {
    pub fn parse(content_type: &[u8], raw: &'a [u8]) -> Body<'a> {
        if raw.is_empty() {
            return Body::None;
        }
        let media = content_type.split(|&b| b == b';').next().unwrap_or(&[]);
        let media = String::from_utf8_lossy(media).trim().to_ascii_lowercase();
        match media.as_str() {
            "application/x-www-form-urlencoded" => parse_form(raw).map_or(Body::None, Body::Form),
            "application/json" => json::members(raw).map_or(Body::None, Body::Json),
            _ => Body::None,
        }
    }

    /// Looks a field up: a form field by its values; a JSON string is a String, an array
    /// or object a List, anything else Other.
    pub fn arg(&self, name: &str) -> Arg {
        match self {
            Body::None => Arg::Absent,
            Body::Form(fields) => match fields.iter().find(|(k, _)| k == name.as_bytes()) {
                None => Arg::Absent,
                Some((_, vs)) if vs.len() == 1 => Arg::String(vs[0].clone()),
                Some(_) => Arg::List,
            },
            Body::Json(members) => match members.iter().find(|(k, _)| k == name) {
                None => Arg::Absent,
                Some((_, raw)) => match raw.first() {
                    Some(b'"') => json::string_value(raw).map_or(Arg::Other, |s| Arg::String(s.into_bytes())),
                    Some(b'[' | b'{') => Arg::List,
                    _ => Arg::Other,
                },
            },
        }
    }

    /// The body re-encoded without the field, as the Go SDK writes it: a form's fields
    /// sorted by name (url.Values.Encode), a JSON object's keys sorted and its values
    /// compacted (encoding/json); None when the body has no fields to rewrite.
    pub fn without(&self, name: &str) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        match self {
            Body::None => return None,
            Body::Form(fields) => {
                let mut kept: Vec<&(Vec<u8>, Vec<Vec<u8>>)> = fields.iter().filter(|(k, _)| k != name.as_bytes()).collect();
                kept.sort_by(|a, b| a.0.cmp(&b.0));
                for (k, vs) in kept {
                    for v in vs {
                        if !out.is_empty() {
                            out.push(b'&');
                        }
                        push_escaped(&mut out, k);
                        out.push(b'=');
                        push_escaped(&mut out, v);
                    }
                }
            }
            Body::Json(members) => {
                let mut kept: Vec<&(String, &[u8])> = members.iter().filter(|(k, _)| k != name).collect();
                kept.sort_by(|a, b| a.0.cmp(&b.0));
                out.push(b'{');
                for (i, (k, v)) in kept.into_iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    json::push_string(&mut out, k);
                    out.push(b':');
                    json::push_compact(&mut out, v);
                }
                out.push(b'}');
            }
        }
        Some(out)
    }
}

/// Reads a form as Go's url.ParseQuery does, failing where it fails (a ';' in a pair, a
/// malformed escape); fields in the order of their first appearance.
fn parse_form(s: &[u8]) -> Option<Vec<(Vec<u8>, Vec<Vec<u8>>)>> {
    let mut fields: Vec<(Vec<u8>, Vec<Vec<u8>>)> = Vec::new();
    for pair in s.split(|&b| b == b'&') {
        if pair.contains(&b';') {
            return None;
        }
        if pair.is_empty() {
            continue;
        }
        let (k, v) = split_pair(pair);
        let (k, v) = (unescape_strict(k)?, unescape_strict(v.unwrap_or(&[]))?);
        match fields.iter_mut().find(|(name, _)| *name == k) {
            Some((_, vs)) => vs.push(v),
            None => fields.push((k, vec![v])),
        }
    }
    Some(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_args() {
        let cases: [(&str, &str, Arg); 9] = [
            ("a=1&apikey=k%20y&b=2", "apikey", Arg::String(b"k y".to_vec())),
            ("apikey=a+b", "apikey", Arg::String(b"a b".to_vec())),
            ("apikey=1&apikey=2", "apikey", Arg::List),
            ("apikey", "apikey", Arg::Other),
            ("apikey&apikey=1", "apikey", Arg::List),
            ("api%6Bey=x", "apikey", Arg::String(b"x".to_vec())),
            ("apikey=%zz", "apikey", Arg::String(b"%zz".to_vec())),
            ("other=1", "apikey", Arg::Absent),
            ("", "apikey", Arg::Absent),
        ];
        for (q, name, want) in cases.iter() {
            assert_eq!(query_arg(q.as_bytes(), name), *want, "{}", q);
        }
    }

    #[test]
    fn unescapes_and_escapes_components() {
        let cases: [(&[u8], &[u8]); 6] =
            [(b"a+b%41", b"a bA"), (b"%zz+", b"%zz+"), (b"%4", b"%4"), (b"x%2", b"x%2"), (b"", b""), (b"%e9", b"\xe9")];
        for (raw, want) in cases.iter() {
            let mut out = b"<".to_vec();
            push_unescaped(&mut out, raw);
            assert_eq!(&out[1..], *want, "{:?}", raw);
        }
        let mut out = Vec::new();
        push_uri_component(&mut out, "a b-._~/é".as_bytes());
        assert_eq!(out, b"a%20b-._~%2F%C3%A9");
        // every byte, as url.QueryEscape writes it
        let mut all = Vec::new();
        push_escaped(&mut all, &(0..=255u8).collect::<Vec<u8>>());
        let want: String = (0..=255u8)
            .map(|c| match c {
                b' ' => "+".to_string(),
                c if c.is_ascii_alphanumeric() || b"-._~".contains(&c) => (c as char).to_string(),
                c => format!("%{:02X}", c),
            })
            .collect();
        assert_eq!(String::from_utf8(all).unwrap(), want);
        let mut got = Vec::new();
        each_arg(b"a=1&&b&=c&d==", |k, v| got.push((k.to_vec(), v.map(<[u8]>::to_vec))));
        let want: Vec<(Vec<u8>, Option<Vec<u8>>)> = vec![
            (b"a".to_vec(), Some(b"1".to_vec())),
            (b"".to_vec(), None),
            (b"b".to_vec(), None),
            (b"".to_vec(), Some(b"c".to_vec())),
            (b"d".to_vec(), Some(b"=".to_vec())),
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn query_without_keeps_the_rest_as_is() {
        let cases = [
            ("a=1&apikey=secret&b=%41", "a=1&b=%41"),
            ("apikey=x", ""),
            ("apikey&x=1&api%6Bey=2", "x=1"),
            ("a=1", "a=1"),
        ];
        for (q, want) in cases.iter() {
            assert_eq!(query_without(q.as_bytes(), "apikey"), want.as_bytes(), "{}", q);
        }
    }

    #[test]
    fn form_bodies() {
        let b = Body::parse(b"application/x-www-form-urlencoded; charset=utf-8", b"z=1&apikey=s+1&a=%2F&a=2");
        assert_eq!(b.arg("apikey"), Arg::String(b"s 1".to_vec()));
        assert_eq!(b.arg("a"), Arg::List);
        assert_eq!(b.arg("x"), Arg::Absent);
        assert_eq!(b.without("apikey").unwrap(), b"a=%2F&a=2&z=1".to_vec());
        for bad in [&b"a=1;b=2"[..], b"a=%zz"] {
            assert!(matches!(Body::parse(b"application/x-www-form-urlencoded", bad), Body::None));
        }
    }

    #[test]
    fn json_bodies() {
        let raw = br#" {"z": [1, 2], "apikey": "s\u00e9", "n": 1, "apikey": "last", "h": "<b> & c"} "#;
        let b = Body::parse(b"Application/JSON", raw);
        assert_eq!(b.arg("apikey"), Arg::String(b"last".to_vec()));
        assert_eq!(b.arg("z"), Arg::List);
        assert_eq!(b.arg("n"), Arg::Other);
        assert_eq!(
            String::from_utf8(b.without("apikey").unwrap()).unwrap(),
            r#"{"h":"\u003cb\u003e \u0026 c","n":1,"z":[1,2]}"#
        );
        for bad in [&br#"[1]"#[..], b"null", b"{", b""] {
            assert!(matches!(Body::parse(b"application/json", bad), Body::None));
        }
        assert!(matches!(Body::parse(b"text/plain", b"{}"), Body::None));
    }
}
