//! Keeps the guide (`src/guide/`) to its promise: every chapter has a runnable example, a
//! "seed step → corium item" table, and trace excerpts written in the trace facility's real
//! line format, and the table of contents names every chapter file.
//!
//! The doc tests check that the examples *run*; this checks what doc tests cannot: that a
//! chapter still *has* them, and that its trace excerpts still look like what a reader will
//! see on their terminal.

use std::fs;
use std::path::{Path, PathBuf};

/// The layers a trace line may name, as the facility pads them (`[reactor]` takes one space
/// more than `[selector]`, so the messages line up).
const LAYER_TAGS: [&str; 4] = ["[selector] ", "[reactor]  ", "[executor] ", "[net]      "];

fn guide_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src/guide")
}

/// Every `chN_*.rs` file, sorted by name (so by chapter number).
fn chapters() -> Vec<(String, String)> {
    let mut files: Vec<_> = fs::read_dir(guide_dir())
        .expect("src/guide should exist")
        .map(|entry| entry.expect("readable directory entry").path())
        .filter(|path| {
            let name = path.file_name().unwrap().to_string_lossy();
            name.starts_with("ch") && name.ends_with(".rs")
        })
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            let text = fs::read_to_string(&path).expect("readable chapter");
            (name, text)
        })
        .collect()
}

/// The doc text of a chapter: its `//!` lines with the marker (and one space) removed.
fn doc_lines(text: &str) -> Vec<&str> {
    text.lines()
        .filter_map(|line| line.strip_prefix("//!"))
        .map(|line| line.strip_prefix(' ').unwrap_or(line))
        .collect()
}

/// The bodies of the fenced blocks opened by `fence` (e.g. "```text").
fn fenced_blocks<'a>(lines: &[&'a str], fence: &str) -> Vec<Vec<&'a str>> {
    let mut blocks = Vec::new();
    let mut current: Option<Vec<&str>> = None;
    for &line in lines {
        match current.as_mut() {
            None if line.trim_end() == fence => current = Some(Vec::new()),
            None => {}
            Some(_) if line.trim_end() == "```" => blocks.push(current.take().unwrap()),
            Some(body) => body.push(line),
        }
    }
    assert!(current.is_none(), "a {fence} block is never closed");
    blocks
}

/// Checks one line against the facility's format `{µs:>9}µs {thread:<15} {[layer]:<10} message`,
/// returning what is wrong with it.
fn check_trace_line(line: &str) -> Result<(), String> {
    let (stamp, rest) = line.split_once("µs ").ok_or("no `µs ` timestamp column")?;
    let digits = stamp.trim_start_matches(' ');
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!("timestamp `{stamp}` is not a whole number of µs"));
    }
    if stamp.len() < 9 || (stamp.len() > 9 && digits.len() != stamp.len()) {
        return Err(format!(
            "timestamp `{stamp}` is not right-aligned in 9 columns"
        ));
    }
    let tag_at = LAYER_TAGS
        .iter()
        .filter_map(|tag| rest.find(tag).map(|at| (at, tag)))
        .min()
        .ok_or("no `[layer]` column")?;
    let (at, tag) = tag_at;
    let thread = &rest[..at];
    if thread.trim().is_empty() || thread.len() < 16 || !thread.ends_with(' ') {
        return Err(format!("thread column `{thread}` is not padded to 15"));
    }
    if rest[at + tag.len()..].trim().is_empty() {
        return Err(format!("no message after {tag}"));
    }
    Ok(())
}

#[test]
fn every_chapter_has_an_example_a_table_and_a_trace_section() {
    let chapters = chapters();
    assert_eq!(chapters.len(), 7, "the guide has seven chapters");
    for (name, text) in &chapters {
        let lines = doc_lines(text);
        assert!(
            lines.len() + 2 >= text.lines().count(),
            "{name}: a chapter is a doc-only module, made of `//!` lines"
        );
        assert!(
            !fenced_blocks(&lines, "```rust").is_empty(),
            "{name}: no runnable ```rust example"
        );
        let table_at = lines
            .iter()
            .position(|l| l.starts_with("## Seed step → corium item"))
            .unwrap_or_else(|| panic!("{name}: no \"Seed step → corium item\" section"));
        let rows = lines[table_at..]
            .iter()
            .skip_while(|l| !l.starts_with('|'))
            .take_while(|l| l.starts_with('|'))
            .count();
        assert!(rows >= 5, "{name}: the step table has only {rows} lines");
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("## What the trace shows")),
            "{name}: no \"What the trace shows\" section"
        );
    }
}

#[test]
fn trace_excerpts_use_the_facility_line_format() {
    let mut checked = 0;
    for (name, text) in chapters() {
        let lines = doc_lines(&text);
        let from = lines
            .iter()
            .position(|l| l.starts_with("## What the trace shows"))
            .unwrap_or_else(|| panic!("{name}: no trace section"));
        let blocks = fenced_blocks(&lines[from..], "```text");
        assert!(
            !blocks.is_empty(),
            "{name}: the trace section has no ```text excerpt"
        );
        for line in blocks.into_iter().flatten() {
            if let Err(why) = check_trace_line(line) {
                panic!("{name}: trace line does not match the facility's format ({why}):\n{line}");
            }
            checked += 1;
        }
    }
    assert!(
        checked >= 7 * 5,
        "only {checked} trace lines in the whole guide"
    );
}

#[test]
fn the_line_checker_rejects_what_the_facility_never_prints() {
    let good = "      524µs main            [selector] Socket::connect → connect(fd=6, 127.0.0.1:1) = EINPROGRESS";
    assert_eq!(check_trace_line(good), Ok(()));
    let long_thread =
        "     1105µs corium-runtime-worker [selector] Poll::poll → epoll_wait(epfd=7) = 1";
    assert_eq!(check_trace_line(long_thread), Ok(()));
    for bad in [
        "524µs main [selector] no padding of the timestamp",
        "      abcµs main            [selector] not a number",
        "      524 main            [selector] no unit",
        "      524µs main            [kernel]   unknown layer",
        "      524µs main            [selector] ",
    ] {
        assert!(check_trace_line(bad).is_err(), "accepted: {bad}");
    }
}

#[test]
fn the_table_of_contents_links_every_chapter() {
    let index = fs::read_to_string(guide_dir().join("mod.rs")).expect("src/guide/mod.rs");
    for (name, _) in chapters() {
        assert!(
            index.contains(&format!("]({name})")),
            "mod.rs does not link chapter {name} from its table of contents"
        );
        assert!(
            index.contains(&format!("pub mod {name};")),
            "mod.rs does not declare chapter {name}"
        );
    }
}
