//! Kong 3.9's rate-limiting plugin as a weir built-in, in Rust (it runs on every
//! request it is enabled for, so it is written where its cost per request is smallest):
//! it counts requests in fixed calendar windows (second to year) per consumer,
//! credential, client IP, service, header value or path, and refuses those over a limit
//! with error_code and Kong's headers.
//!
//! Counting is exact: each request adds one to the counter of every configured window
//! and is judged on the value that increment returned, so concurrent requests never
//! share a count. The counters live in this node's shared data (policy local,
//! weir.counter_add), in the gateway's database (cluster) or in Redis (redis), the last
//! two through weir.ratelimit_increment. A request refused counts too, as with Kong's
//! redis policy.

use crate::host::{self, Headers};
use crate::json::{self, Value};

/// Kong's periods, smallest first: the name, the X-RateLimit-* header names (lower-case,
/// as weir keeps names, so it takes them without converting them; HTTP/1.1 responses
/// carry them capitalized either way), and the
/// window length Kong uses for RateLimit-Reset (a month is 30 days and a year 365 there,
/// whatever the calendar says).
struct Period {
    name: &'static str,
    limit_header: &'static str,
    remaining_header: &'static str,
    seconds: i64,
}

const PERIODS: [Period; 6] = [
    Period { name: "second", limit_header: "x-ratelimit-limit-second", remaining_header: "x-ratelimit-remaining-second", seconds: 1 },
    Period { name: "minute", limit_header: "x-ratelimit-limit-minute", remaining_header: "x-ratelimit-remaining-minute", seconds: 60 },
    Period { name: "hour", limit_header: "x-ratelimit-limit-hour", remaining_header: "x-ratelimit-remaining-hour", seconds: 3600 },
    Period { name: "day", limit_header: "x-ratelimit-limit-day", remaining_header: "x-ratelimit-remaining-day", seconds: 86400 },
    Period { name: "month", limit_header: "x-ratelimit-limit-month", remaining_header: "x-ratelimit-remaining-month", seconds: 2592000 },
    Period { name: "year", limit_header: "x-ratelimit-limit-year", remaining_header: "x-ratelimit-remaining-year", seconds: 31536000 },
];

/// A missing route or service in a counter's key, as in Kong.
const EMPTY_UUID: &str = "00000000-0000-0000-0000-000000000000";

#[derive(Debug, PartialEq)]
enum LimitBy {
    Consumer,
    Credential,
    Ip,
    Service,
    Header,
    Path,
}

#[derive(Debug, PartialEq)]
enum Policy {
    Local,
    Cluster,
    Redis,
}

/// rate-limiting's configuration (schema.json), with Kong's defaults for what is absent
/// or null. The gateway adds route_id and service_id, the plugin's own scope, as Kong's
/// plugin iterator does.
#[derive(Debug)]
pub struct Config {
    limits: [Option<f64>; 6],
    limit_by: LimitBy,
    /// The header limit_by = header counts by, as a header lookup reads it (lower-case,
    /// underscores as dashes, like ngx.req.get_headers).
    header_name: String,
    path: String,
    policy: Policy,
    fault_tolerant: bool,
    /// The redis record as written, for weir.ratelimit_increment; empty unless the
    /// policy is redis.
    redis: Vec<u8>,
    hide_client_headers: bool,
    error_code: f64,
    error_message: String,
    /// "<route id>:<service id>:", the start of every counter key.
    scope: String,
}

impl Config {
    /// Reads a configuration and applies Kong's entity checks, for one that did not come
    /// through the Admin API.
    pub fn parse(raw: &[u8]) -> Result<Config, String> {
        let mut limits = [None; 6];
        let (mut limit_by, mut policy) = (None, None);
        let (mut header_name, mut path, mut route_id, mut service_id) = (None, None, None, None);
        let (mut fault_tolerant, mut hide_client_headers) = (None, None);
        let (mut error_code, mut error_message) = (None, None);
        let mut redis: &[u8] = &[];
        json::config_fields(raw, |name, v| {
            if let Some(i) = PERIODS.iter().position(|p| p.name == name) {
                limits[i] = json::opt_number(name, &v)?;
                return Ok(());
            }
            match name {
                "limit_by" => limit_by = json::opt_string(name, v)?,
                "policy" => policy = json::opt_string(name, v)?,
                "header_name" => header_name = json::opt_string(name, v)?,
                "path" => path = json::opt_string(name, v)?,
                "route_id" => route_id = json::opt_string(name, v)?,
                "service_id" => service_id = json::opt_string(name, v)?,
                "error_message" => error_message = json::opt_string(name, v)?,
                "fault_tolerant" => fault_tolerant = json::opt_bool(name, &v)?,
                "hide_client_headers" => hide_client_headers = json::opt_bool(name, &v)?,
                "error_code" => error_code = json::opt_number(name, &v)?,
                "sync_rate" => {
                    json::opt_number(name, &v)?;
                }
                "redis" => match v {
                    Value::Null => {}
                    Value::Raw(r) if r.first() == Some(&b'{') => redis = r,
                    v => return Err(format!("redis: expected an object, found {}", v.kind())),
                },
                _ => {}
            }
            Ok(())
        })?;
        let limit_by = match limit_by.as_deref().unwrap_or("consumer") {
            "consumer" => LimitBy::Consumer,
            "credential" => LimitBy::Credential,
            "ip" => LimitBy::Ip,
            "service" => LimitBy::Service,
            "header" => LimitBy::Header,
            "path" => LimitBy::Path,
            _ => return Err("limit_by: expected one of: consumer, credential, ip, service, header, path".into()),
        };
        let policy = match policy.as_deref().unwrap_or("local") {
            "local" => Policy::Local,
            "cluster" => Policy::Cluster,
            "redis" => Policy::Redis,
            _ => return Err("policy: expected one of: local, cluster, redis".into()),
        };
        let header_name = header_name.unwrap_or_default();
        let path = path.unwrap_or_default();
        if limits.iter().all(Option::is_none) {
            return Err("at least one of these fields must be non-empty: 'config.second', 'config.minute', \
                'config.hour', 'config.day', 'config.month', 'config.year'"
                .into());
        }
        if limit_by == LimitBy::Header && header_name.is_empty() {
            return Err("header_name: required field missing".into());
        }
        if limit_by == LimitBy::Path && path.is_empty() {
            return Err("path: required field missing".into());
        }
        period_order(&limits)?;
        let or_empty = |s: Option<String>| s.filter(|s| !s.is_empty()).unwrap_or_else(|| EMPTY_UUID.to_string());
        let scope = format!("{}:{}:", or_empty(route_id), or_empty(service_id));
        Ok(Config {
            limits,
            limit_by,
            header_name: crate::request::header_arg_name(&header_name),
            path,
            redis: if policy == Policy::Redis { redis.to_vec() } else { Vec::new() },
            policy,
            fault_tolerant: fault_tolerant.unwrap_or(true),
            hide_client_headers: hide_client_headers.unwrap_or(false),
            error_code: error_code.unwrap_or(429.0),
            error_message: error_message.unwrap_or_else(|| "API rate limit exceeded".into()),
            scope,
        })
    }
}

/// Kong's rule that a longer window may not have a lower limit, with Kong's message.
fn period_order(limits: &[Option<f64>; 6]) -> Result<(), String> {
    for (i, lo) in limits.iter().enumerate() {
        let lo = match lo {
            Some(lo) => *lo,
            None => continue,
        };
        for (j, hi) in limits.iter().enumerate().skip(i + 1) {
            if let Some(hi) = *hi {
                if hi < lo {
                    return Err(format!(
                        "The limit for {}({:.1}) cannot be lower than the limit for {}({:.1})",
                        PERIODS[j].name, hi, PERIODS[i].name, lo
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Buffers one request's work reuses (a guest runs one callback at a time), so that a
/// request allocates nothing once they have grown.
#[derive(Default)]
pub struct Scratch {
    id: Vec<u8>,
    args: Vec<u8>,
    answer: Vec<u8>,
    headers: Headers,
    numbers: Vec<(&'static str, f64)>,
    /// Each period's current window start, in milliseconds, and its decimal text: the
    /// counters' keys carry it, and it changes once a window.
    windows: [(i64, Vec<u8>); 6],
}

/// One configured window and its counter's value after this request counted.
#[derive(Clone, Copy, Default)]
struct Usage {
    period: usize,
    limit: f64,
    count: i64,
}

/// The request headers callback: counts the request and either lets it through with
/// the rate-limit headers set on its response, or ends it. Returns the proxy-wasm
/// action (0 continue, 1 pause).
pub fn on_request(c: &Config, s: &mut Scratch) -> u32 {
    let now = (host::now_nanos() / 1_000_000_000) as i64;
    let mut each = [Usage::default(); 6];
    let mut n = 0;
    for (i, l) in c.limits.iter().enumerate() {
        if let Some(limit) = l {
            each[n] = Usage { period: i, limit: *limit, count: 0 };
            n += 1;
        }
    }
    let us = &mut each[..n];
    identifier(c, s);
    s.headers.clear();
    if let Err(e) = count(c, now, us, s) {
        host::log_error(&format!("rate-limiting: failed to get usage: {}", e));
        if !c.fault_tolerant {
            return error(500, "An unexpected error occurred", &s.headers);
        }
        return 0;
    }
    let (refuse, reset) = verdict(now, us, &mut s.numbers);
    if c.hide_client_headers {
        s.numbers.clear();
    }
    if refuse {
        render(&s.numbers, &mut s.headers);
        if !c.hide_client_headers {
            s.headers.push_int("retry-after", reset);
        }
        return error(c.error_code as i64 as u32, &c.error_message, &s.headers);
    }
    // Set now, they go out with the response (as Kong's handler sets them in its access
    // phase): the plugin needs no response callback.
    if let Err(e) = set_headers(&s.numbers, &mut s.headers, &mut s.args) {
        host::log_error(&format!("rate-limiting: set the response headers: {}", e));
    }
    0
}

/// Sets the headers verdict gave on the response: as integers when they all are (the
/// host writes them; limits are whole numbers in most configurations), else as text.
fn set_headers(numbers: &[(&'static str, f64)], text: &mut Headers, scratch: &mut Vec<u8>) -> Result<(), host::Status> {
    if numbers.is_empty() {
        return Ok(());
    }
    if numbers.iter().all(|&(_, f)| is_int(f)) {
        return host::set_header_integers(host::MAP_RESPONSE_HEADERS, numbers.iter().map(|&(k, f)| (k, f as i64)), scratch);
    }
    render(numbers, text);
    host::set_header_values(host::MAP_RESPONSE_HEADERS, text, scratch)
}

/// Appends the headers verdict gave, their numbers as Kong prints them.
fn render(numbers: &[(&'static str, f64)], headers: &mut Headers) {
    for &(name, f) in numbers {
        push_num(headers, name, f);
    }
}

/// Writes to s.id what the counters count by, as Kong's get_identifier finds it; what
/// cannot be found falls back to the client's (forwarded) address.
fn identifier(c: &Config, s: &mut Scratch) {
    let id = &mut s.id;
    id.clear();
    let found = match c.limit_by {
        LimitBy::Service => host::property(b"weir\0service_id", id) && !id.is_empty(),
        LimitBy::Consumer => {
            (host::property(b"weir\0consumer_id", id) && !id.is_empty()) || {
                id.clear();
                host::property(b"weir\0credential_id", id) && !id.is_empty()
            }
        }
        LimitBy::Credential => host::property(b"weir\0credential_id", id) && !id.is_empty(),
        LimitBy::Header => {
            matches!(host::header_value(host::MAP_REQUEST_HEADERS, &c.header_name, id, &mut s.args), Ok(n) if n > 0)
        }
        LimitBy::Path => host::property(b"request\0url_path", id) && id.as_slice() == c.path.as_bytes(),
        LimitBy::Ip => false,
    };
    if !found {
        id.clear();
        host::property(b"weir\0forwarded_ip", id);
    }
}

/// Adds one to every window's counter where the policy keeps them, and records each
/// counter's new value.
fn count(c: &Config, now: i64, us: &mut [Usage], s: &mut Scratch) -> Result<(), String> {
    if c.policy == Policy::Local {
        for u in us.iter_mut() {
            // weir.counter_add's arguments: the delta, then Kong's key,
            // ratelimit:<route>:<service>:<identifier>:<window start ms>:<period>.
            let p = &PERIODS[u.period];
            let start = window_start(p.name, now) * 1000;
            let window = &mut s.windows[u.period];
            if window.0 != start || window.1.is_empty() {
                window.0 = start;
                window.1.clear();
                host::push_int(&mut window.1, start);
            }
            let args = &mut s.args;
            args.clear();
            args.extend_from_slice(&1i64.to_le_bytes());
            args.extend_from_slice(b"ratelimit:");
            args.extend_from_slice(c.scope.as_bytes());
            args.extend_from_slice(&s.id);
            args.push(b':');
            args.extend_from_slice(&window.1);
            args.push(b':');
            args.extend_from_slice(p.name.as_bytes());
            u.count = host::counter_add(args, &mut s.answer).map_err(|e| format!("weir.counter_add: {}", e))?;
        }
        return Ok(());
    }
    let args = &mut s.args;
    args.clear();
    args.extend_from_slice(b"{\"keys\":[");
    let mut key = c.scope.clone();
    key.push_str(&String::from_utf8_lossy(&s.id));
    for (i, u) in us.iter().enumerate() {
        let p = &PERIODS[u.period];
        if i > 0 {
            args.push(b',');
        }
        args.extend_from_slice(b"{\"key\":");
        json::push_string(args, &key);
        args.extend_from_slice(b",\"period\":\"");
        args.extend_from_slice(p.name.as_bytes());
        args.extend_from_slice(b"\",\"start\":");
        host::push_int(args, window_start(p.name, now));
        args.push(b'}');
    }
    args.push(b']');
    if !c.redis.is_empty() {
        args.extend_from_slice(b",\"redis\":");
        args.extend_from_slice(&c.redis);
    }
    args.push(b'}');
    const NAME: &str = "weir.ratelimit_increment";
    s.answer.clear();
    host::foreign(NAME, args, &mut s.answer).map_err(|e| format!("{}: {}", NAME, e))?;
    let mut values = None;
    json::fields(&s.answer, |name, v| {
        if let ("values", Value::Raw(r)) = (name, v) {
            values = Some(json::integers(r)?);
        }
        Ok(())
    })
    .map_err(|e| format!("{}: decode result: {}", NAME, e))?;
    let values = values.unwrap_or_default();
    if values.len() != us.len() {
        return Err(format!("{}: {} values for {} keys", NAME, values.len(), us.len()));
    }
    for (u, v) in us.iter_mut().zip(values) {
        u.count = v;
    }
    Ok(())
}

/// Ends the request with Kong's error body and headers; the action to return.
fn error(status: u32, msg: &str, headers: &Headers) -> u32 {
    host::send_error(status, msg, headers);
    1
}

/// Decides a request as Kong's handler does, from each window's usage before this
/// request (count - 1): refused when any window has no room left (the last such window
/// decides which one's remaining drops by this request), with Kong's X-RateLimit-Limit-<P>
/// and X-RateLimit-Remaining-<P> for every window and RateLimit-Limit, -Remaining and
/// -Reset for the most restrictive one (least remaining, then the longest window), as
/// numbers (render prints them). Returns whether to refuse, and RateLimit-Reset (also
/// Retry-After on a refusal).
fn verdict(now: i64, us: &[Usage], numbers: &mut Vec<(&'static str, f64)>) -> (bool, i64) {
    numbers.clear();
    let stop = us.iter().rposition(|u| u.limit - (u.count - 1) as f64 <= 0.0);
    let mut best: Option<(f64, f64, i64)> = None; // limit, remaining, window
    let mut reset = 0;
    for (i, u) in us.iter().enumerate() {
        let p = &PERIODS[u.period];
        let mut remaining = u.limit - (u.count - 1) as f64;
        if stop.is_none() || stop == Some(i) {
            remaining -= 1.0;
        }
        let remaining = remaining.max(0.0);
        let better = match best {
            None => true,
            Some((_, r, w)) => remaining < r || (remaining == r && p.seconds > w),
        };
        if better {
            best = Some((u.limit, remaining, p.seconds));
            let elapsed = now - window_start(p.name, now);
            reset = (p.seconds - elapsed).max(1);
        }
        numbers.push((p.limit_header, u.limit));
        numbers.push((p.remaining_header, remaining));
    }
    if let Some((limit, remaining, _)) = best {
        numbers.push(("ratelimit-limit", limit));
        numbers.push(("ratelimit-remaining", remaining));
        numbers.push(("ratelimit-reset", reset as f64));
    }
    (stop.is_some(), reset)
}

/// Prints a number as Lua's tostring does for the values limits take: integers without
/// a decimal point, others in the shortest form that reads back the same.
fn num(f: f64) -> String {
    if is_int(f) {
        return (f as i64).to_string();
    }
    format!("{}", f)
}

/// Adds a header whose value is a number as num prints it, integers without core::fmt.
fn push_num(headers: &mut Headers, name: &'static str, f: f64) {
    if is_int(f) {
        headers.push_int(name, f as i64);
    } else {
        headers.push(name, &num(f));
    }
}

fn is_int(f: f64) -> bool {
    f == (f as i64) as f64 && f > -1e15 && f < 1e15
}

/// The start, in Unix seconds, of the fixed calendar window (UTC) of period around now,
/// as Kong's timestamp.get_timestamps computes it. Windows up to a day are whole
/// multiples of their length (Unix time has no leap seconds); a month or a year starts
/// on the calendar.
fn window_start(period: &str, now: i64) -> i64 {
    let floor = |n: i64| now - now.rem_euclid(n);
    match period {
        "second" => now,
        "minute" => floor(60),
        "hour" => floor(3600),
        "day" => floor(86400),
        _ => {
            let (y, m, _) = civil_from_days(now.div_euclid(86400));
            let m = if period == "month" { m } else { 1 };
            days_from_civil(y, m, 1) * 86400
        }
    }
}

/// The proleptic Gregorian date of a day count from 1970-01-01 (Howard Hinnant's
/// algorithm).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719468;
    let era = if z >= 0 { z } else { z - 146096 } / 146097;
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + (m <= 2) as i64, m, d)
}

/// The day count from 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = y - (m <= 2) as i64;
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_starts() {
        // 2024-02-29T13:45:30Z, a leap day; 1969-12-31T23:59:59Z, before the epoch.
        let (leap, before) = (1709214330, -1);
        let cases = [
            ("second", leap, leap),
            ("minute", leap, 1709214300),
            ("hour", leap, 1709211600),
            ("day", leap, 1709164800),
            ("month", leap, 1706745600), // 2024-02-01
            ("year", leap, 1704067200),  // 2024-01-01
            ("minute", before, -60),
            ("day", before, -86400),
            ("month", before, -2678400), // 1969-12-01
            ("year", before, -31536000), // 1969-01-01
            ("month", 951868800, 951868800), // 2000-03-01, on the boundary
        ];
        for (period, now, want) in cases.iter() {
            assert_eq!(window_start(period, *now), *want, "{} at {}", period, now);
        }
    }

    #[test]
    fn calendar_round_trips() {
        for days in (-800_000..800_000).step_by(997) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    fn usage(period: usize, limit: f64, count: i64) -> Usage {
        Usage { period, limit, count }
    }

    #[test]
    fn verdicts() {
        let now = 1709214330; // 30 s into a minute, 2,730 s into an hour
        let cases: [(&str, Vec<Usage>, bool, &str); 4] = [
            ("room left", vec![usage(1, 10.0, 3)], false,
                "x-ratelimit-limit-minute: 10, x-ratelimit-remaining-minute: 7, ratelimit-limit: 10, ratelimit-remaining: 7, ratelimit-reset: 30"),
            ("last one allowed", vec![usage(1, 2.0, 2)], false,
                "x-ratelimit-limit-minute: 2, x-ratelimit-remaining-minute: 0, ratelimit-limit: 2, ratelimit-remaining: 0, ratelimit-reset: 30"),
            ("refused, ties go to the longer window", vec![usage(1, 5.0, 6), usage(2, 100.0, 6)], true,
                "x-ratelimit-limit-minute: 5, x-ratelimit-remaining-minute: 0, x-ratelimit-limit-hour: 100, x-ratelimit-remaining-hour: 95, ratelimit-limit: 5, ratelimit-remaining: 0, ratelimit-reset: 30"),
            ("fractional limit", vec![usage(2, 2.5, 1)], false,
                "x-ratelimit-limit-hour: 2.5, x-ratelimit-remaining-hour: 1.5, ratelimit-limit: 2.5, ratelimit-remaining: 1.5, ratelimit-reset: 870"),
        ];
        for (name, us, refuse, want) in cases.iter() {
            let mut numbers = Vec::new();
            let (got, _) = verdict(now, us, &mut numbers);
            let mut headers = Headers::default();
            render(&numbers, &mut headers);
            let list: Vec<String> = headers.iter().map(|(k, v)| format!("{}: {}", k, String::from_utf8_lossy(v))).collect();
            assert_eq!(got, *refuse, "{}", name);
            assert_eq!(list.join(", "), *want, "{}", name);
        }
    }

    #[test]
    fn numbers_print_as_lua_does() {
        let cases = [(5.0, "5"), (1e9, "1000000000"), (2.5, "2.5"), (0.1, "0.1"), (-0.0, "0"), (-3.0, "-3"), (1e15, "1000000000000000")];
        for (f, want) in cases {
            assert_eq!(num(f), want);
            let mut h = Headers::default();
            push_num(&mut h, "n", f);
            assert_eq!(h.iter().next().unwrap().1, want.as_bytes());
        }
        let mut out = Vec::new();
        for n in [0, 7, -7, 9, 10, 99, 100, 101, 999, 1_000, 99_999_999, 100_000_000, 100_000_001, 1_000_000_007, 4_294_967_295, 1234567890123, 10_000_000_000_000_000, i64::MIN, i64::MAX] {
            out.clear();
            host::push_int(&mut out, n);
            assert_eq!(out, n.to_string().into_bytes());
        }
    }

    #[test]
    fn configs() {
        let c = Config::parse(br#"{"minute":5,"hour":null,"route_id":"r","service_id":null,"redis":{"host":"h"}}"#).unwrap();
        assert_eq!(c.limits, [None, Some(5.0), None, None, None, None]);
        assert_eq!(c.scope, format!("r:{}:", EMPTY_UUID));
        assert_eq!((c.limit_by, c.policy, c.fault_tolerant, c.error_code), (LimitBy::Consumer, Policy::Local, true, 429.0));
        assert!(c.redis.is_empty(), "redis kept for the local policy");
        let c = Config::parse(br#"{"hour":1,"policy":"redis","redis":{"host":"h","port":1}}"#).unwrap();
        assert_eq!(c.redis, br#"{"host":"h","port":1}"#.to_vec());
        let c = Config::parse(br#"{"hour":1,"limit_by":"header","header_name":"X_User"}"#).unwrap();
        assert_eq!(c.header_name, "x-user");

        let bad: [(&str, &str); 7] = [
            ("{}", "at least one of these fields must be non-empty"),
            ("null", "at least one of these fields must be non-empty"),
            (r#"{"second":5,"minute":2}"#, "The limit for minute(2.0) cannot be lower than the limit for second(5.0)"),
            (r#"{"hour":1,"limit_by":"header"}"#, "header_name: required field missing"),
            (r#"{"hour":1,"limit_by":"path"}"#, "path: required field missing"),
            (r#"{"hour":1,"policy":"elsewhere"}"#, "policy: expected one of: local, cluster, redis"),
            (r#"{"hour":"1"}"#, "hour: expected a number, found a string"),
        ];
        for (raw, want) in bad.iter() {
            let err = Config::parse(raw.as_bytes()).unwrap_err();
            assert!(err.starts_with(want), "{}: {}", raw, err);
        }
        assert_eq!(Config::parse(b"[1]").unwrap_err(), "expected a JSON object");
    }
}
