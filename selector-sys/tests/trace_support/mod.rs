//! Helpers shared by the trace tests: a lock that runs them one at a time (tracing is
//! process-wide), an in-memory writer, a line parser, and a strict JSON parser with a Chrome
//! trace validator.

#![allow(dead_code)] // each test file uses its own subset

use std::collections::{HashMap, HashSet};
use std::io::{self, Write};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use corium_selector_sys::trace;

/// Serialises the tests of one binary and starts each from a clean state: tracing off, no
/// recording, budget zeroed. Tests in one binary share the process, and so the trace state.
#[track_caller]
pub fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    let guard = LOCK.lock().unwrap_or_else(PoisonError::into_inner);
    trace::finish().expect("reset: finish");
    trace::budget::reset();
    trace::set_writer(Box::new(io::stderr()));
    guard
}

/// A writer into a shared buffer, to read back what the trace wrote.
#[derive(Clone, Default)]
pub struct Shared(pub Arc<Mutex<Vec<u8>>>);

impl Shared {
    pub fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).expect("trace output is UTF-8")
    }
}

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// One trace line, split into its columns.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub micros: u64,
    pub thread: String,
    pub layer: String,
    pub message: String,
}

/// Parses `<µs>µs <thread> [<layer>] <message>`, failing the test on any other shape.
#[track_caller]
pub fn parse_line(line: &str) -> Line {
    let (micros, rest) = line
        .split_once("µs ")
        .unwrap_or_else(|| panic!("no timestamp column: {line:?}"));
    assert!(
        micros.len() >= 9,
        "timestamp column not right-aligned to 9: {line:?}"
    );
    let micros = micros
        .trim_start()
        .parse()
        .unwrap_or_else(|_| panic!("timestamp is not an integer: {line:?}"));
    let open = rest
        .find(" [")
        .unwrap_or_else(|| panic!("no [layer] column: {line:?}"));
    let thread = rest[..open].trim_end().to_owned();
    let after = &rest[open + 2..];
    let close = after
        .find(']')
        .unwrap_or_else(|| panic!("unclosed [layer: {line:?}"));
    let layer = after[..close].to_owned();
    let message = after[close + 1..].trim_start().to_owned();
    assert!(
        !thread.is_empty() && !message.is_empty(),
        "empty column: {line:?}"
    );
    Line {
        micros,
        thread,
        layer,
        message,
    }
}

/// Runs `f` on a thread with the given name (trace lines carry the thread name, and the test
/// harness's own thread names vary with how it is run).
#[track_caller]
pub fn on_thread<T: Send + 'static>(name: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(f)
        .expect("spawn")
        .join()
        .expect("traced thread panicked")
}

// ---------------------------------------------------------------------------------------------
// A strict JSON parser (RFC 8259): no trailing commas, no comments, escapes checked, numbers
// in JSON's grammar only.

#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

impl Json {
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Obj(fields) => fields.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
    pub fn str(&self, key: &str) -> Option<&str> {
        match self.get(key) {
            Some(Json::Str(s)) => Some(s),
            _ => None,
        }
    }
    pub fn num(&self, key: &str) -> Option<f64> {
        match self.get(key) {
            Some(Json::Num(n)) => Some(*n),
            _ => None,
        }
    }
}

pub fn parse_json(text: &str) -> Result<Json, String> {
    let mut p = Parser {
        s: text.as_bytes(),
        i: 0,
    };
    p.ws();
    let value = p.value(0)?;
    p.ws();
    if p.i != p.s.len() {
        return Err(format!("trailing data at byte {}", p.i));
    }
    Ok(value)
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn err<T>(&self, what: &str) -> Result<T, String> {
        Err(format!("{what} at byte {}", self.i))
    }
    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.s.get(self.i) {
            self.i += 1;
        }
    }
    fn eat(&mut self, b: u8) -> Result<(), String> {
        if self.s.get(self.i) == Some(&b) {
            self.i += 1;
            Ok(())
        } else {
            self.err(&format!("expected {:?}", b as char))
        }
    }
    fn lit(&mut self, word: &str, v: Json) -> Result<Json, String> {
        if self.s[self.i..].starts_with(word.as_bytes()) {
            self.i += word.len();
            Ok(v)
        } else {
            self.err("bad literal")
        }
    }
    fn value(&mut self, depth: usize) -> Result<Json, String> {
        if depth > 64 {
            return self.err("nesting too deep");
        }
        match self.s.get(self.i) {
            Some(b'{') => self.object(depth),
            Some(b'[') => self.array(depth),
            Some(b'"') => self.string().map(Json::Str),
            Some(b't') => self.lit("true", Json::Bool(true)),
            Some(b'f') => self.lit("false", Json::Bool(false)),
            Some(b'n') => self.lit("null", Json::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => self.err("expected a value"),
        }
    }
    fn object(&mut self, depth: usize) -> Result<Json, String> {
        self.eat(b'{')?;
        let mut fields = Vec::new();
        self.ws();
        if self.s.get(self.i) == Some(&b'}') {
            self.i += 1;
            return Ok(Json::Obj(fields));
        }
        loop {
            self.ws();
            let key = self.string()?;
            if fields.iter().any(|(k, _)| *k == key) {
                return self.err(&format!("duplicate key {key:?}"));
            }
            self.ws();
            self.eat(b':')?;
            self.ws();
            let v = self.value(depth + 1)?;
            fields.push((key, v));
            self.ws();
            match self.s.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    return Ok(Json::Obj(fields));
                }
                _ => return self.err("expected , or }"),
            }
        }
    }
    fn array(&mut self, depth: usize) -> Result<Json, String> {
        self.eat(b'[')?;
        let mut items = Vec::new();
        self.ws();
        if self.s.get(self.i) == Some(&b']') {
            self.i += 1;
            return Ok(Json::Arr(items));
        }
        loop {
            self.ws();
            items.push(self.value(depth + 1)?);
            self.ws();
            match self.s.get(self.i) {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    return Ok(Json::Arr(items));
                }
                _ => return self.err("expected , or ]"),
            }
        }
    }
    fn hex4(&mut self) -> Result<u32, String> {
        let digits = self.s.get(self.i..self.i + 4).ok_or("short \\u escape")?;
        let text = std::str::from_utf8(digits).map_err(|e| e.to_string())?;
        let v =
            u32::from_str_radix(text, 16).map_err(|_| format!("bad \\u escape at {}", self.i))?;
        self.i += 4;
        Ok(v)
    }
    fn string(&mut self) -> Result<String, String> {
        self.eat(b'"')?;
        let mut out = String::new();
        loop {
            let start = self.i;
            while let Some(&b) = self.s.get(self.i) {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.i += 1;
            }
            out.push_str(std::str::from_utf8(&self.s[start..self.i]).map_err(|e| e.to_string())?);
            match self.s.get(self.i) {
                Some(b'"') => {
                    self.i += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.i += 1;
                    let esc = *self.s.get(self.i).ok_or("unterminated escape")?;
                    self.i += 1;
                    match esc {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let hi = self.hex4()?;
                            let c = if (0xD800..0xDC00).contains(&hi) {
                                self.eat(b'\\')?;
                                self.eat(b'u')?;
                                let lo = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return self.err("unpaired surrogate");
                                }
                                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                            } else {
                                hi
                            };
                            out.push(char::from_u32(c).ok_or("invalid code point")?);
                        }
                        _ => return self.err("bad escape"),
                    }
                }
                Some(_) => return self.err("raw control character in string"),
                None => return self.err("unterminated string"),
            }
        }
    }
    fn number(&mut self) -> Result<Json, String> {
        let start = self.i;
        let digits = |p: &mut Self| {
            let s = p.i;
            while let Some(b'0'..=b'9') = p.s.get(p.i) {
                p.i += 1;
            }
            p.i - s
        };
        if self.s.get(self.i) == Some(&b'-') {
            self.i += 1;
        }
        let int_start = self.i;
        let n = digits(self);
        if n == 0 || (n > 1 && self.s[int_start] == b'0') {
            return self.err("bad integer part");
        }
        if self.s.get(self.i) == Some(&b'.') {
            self.i += 1;
            if digits(self) == 0 {
                return self.err("bad fraction");
            }
        }
        if let Some(b'e' | b'E') = self.s.get(self.i) {
            self.i += 1;
            if let Some(b'+' | b'-') = self.s.get(self.i) {
                self.i += 1;
            }
            if digits(self) == 0 {
                return self.err("bad exponent");
            }
        }
        let text = std::str::from_utf8(&self.s[start..self.i]).unwrap();
        text.parse().map(Json::Num).map_err(|e| e.to_string())
    }
}

// ---------------------------------------------------------------------------------------------
// The Chrome trace checks.

/// One trace event, with the fields the checks use.
#[derive(Debug, Clone)]
pub struct Ev {
    pub name: String,
    pub cat: Option<String>,
    pub ph: String,
    pub ts: f64,
    pub dur: Option<f64>,
    pub tid: u64,
    pub id: Option<u64>,
    pub detail: Option<String>,
    pub bp: Option<String>,
}

/// A validated trace.
#[derive(Debug)]
pub struct Trace {
    /// Non-metadata events in file order.
    pub events: Vec<Ev>,
    /// tid → thread name, from `thread_name` metadata.
    pub threads: HashMap<u64, String>,
}

impl Trace {
    pub fn tid_of(&self, thread: &str) -> u64 {
        let found: Vec<_> = self
            .threads
            .iter()
            .filter(|(_, n)| *n == thread)
            .map(|(t, _)| *t)
            .collect();
        assert_eq!(found.len(), 1, "thread {thread:?} in {:?}", self.threads);
        found[0]
    }

    /// The `[begin, end]` of the slices named `name` on `tid`, from their B/E pairs.
    pub fn slices(&self, tid: u64, name: &str) -> Vec<(f64, f64)> {
        let mut open = Vec::new();
        let mut done = Vec::new();
        for e in self.events.iter().filter(|e| e.tid == tid) {
            match e.ph.as_str() {
                "B" => open.push((e.name.clone(), e.ts)),
                "E" => {
                    let (n, b) = open.pop().expect("validated");
                    if n == name {
                        done.push((b, e.ts));
                    }
                }
                _ => {}
            }
        }
        done
    }
}

/// Checks the structure the Chrome format needs, failing with a message on the first problem:
/// a top-level object with a `traceEvents` array; every event with `name`, `ph`, `ts`, `pid`,
/// `tid`; `B`/`E` balanced per tid (each `E` closing the innermost open `B` of the same name,
/// in non-decreasing time); every `s` matched by exactly one `f` with the same id (and the
/// reverse), the `f` binding to its enclosing slice and not earlier than the `s`; `X` events
/// with a non-negative `dur`; `thread_name` metadata for every tid an event uses.
pub fn validate_chrome(text: &str) -> Result<Trace, String> {
    let root = parse_json(text)?;
    let Some(Json::Arr(items)) = root.get("traceEvents") else {
        return Err("no traceEvents array in a top-level object".into());
    };
    let mut events = Vec::new();
    let mut threads = HashMap::new();
    for (i, item) in items.iter().enumerate() {
        let name = item
            .str("name")
            .ok_or(format!("event {i}: no string name"))?;
        let ph = item.str("ph").ok_or(format!("event {i}: no string ph"))?;
        let ts = item.num("ts").ok_or(format!("event {i}: no numeric ts"))?;
        item.num("pid")
            .ok_or(format!("event {i}: no numeric pid"))?;
        let tid = item
            .num("tid")
            .ok_or(format!("event {i}: no numeric tid"))? as u64;
        if ph == "M" {
            if name == "thread_name" {
                let tname = item
                    .get("args")
                    .and_then(|a| a.str("name"))
                    .ok_or(format!("event {i}: thread_name without args.name"))?;
                if threads.insert(tid, tname.to_owned()).is_some() {
                    return Err(format!("tid {tid} named twice"));
                }
            }
            continue;
        }
        events.push(Ev {
            name: name.to_owned(),
            cat: item.str("cat").map(str::to_owned),
            ph: ph.to_owned(),
            ts,
            dur: item.num("dur"),
            tid,
            id: item.num("id").map(|n| n as u64),
            detail: item
                .get("args")
                .and_then(|a| a.str("detail"))
                .map(str::to_owned),
            bp: item.str("bp").map(str::to_owned),
        });
    }

    let mut stacks: HashMap<u64, Vec<(String, f64)>> = HashMap::new();
    let mut starts: HashMap<u64, &Ev> = HashMap::new();
    let mut ends: HashMap<u64, &Ev> = HashMap::new();
    let mut tids = HashSet::new();
    for e in &events {
        tids.insert(e.tid);
        let stack = stacks.entry(e.tid).or_default();
        match e.ph.as_str() {
            "B" => stack.push((e.name.clone(), e.ts)),
            "E" => match stack.pop() {
                Some((name, ts)) if name == e.name && ts <= e.ts => {}
                Some((name, ts)) => {
                    return Err(format!(
                        "tid {}: E {:?}@{} closes B {name:?}@{ts}",
                        e.tid, e.name, e.ts
                    ))
                }
                None => return Err(format!("tid {}: E {:?} without a B", e.tid, e.name)),
            },
            "X" => {
                if !e.dur.is_some_and(|d| d >= 0.0) {
                    return Err(format!("X {:?} without a non-negative dur", e.name));
                }
            }
            "s" | "f" => {
                let id = e.id.ok_or(format!("flow {:?} without an id", e.ph))?;
                let map = if e.ph == "s" { &mut starts } else { &mut ends };
                if map.insert(id, e).is_some() {
                    return Err(format!("two {:?} events with id {id}", e.ph));
                }
                if e.ph == "f" && e.bp.as_deref() != Some("e") {
                    return Err(format!("f {id} does not bind to its enclosing slice"));
                }
                if e.ph == "f" && stack.is_empty() {
                    return Err(format!("f {id} is inside no slice on tid {}", e.tid));
                }
                if e.ph == "s" && stack.is_empty() {
                    return Err(format!("s {id} is inside no slice on tid {}", e.tid));
                }
            }
            "i" | "I" => {}
            other => return Err(format!("unexpected ph {other:?}")),
        }
    }
    if let Some((tid, stack)) = stacks.iter().find(|(_, s)| !s.is_empty()) {
        return Err(format!("tid {tid}: unclosed slices {stack:?}"));
    }
    for (id, s) in &starts {
        let f = ends.get(id).ok_or(format!("s {id} has no f"))?;
        if (s.cat.as_deref(), &s.name) != (f.cat.as_deref(), &f.name) {
            return Err(format!("s/f {id} differ in cat or name"));
        }
        if f.ts < s.ts {
            return Err(format!("f {id} is earlier than its s"));
        }
    }
    if let Some(id) = ends.keys().find(|id| !starts.contains_key(id)) {
        return Err(format!("f {id} has no s"));
    }
    if let Some(tid) = tids.iter().find(|t| !threads.contains_key(t)) {
        return Err(format!("tid {tid} has no thread_name metadata"));
    }
    Ok(Trace { events, threads })
}

/// The validator must reject what it claims to reject; checked once so a trace test cannot
/// pass through a validator that accepts anything.
pub fn validator_rejects_bad_traces() {
    let meta = r#"{"name":"thread_name","ph":"M","ts":0,"pid":1,"tid":1,"args":{"name":"t"}}"#;
    let ok = format!(
        r#"{{"traceEvents":[{meta},{{"name":"a","ph":"B","ts":1,"pid":1,"tid":1}},{{"name":"a","ph":"E","ts":2,"pid":1,"tid":1}}]}}"#
    );
    validate_chrome(&ok).expect("a valid trace");
    let bad = [
        r#"[]"#.to_owned(),
        r#"{"traceEvents":[{"name":"a","ph":"B","ts":1,"pid":1,"tid":1},]}"#.to_owned(),
        format!(r#"{{"traceEvents":[{meta},{{"name":"a","ph":"B","ts":1,"pid":1,"tid":1}}]}}"#),
        format!(r#"{{"traceEvents":[{meta},{{"name":"a","ph":"E","ts":1,"pid":1,"tid":1}}]}}"#),
        format!(r#"{{"traceEvents":[{meta},{{"name":"a","ph":"i","ts":1,"pid":1}}]}}"#),
        r#"{"traceEvents":[{"name":"a","ph":"i","ts":1,"pid":1,"tid":2}]}"#.to_owned(),
        format!(
            r#"{{"traceEvents":[{meta},{{"name":"a","ph":"B","ts":1,"pid":1,"tid":1}},{{"name":"w","cat":"flow","ph":"s","id":3,"ts":1,"pid":1,"tid":1}},{{"name":"a","ph":"E","ts":2,"pid":1,"tid":1}}]}}"#
        ),
        r#"{"traceEvents":[{"name":"a\q","ph":"i","ts":1,"pid":1,"tid":1}]}"#.to_owned(),
        "{\"traceEvents\":[{\"name\":\"a\u{1}\",\"ph\":\"i\",\"ts\":1,\"pid\":1,\"tid\":1}]}"
            .to_owned(),
        r#"{"traceEvents":[{"name":"a","ph":"i","ts":01,"pid":1,"tid":1}]}"#.to_owned(),
    ];
    for text in bad {
        assert!(validate_chrome(&text).is_err(), "validator accepted {text}");
    }
}
