//! # corium-macros
//!
//! `#[corium::main]` and `#[corium::test]`, written on the compiler's `proc_macro` API alone:
//! no `syn`, no `quote`. Use them through `corium` (`#[corium::main]`), which re-exports them;
//! the examples live there.
//!
//! A procedural macro is a function from tokens to tokens. An attribute macro receives two
//! `TokenStream`s — the attribute's arguments and the item it is on — and returns the item to
//! compile instead. This crate reads both by hand, one token tree at a time:
//!
//! * `config.rs` reads the arguments (`flavor = "current_thread", worker_threads = 2`) and
//!   checks their combinations;
//! * `signature.rs` reads the `fn` item's signature, and keeps its body as the single `{...}`
//!   group the compiler handed over, never looking inside;
//! * `expand.rs` writes the synchronous `fn` that builds a runtime and blocks on the body;
//! * `tokens.rs` holds the small helpers (`compile_error!` with a precise span, respanning).
//!
//! Every misuse is a `compile_error!` whose span points at the offending tokens. Even then the
//! macro still emits the function (expanded with the default runtime), so the compiler reports
//! that one error and not a cascade of others (a missing `main`, an `async fn main`).
//!
//! `select!` needs one procedural helper too (`clean.rs`): see [`select_priv_clean_pattern!`].

mod clean;
mod config;
mod expand;
mod signature;
mod tokens;

use config::{Config, Kind};
use proc_macro::TokenStream;
use tokens::{is_ident, is_punct, Error};

/// Runs `async fn main` on a corium runtime: the function becomes a plain `fn main` that builds
/// a runtime and `block_on`s the body.
///
/// Options, as tokio's: `flavor = "multi_thread"` (the default), `"current_thread"` or
/// `"local"` (a current-thread runtime for `!Send` tasks); `worker_threads = N` (multi-thread
/// only; the default is one per CPU); `start_paused = true` (single-threaded flavours only:
/// the clock starts paused); `crate = "path::to::corium"` for crates that re-export corium.
/// `main` may return anything a plain `main` may, `Result` included. Any misuse is a compile
/// error pointing at the offending tokens. See the `corium` crate's docs for examples.
///
/// Unlike tokio's, it does not take tokio's unstable `unhandled_panic` and `name` options (an
/// unknown option is an error that lists the four it takes), and a runtime that fails to
/// build panics with `#[corium::main]: could not build the runtime`.
///
/// # Examples
///
/// ```
/// #[corium::main(flavor = "current_thread")]
/// async fn main() -> Result<(), Box<dyn std::error::Error>> {
///     let answer = corium::spawn(async { "42".parse::<u32>() }).await??;
///     assert_eq!(answer, 42);
///     Ok(())
/// }
/// ```
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    entry(args, item, Kind::Main)
}

/// Runs an `async fn` test on its own corium runtime: the function becomes a `#[test]` that
/// builds a runtime and `block_on`s the body.
///
/// The options are [`macro@main`]'s; the default flavour here is `current_thread`, as in
/// tokio, so a test is deterministic unless it asks for worker threads.
///
/// # Examples
///
/// ```no_run
/// #[corium::test]
/// async fn timers_work_in_tests() {
///     corium::time::sleep(std::time::Duration::from_millis(1)).await;
/// }
///
/// #[corium::test(flavor = "multi_thread", worker_threads = 2)]
/// async fn on_two_workers() -> std::io::Result<()> {
///     let listener = corium::net::TcpListener::bind("127.0.0.1:0").await?;
///     assert_ne!(listener.local_addr()?.port(), 0);
///     Ok(())
/// }
/// ```
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    entry(args, item, Kind::Test)
}

/// `select!`'s helper, not a public API: a pattern with every `ref` and `mut` removed, so it
/// can test a value through a shared reference without moving it.
#[doc(hidden)]
#[proc_macro]
pub fn select_priv_clean_pattern(pattern: TokenStream) -> TokenStream {
    clean::clean_pattern(pattern)
}

fn entry(args: TokenStream, item: TokenStream, kind: Kind) -> TokenStream {
    let item_fn = match signature::parse_fn(item.clone(), kind.name()) {
        Ok(f) => f,
        // Not a function at all: give the item back as it was, plus the error.
        Err(e) => {
            let mut out = item;
            out.extend(e.into_tokens());
            return out;
        }
    };
    let mut item_fn = item_fn;
    let (config, error, drop_params) = match check(&mut item_fn, args, kind) {
        Ok(config) => (config, None, false),
        Err((e, drop_params)) => (Config::default_for(kind), Some(e), drop_params),
    };
    let mut out = expand::expand(item_fn, kind, &config, drop_params);
    if let Some(e) = error {
        out.extend(e.into_tokens());
    }
    out
}

/// The signature's rules, then the arguments. On error, also says whether the parameter list
/// is what was wrong (the expansion then leaves it out).
fn check(
    item: &mut signature::ItemFn,
    args: TokenStream,
    kind: Kind,
) -> Result<Config, (Error, bool)> {
    if item.async_span.is_none() {
        return Err((
            Error::new(
                item.fn_token.span(),
                format!(
                    "`#[{}]` needs an `async fn`: add `async` before `fn`",
                    kind.name()
                ),
            ),
            false,
        ));
    }
    if !item.params.stream().is_empty() && (kind == Kind::Test || item.name.to_string() == "main") {
        let what = match kind {
            Kind::Main => {
                "`main` cannot take arguments (read the command line with `std::env::args()`)"
            }
            Kind::Test => "a test function cannot take arguments",
        };
        return Err((Error::new(item.params.span(), what), true));
    }
    if kind == Kind::Test {
        // A second `#[test]` would make the compiler register the function twice.
        if let Some(i) = item
            .attrs
            .iter()
            .position(|(_, attr)| is_test_attribute(attr))
        {
            let (pound, attr) = item.attrs.remove(i);
            return Err((
                Error::spanning(
                    pound.span(),
                    attr.span(),
                    "`#[corium::test]` already makes this function a test; remove this `#[test]`",
                ),
                false,
            ));
        }
    }
    config::parse_config(args, kind).map_err(|e| (e, false))
}

/// Whether an attribute's `[...]` group is `[test]` (or a path ending in `prelude::*::test`).
fn is_test_attribute(attr: &proc_macro::TokenTree) -> bool {
    let proc_macro::TokenTree::Group(g) = attr else {
        return false;
    };
    let trees: Vec<_> = g.stream().into_iter().collect();
    match trees.as_slice() {
        [only] => is_ident(only, "test"),
        [.., colon1, colon2, last] => {
            is_punct(colon1, ':')
                && is_punct(colon2, ':')
                && is_ident(last, "test")
                && trees.iter().any(|t| is_ident(t, "prelude"))
        }
        _ => false,
    }
}
