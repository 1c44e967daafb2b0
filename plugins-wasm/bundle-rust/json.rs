//! Just enough JSON for the Rust built-ins: the fields of one object (a plugin's
//! configuration, a foreign function's answer), strings written as Go's encoding/json
//! writes them, and the transformers' edits of a body's top-level members (Object,
//! append) by Kong's rules, so the gateway's answers read the same whichever language
//! a built-in is written in.

use std::borrow::Cow;

/// One field's value. Objects and arrays are handed over as written, for the caller to
/// read further or pass on.
#[derive(Debug, PartialEq)]
pub enum Value<'a> {
    Null,
    Bool(bool),
    Number(&'a str),
    String(String),
    Raw(&'a [u8]),
}

impl<'a> Value<'a> {
    /// The kind of value, for error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Raw(r) if r.first() == Some(&b'[') => "an array",
            Value::Raw(_) => "an object",
        }
    }
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

/// Calls field for each field of the object in input, in order; an error from field
/// stops the walk and is returned.
pub fn fields<'a, F>(input: &'a [u8], mut field: F) -> Result<(), String>
where
    F: FnMut(&str, Value<'a>) -> Result<(), String>,
{
    let mut p = Parser { s: input, i: 0 };
    p.expect(b'{')?;
    if p.peek() == Some(b'}') {
        p.i += 1;
    } else {
        loop {
            p.space();
            if p.peek() != Some(b'"') {
                return Err(p.error("a field name"));
            }
            let name = p.string()?;
            p.expect(b':')?;
            let v = p.value()?;
            field(&name, v)?;
            match p.next_token() {
                Some(b',') => continue,
                Some(b'}') => break,
                _ => return Err(p.error("',' or '}'")),
            }
        }
    }
    p.space();
    if p.i != p.s.len() {
        return Err(p.error("the end of the input"));
    }
    Ok(())
}

/// Calls member for each member of a JSON object, in order, with its decoded name (the
/// input's own bytes when it has no escape) and its value as written (trimmed); None
/// for anything but a well-formed object.
fn each_member<'a>(input: &'a [u8], mut member: impl FnMut(Cow<'a, str>, &'a [u8])) -> Option<()> {
    let mut p = Parser { s: input, i: 0 };
    p.expect(b'{').ok()?;
    if p.peek() == Some(b'}') {
        p.i += 1;
    } else {
        loop {
            if p.peek() != Some(b'"') {
                return None;
            }
            let name = p.name().ok()?;
            p.expect(b':').ok()?;
            p.space();
            let start = p.i;
            p.skip_value().ok()?;
            member(name, &input[start..p.i]);
            match p.next_token() {
                Some(b',') => continue,
                Some(b'}') => break,
                _ => return None,
            }
        }
    }
    p.space();
    if p.i != input.len() {
        return None;
    }
    Some(())
}

/// The members of a JSON object with each value as written (trimmed), a repeated name
/// keeping its last value, as Go decodes into a map; None for anything but a
/// well-formed object.
pub fn members(input: &[u8]) -> Option<Vec<(String, &[u8])>> {
    let mut out: Vec<(String, &[u8])> = Vec::new();
    each_member(input, |name, raw| match out.iter_mut().find(|(k, _)| *k == name) {
        Some(m) => m.1 = raw,
        None => out.push((name.into_owned(), raw)),
    })?;
    Some(out)
}

/// Reads a transformer's config entry as Kong does: the name up to the first ':', the
/// value after the colons that follow it.
pub fn split(entry: &str) -> (&str, &str) {
    match entry.find(':') {
        Some(i) => (&entry[..i], entry[i + 1..].trim_start_matches(':')),
        None => (entry, ""),
    }
}

/// A JSON object's members for editing, kept sorted by key with a repeated key's last
/// value, and written back as Go writes a map of raw JSON values without HTML escaping
/// (encoding/json with SetEscapeHTML(false)), which is also what Kong's cjson gives
/// for the transformers: keys sorted, values compacted, nothing HTML-escaped. A value
/// is the JSON text of the body it came from, or one the plugin wrote.
pub struct Object<'a> {
    members: Vec<(Cow<'a, str>, Cow<'a, [u8]>)>,
}

impl<'a> Object<'a> {
    /// An object with no members, for an empty body the plugin adds to.
    pub fn new() -> Object<'a> {
        Object { members: Vec::new() }
    }

    /// Reads a JSON object (white space around it allowed); None when raw is not one.
    pub fn parse(raw: &'a [u8]) -> Option<Object<'a>> {
        let mut members: Vec<(Cow<'a, str>, Cow<'a, [u8]>)> = Vec::new();
        each_member(raw, |k, v| members.push((k, Cow::Borrowed(v))))?;
        if !members.windows(2).all(|w| w[0].0 < w[1].0) {
            members.sort_by(|a, b| a.0.cmp(&b.0)); // stable: a repeated key's values stay in order
            // a repeated key keeps its last value: dedup_by keeps the first of a run, so
            // each later value moves into it
            members.dedup_by(|later, kept| {
                let same = later.0 == kept.0;
                if same {
                    std::mem::swap(&mut later.1, &mut kept.1);
                }
                same
            });
        }
        Some(Object { members })
    }

    fn find(&self, key: &str) -> Result<usize, usize> {
        self.members.binary_search_by(|(k, _)| k.as_ref().cmp(key))
    }

    /// A member's JSON text.
    pub fn get(&self, key: &str) -> Option<&[u8]> {
        self.find(key).ok().map(|i| self.members[i].1.as_ref())
    }

    /// A member's JSON text, to set under another key.
    pub fn get_value(&self, key: &str) -> Option<Cow<'a, [u8]>> {
        self.find(key).ok().map(|i| self.members[i].1.clone())
    }

    /// Whether a member is true as Lua reads the decoded value: present and not false
    /// (null decodes to cjson.null, which is true).
    pub fn truthy(&self, key: &str) -> bool {
        self.get(key).map_or(false, |v| trim(v) != b"false")
    }

    /// Adds or replaces a member; v must be JSON text.
    pub fn set(&mut self, key: impl Into<Cow<'a, str>>, v: Cow<'a, [u8]>) {
        let key = key.into();
        match self.find(&key) {
            Ok(i) => self.members[i].1 = v,
            Err(i) => self.members.insert(i, (key, v)),
        }
    }

    /// Removes a member if present.
    pub fn remove(&mut self, key: &str) {
        if let Ok(i) = self.find(key) {
            self.members.remove(i);
        }
    }

    /// Appends the object: keys sorted, values compacted, no HTML escapes.
    pub fn push_json(&self, out: &mut Vec<u8>) {
        out.push(b'{');
        for (i, (k, v)) in self.members.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            push_string_plain(out, k);
            out.push(b':');
            push_compact_plain(out, v);
        }
        out.push(b'}');
    }
}

/// v without the JSON white space around it.
pub fn trim(v: &[u8]) -> &[u8] {
    let start = v.iter().position(|b| !b" \t\n\r".contains(b)).unwrap_or(v.len());
    let end = v.iter().rposition(|b| !b" \t\n\r".contains(b)).map_or(start, |e| e + 1);
    &v[start..end]
}

/// Kong's append on a JSON value (old, absent when None) of the transformers: a string
/// becomes a list of it and the new value, a list grows, an object gets the value under
/// "1" (a Lua table insert), and anything else (a number, a boolean, null) is replaced
/// by a list of the value. old and v are JSON text; the result is compacted, without
/// HTML escapes.
pub fn append(old: Option<&[u8]>, v: &[u8]) -> Vec<u8> {
    let old = trim(old.unwrap_or(b""));
    let mut out = Vec::with_capacity(old.len() + v.len() + 3);
    match old.first() {
        Some(b'"') => {
            out.push(b'[');
            push_compact_plain(&mut out, old);
            out.push(b',');
        }
        Some(b'[') => {
            out.push(b'[');
            let inner = trim(&old[1..old.len() - 1]);
            if !inner.is_empty() {
                push_compact_plain(&mut out, inner);
                out.push(b',');
            }
        }
        Some(b'{') => {
            if let Some(mut obj) = Object::parse(old) {
                obj.set("1", Cow::Borrowed(v));
                obj.push_json(&mut out);
                return out;
            }
            out.push(b'[');
        }
        _ => out.push(b'['),
    }
    push_compact_plain(&mut out, v);
    out.push(b']');
    out
}

/// The string a JSON string value (as written, quotes included) holds.
pub fn string_value(raw: &[u8]) -> Option<String> {
    let mut p = Parser { s: raw, i: 0 };
    if p.peek() != Some(b'"') {
        return None;
    }
    let s = p.string().ok()?;
    p.space();
    if p.i != raw.len() {
        return None;
    }
    Some(s)
}

/// Appends a well-formed JSON value without its insignificant white space, with <, >,
/// &, U+2028 and U+2029 inside strings escaped: what Go's encoding/json writes for a
/// json.RawMessage.
pub fn push_compact(out: &mut Vec<u8>, raw: &[u8]) {
    push_compact_escaping(out, raw, true)
}

/// push_compact with strings copied as they are, as json.Compact writes.
pub fn push_compact_plain(out: &mut Vec<u8>, raw: &[u8]) {
    push_compact_escaping(out, raw, false)
}

/// A byte of 1s and a byte's top bit, in every byte of a word: for testing eight bytes
/// at a time.
pub const ONES: u64 = 0x0101_0101_0101_0101;
pub const HIGH: u64 = 0x8080_8080_8080_8080;

/// The top bit of each byte of x below n (n at most 0x80). The lowest one set is
/// exact: a borrow only runs upward from a byte that matched.
fn bytes_below(x: u64, n: u8) -> u64 {
    x.wrapping_sub(ONES * n as u64) & !x & HIGH
}

/// The top bit of each byte of x equal to c (the lowest one set is exact).
fn bytes_equal(x: u64, c: u8) -> u64 {
    bytes_below(x ^ (ONES * c as u64), 1)
}

/// The index, from i on, of the first byte of s that may end a run of string bytes
/// written as they are: '"', '\\' or a control character, and, when escaping (for
/// push_escaped and HTML-safe output), any byte from 0x80 up and '<', '>' and '&';
/// s.len() when there is none. Eight bytes are tested at a time: a byte loop in wasm
/// costs several times its native count.
fn run_end(s: &[u8], mut i: usize, escaping: bool) -> usize {
    while let Some(chunk) = s.get(i..i + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let x = u64::from_le_bytes(word);
        let mut stop = bytes_equal(x, b'"') | bytes_equal(x, b'\\') | bytes_below(x, 0x20);
        if escaping {
            stop |= (x & HIGH) | bytes_equal(x, b'<') | bytes_equal(x, b'>') | bytes_equal(x, b'&');
        }
        if stop != 0 {
            return i + stop.trailing_zeros() as usize / 8;
        }
        i += 8;
    }
    while i < s.len() {
        let c = s[i];
        if c == b'"' || c == b'\\' || c < 0x20 || escaping && (c >= 0x80 || c == b'<' || c == b'>' || c == b'&') {
            return i;
        }
        i += 1;
    }
    s.len()
}

fn push_compact_escaping(out: &mut Vec<u8>, raw: &[u8], html: bool) {
    // runs of bytes that stay as they are go out in one copy each
    out.reserve(raw.len());
    let mut in_string = false;
    let (mut start, mut i) = (0, 0);
    while i < raw.len() {
        if in_string {
            i = run_end(raw, i, html);
            if i >= raw.len() {
                break;
            }
        }
        let c = raw[i];
        if in_string {
            match c {
                b'\\' => {
                    i += 2; // the escaped byte stays with its backslash
                    continue;
                }
                b'"' => in_string = false,
                b'<' | b'>' | b'&' if html => {
                    out.extend_from_slice(&raw[start..i]);
                    out.extend_from_slice(format!("\\u{:04x}", c).as_bytes());
                    i += 1;
                    start = i;
                    continue;
                }
                0xE2 if html && raw.get(i + 1) == Some(&0x80) && matches!(raw.get(i + 2), Some(0xA8 | 0xA9)) => {
                    out.extend_from_slice(&raw[start..i]);
                    out.extend_from_slice(if raw[i + 2] == 0xA8 { b"\\u2028" } else { b"\\u2029" });
                    i += 3;
                    start = i;
                    continue;
                }
                _ => {}
            }
        } else {
            match c {
                b' ' | b'\t' | b'\n' | b'\r' => {
                    out.extend_from_slice(&raw[start..i]);
                    start = i + 1;
                }
                b'"' => in_string = true,
                _ => {}
            }
        }
        i += 1;
    }
    out.extend_from_slice(&raw[start.min(raw.len())..]);
}

/// out as a String, invalid UTF-8 replaced as Go's decoders replace it: one U+FFFD for
/// each byte that starts no valid sequence (where Rust's lossy conversion replaces a
/// truncated sequence once).
pub fn utf8(out: Vec<u8>) -> String {
    match String::from_utf8(out) {
        Ok(s) => s,
        Err(e) => {
            let b = e.into_bytes();
            let mut s = String::with_capacity(b.len() + 8);
            let mut i = 0;
            while i < b.len() {
                match next_char(&b[i..]) {
                    Some((c, n)) => {
                        s.push(c);
                        i += n;
                    }
                    None => {
                        s.push('\u{FFFD}');
                        i += 1;
                    }
                }
            }
            s
        }
    }
}

/// The character b starts with and its length in bytes, as Go's utf8.DecodeRune reads
/// it; None when b is empty or its first byte starts no valid sequence.
pub fn next_char(b: &[u8]) -> Option<(char, usize)> {
    let n = match *b.first()? {
        0..=0x7F => 1,
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => return None,
    };
    let c = std::str::from_utf8(b.get(..n)?).ok()?.chars().next()?;
    Some((c, n))
}

/// The elements of a JSON array, each turned into a T by element.
fn array<'a, T>(input: &'a [u8], mut element: impl FnMut(Value<'a>) -> Result<T, String>) -> Result<Vec<T>, String> {
    let mut p = Parser { s: input, i: 0 };
    let mut out = Vec::new();
    p.expect(b'[')?;
    if p.peek() == Some(b']') {
        return Ok(out);
    }
    loop {
        out.push(element(p.value()?)?);
        match p.next_token() {
            Some(b',') => continue,
            Some(b']') => return Ok(out),
            _ => return Err(p.error("',' or ']'")),
        }
    }
}

/// The strings of a JSON array such as ["a","b"].
pub fn strings(input: &[u8]) -> Result<Vec<String>, String> {
    array(input, |v| match v {
        Value::String(s) => Ok(s),
        v => Err(format!("expected a string, found {}", v.kind())),
    })
}

/// The integers of a JSON array such as [1,2,3].
pub fn integers(input: &[u8]) -> Result<Vec<i64>, String> {
    array(input, |v| match v {
        Value::Number(n) => n.parse().map_err(|_| format!("{} is not an integer", n)),
        v => Err(format!("expected an integer, found {}", v.kind())),
    })
}

/// Calls field for each field of a plugin's configuration, as the Go SDK reads one: an
/// empty or null configuration has no fields (each takes its default), and anything
/// but an object is "expected a JSON object".
pub fn config_fields<'a, F>(raw: &'a [u8], field: F) -> Result<(), String>
where
    F: FnMut(&str, Value<'a>) -> Result<(), String>,
{
    let trimmed = std::str::from_utf8(raw).map(str::trim).unwrap_or("x");
    if trimmed.is_empty() || trimmed == "null" {
        return Ok(());
    }
    fields(raw, field).map_err(|e| if e.starts_with("invalid JSON") { "expected a JSON object".to_string() } else { e })
}

/// A configuration field's string; None for null.
pub fn opt_string(name: &str, v: Value) -> Result<Option<String>, String> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s)),
        v => Err(format!("{}: expected a string, found {}", name, v.kind())),
    }
}

/// A configuration field's boolean; None for null.
pub fn opt_bool(name: &str, v: &Value) -> Result<Option<bool>, String> {
    match v {
        Value::Null => Ok(None),
        Value::Bool(b) => Ok(Some(*b)),
        v => Err(format!("{}: expected a boolean, found {}", name, v.kind())),
    }
}

/// A configuration field's array of strings; None for null.
pub fn opt_strings(name: &str, v: Value) -> Result<Option<Vec<String>>, String> {
    match v {
        Value::Null => Ok(None),
        Value::Raw(r) if r.first() == Some(&b'[') => strings(r).map(Some).map_err(|e| format!("{}: {}", name, e)),
        v => Err(format!("{}: expected an array, found {}", name, v.kind())),
    }
}

/// A configuration field's number; None for null.
pub fn opt_number(name: &str, v: &Value) -> Result<Option<f64>, String> {
    match v {
        Value::Null => Ok(None),
        Value::Number(n) => Ok(n.parse().ok()),
        v => Err(format!("{}: expected a number, found {}", name, v.kind())),
    }
}

impl<'a> Parser<'a> {
    fn space(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.s.get(self.i) {
            self.i += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.space();
        self.s.get(self.i).copied()
    }

    fn next_token(&mut self) -> Option<u8> {
        let c = self.peek();
        self.i += 1;
        c
    }

    fn expect(&mut self, c: u8) -> Result<(), String> {
        if self.next_token() != Some(c) {
            return Err(self.error(&format!("'{}'", c as char)));
        }
        Ok(())
    }

    fn error(&self, want: &str) -> String {
        format!("invalid JSON: expected {} at offset {}", want, self.i.min(self.s.len()))
    }

    fn value(&mut self) -> Result<Value<'a>, String> {
        match self.peek() {
            Some(b'"') => Ok(Value::String(self.string()?)),
            Some(b'{' | b'[') => {
                let start = self.i;
                self.skip_nested()?;
                Ok(Value::Raw(&self.s[start..self.i]))
            }
            Some(b't') => self.word("true", Value::Bool(true)),
            Some(b'f') => self.word("false", Value::Bool(false)),
            Some(b'n') => self.word("null", Value::Null),
            Some(b'-' | b'0'..=b'9') => {
                let start = self.i;
                self.number()?;
                Ok(Value::Number(std::str::from_utf8(&self.s[start..self.i]).unwrap_or("0")))
            }
            _ => Err(self.error("a value")),
        }
    }

    /// skip_value moves past a value, checking it as value does, without decoding it:
    /// reading an object's members only to find or copy some of them, a string value
    /// decoded into a new allocation and dropped cost more than the rest.
    fn skip_value(&mut self) -> Result<(), String> {
        match self.peek() {
            Some(b'"') => self.skip_string(),
            Some(b'{' | b'[') => self.skip_nested(),
            Some(b't') => self.word("true", Value::Null).map(drop),
            Some(b'f') => self.word("false", Value::Null).map(drop),
            Some(b'n') => self.word("null", Value::Null).map(drop),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(self.error("a value")),
        }
    }

    /// number moves past a number as JSON writes one: an optional minus, an integer
    /// part without leading zeros, an optional fraction and exponent.
    fn number(&mut self) -> Result<(), String> {
        let digits = |p: &mut Self| {
            let start = p.i;
            while let Some(b'0'..=b'9') = p.s.get(p.i) {
                p.i += 1;
            }
            p.i > start
        };
        if self.s.get(self.i) == Some(&b'-') {
            self.i += 1;
        }
        match self.s.get(self.i) {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                digits(self);
            }
            _ => return Err(self.error("a digit")),
        }
        if self.s.get(self.i) == Some(&b'.') {
            self.i += 1;
            if !digits(self) {
                return Err(self.error("a digit"));
            }
        }
        if let Some(b'e' | b'E') = self.s.get(self.i) {
            self.i += 1;
            if let Some(b'+' | b'-') = self.s.get(self.i) {
                self.i += 1;
            }
            if !digits(self) {
                return Err(self.error("a digit"));
            }
        }
        Ok(())
    }

    fn word(&mut self, w: &str, v: Value<'a>) -> Result<Value<'a>, String> {
        if !self.s[self.i..].starts_with(w.as_bytes()) {
            return Err(self.error(w));
        }
        self.i += w.len();
        Ok(v)
    }

    /// skip_nested moves past an object or array, checking that everything in it is
    /// well formed (as Go's decoder does before it hands a value over), down to Go's
    /// nesting limit. It keeps its own stack of open brackets rather than recursing, so
    /// a deeply nested body cannot exhaust the module's stack.
    fn skip_nested(&mut self) -> Result<(), String> {
        let mut open: Vec<u8> = Vec::new(); // the closing bracket of each open level
        let mut after_open = true; // just inside a bracket: it may close at once
        loop {
            if after_open {
                let closer = if self.next_token() == Some(b'{') { b'}' } else { b']' };
                open.push(closer);
                if open.len() > 10000 {
                    return Err(self.error("less nesting"));
                }
                if self.peek() == Some(closer) {
                    self.i += 1;
                    open.pop();
                    if open.is_empty() {
                        return Ok(());
                    }
                    after_open = false;
                    if !self.after_value(&mut open)? {
                        return Ok(());
                    }
                    continue;
                }
            }
            // an element: a member's name first, inside an object
            if open.last() == Some(&b'}') {
                if self.peek() != Some(b'"') {
                    return Err(self.error("a field name"));
                }
                self.skip_string()?;
                self.expect(b':')?;
            }
            if let Some(b'{' | b'[') = self.peek() {
                after_open = true;
                continue;
            }
            self.skip_value()?;
            after_open = false;
            if !self.after_value(&mut open)? {
                return Ok(());
            }
        }
    }

    /// after_value reads what follows an element: a ',' before the next one (true), or
    /// closing brackets; false once the outermost one is closed.
    fn after_value(&mut self, open: &mut Vec<u8>) -> Result<bool, String> {
        loop {
            match self.next_token() {
                Some(b',') => return Ok(true),
                Some(c) if Some(&c) == open.last() => {
                    open.pop();
                    if open.is_empty() {
                        return Ok(false);
                    }
                }
                _ => return Err(self.error("',' or the end of an object or array")),
            }
        }
    }

    /// string reads a string at self.i (its opening quote), escapes decoded; a lone
    /// surrogate becomes U+FFFD, as Go decodes it.
    /// A member's name, borrowed from the input when it is valid UTF-8 without escapes
    /// (the common case); decoded as string does otherwise.
    fn name(&mut self) -> Result<Cow<'a, str>, String> {
        let start = self.i + 1;
        let end = run_end(self.s, start.min(self.s.len()), false);
        if self.s.get(end) == Some(&b'"') {
            let run = &self.s[start..end];
            let name = if run.is_ascii() {
                // SAFETY: ASCII is UTF-8 (from_utf8 checks it at several times the cost)
                Some(unsafe { std::str::from_utf8_unchecked(run) })
            } else {
                std::str::from_utf8(run).ok()
            };
            if let Some(name) = name {
                self.i = end + 1;
                return Ok(Cow::Borrowed(name));
            }
        }
        self.string().map(Cow::Owned)
    }

    fn string(&mut self) -> Result<String, String> {
        self.i += 1;
        let mut out = Vec::new();
        loop {
            // a run of plain bytes in one copy
            let start = self.i.min(self.s.len());
            let end = run_end(self.s, start, false);
            out.extend_from_slice(&self.s[start..end]);
            self.i = end;
            let c = match self.s.get(self.i) {
                Some(&c) => c,
                None => return Err(self.error("the end of a string")),
            };
            self.i += 1;
            match c {
                b'"' => break,
                b'\\' => {
                    let e = self.s.get(self.i).copied();
                    self.i += 1;
                    let ch = match e {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => self.unicode_escape()?,
                        _ => return Err(self.error("an escape")),
                    };
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
                c if c < 0x20 => return Err(self.error("no control character in a string")),
                c => out.push(c),
            }
        }
        Ok(utf8(out))
    }

    /// Four hex digits (from_str_radix alone would take a sign too).
    /// skip_string moves past the string at self.i (its opening quote), refusing what
    /// string refuses, without decoding it.
    fn skip_string(&mut self) -> Result<(), String> {
        self.i += 1;
        loop {
            self.i = run_end(self.s, self.i.min(self.s.len()), false);
            let c = match self.s.get(self.i) {
                Some(&c) => c,
                None => return Err(self.error("the end of a string")),
            };
            self.i += 1;
            match c {
                b'"' => return Ok(()),
                b'\\' => {
                    let e = self.s.get(self.i).copied();
                    self.i += 1;
                    match e {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {}
                        Some(b'u') => {
                            self.unicode_escape()?;
                        }
                        _ => return Err(self.error("an escape")),
                    }
                }
                _ => return Err(self.error("no control character in a string")),
            }
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let h = self.s.get(self.i..self.i + 4)?;
        if !h.iter().all(u8::is_ascii_hexdigit) {
            return None;
        }
        let v = u32::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok()?;
        self.i += 4;
        Some(v)
    }

    fn unicode_escape(&mut self) -> Result<char, String> {
        let hi = self.hex4().ok_or_else(|| self.error("four hex digits"))?;
        if (0xD800..0xDC00).contains(&hi) && self.s[self.i..].starts_with(b"\\u") {
            let save = self.i;
            self.i += 2;
            if let Some(lo) = self.hex4() {
                if (0xDC00..0xE000).contains(&lo) {
                    let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                    return Ok(char::from_u32(c).unwrap_or('\u{FFFD}'));
                }
            }
            self.i = save;
        }
        Ok(char::from_u32(hi).unwrap_or('\u{FFFD}'))
    }
}

/// Appends s as a JSON string, escaped as Go's encoding/json escapes it: <, > and &
/// and the line and paragraph separators as \u sequences, control characters short
/// where JSON has a short form.
pub fn push_string(out: &mut Vec<u8>, s: &str) {
    push_escaped(out, s.as_bytes(), true)
}

/// push_string without the HTML escapes (<, > and & as they are), as Go writes with
/// SetEscapeHTML(false) and cjson writes too.
pub fn push_string_plain(out: &mut Vec<u8>, s: &str) {
    push_escaped(out, s.as_bytes(), false)
}

/// push_string_plain of text that may not be UTF-8: a byte that starts no valid
/// sequence is written \ufffd, as Go writes a string holding it.
pub fn push_bytes_plain(out: &mut Vec<u8>, s: &[u8]) {
    push_escaped(out, s, false)
}

fn push_escaped(out: &mut Vec<u8>, s: &[u8], html: bool) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.reserve(s.len() + 2);
    out.push(b'"');
    // runs of bytes written as they are go out in one copy each
    let (mut start, mut i) = (0, 0);
    loop {
        i = run_end(s, i, true);
        if i >= s.len() {
            break;
        }
        let c = s[i];
        if c >= 0x80 {
            match next_char(&s[i..]) {
                Some((sep, n)) if sep != '\u{2028}' && sep != '\u{2029}' => {
                    i += n; // the run goes on
                    continue;
                }
                _ => {}
            }
        } else if !html && (c == b'<' || c == b'>' || c == b'&') {
            i += 1;
            continue;
        }
        out.extend_from_slice(&s[start..i]);
        if c >= 0x80 {
            match next_char(&s[i..]) {
                None => {
                    out.extend_from_slice(b"\\ufffd");
                    i += 1;
                }
                Some((sep, n)) => {
                    out.extend_from_slice(if sep == '\u{2028}' { b"\\u2028" } else { b"\\u2029" });
                    i += n;
                }
            }
            start = i;
            continue;
        }
        match c {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0C => out.extend_from_slice(b"\\f"),
            b'<' | b'>' | b'&' | 0..=0x1F => {
                out.extend_from_slice(b"\\u00");
                out.push(HEX[(c >> 4) as usize]);
                out.push(HEX[(c & 15) as usize]);
            }
            c => out.push(c),
        }
        i += 1;
        start = i;
    }
    out.extend_from_slice(&s[start..]);
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    /// run_end finds what a byte-at-a-time scan finds, for every byte value at every
    /// position of inputs around the eight-byte blocks, from every start.
    #[test]
    fn finds_run_ends_as_a_byte_scan_does() {
        let naive = |s: &[u8], from: usize, escaping: bool| {
            (from..s.len())
                .find(|&i| {
                    let c = s[i];
                    c == b'"' || c == b'\\' || c < 0x20 || escaping && (c >= 0x80 || c == b'<' || c == b'>' || c == b'&')
                })
                .unwrap_or(s.len())
        };
        for len in 0..20 {
            for pos in 0..len {
                for c in 0..=255u8 {
                    let mut s = vec![b'a'; len];
                    s[pos] = c;
                    if len > 2 {
                        s[len - 1] = b'\\'; // a later stop must not hide the first
                    }
                    for from in 0..=len {
                        for escaping in [false, true] {
                            assert_eq!(run_end(&s, from, escaping), naive(&s, from, escaping), "{:?} from {} escaping {}", s, from, escaping);
                        }
                    }
                }
            }
        }
    }

    fn collect(input: &str) -> Result<Vec<(String, String)>, String> {
        let mut out = Vec::new();
        fields(input.as_bytes(), |k, v| {
            let v = match v {
                Value::Raw(r) => format!("raw {}", std::str::from_utf8(r).unwrap()),
                v => format!("{:?}", v),
            };
            out.push((k.to_string(), v));
            Ok(())
        })?;
        Ok(out)
    }

    /// Object::parse keeps the members a sorted map keeps (names decoded, a repeated
    /// name's last value), whatever the order, repeats and escapes of the names, for
    /// every arrangement of three and of four members from a set.
    #[test]
    fn parses_objects_as_a_sorted_map_does() {
        // each member as written, its name decoded, its value compacted
        let members = [
            (r#""b":1"#, "b", "1"), (r#""a":2"#, "a", "2"), (r#""b":3"#, "b", "3"), (r#""\u0061":4"#, "a", "4"),
            (r#""a\"q":5"#, "a\"q", "5"), ("\"\u{e9}\":6", "\u{e9}", "6"), ("\"\u{e9}\":7", "\u{e9}", "7"),
            (r#""c\n":8"#, "c\n", "8"), (r#""":9"#, "", "9"), (r#""ab":[1, 2]"#, "ab", "[1,2]"),
        ];
        let check = |picked: &[usize]| {
            let input = format!("{{{}}}", picked.iter().map(|&i| members[i].0).collect::<Vec<_>>().join(","));
            let mut want = std::collections::BTreeMap::new();
            for &i in picked {
                want.insert(members[i].1, members[i].2);
            }
            let mut expected = Vec::from(&b"{"[..]);
            for (i, (k, v)) in want.iter().enumerate() {
                if i > 0 {
                    expected.push(b',');
                }
                push_string_plain(&mut expected, k);
                expected.push(b':');
                expected.extend_from_slice(v.as_bytes());
            }
            expected.push(b'}');
            let mut got = Vec::new();
            Object::parse(input.as_bytes()).unwrap().push_json(&mut got);
            assert_eq!(String::from_utf8(got).unwrap(), String::from_utf8(expected).unwrap(), "{}", input);
        };
        check(&[]);
        let n = members.len();
        for a in 0..n {
            for b in 0..n {
                for c in 0..n {
                    check(&[a, b, c]);
                    for d in [0, 2, 3, 5, 9] {
                        check(&[a, b, c, d]);
                    }
                }
            }
        }
        // a name that is not UTF-8 is decoded with replacements, and sorts as decoded
        let mut got = Vec::new();
        Object::parse(b"{\"k\xff\":1,\"k\":2}").unwrap().push_json(&mut got);
        assert_eq!(String::from_utf8(got).unwrap(), "{\"k\":2,\"k\u{fffd}\":1}");
    }

    #[test]
    fn reads_fields() {
        let got = collect(r#" {"a": 1.5e2, "b":"x\"\u00e9\ud83d\ude00\ud800", "c":null, "d":true,
            "e":{"f":["}",{"g":"]"}]}, "h":[1, 2]} "#)
        .unwrap();
        let want = [
            ("a", r#"Number("1.5e2")"#),
            ("b", "String(\"x\\\"é😀\u{FFFD}\")"),
            ("c", "Null"),
            ("d", "Bool(true)"),
            ("e", r#"raw {"f":["}",{"g":"]"}]}"#),
            ("h", "raw [1, 2]"),
        ];
        assert_eq!(got.len(), want.len());
        for ((k, v), (wk, wv)) in got.iter().zip(want.iter()) {
            assert_eq!((k.as_str(), v.as_str()), (*wk, *wv));
        }
        assert_eq!(collect("{}").unwrap().len(), 0);
    }

    #[test]
    fn refuses_malformed() {
        for bad in ["", "[]", "{", r#"{"a"}"#, r#"{"a":}"#, r#"{"a":1,}"#, r#"{"a":1} x"#, r#"{"a":"b}"#,
            r#"{"a":tru}"#, r#"{"a":-}"#, r#"{"a":"\x"}"#, "{\"a\":\"\u{1}\"}", r#"{"a":{"b":1}"#,
            r#"{"a":{"b":}}"#, r#"{"a":[1,,2]}"#, r#"{"a":[1,]}"#, r#"{"a":{"b" 1}}"#, r#"{"a":{1:2}}"#, r#"{"a":[}"#,
            r#"{"a":"\u+000"}"#, r#"{"a":"\u-00a"}"#,
            r#"{"a":01}"#, r#"{"a":1.}"#, r#"{"a":.5}"#, r#"{"a":+1}"#, r#"{"a":1e}"#, r#"{"a":-01}"#, r#"{"a":[nul]}"#] {
            assert!(collect(bad).is_err(), "accepted {:?}", bad);
        }
        for good in [r#"{"a":[]}"#, r#"{"a":{}}"#, r#"{"a":[{"b":[1,-0.5e+3,true,null,"]"]}]}"#, r#"{"a":0}"#, r#"{"a":-0.0E-1}"#] {
            assert!(collect(good).is_ok(), "refused {:?}", good);
        }
        let nested = |n: usize| format!("{{\"a\":{}{}}}", "[".repeat(n), "]".repeat(n));
        assert!(collect(&nested(10000)).is_ok());
        assert!(collect(&nested(10001)).is_err());
    }

    /// skip_value accepts and refuses what value does, with the same message, and
    /// stops where it stops.
    #[test]
    fn skips_values_as_it_reads_them() {
        for input in [
            r#""plain""#, r#""a\"b\u00e9\ud83d\ude00\/""#, r#""\ud800x""#, r#""\u+000""#, r#""\u12""#, r#""\q""#,
            "\"tab\there\"", r#""open"#, r#""\"#, "\"\u{2028}é\"", r#"{"a":[1,{"b":"\n"}],"c":null}"#,
            r#"{"a":"\x"}"#, r#"{"a" 1}"#, r#"[1,]"#, r#"[[[]]]"#, "true", "tru", "false", "null", "-0.5e+3", "01", "-",
            "1.", r#"{"k":"v\u0041"}x"#, "",
        ]
        .iter()
        .map(|s| s.as_bytes())
        .chain([&b"\"\xff\xfe\""[..], b"{\"\xff\":\"\xc3\"}"])
        {
            let (mut a, mut b) = (Parser { s: input, i: 0 }, Parser { s: input, i: 0 });
            let (got, want) = (a.skip_value(), b.value().map(drop));
            assert_eq!(got, want, "{:?}", input);
            assert_eq!(a.i, b.i, "{:?}", input);
        }
    }

    #[test]
    fn reads_integers() {
        assert_eq!(integers(b"[1, -2,30000000000]").unwrap(), vec![1, -2, 30000000000]);
        assert_eq!(integers(b"[]").unwrap(), Vec::<i64>::new());
        assert!(integers(b"[1.5]").is_err());
        assert!(integers(b"[\"1\"]").is_err());
        assert!(integers(b"[1,").is_err());
    }

    #[test]
    fn reads_members_and_compacts_them() {
        let got = members(br#" { "b" : [1, {"x": " < "}] , "a":"\u2028", "b": 2 } "#).unwrap();
        let names: Vec<&str> = got.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(names, ["b", "a"]);
        assert_eq!(got[0].1, b"2");
        let mut out = Vec::new();
        push_compact(&mut out, "[1, {\"x\": \" <\\\"> \u{2028}&\"}]".as_bytes());
        assert_eq!(String::from_utf8(out).unwrap(), r#"[1,{"x":" \u003c\"\u003e \u2028\u0026"}]"#);
        for bad in [&b"null"[..], b"[]", b"{\"a\"}", b"{\"a\":1", b"{\"a\":1}x"] {
            assert!(members(bad).is_none(), "{:?}", std::str::from_utf8(bad));
        }
        assert_eq!(string_value(br#""a\"b""#).unwrap(), "a\"b");
        assert!(string_value(b"1").is_none());
    }

    #[test]
    fn writes_strings_as_go_does() {
        let cases = [
            ("plain", r#""plain""#),
            ("a\"b\\c", r#""a\"b\\c""#),
            ("<a&b>", r#""\u003ca\u0026b\u003e""#),
            ("\n\r\t\u{8}\u{c}\u{1}\u{1f}", r#""\n\r\t\b\f\u0001\u001f""#),
            ("\u{2028}\u{2029}é😀", "\"\\u2028\\u2029é😀\""),
        ];
        for (s, want) in cases.iter() {
            let mut out = Vec::new();
            push_string(&mut out, s);
            assert_eq!(std::str::from_utf8(&out).unwrap(), *want);
        }
    }
}
