//! The attribute's arguments: `flavor = "current_thread"`, `worker_threads = 4`,
//! `start_paused = true`, `crate = "path"`, separated by commas.
//!
//! The compiler hands them over as the tokens between the attribute's parentheses:
//! `flavor = "local", worker_threads = 2` arrives as `Ident(flavor) Punct(=) Literal("local")
//! Punct(,) Ident(worker_threads) Punct(=) Literal(2)`. A string literal is still a literal
//! token: `to_string()` gives its source text, quotes included, so the value is read from that.

use crate::tokens::{is_punct, respan, Error};
use proc_macro::{Span, TokenStream, TokenTree};

/// Which scheduler the function runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flavor {
    CurrentThread,
    MultiThread,
    /// A current-thread runtime that can also run `!Send` tasks (`build_local`).
    Local,
}

/// Whether the attribute is `main` or `test`: their defaults and messages differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Main,
    Test,
}

impl Kind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::Main => "corium::main",
            Kind::Test => "corium::test",
        }
    }

    fn default_flavor(self) -> Flavor {
        match self {
            Kind::Main => Flavor::MultiThread,
            Kind::Test => Flavor::CurrentThread,
        }
    }
}

/// The runtime the expansion builds.
pub(crate) struct Config {
    pub(crate) flavor: Flavor,
    pub(crate) worker_threads: Option<usize>,
    pub(crate) start_paused: Option<bool>,
    /// The path to the corium crate (`::corium` unless `crate = "..."` says otherwise).
    pub(crate) krate: TokenStream,
}

impl Config {
    /// What an attribute without arguments means; also what an erroneous one expands with, so
    /// that the only error the user sees is the one about the arguments.
    pub(crate) fn default_for(kind: Kind) -> Config {
        Config {
            flavor: kind.default_flavor(),
            worker_threads: None,
            start_paused: None,
            krate: crate::tokens::parse("::corium"),
        }
    }
}

/// The keys the attribute knows, in the order its messages list them.
const KEYS: [&str; 4] = ["flavor", "worker_threads", "start_paused", "crate"];

/// One `key = value` argument.
struct Arg {
    key: String,
    key_span: Span,
    value: TokenTree,
}

/// Parses and checks the arguments of `#[corium::main(...)]` / `#[corium::test(...)]`.
pub(crate) fn parse_config(args: TokenStream, kind: Kind) -> Result<Config, Error> {
    let mut config = Config::default_for(kind);
    let mut worker_threads_span = None;
    let mut start_paused_span = None;
    let mut seen: Vec<String> = Vec::new();

    for arg in split_args(args, kind)? {
        if !KEYS.contains(&arg.key.as_str()) {
            return Err(Error::new(
                arg.key_span,
                format!(
                    "unknown option `{}` for `#[{}]`; the options are `flavor`, \
                     `worker_threads`, `start_paused` and `crate`",
                    arg.key,
                    kind.name()
                ),
            ));
        }
        if seen.contains(&arg.key) {
            return Err(Error::spanning(
                arg.key_span,
                arg.value.span(),
                format!("`{}` is set twice; keep one", arg.key),
            ));
        }
        seen.push(arg.key.clone());
        let value_span = arg.value.span();
        match arg.key.as_str() {
            "flavor" => {
                config.flavor = match string_value(&arg)?.as_str() {
                    "current_thread" => Flavor::CurrentThread,
                    "multi_thread" => Flavor::MultiThread,
                    "local" => Flavor::Local,
                    other => {
                        return Err(Error::new(
                            value_span,
                            format!(
                                "no runtime flavor `{other}`; the flavors are \
                                 `current_thread`, `multi_thread` and `local`"
                            ),
                        ))
                    }
                };
            }
            "worker_threads" => {
                let n = integer_value(&arg)?;
                if n == 0 {
                    return Err(Error::new(
                        value_span,
                        "`worker_threads` must be at least 1",
                    ));
                }
                config.worker_threads = Some(n);
                worker_threads_span = Some((arg.key_span, value_span));
            }
            "start_paused" => {
                config.start_paused = Some(bool_value(&arg)?);
                start_paused_span = Some((arg.key_span, value_span));
            }
            "crate" => {
                let path = string_value(&arg)?;
                let tokens: TokenStream = path.parse().map_err(|_| not_a_path(&arg))?;
                if tokens.is_empty() {
                    return Err(not_a_path(&arg));
                }
                // Spanned at the string, so a wrong path is reported there.
                config.krate = respan(tokens, value_span);
            }
            _ => unreachable!("every key in KEYS is handled"),
        }
    }

    // The combinations, checked once every argument is known (order must not matter).
    if let Some((start, end)) = worker_threads_span {
        if config.flavor != Flavor::MultiThread {
            return Err(Error::spanning(
                start,
                end,
                format!(
                    "`worker_threads` needs the `multi_thread` flavor (a `{}` runtime runs \
                     everything on the calling thread); write \
                     `#[{}(flavor = \"multi_thread\", worker_threads = N)]`",
                    flavor_name(config.flavor),
                    kind.name()
                ),
            ));
        }
    }
    if let Some((start, end)) = start_paused_span {
        if config.flavor == Flavor::MultiThread {
            return Err(Error::spanning(
                start,
                end,
                format!(
                    "`start_paused` needs a single-threaded runtime (the paused clock only \
                     advances when every task is idle, which one thread can tell); write \
                     `#[{}(flavor = \"current_thread\", start_paused = true)]`",
                    kind.name()
                ),
            ));
        }
    }
    Ok(config)
}

fn flavor_name(flavor: Flavor) -> &'static str {
    match flavor {
        Flavor::CurrentThread => "current_thread",
        Flavor::MultiThread => "multi_thread",
        Flavor::Local => "local",
    }
}

/// Splits the argument tokens at top-level commas into `key = value` triples.
fn split_args(args: TokenStream, kind: Kind) -> Result<Vec<Arg>, Error> {
    let mut out = Vec::new();
    let mut tokens = args.into_iter().peekable();
    while let Some(first) = tokens.next() {
        if is_punct(&first, ',') {
            continue; // a stray or trailing comma
        }
        let key = match &first {
            TokenTree::Ident(i) => i.to_string(),
            _ => {
                return Err(Error::new(
                    first.span(),
                    format!(
                        "expected an option such as `flavor = \"current_thread\"` in `#[{}(...)]`",
                        kind.name()
                    ),
                ))
            }
        };
        // `r#crate` is not a thing; raw identifiers are read as the plain word.
        let key = key.trim_start_matches("r#").to_owned();
        match tokens.next() {
            Some(eq) if is_punct(&eq, '=') => {}
            Some(other) => {
                return Err(Error::new(
                    other.span(),
                    format!("expected `=` after `{key}`"),
                ))
            }
            None => return Err(Error::new(first.span(), format!("`{key}` needs a value"))),
        }
        let Some(value) = tokens.next() else {
            return Err(Error::new(first.span(), format!("`{key}` needs a value")));
        };
        if let Some(extra) = tokens.next_if(|t| !is_punct(t, ',')) {
            return Err(Error::new(
                extra.span(),
                format!("expected `,` after the value of `{key}`"),
            ));
        }
        out.push(Arg {
            key,
            key_span: first.span(),
            value,
        });
    }
    Ok(out)
}

/// The contents of a string literal (`"..."` or `r"..."` / `r#"..."#`).
fn string_value(arg: &Arg) -> Result<String, Error> {
    let text = arg.value.to_string();
    let raw = text.strip_prefix('r').map(|t| t.trim_matches('#'));
    let inner = raw
        .unwrap_or(&text)
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'));
    match (&arg.value, inner) {
        (TokenTree::Literal(_), Some(inner)) => Ok(inner.to_owned()),
        _ => Err(wrong_kind(arg, "a string")),
    }
}

/// An unsigned integer literal (`4`, `4usize`, `1_0`).
fn integer_value(arg: &Arg) -> Result<usize, Error> {
    let text = arg.value.to_string().replace('_', "");
    let digits: String = text.chars().take_while(char::is_ascii_digit).collect();
    let suffix = &text[digits.len()..];
    let suffix_ok = suffix.is_empty() || ["usize", "u8", "u16", "u32", "u64"].contains(&suffix);
    match (&arg.value, digits.parse::<usize>()) {
        (TokenTree::Literal(_), Ok(n)) if suffix_ok => Ok(n),
        _ => Err(wrong_kind(arg, "a whole number")),
    }
}

/// `true` or `false`.
fn bool_value(arg: &Arg) -> Result<bool, Error> {
    match arg.value.to_string().as_str() {
        "true" if matches!(arg.value, TokenTree::Ident(_)) => Ok(true),
        "false" if matches!(arg.value, TokenTree::Ident(_)) => Ok(false),
        _ => Err(Error::new(
            arg.value.span(),
            format!("`{}` takes `true` or `false`", arg.key),
        )),
    }
}

/// `arg`'s value is not the kind of token `arg`'s key takes.
fn wrong_kind(arg: &Arg, what: &str) -> Error {
    Error::new(
        arg.value.span(),
        format!("`{}` takes {what}, as in `{}`", arg.key, example(&arg.key)),
    )
}

fn not_a_path(arg: &Arg) -> Error {
    Error::new(
        arg.value.span(),
        format!(
            "`crate` takes a path to corium, as in `{}`",
            example("crate")
        ),
    )
}

fn example(key: &str) -> &'static str {
    match key {
        "flavor" => "flavor = \"current_thread\"",
        "worker_threads" => "worker_threads = 4",
        "crate" => "crate = \"my_crate::corium\"",
        _ => "start_paused = true",
    }
}
