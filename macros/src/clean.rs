//! `select!`'s pattern check: the branch pattern with its binding modifiers removed.
//!
//! When a `select!` branch completes, its output must be tested against the branch's pattern
//! *without* being moved, because a value that does not match is not the select's result and
//! the other branches race on. The test matches a reference, `match &output { pattern => .. }`,
//! where default binding modes make every binding a shared borrow. `ref` and `mut` do not fit
//! there (`mut x` would try to move out of the reference; `ref x` is refused by edition 2024),
//! and they only say how to bind, never whether the value matches, so dropping every `ref` and
//! `mut` keyword leaves a pattern that accepts exactly the same values.
//!
//! A declarative macro cannot do this: once `select!` has captured the pattern as a `$p:pat`
//! fragment its tokens are sealed to other `macro_rules!` matchers. A procedural macro still
//! sees them, wrapped in an invisible (`Delimiter::None`) group.

use proc_macro::{Group, TokenStream, TokenTree};

/// `pattern` without any `ref` or `mut` keyword, at any depth.
pub(crate) fn clean_pattern(pattern: TokenStream) -> TokenStream {
    pattern
        .into_iter()
        .filter(|t| !matches!(t, TokenTree::Ident(i) if ["ref", "mut"].contains(&i.to_string().as_str())))
        .map(|t| match t {
            TokenTree::Group(g) => {
                let mut cleaned = Group::new(g.delimiter(), clean_pattern(g.stream()));
                cleaned.set_span(g.span());
                TokenTree::Group(cleaned)
            }
            other => other,
        })
        .collect()
}
