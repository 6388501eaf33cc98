//! The summary table every corium bench prints after criterion has run: for each group, the
//! median time per operation of each function, and how the *anchor* function (corium) compares
//! with the others as a ratio, against a target.
//!
//! The medians are read back from criterion's own output
//! (`<criterion dir>/<group>/<function>/new/estimates.json`), so the table shows exactly the
//! numbers criterion reported. Only files written by *this* run count: a group that was
//! filtered out, or a run in `--test`/`--list` mode (which writes no estimates), shows `-`
//! instead of a stale number from an earlier run.
//!
//! Include it from a bench file with
//! `#[path = "support/ratio_table.rs"] mod ratio_table;`.

// Each bench uses the part of this module it needs.
#![allow(dead_code)]

use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

/// One comparison of the anchor against another function of the same group.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    /// The function the anchor is compared with (a column of the table).
    pub other: &'static str,
    /// The largest `anchor / other` median ratio that still counts as PASS.
    pub max_ratio: f64,
}

/// What to tabulate: which groups, which functions, which comparisons.
#[derive(Debug, Clone, Copy)]
pub struct RatioTable<'a> {
    /// The bench target's name; the Markdown copy is `<criterion dir>/<bench>-summary.md`.
    pub bench: &'a str,
    /// The functions of every group, in column order (a group may lack some: shown as `-`).
    pub functions: &'a [&'a str],
    /// The function under test, the numerator of every ratio.
    pub anchor: &'a str,
    /// One ratio column (with its PASS/MISS verdict) per target.
    pub targets: &'a [Target],
}

/// A median and its confidence interval, in nanoseconds per iteration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Median {
    /// criterion's point estimate of the median.
    pub point: f64,
    /// Lower bound of its confidence interval.
    pub lower: f64,
    /// Upper bound of its confidence interval.
    pub upper: f64,
}

impl RatioTable<'_> {
    /// Prints the table for `groups` to stdout and writes it as Markdown next to criterion's
    /// reports. Counts only estimates modified at or after `since` (the bench's start time).
    ///
    /// # Errors
    /// The error of writing the Markdown file.
    pub fn report(&self, groups: &[String], since: SystemTime) -> io::Result<()> {
        let dir = criterion_dir();
        let rows: Vec<Vec<Option<Median>>> = groups
            .iter()
            .map(|g| {
                self.functions
                    .iter()
                    .map(|f| fresh_median(&dir, g, f, since))
                    .collect()
            })
            .collect();
        if rows.iter().flatten().all(Option::is_none) {
            println!(
                "\n{} summary: no estimates written by this run (test/list mode, or every group \
                 filtered out): no table.",
                self.bench
            );
            return Ok(());
        }
        let cells = self.cells(groups, &rows);
        println!("\n{} summary (median time per operation)\n", self.bench);
        print!("{}", render_text(&cells));
        println!("{}", self.legend());
        let path = dir.join(format!("{}-summary.md", self.bench));
        fs::create_dir_all(&dir)?;
        fs::write(&path, self.render_markdown(&cells))?;
        println!("Markdown copy: {}", path.display());
        Ok(())
    }

    /// Header row, then one row per group, all as strings.
    fn cells(&self, groups: &[String], rows: &[Vec<Option<Median>>]) -> Vec<Vec<String>> {
        let mut header = vec!["group".to_string()];
        header.extend(self.functions.iter().map(|f| f.to_string()));
        for t in self.targets {
            header.push(format!(
                "{}/{} (<= {:.2})",
                self.anchor, t.other, t.max_ratio
            ));
        }
        let mut out = vec![header];
        for (group, medians) in groups.iter().zip(rows) {
            let mut row = vec![group.clone()];
            row.extend(medians.iter().map(|m| match m {
                Some(m) => format_ns(m.point),
                None => "-".to_string(),
            }));
            let anchor = self.column(self.anchor).and_then(|i| medians[i]);
            for t in self.targets {
                let other = self.column(t.other).and_then(|i| medians[i]);
                row.push(match (anchor, other) {
                    (Some(a), Some(o)) => verdict(a, o, t.max_ratio),
                    _ => "-".to_string(),
                });
            }
            out.push(row);
        }
        out
    }

    fn column(&self, function: &str) -> Option<usize> {
        self.functions.iter().position(|f| *f == function)
    }

    fn legend(&self) -> String {
        format!(
            "Ratios are {a}'s median over the other's; PASS when at most the target. A `~` \
             marks a verdict the medians' confidence intervals could flip (the best- and \
             worst-case ratios fall on both sides of the target): within noise, re-run to \
             confirm.",
            a = self.anchor
        )
    }

    fn render_markdown(&self, cells: &[Vec<String>]) -> String {
        let mut md = format!(
            "# `{}` bench summary\n\nMedian time per operation from criterion \
             (`cargo bench --bench {}`).\n\n",
            self.bench, self.bench
        );
        for (i, row) in cells.iter().enumerate() {
            let _ = writeln!(md, "| {} |", row.join(" | "));
            if i == 0 {
                let rule: Vec<&str> = row
                    .iter()
                    .enumerate()
                    .map(|(j, _)| if j == 0 { "---" } else { "---:" })
                    .collect();
                let _ = writeln!(md, "| {} |", rule.join(" | "));
            }
        }
        let _ = writeln!(md, "\n{}", self.legend());
        md
    }
}

/// `"1.013 PASS"`, `"1.031 MISS~"`, ...
fn verdict(anchor: Median, other: Median, max_ratio: f64) -> String {
    let ratio = anchor.point / other.point;
    let best = anchor.lower / other.upper;
    let worst = anchor.upper / other.lower;
    let word = if ratio <= max_ratio { "PASS" } else { "MISS" };
    let noisy = best <= max_ratio && worst > max_ratio;
    format!("{ratio:.3} {word}{}", if noisy { "~" } else { "" })
}

/// Left-aligned first column, right-aligned numbers, two spaces between columns.
fn render_text(cells: &[Vec<String>]) -> String {
    let cols = cells.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|c| {
            cells
                .iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in cells {
        for (c, cell) in row.iter().enumerate() {
            let w = widths[c];
            if c == 0 {
                let _ = write!(out, "{cell:<w$}");
            } else {
                let _ = write!(out, "  {cell:>w$}");
            }
        }
        out.push('\n');
    }
    out
}

/// `812 ns`, `3.41 µs`, `12.0 ms`: three significant digits.
pub fn format_ns(ns: f64) -> String {
    let (value, unit) = if ns < 1e3 {
        (ns, "ns")
    } else if ns < 1e6 {
        (ns / 1e3, "µs")
    } else if ns < 1e9 {
        (ns / 1e6, "ms")
    } else {
        (ns / 1e9, "s")
    };
    let digits = if value < 10.0 {
        2
    } else if value < 100.0 {
        1
    } else {
        0
    };
    format!("{value:.digits$} {unit}")
}

/// Where criterion writes its reports, found the way criterion finds it: `$CRITERION_HOME`,
/// else `$CARGO_TARGET_DIR/criterion`, else the target directory `cargo metadata` names (for a
/// `build.target-dir` in a config file), else `target/criterion`.
pub fn criterion_dir() -> PathBuf {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(target).join("criterion");
    }
    metadata_target_dir()
        .unwrap_or_else(|| PathBuf::from("target"))
        .join("criterion")
}

fn metadata_target_dir() -> Option<PathBuf> {
    let cargo = std::env::var_os("CARGO")?;
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .output()
        .ok()?;
    match Json::parse(std::str::from_utf8(&out.stdout).ok()?)?.get("target_directory")? {
        Json::Str(s) => Some(PathBuf::from(s)),
        _ => None,
    }
}

/// The median of `group/function` if criterion wrote it at or after `since`.
pub fn fresh_median(dir: &Path, group: &str, function: &str, since: SystemTime) -> Option<Median> {
    let path = dir
        .join(safe_name(group))
        .join(safe_name(function))
        .join("new")
        .join("estimates.json");
    let modified = fs::metadata(&path).and_then(|m| m.modified()).ok()?;
    if modified < since {
        return None;
    }
    parse_median(&fs::read_to_string(&path).ok()?)
}

/// The characters criterion replaces in directory names.
fn safe_name(name: &str) -> String {
    name.replace(['?', '"', '/', '\\', '*', '<', '>', ':', '|', '^'], "_")
}

/// Pulls `median.point_estimate` and its confidence interval out of an `estimates.json`.
pub fn parse_median(json: &str) -> Option<Median> {
    let root = Json::parse(json)?;
    let median = root.get("median")?;
    let ci = median.get("confidence_interval")?;
    Some(Median {
        point: median.get("point_estimate")?.num()?,
        lower: ci.get("lower_bound")?.num()?,
        upper: ci.get("upper_bound")?.num()?,
    })
}

/// Just enough JSON for criterion's estimate files and `cargo metadata`: a full value parser,
/// so key order and whitespace do not matter, without pulling serde into the benches.
#[derive(Debug, Clone, PartialEq)]
enum Json {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

impl Json {
    /// The whole text as one value; `None` if it is not valid JSON.
    fn parse(text: &str) -> Option<Json> {
        let mut p = Parser {
            s: text.as_bytes(),
            i: 0,
        };
        let v = p.value()?;
        p.ws();
        (p.i == p.s.len()).then_some(v)
    }

    fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Obj(fields) => fields.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    fn num(&self) -> Option<f64> {
        match self {
            Json::Num(n) => Some(*n),
            _ => None,
        }
    }
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn eat(&mut self, b: u8) -> Option<()> {
        self.ws();
        (self.s.get(self.i) == Some(&b)).then(|| self.i += 1)
    }

    fn literal(&mut self, word: &str, v: Json) -> Option<Json> {
        let end = self.i + word.len();
        (self.s.get(self.i..end) == Some(word.as_bytes())).then(|| {
            self.i = end;
            v
        })
    }

    fn value(&mut self) -> Option<Json> {
        self.ws();
        match *self.s.get(self.i)? {
            b'{' => self.object(),
            b'[' => self.array(),
            b'"' => self.string().map(Json::Str),
            b't' => self.literal("true", Json::Bool(true)),
            b'f' => self.literal("false", Json::Bool(false)),
            b'n' => self.literal("null", Json::Null),
            _ => self.number(),
        }
    }

    fn object(&mut self) -> Option<Json> {
        self.eat(b'{')?;
        let mut fields = Vec::new();
        if self.eat(b'}').is_some() {
            return Some(Json::Obj(fields));
        }
        loop {
            self.ws();
            let key = self.string()?;
            self.eat(b':')?;
            fields.push((key, self.value()?));
            if self.eat(b',').is_none() {
                self.eat(b'}')?;
                return Some(Json::Obj(fields));
            }
        }
    }

    fn array(&mut self) -> Option<Json> {
        self.eat(b'[')?;
        let mut items = Vec::new();
        if self.eat(b']').is_some() {
            return Some(Json::Arr(items));
        }
        loop {
            items.push(self.value()?);
            if self.eat(b',').is_none() {
                self.eat(b']')?;
                return Some(Json::Arr(items));
            }
        }
    }

    fn string(&mut self) -> Option<String> {
        self.eat(b'"')?;
        let mut out = Vec::new();
        loop {
            let b = *self.s.get(self.i)?;
            self.i += 1;
            match b {
                b'"' => return String::from_utf8(out).ok(),
                b'\\' => {
                    let e = *self.s.get(self.i)?;
                    self.i += 1;
                    let c = match e {
                        b'"' | b'\\' | b'/' => e as char,
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hex = std::str::from_utf8(self.s.get(self.i..self.i + 4)?).ok()?;
                            self.i += 4;
                            // Surrogate pairs never occur in the files read here.
                            char::from_u32(u32::from_str_radix(hex, 16).ok()?)
                                .unwrap_or(char::REPLACEMENT_CHARACTER)
                        }
                        _ => return None,
                    };
                    out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                }
                _ => out.push(b),
            }
        }
    }

    fn number(&mut self) -> Option<Json> {
        let start = self.i;
        while self.i < self.s.len()
            && matches!(
                self.s[self.i],
                b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'
            )
        {
            self.i += 1;
        }
        let text = std::str::from_utf8(&self.s[start..self.i]).ok()?;
        text.parse().ok().map(Json::Num)
    }
}

/// Checks of the parser and the verdicts, run by the bench itself before measuring, so a
/// broken table fails loudly instead of printing wrong numbers.
pub fn self_check() {
    let sample = r#"{"mean":{"confidence_interval":{"confidence_level":0.95,"lower_bound":1.0,
        "upper_bound":2.0},"point_estimate":1.5,"standard_error":0.1},
        "median_abs_dev":{"confidence_interval":{"confidence_level":0.95,"lower_bound":9.0,
        "upper_bound":9.5},"point_estimate":9.25,"standard_error":0.1},
        "median":{"confidence_interval":{"confidence_level":0.95,"lower_bound":310.5,
        "upper_bound":3.2e2},"point_estimate":315.25,"standard_error":1.5},
        "slope":null,"s":"a\"b\u00e9","list":[true,false,[]]}"#;
    let m = parse_median(sample).expect("self-check: the sample estimates.json must parse");
    assert_eq!(
        m,
        Median {
            point: 315.25,
            lower: 310.5,
            upper: 320.0
        },
        "self-check: median must come from the \"median\" object, not mean/median_abs_dev"
    );
    assert_eq!(
        Json::parse(r#"{"s":"a\"b\u00e9"}"#).and_then(|j| j.get("s").cloned()),
        Some(Json::Str("a\"bé".to_string()))
    );
    assert!(
        Json::parse("{\"a\":1").is_none(),
        "truncated JSON must not parse"
    );
    assert!(parse_median("{\"median\":{}}").is_none());

    let at = |point, lower, upper| Median {
        point,
        lower,
        upper,
    };
    assert_eq!(
        verdict(at(101.0, 100.8, 101.2), at(100.0, 99.9, 100.1), 1.02),
        "1.010 PASS"
    );
    assert_eq!(
        verdict(at(110.0, 109.0, 111.0), at(100.0, 99.0, 101.0), 1.02),
        "1.100 MISS"
    );
    assert_eq!(
        verdict(at(103.0, 99.0, 107.0), at(100.0, 98.0, 102.0), 1.02),
        "1.030 MISS~"
    );
    assert_eq!(format_ns(812.4), "812 ns");
    assert_eq!(format_ns(3412.0), "3.41 µs");
    assert_eq!(format_ns(12_040_000.0), "12.0 ms");
    assert_eq!(safe_name("a/b:c"), "a_b_c");
}
