//! Reading an `fn` item from the tokens an attribute macro receives.
//!
//! The compiler hands an attribute macro the item as a flat sequence of token trees: each
//! `(...)`, `[...]` and `{...}` is one `Group` whose contents stay nested inside it, everything
//! else is an `Ident`, a `Punct` (one character; `->` is `-` then `>`) or a `Literal`. An `fn`
//! item therefore reads, at the top level:
//!
//! ```text
//! #[attr]...  pub(crate)?  const? async? unsafe? extern "abi"?  fn  name  <generics>?  (params)
//!             -> ReturnType?  where ...?  { body }
//! ```
//!
//! This module walks that sequence once, left to right. It never looks inside the body: the
//! body is one `{...}` group that is moved into the expansion untouched, so every span in it —
//! and so every compiler error about it — still points into the user's file.

use crate::tokens::{is_ident, is_punct, Error};
use proc_macro::{Delimiter, Group, Ident, Span, TokenStream, TokenTree};

/// The parts of an `fn` item the expansion needs, as the tokens that spelled them.
pub(crate) struct ItemFn {
    /// Outer attributes (`#` and its `[...]` group), in order.
    pub(crate) attrs: Vec<(TokenTree, TokenTree)>,
    /// `pub`, `pub(crate)`, ... or nothing.
    pub(crate) vis: TokenStream,
    /// `const`, `unsafe`, `extern "C"`: the qualifiers other than `async`, which the expansion
    /// drops (it builds a synchronous `fn` that blocks on the async body).
    pub(crate) qualifiers: TokenStream,
    /// The `async` keyword, if written.
    pub(crate) async_span: Option<Span>,
    /// The `fn` keyword.
    pub(crate) fn_token: TokenTree,
    pub(crate) name: Ident,
    /// Everything between the name and the parameters (`<T: Bound>`), usually empty.
    pub(crate) generics: TokenStream,
    pub(crate) params: Group,
    /// The tokens after `->`, or `None` for `()`.
    pub(crate) output: Option<TokenStream>,
    /// `where ...`, usually empty.
    pub(crate) where_clause: TokenStream,
    pub(crate) body: Group,
}

impl ItemFn {
    /// Whether the function's return type is one that cannot be named in a `let` type
    /// annotation (`impl Trait`, anywhere in it) or never returns (`!`), so the expansion must
    /// not write `Future<Output = ...>` with it.
    pub(crate) fn output_is_unnameable(&self) -> bool {
        fn mentions_impl(stream: &TokenStream) -> bool {
            stream.clone().into_iter().any(|t| match &t {
                TokenTree::Group(g) => mentions_impl(&g.stream()),
                _ => is_ident(&t, "impl"),
            })
        }
        match &self.output {
            None => false,
            Some(out) => {
                let trees: Vec<_> = out.clone().into_iter().collect();
                mentions_impl(out) || (trees.len() == 1 && is_punct(&trees[0], '!'))
            }
        }
    }
}

/// Parses `item`; `macro_name` (`corium::main`) goes into the error messages.
pub(crate) fn parse_fn(item: TokenStream, macro_name: &str) -> Result<ItemFn, Error> {
    let mut tokens = item.into_iter().peekable();
    let not_a_fn = |span| Error::new(span, format!("`#[{macro_name}]` goes on an `async fn`"));

    let mut attrs = Vec::new();
    while tokens.peek().is_some_and(|t| is_punct(t, '#')) {
        let pound = tokens.next().expect("peeked");
        match tokens.next() {
            Some(g @ TokenTree::Group(_)) => attrs.push((pound, g)),
            other => return Err(not_a_fn(other.map_or(pound.span(), |t| t.span()))),
        }
    }

    let mut vis = TokenStream::new();
    if tokens.peek().is_some_and(|t| is_ident(t, "pub")) {
        vis.extend(tokens.next());
        if let Some(TokenTree::Group(g)) = tokens.peek() {
            if g.delimiter() == Delimiter::Parenthesis {
                vis.extend(tokens.next());
            }
        }
    }

    let mut qualifiers = TokenStream::new();
    let mut async_span = None;
    let fn_token = loop {
        match tokens.next() {
            Some(t) if is_ident(&t, "fn") => break t,
            Some(t) if is_ident(&t, "async") => async_span = Some(t.span()),
            Some(t)
                if ["const", "unsafe", "extern"]
                    .iter()
                    .any(|q| is_ident(&t, q)) =>
            {
                qualifiers.extend([t]);
            }
            // The ABI string after `extern`.
            Some(TokenTree::Literal(l)) => qualifiers.extend([TokenTree::Literal(l)]),
            Some(t) => return Err(not_a_fn(t.span())),
            None => return Err(not_a_fn(Span::call_site())),
        }
    };

    let name = match tokens.next() {
        Some(TokenTree::Ident(name)) => name,
        other => return Err(not_a_fn(other.map_or(fn_token.span(), |t| t.span()))),
    };

    // Generics end at the parameter list: the first `(...)` outside `<...>` (a bound such as
    // `F: Fn(u8) -> u8` has parentheses and a `>` of its own).
    let mut generics = TokenStream::new();
    let mut depth = 0usize;
    let mut after_minus = false;
    let params = loop {
        let Some(t) = tokens.next() else {
            return Err(not_a_fn(name.span()));
        };
        match &t {
            TokenTree::Group(g) if depth == 0 && g.delimiter() == Delimiter::Parenthesis => {
                break g.clone();
            }
            TokenTree::Punct(p) if p.as_char() == '<' => depth += 1,
            TokenTree::Punct(p) if p.as_char() == '>' && !after_minus => {
                depth = depth.saturating_sub(1);
            }
            _ => {}
        }
        after_minus = is_punct(&t, '-');
        generics.extend([t]);
    };

    let mut output = None;
    let mut where_clause = TokenStream::new();
    let mut in_where = false;
    let body = loop {
        let Some(t) = tokens.next() else {
            return Err(Error::new(
                params.span(),
                format!("`#[{macro_name}]` needs a function with a body"),
            ));
        };
        match &t {
            TokenTree::Group(g) if g.delimiter() == Delimiter::Brace => break g.clone(),
            _ if is_punct(&t, '-') && output.is_none() && !in_where => {
                // `->`: the return type follows.
                match tokens.next() {
                    Some(gt) if is_punct(&gt, '>') => output = Some(TokenStream::new()),
                    _ => return Err(Error::new(t.span(), "expected `->` or the function body")),
                }
            }
            _ if is_ident(&t, "where") => {
                in_where = true;
                where_clause.extend([t]);
            }
            _ if in_where => where_clause.extend([t]),
            _ => match &mut output {
                Some(out) => out.extend([t]),
                None => return Err(Error::new(t.span(), "expected `->` or the function body")),
            },
        }
    };
    if let Some(extra) = tokens.next() {
        return Err(Error::new(
            extra.span(),
            "unexpected tokens after the function body",
        ));
    }

    Ok(ItemFn {
        attrs,
        vis,
        qualifiers,
        async_span,
        fn_token,
        name,
        generics,
        params,
        output,
        where_clause,
        body,
    })
}
