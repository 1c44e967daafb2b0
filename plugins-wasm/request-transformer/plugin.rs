//! Kong 3.9's request-transformer plugin as a weir built-in, in Rust: it rewrites the
//! request before it goes upstream (path, method, headers, body fields and query
//! arguments), with values that may be templates over the request ($(headers.x),
//! $(query_params.y), $(uri_captures.n), $(shared.k)). What the upstream receives is
//! what the plugin's Go implementation sent, byte for byte; reference_test.go holds it
//! to that implementation, kept in reference/.
//!
//! A request's text (its headers, arguments, rendered values) goes into one buffer the
//! plugin keeps between requests, and the tables Kong's steps edit hold spans of it, so
//! a request allocates nothing once the buffers have grown (a JSON body's members
//! apart).

use crate::host;
use crate::json::{self, split, Object, Value};
use crate::request;
use crate::Action;
use std::borrow::Cow;

const MAP: u32 = host::MAP_REQUEST_HEADERS;

/// The template errors, as the Go implementation words them (it logs them).
const ERR_TEMPLATE: &str = "unsupported template expression";
const ERR_INDEX: &str = "unsupported template expression: attempt to index a non-table value";

/// A configured value, compiled once: text and $(...) expressions, which Penlight's
/// templates evaluate as Lua and weir as a chain of lookups in the request's tables
/// (`headers.x`, `headers["x-y"]`, `query_params.y`, `uri_captures[1]`, `shared.k`),
/// quoted strings, and `a or b`.
struct Template {
    /// The value as configured, for error messages and as it is when it has no "$(".
    raw: String,
    plain: bool,
    pieces: Vec<Piece>,
}

enum Piece {
    Text(String),
    /// An expression, with its text (`$(...)`) for error messages.
    Expr(String, Vec<Term>),
}

/// One operand of an expression's `or` chain.
enum Term {
    Quoted(Vec<u8>),
    /// A name of the template's environment and at most one lookup in it (the
    /// configuration check refuses a second: the first gives a string or nil).
    Name(Root, Option<Key>),
}

/// The environment's names: its four tables, Lua's nil, and any other name, which is
/// an error once a request renders it.
#[derive(Clone, Copy, PartialEq)]
enum Root {
    Headers,
    QueryParams,
    UriCaptures,
    Shared,
    Nil,
    Unknown,
}

/// A lookup's key, as written, and as the headers table finds it.
struct Key {
    raw: Vec<u8>,
    header: Vec<u8>,
}

impl Template {
    /// Whether rendering the value reads the headers table.
    fn reads_headers(&self) -> bool {
        self.pieces.iter().any(|p| match p {
            Piece::Expr(_, terms) => terms.iter().any(|t| matches!(t, Term::Name(Root::Headers, _))),
            Piece::Text(_) => false,
        })
    }

    /// Compiles a value, checking each expression as the Go implementation's Validate
    /// did: the same expressions are refused, with the same message.
    fn compile(tmpl: &str) -> Result<Template, String> {
        let mut t = Template { raw: tmpl.to_string(), plain: !tmpl.contains("$("), pieces: Vec::new() };
        if t.plain {
            return Ok(t);
        }
        let mut rest = tmpl;
        loop {
            let (i, end) = match rest.find("$(").and_then(|i| closing(rest.as_bytes(), i + 1).map(|end| (i, end))) {
                Some(found) => found,
                None => {
                    // no balanced parenthesis: Penlight leaves the rest as text
                    if !rest.is_empty() {
                        t.pieces.push(Piece::Text(rest.to_string()));
                    }
                    return Ok(t);
                }
            };
            if i > 0 {
                t.pieces.push(Piece::Text(rest[..i].to_string()));
            }
            let text = &rest[i..=end];
            let terms = Parser { s: &rest.as_bytes()[i + 2..end], i: 0 }.expr().map_err(|e| format!("{}: {}", e, text))?;
            t.pieces.push(Piece::Expr(text.to_string(), terms));
            rest = &rest[end + 1..];
        }
    }
}

/// The parenthesis that balances the one at open, as Lua's %b() finds it.
fn closing(s: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0;
    for (i, &c) in s.iter().enumerate().skip(open) {
        match c {
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// Reads one expression: `term { or term }`.
struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> Parser<'a> {
    fn expr(&mut self) -> Result<Vec<Term>, &'static str> {
        let mut terms = vec![self.term()?];
        loop {
            self.space();
            if self.done() {
                return Ok(terms);
            }
            if !self.word(b"or") {
                return Err(ERR_TEMPLATE);
            }
            terms.push(self.term()?);
        }
    }

    fn done(&self) -> bool {
        self.i >= self.s.len()
    }

    fn space(&mut self) {
        while let Some(b' ' | b'\t') = self.s.get(self.i) {
            self.i += 1;
        }
    }

    /// Consumes a keyword followed by a space.
    fn word(&mut self, w: &[u8]) -> bool {
        let rest = &self.s[self.i..];
        if rest.len() > w.len() && rest.starts_with(w) && rest[w.len()] == b' ' {
            self.i += w.len() + 1;
            return true;
        }
        false
    }

    /// A quoted string, or a name followed by lookups. At configuration time every name
    /// reads as a table, so a lookup gives nil and a second lookup is an error.
    fn term(&mut self) -> Result<Term, &'static str> {
        self.space();
        match self.s.get(self.i) {
            None => return Err(ERR_TEMPLATE),
            Some(b'"' | b'\'') => return Ok(Term::Quoted(self.quoted()?)),
            _ => {}
        }
        let name = self.ident();
        let root = match name {
            b"" => return Err(ERR_TEMPLATE),
            b"headers" => Root::Headers,
            b"query_params" => Root::QueryParams,
            b"uri_captures" => Root::UriCaptures,
            b"shared" => Root::Shared,
            b"nil" => Root::Nil,
            _ => Root::Unknown,
        };
        let mut key: Option<Key> = None;
        loop {
            self.space();
            let k = match self.s.get(self.i) {
                Some(b'.') => {
                    self.i += 1;
                    let k = self.ident();
                    if k.is_empty() {
                        return Err(ERR_TEMPLATE);
                    }
                    k.to_vec()
                }
                Some(b'[') => {
                    self.i += 1;
                    self.space();
                    let k = self.index()?;
                    self.space();
                    if self.s.get(self.i) != Some(&b']') {
                        return Err(ERR_TEMPLATE);
                    }
                    self.i += 1;
                    k
                }
                _ => return Ok(Term::Name(root, key)),
            };
            if key.is_some() {
                return Err(ERR_INDEX);
            }
            let header = header_key(&k);
            key = Some(Key { raw: k, header });
        }
    }

    /// The key inside brackets: a quoted string or digits.
    fn index(&mut self) -> Result<Vec<u8>, &'static str> {
        match self.s.get(self.i) {
            None => Err(ERR_TEMPLATE),
            Some(b'"' | b'\'') => self.quoted(),
            _ => {
                let start = self.i;
                while let Some(b'0'..=b'9') = self.s.get(self.i) {
                    self.i += 1;
                }
                if self.i == start {
                    return Err(ERR_TEMPLATE);
                }
                Ok(self.s[start..self.i].to_vec())
            }
        }
    }

    fn ident(&mut self) -> &'a [u8] {
        let start = self.i;
        while let Some(&c) = self.s.get(self.i) {
            if c == b'_' || c.is_ascii_alphabetic() || (self.i > start && c.is_ascii_digit()) {
                self.i += 1;
                continue;
            }
            break;
        }
        &self.s[start..self.i]
    }

    /// A Lua string in single or double quotes; a backslash takes the next byte as it is.
    fn quoted(&mut self) -> Result<Vec<u8>, &'static str> {
        let q = self.s[self.i];
        self.i += 1;
        let mut out = Vec::new();
        while self.i < self.s.len() {
            let c = self.s[self.i];
            self.i += 1;
            if c == q {
                return Ok(out);
            }
            if c == b'\\' && self.i < self.s.len() {
                out.push(self.s[self.i]);
                self.i += 1;
                continue;
            }
            out.push(c);
        }
        Err(ERR_TEMPLATE)
    }
}

/// name lower-cased as Go's strings.ToLower does, which matters here only for the
/// two characters outside ASCII that lower to ASCII letters.
fn go_lower(name: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(name.len());
    push_lower(&mut out, name);
    out
}

/// Whether s is ASCII without a capital letter, tested eight bytes at a time: adding
/// 0x80-'A' to a byte below 0x80 sets its top bit from 'A' up, adding 0x80-'Z'-1 from
/// past 'Z' up, and neither carries into the next byte.
fn is_lower_ascii(s: &[u8]) -> bool {
    use crate::json::{HIGH, ONES};
    let mut words = s.chunks_exact(8);
    for w in &mut words {
        let mut b = [0u8; 8];
        b.copy_from_slice(w);
        let x = u64::from_le_bytes(b);
        let capital = x.wrapping_add(ONES * (0x80 - b'A') as u64) & !x.wrapping_add(ONES * (0x80 - b'Z' - 1) as u64);
        if (x | capital) & HIGH != 0 {
            return false;
        }
    }
    words.remainder().iter().all(|&c| c < 0x80 && !c.is_ascii_uppercase())
}

/// Appends s lower-cased as Go's strings.ToLower does, as far as ASCII text is
/// concerned: ASCII letters, and U+0130 and the Kelvin sign, which lower to 'i' and
/// 'k'. Every other byte is kept: outside ASCII it stays outside ASCII either way, so
/// what the result holds of ASCII, and what an ASCII name or substring matches, is the
/// same.
fn push_lower(out: &mut Vec<u8>, s: &[u8]) {
    if is_lower_ascii(s) {
        // the common case: weir hands header names over lower-case
        out.extend_from_slice(s);
        return;
    }
    if s.is_ascii() {
        let start = out.len();
        out.extend_from_slice(s);
        out[start..].make_ascii_lowercase();
        return;
    }
    let mut i = 0;
    while i < s.len() {
        match &s[i..] {
            [0xC4, 0xB0, ..] => {
                out.push(b'i');
                i += 2;
            }
            [0xE2, 0x84, 0xAA, ..] => {
                out.push(b'k');
                i += 3;
            }
            [c, ..] => {
                out.push(c.to_ascii_lowercase());
                i += 1;
            }
            [] => break,
        }
    }
}

/// How ngx.req.get_headers' table finds a name: lower-case, underscores as dashes.
fn header_key(name: &[u8]) -> Vec<u8> {
    let mut k = go_lower(name);
    for c in k.iter_mut() {
        if *c == b'_' {
            *c = b'-';
        }
    }
    k
}

/// Whether name and an ASCII lower-case word are equal under Go's strings.EqualFold:
/// ASCII letters in either case, and the long s and Kelvin sign, which fold to 's' and
/// 'k'.
fn equal_fold(name: &[u8], word: &str) -> bool {
    let (mut i, mut w) = (0, word.bytes());
    loop {
        let want = match w.next() {
            Some(c) => c,
            None => return i == name.len(),
        };
        let ok = match json::next_char(&name[i.min(name.len())..]) {
            Some((c, n)) => {
                i += n;
                c.is_ascii() && (c as u8).to_ascii_lowercase() == want
                    || (c == '\u{17F}' && want == b's')
                    || (c == '\u{212A}' && want == b'k')
            }
            None => false,
        };
        if !ok {
            return false;
        }
    }
}

/// s without the white space Go's strings.TrimSpace removes (Unicode's, as
/// char::is_whitespace reads it).
fn trim_space(s: &[u8]) -> &[u8] {
    let mut start = 0;
    while let Some((c, n)) = json::next_char(&s[start..]) {
        if !c.is_whitespace() {
            break;
        }
        start += n;
    }
    let mut end = s.len();
    while end > start {
        let mut at = end - 1;
        while at > start && end - at < 4 && s[at] & 0xC0 == 0x80 {
            at -= 1;
        }
        match json::next_char(&s[at..end]) {
            Some((c, n)) if at + n == end && c.is_whitespace() => end = at,
            _ => break,
        }
    }
    &s[start..end]
}

/// s's first occurrence of sep at or after from.
fn find(s: &[u8], sep: &[u8], from: usize) -> Option<usize> {
    if sep.is_empty() || from > s.len() {
        return None;
    }
    s[from..].windows(sep.len()).position(|w| w == sep).map(|i| from + i)
}

/// s split at sep's first occurrence; (s, None) without one.
fn cut<'s>(s: &'s [u8], sep: &[u8]) -> (&'s [u8], Option<&'s [u8]>) {
    match find(s, sep, 0) {
        Some(i) => (&s[..i], Some(&s[i + sep.len()..])),
        None => (s, None),
    }
}

/// The pieces of s between occurrences of sep, as Go's strings.Split cuts them.
fn pieces<'s>(s: &'s [u8], sep: &'s [u8]) -> impl Iterator<Item = &'s [u8]> + 's {
    let mut at = Some(0);
    std::iter::from_fn(move || {
        let start = at?;
        match find(s, sep, start) {
            Some(i) => {
                at = Some(i + sep.len());
                Some(&s[start..i])
            }
            None => {
                at = None;
                Some(&s[start..])
            }
        }
    })
}

/// A header operation's name, ready for the table: as set writes it (lower-case) and as
/// get finds it.
struct Header {
    lower: Vec<u8>,
    key: Vec<u8>,
    /// The name is Host (which Kong's table does not hold: it is :authority).
    host: bool,
}

impl Header {
    fn new(name: &str) -> Header {
        Header { lower: go_lower(name.as_bytes()), key: header_key(name.as_bytes()), host: equal_fold(name.as_bytes(), "host") }
    }
}

struct HeaderRename {
    from: Header,
    to: Header,
    /// The names differ only in case (or not at all): nothing to do.
    same: bool,
}

/// The header operations.
#[derive(Default)]
struct HeaderOps {
    remove: Vec<Header>,
    rename: Vec<HeaderRename>,
    replace: Vec<(Header, Template)>,
    add: Vec<(Header, Template)>,
    append: Vec<(Header, Template)>,
}

/// The operations on a query's arguments or a body's fields, whose names are exact.
#[derive(Default)]
struct ArgOps {
    remove: Vec<String>,
    rename: Vec<(String, String)>,
    replace: Vec<(String, Template)>,
    add: Vec<(String, Template)>,
    append: Vec<(String, Template)>,
}

impl ArgOps {
    /// The values the operations render.
    fn templates(&self) -> impl Iterator<Item = &Template> {
        self.replace.iter().chain(&self.add).chain(&self.append).map(|(_, t)| t)
    }

    fn any(&self) -> bool {
        !(self.remove.is_empty() && self.rename.is_empty() && self.replace.is_empty() && self.add.is_empty() && self.append.is_empty())
    }
}

/// request-transformer's configuration (schema.json), read and checked once: entries
/// split, names prepared for their tables, values compiled.
pub struct Config {
    /// http_method, upper-cased; None when not configured.
    method: Option<Vec<u8>>,
    /// The configured method is GET, HEAD or TRACE: a form body's arguments join the
    /// query.
    merges_body: bool,
    uri: Option<Template>,
    headers: HeaderOps,
    body: ArgOps,
    query: ArgOps,
    /// weir.header_fields' arguments naming every header the steps read or write,
    /// when no template reads the headers table: the request then reads those fields
    /// only, not the whole map (whose size the client decides). None otherwise.
    fields: Option<Vec<u8>>,
}

/// One operation's lists as configured.
#[derive(Default)]
struct Lists {
    body: Vec<String>,
    headers: Vec<String>,
    querystring: Vec<String>,
    uri: Option<String>,
}

fn lists(name: &str, v: Value) -> Result<Lists, String> {
    let mut l = Lists::default();
    match v {
        Value::Null => {}
        Value::Raw(r) if r.first() == Some(&b'{') => json::fields(r, |field, v| {
            let path = format!("{}.{}", name, field);
            match field {
                "body" => l.body = json::opt_strings(&path, v)?.unwrap_or_default(),
                "headers" => l.headers = json::opt_strings(&path, v)?.unwrap_or_default(),
                "querystring" => l.querystring = json::opt_strings(&path, v)?.unwrap_or_default(),
                "uri" if name == "replace" => l.uri = json::opt_string(&path, v)?,
                _ => {}
            }
            Ok(())
        })?,
        v => return Err(format!("{}: expected an object, found {}", name, v.kind())),
    }
    Ok(l)
}

/// Compiles an operation's entries, refusing those without a value or with a template
/// the plugin cannot evaluate, with the Go implementation's messages. A header entry
/// without a value ("x-name:", which the schema lets through) is left out instead:
/// Kong gives it a nil value, which leaves the header as it is.
fn entries(op: &str, list: &[String], headers: bool) -> Result<Vec<(String, Template)>, String> {
    let mut out = Vec::with_capacity(list.len());
    for e in list {
        let (name, value) = split(e);
        if value.is_empty() && headers {
            continue;
        }
        if value.is_empty() {
            return Err(format!("config: {}: key '{}' has no value", op, name));
        }
        let t = Template::compile(value)
            .map_err(|err| format!("config: {}: value '{}' is not in supported format, error:{}", op, value, err))?;
        out.push((name.to_string(), t));
    }
    Ok(out)
}

/// One operation's entries, checked and compiled.
struct Checked {
    body: Vec<(String, Template)>,
    headers: Vec<(String, Template)>,
    querystring: Vec<(String, Template)>,
}

impl Checked {
    fn new(op: &str, l: &Lists) -> Result<Checked, String> {
        // rename's header entries are names both sides: the schema refuses one
        // without a new name
        let headers = entries(op, &l.headers, op != "rename")?;
        Ok(Checked { body: entries(op, &l.body, false)?, headers, querystring: entries(op, &l.querystring, false)? })
    }
}

impl Config {
    pub fn parse(raw: &[u8]) -> Result<Config, String> {
        let mut method = None;
        let (mut remove, mut rename, mut replace, mut add, mut append) =
            (Lists::default(), Lists::default(), Lists::default(), Lists::default(), Lists::default());
        json::config_fields(raw, |name, v| {
            match name {
                "http_method" => method = json::opt_string(name, v)?,
                "remove" => remove = lists(name, v)?,
                "rename" => rename = lists(name, v)?,
                "replace" => replace = lists(name, v)?,
                "add" => add = lists(name, v)?,
                "append" => append = lists(name, v)?,
                _ => {}
            }
            Ok(())
        })?;
        // Checked in the Go implementation's order: each operation's body, headers and
        // querystring entries (rename's too), then replace.uri.
        let rename = Checked::new("rename", &rename)?;
        let replace_checked = Checked::new("replace", &replace)?;
        let add = Checked::new("add", &add)?;
        let append = Checked::new("append", &append)?;
        let uri = match replace.uri.as_deref().unwrap_or("") {
            "" => None,
            u => Some(Template::compile(u).map_err(|e| format!("config: {}", e))?),
        };
        let names = |list: &[String]| -> Vec<String> { list.iter().map(|e| split(e).0.to_string()).collect() };
        let renames = |list: Vec<(String, Template)>| -> Vec<(String, String)> { list.into_iter().map(|(a, t)| (a, t.raw)).collect() };
        let headers = |list: Vec<(String, Template)>| -> Vec<(Header, Template)> {
            list.into_iter().map(|(name, t)| (Header::new(&name), t)).collect()
        };
        let method = method.unwrap_or_default();
        let mut c = Config {
            merges_body: matches!(method.as_str(), "GET" | "HEAD" | "TRACE"),
            method: if method.is_empty() { None } else { Some(go_upper(&method)) },
            uri,
            headers: HeaderOps {
                remove: remove.headers.iter().map(|e| Header::new(split(e).0)).collect(),
                rename: rename
                    .headers
                    .into_iter()
                    .map(|(from, t)| HeaderRename { same: equal_fold_str(&from, &t.raw), from: Header::new(&from), to: Header::new(&t.raw) })
                    .collect(),
                replace: headers(replace_checked.headers),
                add: headers(add.headers),
                append: headers(append.headers),
            },
            body: ArgOps {
                remove: names(&remove.body),
                rename: renames(rename.body),
                replace: replace_checked.body,
                add: add.body,
                append: append.body,
            },
            query: ArgOps {
                remove: names(&remove.querystring),
                rename: renames(rename.querystring),
                replace: replace_checked.querystring,
                add: add.querystring,
                append: append.querystring,
            },
            fields: None,
        };
        c.fields = c.header_fields();
        Ok(c)
    }

    /// weir.header_fields' arguments for the headers the steps use, None when a
    /// template reads the headers table (which holds them all). The steps use the
    /// pseudo-headers, Content-Type (the body's kind), Content-Length (set for a new
    /// body) and the names of the header operations, in both the forms the table is
    /// read and written with.
    fn header_fields(&self) -> Option<Vec<u8>> {
        let h = &self.headers;
        let valued = || h.replace.iter().chain(&h.add).chain(&h.append);
        let templates = self.uri.iter().chain(valued().map(|(_, t)| t)).chain(self.body.templates()).chain(self.query.templates());
        if templates.into_iter().any(Template::reads_headers) {
            return None;
        }
        let mut names: Vec<&[u8]> = vec![b":method", b":path", b":authority", b"content-type", b"content-length"];
        let ops = h.remove.iter().chain(h.rename.iter().flat_map(|r| [&r.from, &r.to])).chain(valued().map(|(n, _)| n));
        for n in ops {
            names.push(&n.lower);
            names.push(&n.key);
        }
        let mut out = MAP.to_le_bytes().to_vec();
        for (i, n) in names.iter().enumerate() {
            if names[..i].contains(n) {
                continue;
            }
            if out.len() > 4 {
                out.push(0);
            }
            out.extend_from_slice(n);
        }
        Some(out)
    }

    /// Whether the plugin reads the request body: for body operations, or to move a
    /// form body into the query.
    pub fn reads_body(&self) -> bool {
        self.body.any() || self.merges_body
    }
}

/// Whether two configured header names are equal under Go's strings.EqualFold, for
/// the names the schema allows (ASCII; the long s and Kelvin sign fold too).
fn equal_fold_str(a: &str, b: &str) -> bool {
    let fold = |c: char| match c {
        '\u{17F}' => 's',
        '\u{212A}' => 'k',
        c => c.to_ascii_lowercase(),
    };
    a.chars().map(fold).eq(b.chars().map(fold))
}

/// A method upper-cased as Go's strings.ToUpper does for the letters the schema allows
/// (A to Z, which it leaves as they are) and the other ASCII ones.
fn go_upper(s: &str) -> Vec<u8> {
    s.to_ascii_uppercase().into_bytes()
}

/// A span of the request's text (Scratch::text).
type Span = (u32, u32);

/// A value as Lua sees it in Kong's tables: nil, a string, true (a query flag), a list
/// (a repeated header or argument; its elements in Scratch::vals), or one of the
/// environment's tables.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Val {
    Nil,
    Str(u32, u32),
    True,
    List(u32, u32),
    Table,
}

/// A named value of a table: a header, an argument, a capture.
#[derive(Clone, Copy, Debug)]
struct Field {
    name: Span,
    v: Val,
}

/// Buffers a request's work reuses (a guest runs one callback at a time).
#[derive(Default)]
pub struct Scratch {
    /// The request's text: header names and values, arguments, rendered values.
    text: Vec<u8>,
    /// The elements of lists.
    vals: Vec<Val>,
    /// The header map as the host gave it.
    map: Vec<u8>,
    /// The headers as Kong's get_headers gives them (lower-case names, Host apart, a
    /// repeated header as a list, in arrival order): as they came, as the operations
    /// leave them, and as templates see them.
    orig: Vec<Field>,
    headers: Vec<Field>,
    env_headers: Vec<Field>,
    /// The query's arguments as templates see them, and the table an operation edits.
    env_query: Vec<Field>,
    args: Vec<Field>,
    form: Vec<Field>,
    captures: Vec<Field>,
    path: Vec<u8>,
    query: Vec<u8>,
    body: Vec<u8>,
    /// The new body.
    out: Vec<u8>,
    render: Vec<u8>,
    pieces: Vec<Span>,
    piece_text: Vec<u8>,
    scratch: Vec<u8>,
    parts: Vec<Part>,
    matched: Vec<Option<usize>>,
    kept: Vec<bool>,
}

impl Scratch {
    fn reset(&mut self) {
        for b in [&mut self.text, &mut self.body, &mut self.out, &mut self.query, &mut self.piece_text] {
            host::reuse(b);
        }
        host::reuse(&mut self.vals);
        self.map.clear();
        self.orig.clear();
        self.headers.clear();
        self.env_headers.clear();
        self.env_query.clear();
        self.args.clear();
        self.form.clear();
        self.captures.clear();
        self.path.clear();
        self.parts.clear();
    }
}

fn bytes(text: &[u8], s: Span) -> &[u8] {
    &text[s.0 as usize..s.1 as usize]
}

/// Appends b to the text and returns its span.
fn push_text(text: &mut Vec<u8>, b: &[u8]) -> Span {
    let start = text.len() as u32;
    text.extend_from_slice(b);
    (start, text.len() as u32)
}

/// The position of a field by name (exact bytes).
fn index(table: &[Field], text: &[u8], name: &[u8]) -> Option<usize> {
    table.iter().position(|f| bytes(text, f.name) == name)
}

fn get(table: &[Field], text: &[u8], name: &[u8]) -> Val {
    index(table, text, name).map_or(Val::Nil, |i| table[i].v)
}

/// Sets a field (name exact, as the caller prepared it), in place or at the end.
fn set(table: &mut Vec<Field>, text: &mut Vec<u8>, name: &[u8], v: Val) {
    match index(table, text, name) {
        Some(i) => table[i].v = v,
        None => {
            let name = push_text(text, name);
            table.push(Field { name, v });
        }
    }
}

fn del(table: &mut Vec<Field>, text: &[u8], name: &[u8]) {
    if let Some(i) = index(table, text, name) {
        table.remove(i);
    }
}

/// A list of a and b.
fn pair(vals: &mut Vec<Val>, a: Val, b: Val) -> Val {
    let start = vals.len() as u32;
    vals.push(a);
    vals.push(b);
    Val::List(start, start + 2)
}

/// list with v added at its end (in place when the list ends the arena).
fn grow(vals: &mut Vec<Val>, list: (u32, u32), v: Val) -> Val {
    let (s, e) = list;
    if e as usize == vals.len() {
        vals.push(v);
        return Val::List(s, e + 1);
    }
    let start = vals.len() as u32;
    vals.extend_from_within(s as usize..e as usize);
    vals.push(v);
    Val::List(start, vals.len() as u32)
}

/// Adds a repeated value under a name as Kong's tables hold one: a second value makes
/// a list, later ones grow it. The name is in the text already (span).
fn merge(table: &mut Vec<Field>, text: &[u8], vals: &mut Vec<Val>, name: Span, v: Val) {
    match index(table, text, bytes(text, name)) {
        None => table.push(Field { name, v }),
        Some(i) => {
            table[i].v = match table[i].v {
                Val::List(s, e) => grow(vals, (s, e), v),
                old => pair(vals, old, v),
            }
        }
    }
}

/// Kong's append_value: a string becomes a list of it and the new value, a list grows,
/// anything else (nil, a flag) is replaced by a list of the value.
fn append_value(vals: &mut Vec<Val>, old: Val, v: Val) -> Val {
    match old {
        Val::List(s, e) => grow(vals, (s, e), v),
        Val::Str(..) | Val::Table => pair(vals, old, v),
        Val::Nil | Val::True => {
            let start = vals.len() as u32;
            vals.push(v);
            Val::List(start, start + 1)
        }
    }
}

/// Appends a value as a template prints it: a list's values joined by ", " (where Lua
/// would print the table's address), true as "true", nil and tables as nothing.
fn print(text: &[u8], vals: &[Val], v: Val, out: &mut Vec<u8>) {
    match v {
        Val::Str(s, e) => out.extend_from_slice(&text[s as usize..e as usize]),
        Val::True => out.extend_from_slice(b"true"),
        Val::List(s, e) => {
            for (i, &e) in vals[s as usize..e as usize].iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(b", ");
                }
                print(text, vals, e, out);
            }
        }
        Val::Nil | Val::Table => {}
    }
}

/// Reads a query string or form body into a table as Kong's PDK holds it: decoded
/// names (an empty one skipped) with a string, true for a flag, or a list.
fn parse_args(src: &[u8], table: &mut Vec<Field>, text: &mut Vec<u8>, vals: &mut Vec<Val>) {
    request::each_arg(src, |k, v| {
        let start = text.len() as u32;
        request::push_unescaped(text, k);
        let name = (start, text.len() as u32);
        if name.0 == name.1 {
            return;
        }
        let v = match v {
            None => Val::True,
            Some(v) => {
                let start = text.len() as u32;
                request::push_unescaped(text, v);
                Val::Str(start, text.len() as u32)
            }
        };
        merge(table, text, vals, name, v);
    });
}

/// Writes a table as Kong's set_query does: each name's arguments (a flag bare, a list
/// as repeated arguments, nil not at all) escaped as ngx.encode_args does, the names'
/// pieces sorted bytewise and joined by '&'.
fn encode(table: &[Field], s: &mut Scratch, out: &mut Vec<u8>) {
    s.pieces.clear();
    s.piece_text.clear();
    for f in table {
        let start = s.piece_text.len();
        let name = bytes(&s.text, f.name);
        match f.v {
            Val::List(a, b) => {
                for &e in &s.vals[a as usize..b as usize] {
                    push_arg(&mut s.piece_text, start, name, e, &s.text);
                }
            }
            v => push_arg(&mut s.piece_text, start, name, v, &s.text),
        }
        if s.piece_text.len() > start {
            s.pieces.push((start as u32, s.piece_text.len() as u32));
        }
    }
    let text = &s.piece_text;
    s.pieces.sort_unstable_by(|a, b| bytes(text, *a).cmp(bytes(text, *b)));
    for (i, &p) in s.pieces.iter().enumerate() {
        if i > 0 {
            out.push(b'&');
        }
        out.extend_from_slice(bytes(text, p));
    }
}

/// Appends one argument of a piece that starts at start ('&' first unless it is the
/// piece's first): a flag bare, a string as name=value (anything else that is not nil,
/// a list in a list, with an empty value), nil not at all.
fn push_arg(buf: &mut Vec<u8>, start: usize, name: &[u8], v: Val, text: &[u8]) {
    if v == Val::Nil {
        return;
    }
    if buf.len() > start {
        buf.push(b'&');
    }
    request::push_uri_component(buf, name);
    match v {
        Val::True => {}
        Val::Str(a, b) => {
            buf.push(b'=');
            request::push_uri_component(buf, &text[a as usize..b as usize]);
        }
        _ => buf.push(b'='),
    }
}

/// The body's kinds Kong transforms, by content type.
#[derive(PartialEq, Clone, Copy)]
enum Kind {
    Json,
    Multipart,
    Form,
    Other,
}

fn kind(content_type: &[u8], lower: &mut Vec<u8>) -> Kind {
    lower.clear();
    push_lower(lower, content_type);
    let has = |needle: &[u8]| find(lower, needle, 0).is_some();
    if has(b"application/json") {
        Kind::Json
    } else if has(b"multipart/form-data") {
        Kind::Multipart
    } else if has(b"application/x-www-form-urlencoded") {
        Kind::Form
    } else {
        Kind::Other
    }
}

/// Percent-encodes what may not stand in a path (spaces, controls, non-ASCII, and
/// "<>\^`{|}#?), keeping existing escapes.
fn push_escaped_path(out: &mut Vec<u8>, p: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &c in p {
        if c <= b' ' || c >= 0x7f || b"\"<>\\^`{|}#?".contains(&c) {
            out.extend_from_slice(&[b'%', HEX[(c >> 4) as usize], HEX[(c & 15) as usize]]);
        } else {
            out.push(c);
        }
    }
}

/// Where the bytes of a multipart part come from: the request body, or the text.
#[derive(Clone, Copy)]
enum Src {
    Body(u32, u32),
    Text(u32, u32),
}

/// One field of a multipart/form-data body: its name, its header lines as they came
/// (None for a field the plugin wrote, whose one line names it), and its value.
#[derive(Clone, Copy)]
struct Part {
    name: Src,
    head: Option<(u32, u32)>,
    value: Src,
}

/// The request being transformed: what Kong's steps read and change, and the template
/// environment, whose tables load on first use as in Kong.
struct Exchange<'a> {
    c: &'a Config,
    s: &'a mut Scratch,
    /// The plugin runs in the body callback (or with no body to come): body is readable.
    have_body: bool,
    body_size: usize,
    body_read: bool,
    method: Span,
    /// The request's :method, :path and :authority as they came.
    orig_method: Span,
    orig_path: Span,
    orig_authority: Span,
    /// The request's first Content-Type as it came.
    content_type: Span,
    authority: Span,
    /// The path or the query changed: :path is rewritten from s.path and s.query.
    path_set: bool,
    body_set: bool,
    env_headers: bool,
    env_query: bool,
    captures: bool,
}

/// The request headers callback: wait for the body when the configuration needs it.
pub fn on_request(c: &Config, s: &mut Scratch) -> Action {
    if c.reads_body() {
        return Action::ReadBody;
    }
    execute(c, s, false, 0)
}

/// The request body callback, once the whole body is in (size bytes).
pub fn on_request_body(c: &Config, s: &mut Scratch, size: usize) -> Action {
    execute(c, s, true, size)
}

/// Runs Kong's steps in its order (uri, method, headers, body, query) and applies
/// their changes; a path that does not start with '/', or a template that fails, ends
/// the request with a 500 instead.
fn execute(c: &Config, s: &mut Scratch, have_body: bool, size: usize) -> Action {
    s.reset();
    let mut x = Exchange::new(c, s, have_body, size);
    x.read_headers();
    if let Err(e) = x.steps() {
        host::log_error(&format!("request-transformer: {}", e));
        host::send_error(500, "An unexpected error occurred", &host::Headers::default());
        return Action::Stop;
    }
    x.apply();
    Action::Continue
}

impl<'a> Exchange<'a> {
    fn new(c: &'a Config, s: &'a mut Scratch, have_body: bool, body_size: usize) -> Exchange<'a> {
        Exchange {
            c,
            s,
            have_body,
            body_size,
            body_read: false,
            method: (0, 0),
            orig_method: (0, 0),
            orig_path: (0, 0),
            orig_authority: (0, 0),
            content_type: (0, 0),
            authority: (0, 0),
            path_set: false,
            body_set: false,
            env_headers: false,
            env_query: false,
            captures: false,
        }
    }

    /// Kong's steps, in its order.
    fn steps(&mut self) -> Result<(), String> {
        self.uri()?;
        self.http_method();
        self.transform_headers()?;
        self.transform_body()?;
        self.transform_query()
    }

    /// Reads the request's header map into the tables: the fields the steps use when
    /// the configuration names them all (Config::fields), else every field (and on a
    /// host without weir.header_fields).
    fn read_headers(&mut self) {
        let mut map = std::mem::take(&mut self.s.map);
        let narrowed = match &self.c.fields {
            Some(args) => host::foreign("weir.header_fields", args, &mut map).is_ok(),
            None => false,
        };
        if !narrowed {
            map.clear();
            if let Err(e) = host::header_map(MAP, &mut map) {
                host::log_error(&format!("weir: read request headers: {}", e));
            }
        }
        match host::pairs(&map) {
            Some(fields) => self.headers_from(fields),
            None => host::log_error("weir: read request headers: malformed header map"),
        }
        self.s.map = map;
    }

    /// Fills the tables from the request's header fields: the pseudo-headers apart, Host
    /// apart (it is :authority), a repeated name as a list.
    fn headers_from<'f>(&mut self, fields: impl Iterator<Item = (&'f [u8], &'f [u8])>) {
        let s = &mut *self.s;
        let (mut method, mut path, mut authority, mut ct) = (None, None, None, None);
        for (k, v) in fields {
            let start = s.text.len() as u32;
            push_lower(&mut s.text, k);
            let name = (start, s.text.len() as u32);
            let value = push_text(&mut s.text, v);
            let first = |slot: &mut Option<Span>| {
                if slot.is_none() {
                    *slot = Some(value);
                }
            };
            match bytes(&s.text, name) {
                b":method" => first(&mut method),
                b":path" => first(&mut path),
                b":authority" => first(&mut authority),
                b"content-type" => first(&mut ct),
                _ => {}
            }
            if k.first() == Some(&b':') || bytes(&s.text, name) == b"host" {
                continue;
            }
            merge(&mut s.orig, &s.text, &mut s.vals, name, Val::Str(value.0, value.1));
        }
        let none = (0, 0);
        self.orig_method = method.unwrap_or(none);
        self.method = self.orig_method;
        self.orig_path = path.unwrap_or(none);
        self.orig_authority = authority.unwrap_or(none);
        self.authority = self.orig_authority;
        self.content_type = ct.unwrap_or(none);
        s.headers.extend_from_slice(&s.orig);
        // the path and the query, as the path step and the query step edit them
        let raw = bytes(&s.text, self.orig_path);
        let (p, q) = cut(raw, b"?");
        s.path.extend_from_slice(p);
        s.query.extend_from_slice(q.unwrap_or(b""));
    }

    /// The request body, read once (empty outside the body callback).
    fn read_body(&mut self) {
        if self.body_read {
            return;
        }
        self.body_read = true;
        if !self.have_body {
            return;
        }
        if let Err(e) = host::body(host::BUFFER_REQUEST_BODY, self.body_size, &mut self.s.body) {
            host::log_error(&format!("weir: read body: {}", e));
        }
    }

    /// Expands a configured value into the text.
    fn render(&mut self, t: &Template) -> Result<Span, String> {
        if t.plain {
            return Ok(push_text(&mut self.s.text, t.raw.as_bytes()));
        }
        let mut out = std::mem::take(&mut self.s.render);
        out.clear();
        for piece in &t.pieces {
            match piece {
                Piece::Text(text) => out.extend_from_slice(text.as_bytes()),
                Piece::Expr(text, terms) => match self.eval(terms) {
                    Ok(v) => print(&self.s.text, &self.s.vals, v, &mut out),
                    Err(e) => {
                        self.s.render = out;
                        return Err(format!("failed to render the template {}, error:{}: {}", t.raw, e, text));
                    }
                },
            }
        }
        let span = push_text(&mut self.s.text, &out);
        self.s.render = out;
        Ok(span)
    }

    /// Evaluates `term { or term }`: every term, the first that is not nil wins.
    fn eval(&mut self, terms: &[Term]) -> Result<Val, &'static str> {
        let mut v = Val::Nil;
        for t in terms {
            let next = self.term(t)?;
            if v == Val::Nil {
                v = next;
            }
        }
        Ok(v)
    }

    fn term(&mut self, t: &Term) -> Result<Val, &'static str> {
        let (root, key) = match t {
            Term::Quoted(q) => {
                let (a, b) = push_text(&mut self.s.text, q);
                return Ok(Val::Str(a, b));
            }
            Term::Name(root, key) => (*root, key),
        };
        match (root, key) {
            (Root::Unknown, _) => Err(ERR_TEMPLATE),
            (Root::Nil, Some(_)) => Err(ERR_INDEX),
            (Root::Nil, None) => Ok(Val::Nil),
            (_, None) => {
                self.load(root);
                Ok(Val::Table)
            }
            (_, Some(k)) => {
                self.load(root);
                Ok(self.lookup(root, k))
            }
        }
    }

    /// Reads a table of the environment from the request the first time a template
    /// names it: the headers as the steps so far left them, with Host; the query.
    fn load(&mut self, root: Root) {
        let s = &mut *self.s;
        match root {
            Root::Headers if !self.env_headers => {
                self.env_headers = true;
                s.env_headers.extend_from_slice(&s.headers);
                let host = Val::Str(self.authority.0, self.authority.1);
                set(&mut s.env_headers, &mut s.text, b"host", host);
            }
            Root::QueryParams if !self.env_query => {
                self.env_query = true;
                parse_args(&s.query, &mut s.env_query, &mut s.text, &mut s.vals);
            }
            Root::UriCaptures if !self.captures => {
                self.captures = true;
                s.scratch.clear();
                if !host::property(b"weir\0uri_captures", &mut s.scratch) {
                    return;
                }
                for (k, v) in host::pairs(&s.scratch).into_iter().flatten() {
                    let name = push_text(&mut s.text, k);
                    let (a, b) = push_text(&mut s.text, v);
                    match index(&s.captures, &s.text, k) {
                        Some(i) => s.captures[i].v = Val::Str(a, b),
                        None => s.captures.push(Field { name, v: Val::Str(a, b) }),
                    }
                }
            }
            _ => {}
        }
    }

    fn lookup(&mut self, root: Root, k: &Key) -> Val {
        let s = &mut *self.s;
        match root {
            Root::Headers => get(&s.env_headers, &s.text, &k.header),
            Root::QueryParams => get(&s.env_query, &s.text, &k.raw),
            Root::UriCaptures => get(&s.captures, &s.text, &k.raw),
            Root::Shared => {
                // weir.ctx.<key>, where the request's plugins share values (Kong's
                // kong.ctx.shared); an empty value is none.
                s.scratch.clear();
                s.scratch.extend_from_slice(b"weir\0ctx\0");
                s.scratch.extend_from_slice(&k.raw);
                let start = s.text.len() as u32;
                if host::property(&s.scratch, &mut s.text) && s.text.len() as u32 > start {
                    return Val::Str(start, s.text.len() as u32);
                }
                s.text.truncate(start as usize);
                Val::Nil
            }
            _ => Val::Nil,
        }
    }

    /// replace.uri: the path, rendered and escaped; it must start with '/'.
    fn uri(&mut self) -> Result<(), String> {
        let c = self.c;
        let t = match &c.uri {
            Some(t) => t,
            None => return Ok(()),
        };
        let p = self.render(t)?;
        let s = &mut *self.s;
        let p = bytes(&s.text, p);
        if p.first() != Some(&b'/') {
            return Err(format!("replace.uri {}: path must start with /", host::go_quote(p)));
        }
        s.path.clear();
        push_escaped_path(&mut s.path, p);
        self.path_set = true;
        Ok(())
    }

    /// http_method: changes the method; to GET, HEAD or TRACE a form body's arguments
    /// also join the query (the body stays).
    fn http_method(&mut self) {
        let c = self.c;
        let m = match &c.method {
            Some(m) => m,
            None => return,
        };
        let s = &mut *self.s;
        self.method = push_text(&mut s.text, m);
        if !c.merges_body || kind(bytes(&s.text, self.content_type), &mut s.scratch) != Kind::Form {
            return;
        }
        self.read_body();
        let s = &mut *self.s;
        s.form.clear();
        parse_args(&s.body, &mut s.form, &mut s.text, &mut s.vals);
        if s.form.is_empty() {
            return;
        }
        s.args.clear();
        parse_args(&s.query, &mut s.args, &mut s.text, &mut s.vals);
        for i in 0..s.form.len() {
            let f = s.form[i];
            merge(&mut s.args, &s.text, &mut s.vals, f.name, f.v);
        }
        let args = std::mem::take(&mut s.args);
        s.query.clear();
        let mut query = std::mem::take(&mut s.query);
        encode(&args, s, &mut query);
        s.query = query;
        s.args = args;
        self.path_set = true;
    }

    /// The header operations, with Kong's rules: replace only what is there (Host
    /// always), add only what is not (never Host), append always.
    fn transform_headers(&mut self) -> Result<(), String> {
        let c = self.c;
        let ops = &c.headers;
        for h in &ops.remove {
            let s = &mut *self.s;
            del(&mut s.headers, &s.text, &h.lower);
        }
        for r in &ops.rename {
            let s = &mut *self.s;
            let v = get(&s.headers, &s.text, &r.from.key);
            if v != Val::Nil && !r.same {
                del(&mut s.headers, &s.text, &r.from.lower);
                set(&mut s.headers, &mut s.text, &r.to.lower, v);
            }
        }
        for (h, t) in &ops.replace {
            let (a, b) = self.render(t)?;
            let s = &mut *self.s;
            if h.host {
                self.authority = (a, b);
            } else if get(&s.headers, &s.text, &h.key) != Val::Nil {
                set(&mut s.headers, &mut s.text, &h.lower, Val::Str(a, b));
            }
        }
        for (h, t) in &ops.add {
            let (a, b) = self.render(t)?;
            let s = &mut *self.s;
            if !h.host && get(&s.headers, &s.text, &h.key) == Val::Nil {
                set(&mut s.headers, &mut s.text, &h.lower, Val::Str(a, b));
            }
        }
        for (h, t) in &ops.append {
            let (a, b) = self.render(t)?;
            if h.host {
                self.authority = (a, b); // Kong's table has no Host: appending sets it
                continue;
            }
            let s = &mut *self.s;
            let old = get(&s.headers, &s.text, &h.key);
            let v = append_value(&mut s.vals, old, Val::Str(a, b));
            set(&mut s.headers, &mut s.text, &h.lower, v);
        }
        Ok(())
    }

    /// The operations on a query or form table (s.args). full is false for an empty
    /// body: Kong then skips remove, rename and replace. Whether anything ran that makes
    /// Kong write the table again.
    fn transform_args(&mut self, ops: &'a ArgOps, full: bool) -> Result<bool, String> {
        let mut changed = false;
        if full {
            for name in &ops.remove {
                let s = &mut *self.s;
                del(&mut s.args, &s.text, name.as_bytes());
                changed = true;
            }
            for (from, to) in &ops.rename {
                let s = &mut *self.s;
                let v = get(&s.args, &s.text, from.as_bytes());
                if v != Val::Nil && from != to {
                    del(&mut s.args, &s.text, from.as_bytes());
                    set(&mut s.args, &mut s.text, to.as_bytes(), v);
                    changed = true;
                }
            }
            for (name, t) in &ops.replace {
                let (a, b) = self.render(t)?;
                let s = &mut *self.s;
                if get(&s.args, &s.text, name.as_bytes()) != Val::Nil {
                    set(&mut s.args, &mut s.text, name.as_bytes(), Val::Str(a, b));
                    changed = true;
                }
            }
        }
        for (name, t) in &ops.add {
            let (a, b) = self.render(t)?;
            let s = &mut *self.s;
            if get(&s.args, &s.text, name.as_bytes()) == Val::Nil {
                set(&mut s.args, &mut s.text, name.as_bytes(), Val::Str(a, b));
                changed = true;
            }
        }
        for (name, t) in &ops.append {
            let (a, b) = self.render(t)?;
            let s = &mut *self.s;
            let old = get(&s.args, &s.text, name.as_bytes());
            let v = append_value(&mut s.vals, old, Val::Str(a, b));
            set(&mut s.args, &mut s.text, name.as_bytes(), v);
            changed = true;
        }
        Ok(changed)
    }

    /// The body operations on a JSON, form or multipart body, by the content type the
    /// header operations left.
    fn transform_body(&mut self) -> Result<(), String> {
        if !self.c.body.any() || !self.have_body {
            return Ok(());
        }
        let s = &mut *self.s;
        let ct = match get(&s.headers, &s.text, b"content-type") {
            Val::List(a, _) => s.vals[a as usize],
            v => v,
        };
        let ct = match ct {
            Val::Str(a, b) => (a, b),
            _ => (0, 0),
        };
        let k = kind(bytes(&s.text, ct), &mut s.scratch);
        self.read_body();
        let body = std::mem::take(&mut self.s.body);
        let done = match k {
            Kind::Form => self.transform_form(&body),
            Kind::Json => self.transform_json(&body),
            Kind::Multipart => self.transform_multipart(&body, ct),
            Kind::Other => Ok(false),
        };
        self.s.body = body;
        self.body_set = done?;
        Ok(())
    }

    fn transform_form(&mut self, raw: &[u8]) -> Result<bool, String> {
        let s = &mut *self.s;
        s.args.clear();
        parse_args(raw, &mut s.args, &mut s.text, &mut s.vals);
        let c = self.c;
        if !self.transform_args(&c.body, !raw.is_empty())? {
            return Ok(false);
        }
        let s = &mut *self.s;
        let args = std::mem::take(&mut s.args);
        let mut out = std::mem::take(&mut s.out);
        encode(&args, s, &mut out);
        s.out = out;
        s.args = args;
        Ok(true)
    }

    /// The operations on a JSON object's top-level fields. Untouched values keep their
    /// JSON as it came; configured values are strings. Truth is Lua's: a field that is
    /// false counts as absent for rename, replace and add, null as present. A body that
    /// is not an object (or blank) is left as it is; an empty one starts empty.
    fn transform_json(&mut self, raw: &[u8]) -> Result<bool, String> {
        let mut obj = if raw.is_empty() {
            Object::new()
        } else {
            match Object::parse(raw) {
                Some(o) => o,
                None => return Ok(false),
            }
        };
        let c = self.c;
        let (ops, full) = (&c.body, !raw.is_empty());
        let mut changed = false;
        if full {
            for name in &ops.remove {
                obj.remove(name);
                changed = true;
            }
            for (from, to) in &ops.rename {
                if obj.truthy(from) && from != to {
                    if let Some(v) = obj.get_value(from) {
                        obj.set(to, v);
                    }
                    obj.remove(from);
                    changed = true;
                }
            }
            for (name, t) in &ops.replace {
                let v = self.render_json(t)?;
                if obj.truthy(name) {
                    obj.set(name, Cow::Owned(v));
                    changed = true;
                }
            }
        }
        for (name, t) in &ops.add {
            let v = self.render_json(t)?;
            if !obj.truthy(name) {
                obj.set(name, Cow::Owned(v));
                changed = true;
            }
        }
        for (name, t) in &ops.append {
            let v = self.render_json(t)?;
            let appended = json::append(obj.get(name), &v);
            obj.set(name, Cow::Owned(appended));
            changed = true;
        }
        if changed {
            self.s.out.reserve(raw.len() + 64);
            obj.push_json(&mut self.s.out);
        }
        Ok(changed)
    }

    /// A configured value rendered as a JSON string.
    fn render_json(&mut self, t: &Template) -> Result<Vec<u8>, String> {
        let v = self.render(t)?;
        let mut out = Vec::with_capacity((v.1 - v.0) as usize + 2);
        json::push_bytes_plain(&mut out, bytes(&self.s.text, v));
        Ok(out)
    }

    /// Kong's multipart operations, in its order for this body type: rename, remove,
    /// replace, add (append does not apply). A replaced field moves to the end, as Kong
    /// deletes it and sets it again.
    fn transform_multipart(&mut self, raw: &[u8], content_type: Span) -> Result<bool, String> {
        let ct = bytes(&self.s.text, content_type);
        let b = span_in(ct, boundary(ct), content_type.0);
        let mut parts = std::mem::take(&mut self.s.parts);
        parts.clear();
        let r = if raw.is_empty() || parse_multipart(raw, bytes(&self.s.text, b), &mut parts) {
            self.multipart_ops(raw, &mut parts)
        } else {
            Ok(false)
        };
        if let Ok(true) = r {
            let s = &mut *self.s;
            let out = &mut s.out;
            let b = bytes(&s.text, b);
            for p in &parts {
                out.extend_from_slice(b"--");
                out.extend_from_slice(b);
                out.extend_from_slice(b"\r\n");
                match p.head {
                    Some((h0, h1)) => out.extend_from_slice(&raw[h0 as usize..h1 as usize]),
                    None => {
                        out.extend_from_slice(b"Content-Disposition: form-data; name=\"");
                        out.extend_from_slice(src(raw, &s.text, p.name));
                        out.push(b'"');
                    }
                }
                out.extend_from_slice(b"\r\n\r\n");
                out.extend_from_slice(src(raw, &s.text, p.value));
                out.extend_from_slice(b"\r\n");
            }
            out.extend_from_slice(b"--");
            out.extend_from_slice(b);
            out.extend_from_slice(b"--\r\n");
        }
        self.s.parts = parts;
        r
    }

    fn multipart_ops(&mut self, raw: &[u8], parts: &mut Vec<Part>) -> Result<bool, String> {
        let c = self.c;
        let (ops, full) = (&c.body, !raw.is_empty());
        let mut changed = false;
        if full {
            for (from, to) in &ops.rename {
                if let Some(i) = find_part(parts, raw, &self.s.text, from.as_bytes()) {
                    if from != to {
                        let v = parts[i].value;
                        self.set_part(parts, raw, to, v);
                        del_part(parts, raw, &self.s.text, from.as_bytes());
                        changed = true;
                    }
                }
            }
            for name in &ops.remove {
                del_part(parts, raw, &self.s.text, name.as_bytes());
                changed = true;
            }
            for (name, t) in &ops.replace {
                let (a, b) = self.render(t)?;
                if find_part(parts, raw, &self.s.text, name.as_bytes()).is_some() {
                    del_part(parts, raw, &self.s.text, name.as_bytes());
                    self.set_part(parts, raw, name, Src::Text(a, b));
                    changed = true;
                }
            }
        }
        for (name, t) in &ops.add {
            let (a, b) = self.render(t)?;
            if find_part(parts, raw, &self.s.text, name.as_bytes()).is_none() {
                self.set_part(parts, raw, name, Src::Text(a, b));
                changed = true;
            }
        }
        Ok(changed)
    }

    /// Sets a field as lua-multipart's set_simple writes one: in place of the first of
    /// that name, or at the end.
    fn set_part(&mut self, parts: &mut Vec<Part>, raw: &[u8], name: &str, value: Src) {
        let (a, b) = push_text(&mut self.s.text, name.as_bytes());
        let p = Part { name: Src::Text(a, b), head: None, value };
        match find_part(parts, raw, &self.s.text, name.as_bytes()) {
            Some(i) => parts[i] = p,
            None => parts.push(p),
        }
    }

    /// The query operations, on the query as templates see it; with any, the query is
    /// written again.
    fn transform_query(&mut self) -> Result<(), String> {
        if !self.c.query.any() {
            return Ok(());
        }
        self.load(Root::QueryParams);
        let s = &mut *self.s;
        s.args.clear();
        s.args.extend_from_slice(&s.env_query);
        let c = self.c;
        self.transform_args(&c.query, true)?;
        let s = &mut *self.s;
        let args = std::mem::take(&mut s.args);
        let mut query = std::mem::take(&mut s.query);
        query.clear();
        encode(&args, s, &mut query);
        s.query = query;
        s.args = args;
        self.path_set = true;
        Ok(())
    }

    /// Writes the changes to the request: the pseudo-headers that changed, each header
    /// the operations changed, and the body.
    fn apply(&mut self) {
        let mut errs: Vec<host::Status> = Vec::new();
        let mut note = |r: Result<(), host::Status>| {
            if let Err(e) = r {
                errs.push(e);
            }
        };
        let s = &mut *self.s;
        let target = if self.path_set {
            let start = s.text.len() as u32;
            s.text.extend_from_slice(&s.path);
            if !s.query.is_empty() {
                s.text.push(b'?');
                s.text.extend_from_slice(&s.query);
            }
            (start, s.text.len() as u32)
        } else {
            self.orig_path
        };
        if self.body_set {
            let start = s.text.len() as u32;
            host::push_int(&mut s.text, s.out.len() as i64);
            let n = Val::Str(start, s.text.len() as u32);
            set(&mut s.headers, &mut s.text, b"content-length", n);
        }
        for (name, now, was) in [(":method", self.method, self.orig_method), (":path", target, self.orig_path), (":authority", self.authority, self.orig_authority)] {
            if bytes(&s.text, now) != bytes(&s.text, was) {
                note(host::replace_header(MAP, name, bytes(&s.text, now)));
            }
        }
        write_header_changes(s, &mut note);
        if !errs.is_empty() {
            let msgs: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
            host::log_error(&format!("request-transformer: set headers: {}", msgs.join("\n")));
        }
        if self.body_set {
            if let Err(e) = host::replace_body(host::BUFFER_REQUEST_BODY, &s.out) {
                host::log_error(&format!("request-transformer: set body: {}", e));
            }
        }
    }
}

/// Sends the host what the operations changed, header by header (a configuration
/// edits a few headers of many): a header removed is removed; one set to a single value
/// over a single value is replaced in place; any other change removes the name and
/// adds its values, in order, at the end, where a rebuilt map would put them too.
fn write_header_changes(s: &mut Scratch, note: &mut impl FnMut(Result<(), host::Status>)) {
    s.matched.clear();
    s.kept.clear();
    s.kept.resize(s.orig.len(), false);
    // The steps keep the fields they leave in their order, and a field they leave
    // keeps its name's span: the next field of the original is tried first, and spans
    // are compared before bytes (a byte comparison is a call to a byte loop in wasm).
    let mut next = 0;
    for f in &s.headers {
        let text = &s.text;
        let same_name = |o: &Field| o.name == f.name || bytes(text, o.name) == bytes(text, f.name);
        let i = match s.orig.get(next) {
            Some(o) if same_name(o) => Some(next),
            _ => s.orig.iter().position(same_name),
        };
        if let Some(i) = i {
            s.kept[i] = true;
            next = i + 1;
        }
        s.matched.push(i);
    }
    for (i, f) in s.orig.iter().enumerate() {
        if !s.kept[i] {
            note(host::remove_header(MAP, bytes(&s.text, f.name)));
        }
    }
    let mut value = std::mem::take(&mut s.render);
    for (j, f) in s.headers.iter().enumerate() {
        let name = bytes(&s.text, f.name);
        let was = s.matched[j].map(|i| s.orig[i].v);
        if let Some(was) = was {
            if same_values(&s.text, &s.vals, was, f.v) {
                continue;
            }
            if !matches!(was, Val::List(..)) && !matches!(f.v, Val::List(..)) {
                value.clear();
                print(&s.text, &s.vals, f.v, &mut value);
                note(host::replace_header(MAP, name, &value));
                continue;
            }
            note(host::remove_header(MAP, name));
        }
        match f.v {
            Val::List(a, b) => {
                for &e in &s.vals[a as usize..b as usize] {
                    value.clear();
                    print(&s.text, &s.vals, e, &mut value);
                    note(host::add_header(MAP, name, &value));
                }
            }
            v => {
                value.clear();
                print(&s.text, &s.vals, v, &mut value);
                note(host::add_header(MAP, name, &value));
            }
        }
    }
    s.render = value;
}

/// Whether a header's value (or list of values) is unchanged, as printed.
fn same_values(text: &[u8], vals: &[Val], a: Val, b: Val) -> bool {
    let same = |x: Val, y: Val| match (x, y) {
        (Val::Str(x0, x1), Val::Str(y0, y1)) => (x0, x1) == (y0, y1) || text[x0 as usize..x1 as usize] == text[y0 as usize..y1 as usize],
        _ => {
            let (mut px, mut py) = (Vec::new(), Vec::new());
            print(text, vals, x, &mut px);
            print(text, vals, y, &mut py);
            px == py
        }
    };
    match (a, b) {
        (Val::List(a0, a1), Val::List(b0, b1)) => {
            a1 - a0 == b1 - b0 && vals[a0 as usize..a1 as usize].iter().zip(&vals[b0 as usize..b1 as usize]).all(|(&x, &y)| same(x, y))
        }
        (Val::List(..), _) | (_, Val::List(..)) => false,
        _ => same(a, b),
    }
}

fn src<'b>(body: &'b [u8], text: &'b [u8], s: Src) -> &'b [u8] {
    match s {
        Src::Body(a, b) => &body[a as usize..b as usize],
        Src::Text(a, b) => &text[a as usize..b as usize],
    }
}

fn find_part(parts: &[Part], body: &[u8], text: &[u8], name: &[u8]) -> Option<usize> {
    parts.iter().position(|p| src(body, text, p.name) == name)
}

fn del_part(parts: &mut Vec<Part>, body: &[u8], text: &[u8], name: &[u8]) {
    if let Some(i) = find_part(parts, body, text, name) {
        parts.remove(i);
    }
}

/// The boundary parameter of a multipart content type (quotes trimmed).
fn boundary(content_type: &[u8]) -> &[u8] {
    for p in pieces(content_type, b";") {
        if let (k, Some(v)) = cut(trim_space(p), b"=") {
            if equal_fold(k, "boundary") {
                return trim_quotes(v);
            }
        }
    }
    b""
}

/// s without the double quotes at either end.
fn trim_quotes(s: &[u8]) -> &[u8] {
    let start = s.iter().position(|&c| c != b'"').unwrap_or(s.len());
    let end = s.iter().rposition(|&c| c != b'"').map_or(start, |e| e + 1);
    &s[start..end]
}

/// Splits a multipart body (boundary b) into its parts, spans of body; false when it is
/// not one.
fn parse_multipart(body: &[u8], b: &[u8], parts: &mut Vec<Part>) -> bool {
    let mut delim = b"--".to_vec();
    delim.extend_from_slice(b);
    if b.is_empty() || !body.starts_with(&delim) {
        return false;
    }
    let mut sep = b"\r\n".to_vec();
    sep.extend_from_slice(&delim);
    let base = delim.len();
    let rest = &body[base..];
    let mut at = 0; // where the next chunk starts in rest
    for chunk in pieces(rest, &sep) {
        let chunk_start = at;
        at += chunk.len() + sep.len();
        if chunk.starts_with(b"--") {
            break; // the closing delimiter
        }
        let skip = if chunk.starts_with(b"\r\n") { 2 } else { 0 };
        let chunk = &chunk[skip..];
        let start = base + chunk_start + skip;
        let i = match find(chunk, b"\r\n\r\n", 0) {
            Some(i) => i,
            None => return false,
        };
        let head = &chunk[..i];
        let mut name = (0, 0);
        for line in pieces(head, b"\r\n") {
            let (k, v) = cut(line, b":");
            if equal_fold(trim_space(k), "content-disposition") {
                name = span_in(body, disposition_name(v.unwrap_or(b"")), 0);
            }
        }
        let at = |a: usize, b: usize| (a as u32, b as u32);
        let value = at(start + i + 4, start + chunk.len());
        parts.push(Part { name: Src::Body(name.0, name.1), head: Some(at(start, start + i)), value: Src::Body(value.0, value.1) });
    }
    true
}

/// Where sub, a slice of whole (or empty), is in the text whole starts at base.
fn span_in(whole: &[u8], sub: &[u8], base: u32) -> Span {
    if sub.is_empty() {
        return (base, base);
    }
    let off = (sub.as_ptr() as usize - whole.as_ptr() as usize) as u32 + base;
    (off, off + sub.len() as u32)
}

/// The name parameter of a Content-Disposition value (quotes trimmed); empty without.
fn disposition_name(v: &[u8]) -> &[u8] {
    for p in pieces(v, b";") {
        if let (k, Some(val)) = cut(trim_space(p), b"=") {
            if equal_fold(k, "name") {
                return trim_quotes(val);
            }
        }
    }
    b""
}


#[cfg(test)]
mod tests {
    use super::*;

    /// A configuration whose templates leave the headers table alone names the fields
    /// its steps use, in both forms; one whose templates read it names none.
    #[test]
    fn names_the_header_fields_it_uses() {
        let fields = |raw: &str| -> Option<Vec<String>> {
            Config::parse(raw.as_bytes()).unwrap().fields.map(|f| {
                assert_eq!(f[..4], MAP.to_le_bytes());
                f[4..].split(|&b| b == 0).map(|n| String::from_utf8(n.to_vec()).unwrap()).collect()
            })
        };
        let always = [":method", ":path", ":authority", "content-type", "content-length"];
        let with = |names: &[&str]| Some(always.iter().chain(names).map(|n| n.to_string()).collect::<Vec<_>>());
        assert_eq!(fields("{}"), with(&[]));
        assert_eq!(fields(r#"{"add":{"headers":["X_Bench:1"],"querystring":["q:$(query_params.a)"]}}"#), with(&["x_bench", "x-bench"]));
        assert_eq!(
            fields(r#"{"remove":{"headers":["x-drop"]},"rename":{"headers":["a:B"]},"replace":{"headers":["x-drop:2","Content-Type:t"]},"append":{"headers":["c:$(shared.k)"]}}"#),
            with(&["x-drop", "a", "b", "c"])
        );
        for reads in [
            r#"{"add":{"headers":["x-a:$(headers.b)"]}}"#,
            r#"{"append":{"headers":["x-a:$(query_params.q or headers[\"x-b\"])"]}}"#,
            r#"{"add":{"querystring":["q:v$(headers)"]}}"#,
            r#"{"replace":{"body":["f:$(headers.x)"]}}"#,
            r#"{"replace":{"uri":"/$(headers.x)"}}"#,
        ] {
            assert_eq!(fields(reads), None, "{}", reads);
        }
    }

    /// is_lower_ascii agrees with a byte-at-a-time test for every byte value at every
    /// position of names around the eight-byte words.
    #[test]
    fn tells_lower_case_ascii_as_a_byte_test_does() {
        for n in 0..20 {
            for pos in 0..n {
                for c in 0..=255u8 {
                    let mut s = vec![b'a'; n];
                    s[pos] = c;
                    let want = s.iter().all(|&c| c < 0x80 && !c.is_ascii_uppercase());
                    assert_eq!(is_lower_ascii(&s), want, "{:?}", s);
                }
            }
        }
    }

    fn config(raw: &str) -> Config {
        Config::parse(raw.as_bytes()).unwrap()
    }

    /// An exchange over a request with these header fields (pseudo-headers included)
    /// and body, as the body callback sees it.
    fn exchange<'a>(c: &'a Config, s: &'a mut Scratch, headers: &[(&str, &str)], body: &[u8]) -> Exchange<'a> {
        s.reset();
        s.body.extend_from_slice(body);
        let mut x = Exchange::new(c, s, true, body.len());
        x.body_read = true;
        x.headers_from(headers.iter().map(|(k, v)| (k.as_bytes(), v.as_bytes())));
        x
    }

    fn text(x: &Exchange, span: Span) -> String {
        String::from_utf8_lossy(bytes(&x.s.text, span)).into_owned()
    }

    #[test]
    fn renders_templates_as_the_go_build_did() {
        let c = config("{}");
        let mut s = Scratch::default();
        let headers = [(":path", "/x?q=v&flag&r=1&r=2"), ("x-a", "1"), ("x-multi", "a"), ("x-multi", "b"), ("x-under-score", "u"),
            ("x-id", "i"), ("k", "kelvin")];
        let mut x = exchange(&c, &mut s, &headers, b"");
        x.captures = true; // as weir.uri_captures gives them
        for (k, v) in [("1", "7"), ("id", "7")] {
            let name = push_text(&mut x.s.text, k.as_bytes());
            let (a, b) = push_text(&mut x.s.text, v.as_bytes());
            x.s.captures.push(Field { name, v: Val::Str(a, b) });
        }
        let cases = [
            ("plain", "plain"),
            ("$(headers.x)", ""),
            (r#"$(headers["x-a"])"#, "1"),
            ("$(headers['X-A'])", "1"),
            ("$(headers.x_under_score)", "u"),
            (r#"$(headers["x-multi"])"#, "a, b"),
            ("$(query_params.q)-$(query_params.flag)", "v-true"),
            ("$(query_params.r)", "1, 2"),
            ("$(uri_captures.id)/$(uri_captures[1])", "7/7"),
            (r#"$(query_params.none or headers["x-a"])"#, "1"),
            (r#"$(query_params.none or "dflt")"#, "dflt"),
            ("$(nil or 'a\\'b')", "a'b"),
            ("$(headers or 'x')$(headers.host)", ""),
            ("$( headers [ 'x-a' ] )", "1"),
            ("a$(b", "a$(b"),
            (r#"$(headers["x""#, r#"$(headers["x""#),
            ("$(headers['X-\u{130}D'])$(headers['\u{212a}'])", "ikelvin"),
        ];
        for (tmpl, want) in cases.iter() {
            let t = Template::compile(tmpl).unwrap();
            let got = x.render(&t).map(|span| text(&x, span));
            assert_eq!(got.as_deref(), Ok(*want), "{}", tmpl);
        }
        for bad in ["$(os)", "$(nothing.k)", "$(nil.x)"] {
            let t = Template::compile(bad).unwrap(); // refused once rendered, as in Kong's sandbox
            assert!(x.render(&t).unwrap_err().contains("unsupported template expression"), "{}", bad);
        }
        for (bad, err) in [
            ("$(headers.x.y)", "unsupported template expression: attempt to index a non-table value: $(headers.x.y)"),
            ("$(1 + 2)", "unsupported template expression: $(1 + 2)"),
            ("$(os.exit())", "unsupported template expression: $(os.exit())"),
            ("$(type(headers))", "unsupported template expression: $(type(headers))"),
            ("$(headers. x)", "unsupported template expression: $(headers. x)"),
            ("x$(a orb)", "unsupported template expression: $(a orb)"),
            ("$('open)", "unsupported template expression: $('open)"),
        ] {
            assert_eq!(Template::compile(bad).err().as_deref(), Some(err), "{}", bad);
        }
    }

    #[test]
    fn configs() {
        let c = config(r#"{"http_method":"GET","add":{"body":["a:1"]},"replace":{"uri":"/x"}}"#);
        assert!(c.reads_body() && c.merges_body && c.method.as_deref() == Some(&b"GET"[..]) && c.uri.is_some());
        assert!(!config(r#"{"http_method":"POST","add":{"headers":["a:1"]}}"#).reads_body());
        assert!(config(r#"{"remove":{"body":["a"]}}"#).reads_body());
        let empty = config(r#"{"replace":{"headers":["host:"]},"add":{"headers":["a:"]},"append":{"headers":["b:::"]}}"#);
        assert!(empty.headers.replace.is_empty() && empty.headers.add.is_empty() && empty.headers.append.is_empty());
        for (raw, err) in [
            (r#"{"rename":{"headers":["a"]}}"#, "config: rename: key 'a' has no value"),
            (r#"{"add":{"body":["a:"]}}"#, "config: add: key 'a' has no value"),
            (r#"{"add":{"querystring":["a:$(1)"]}}"#, "config: add: value '$(1)' is not in supported format, error:unsupported template expression: $(1)"),
            (r#"{"replace":{"uri":"/$(a.b.c)"}}"#, "config: unsupported template expression: attempt to index a non-table value: $(a.b.c)"),
            (r#"{"add":"x"}"#, "add: expected an object, found a string"),
        ] {
            assert_eq!(Config::parse(raw.as_bytes()).err().as_deref(), Some(err), "{}", raw);
        }
    }

    /// Encodes a table of (name, values) where a value of None is a flag.
    fn encoded(fields: &[(&str, &[Option<&str>])]) -> String {
        let mut s = Scratch::default();
        let mut table = Vec::new();
        for (name, vs) in fields {
            let name = push_text(&mut s.text, name.as_bytes());
            let mut each = vs.iter().map(|v| match v {
                Some(v) => {
                    let (a, b) = push_text(&mut s.text, v.as_bytes());
                    Val::Str(a, b)
                }
                None => Val::True,
            });
            let v = if vs.len() == 1 {
                each.next().unwrap()
            } else {
                let start = s.vals.len() as u32;
                s.vals.extend(each);
                Val::List(start, s.vals.len() as u32)
            };
            table.push(Field { name, v });
        }
        let mut out = Vec::new();
        encode(&table, &mut s, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn encodes_queries_as_set_query() {
        assert_eq!(encoded(&[]), "");
        assert_eq!(encoded(&[("source", &[Some("weir")])]), "source=weir");
        assert_eq!(encoded(&[("a", &[Some("1")]), ("a-b", &[Some("2")])]), "a-b=2&a=1"); // pieces sorted, not names
        assert_eq!(encoded(&[("l", &[Some("x"), None]), ("f", &[None])]), "f&l=x&l");
        assert_eq!(encoded(&[("s", &[Some("")])]), "s=");
        assert_eq!(encoded(&[("a b", &[Some("\u{e9}/&=+~")])]), "a%20b=%C3%A9%2F%26%3D%2B~");
        let mut all = Vec::new();
        request::push_uri_component(&mut all, &(0..=255u8).collect::<Vec<u8>>());
        let want: String = (0..=255u8)
            .map(|c| if c.is_ascii_alphanumeric() || b"-._~".contains(&c) { (c as char).to_string() } else { format!("%{:02X}", c) })
            .collect();
        assert_eq!(String::from_utf8(all).unwrap(), want);
    }

    #[test]
    fn parses_and_appends_arguments() {
        let mut s = Scratch::default();
        let mut table = Vec::new();
        parse_args(b"b=2&a=x+y&a=%2F&flag&e=&=z", &mut table, &mut s.text, &mut s.vals);
        let flag = get(&table, &s.text, b"flag");
        assert_eq!(flag, Val::True);
        let (a, b) = push_text(&mut s.text, b"v");
        let v = append_value(&mut s.vals, flag, Val::Str(a, b)); // a flag is replaced by a list, as in Kong
        set(&mut table, &mut s.text, b"c", v);
        let mut out = Vec::new();
        encode(&table, &mut s, &mut out);
        assert_eq!(String::from_utf8(out).unwrap(), "a=x%20y&a=%2F&b=2&c=v&e=&flag");
    }

    #[test]
    fn header_tables() {
        let c = config("{}");
        let mut s = Scratch::default();
        let headers = [(":path", "/"), (":authority", "h"), ("Host", "h"), ("A", "1"), ("x-b", "2"), ("a", "3"), ("c", "4")];
        let x = exchange(&c, &mut s, &headers, b"");
        let s = &mut *x.s;
        set(&mut s.headers, &mut s.text, b"x-b", Val::Str(0, 0)); // replaced in place
        set(&mut s.headers, &mut s.text, b"d", Val::Str(0, 0)); // added last
        del(&mut s.headers, &s.text, b"c");
        del(&mut s.headers, &s.text, b"absent");
        let names: Vec<&[u8]> = s.headers.iter().map(|f| bytes(&s.text, f.name)).collect();
        assert_eq!(names, [&b"a"[..], b"x-b", b"d"]);
        let mut out = Vec::new();
        print(&s.text, &s.vals, get(&s.headers, &s.text, &header_key(b"A")), &mut out);
        assert_eq!(out, b"1, 3");
        assert_eq!(header_key(b"X_B"), b"x-b");
        assert_eq!(s.orig.len(), 3); // the table as it came is kept for writing changes back
        assert_eq!(bytes(&s.text, x.orig_authority), b"h");
    }

    #[test]
    fn transforms_json_bodies() {
        let c = config(r#"{"remove":{"body":["r"]},"add":{"body":["a:$(headers[\"x-v\"])"]}}"#);
        let mut s = Scratch::default();
        for (input, want) in [
            (r#"{"r":1,"k":{"n":1.50}}"#, Some(r#"{"a":"<v&>","k":{"n":1.50}}"#)),
            ("", Some(r#"{"a":"<v&>"}"#)),
            ("  ", None),
            ("[1]", None),
            (r#"{"a":false}"#, Some(r#"{"a":"<v&>"}"#)),
        ] {
            let mut x = exchange(&c, &mut s, &[("x-v", "<v&>")], input.as_bytes());
            let changed = x.transform_json(input.as_bytes()).unwrap();
            let out = String::from_utf8(x.s.out.clone()).unwrap();
            assert_eq!(changed.then(|| out.as_str()), want, "{:?}", input);
        }
        let c = config(r#"{"rename":{"body":["f:g","n:m"]},"replace":{"body":["z:1"]},"append":{"body":["b:$(headers.x_b)"]}}"#);
        let input = br#" {"f":false,"n":null,"z":0,"b":[ 1 ]} "#;
        let mut x = exchange(&c, &mut s, &[("x-b", "not UTF-8")], input);
        let (a, b) = push_text(&mut x.s.text, b"\xe2\x80\xe2\x80\xa8");
        x.s.headers[0].v = Val::Str(a, b);
        assert!(x.transform_json(input).unwrap());
        assert_eq!(String::from_utf8(x.s.out.clone()).unwrap(), r#"{"b":[1,"\ufffd\ufffd\u2028"],"f":false,"m":null,"z":"1"}"#);
    }

    #[test]
    fn transforms_form_and_multipart_bodies() {
        let c = config(r#"{"remove":{"body":["r"]},"rename":{"body":["old:new"]},"replace":{"body":["num:V"]},"add":{"body":["added:a"]},"append":{"body":["s:two"]}}"#);
        let mut s = Scratch::default();
        let form = b"r=1&old=o&num=5&s=one&flag&sp=a+b";
        let mut x = exchange(&c, &mut s, &[("content-type", "application/x-www-form-urlencoded")], form);
        x.transform_body().unwrap();
        assert!(x.body_set);
        assert_eq!(String::from_utf8(x.s.out.clone()).unwrap(), "added=a&flag&new=o&num=V&s=one&s=two&sp=a%20b");
        let part = |name: &str, value: &str| format!("--B\r\nContent-Disposition: form-data; name=\"{}\"\r\n\r\n{}\r\n", name, value);
        let body = format!("{}{}{}--B\r\nContent-Di\u{17f}position : form-data; filename=\"k\"; NAME=\"\"keep\"\"\r\nX: y\r\n\r\nfile\r\n--B--\r\n",
            part("r", "1"), part("old", "o"), part("num", "5"));
        let mut x = exchange(&c, &mut s, &[("content-type", "multipart/form-data; \u{a0}Boundary=\"B\"")], body.as_bytes());
        x.transform_body().unwrap();
        let want = format!("--B\r\nContent-Di\u{17f}position : form-data; filename=\"k\"; NAME=\"\"keep\"\"\r\nX: y\r\n\r\nfile\r\n{}{}{}--B--\r\n",
            part("new", "o"), part("num", "V"), part("added", "a"));
        assert_eq!(String::from_utf8(x.s.out.clone()).unwrap(), want);
        let mut x = exchange(&c, &mut s, &[("content-type", "multipart/form-data; boundary=B")], b"--B\r\nno blank line\r\n--B--");
        x.transform_body().unwrap();
        assert!(!x.body_set, "not a multipart body: left as it is");
    }

    #[test]
    fn go_strings() {
        assert_eq!(trim_space("\u{a0}\t a b\u{3000}\u{85}".as_bytes()), b"a b");
        assert_eq!(trim_space(b" \xff "), b"\xff");
        assert_eq!(trim_space(b"   "), b"");
        assert!(equal_fold("Content-Di\u{17f}po\u{17f}ition".as_bytes(), "content-disposition"));
        assert!(equal_fold("\u{212a}".as_bytes(), "k"));
        assert!(!equal_fold(b"names", "name") && !equal_fold(b"nam", "name") && !equal_fold(b"\xffame", "name"));
        assert_eq!(go_lower("X-\u{130}\u{212a}\u{e9}".as_bytes()), "x-ik\u{e9}".as_bytes());
        assert!(equal_fold_str("X-A", "x-a") && !equal_fold_str("x-a", "x_a"));
        assert_eq!(boundary(b"multipart/form-data; charset=x; boundary=\"a b\"; boundary=c"), b"a b");
        assert_eq!(boundary(b"multipart/form-data; boundary =x"), b"");
        let mut out = Vec::new();
        push_escaped_path(&mut out, "/a b\"<>\\^`{|}#?%41\u{e9}\x7f".as_bytes());
        assert_eq!(out, b"/a%20b%22%3C%3E%5C%5E%60%7B%7C%7D%23%3F%41%C3%A9%7F");
        assert_eq!(host::go_quote(b"a\"\n\xff\xc3\xa9"), "\"a\\\"\\n\\xff\u{e9}\"");
        let pieces: Vec<&[u8]> = super::pieces(b";a;;", b";").collect();
        assert_eq!(pieces, [&b""[..], b"a", b"", b""]);
    }
}
