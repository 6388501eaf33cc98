//! The few token-building tools the macros need, on `proc_macro` alone.
//!
//! Without `quote!` there are two ways to make tokens: build each `TokenTree` by hand, or parse
//! a string (`"a.b()".parse::<TokenStream>()`). The expansion uses strings for its fixed parts,
//! because they read like the code they produce, and then [`respan`]s them so every generated
//! token carries a span chosen on purpose. Tokens that come from the user (the body, the return
//! type, attributes) are never rebuilt: they are moved into the output as they arrived, so their
//! spans still point into the user's file and the compiler's errors about them land there.

use proc_macro::{Delimiter, Group, Literal, Punct, Spacing, Span, TokenStream, TokenTree};

/// A compile error to report: the message, and the first and last spans of the code it blames.
#[derive(Debug)]
pub(crate) struct Error {
    message: String,
    start: Span,
    end: Span,
}

impl Error {
    /// An error pointing at one token.
    pub(crate) fn new(span: Span, message: impl Into<String>) -> Error {
        Error::spanning(span, span, message)
    }

    /// An error pointing from `start` to `end` (stable `proc_macro` cannot join two spans; the
    /// compiler underlines the whole range when the error's first tokens carry `start` and its
    /// last token carries `end`, which is what [`Error::into_tokens`] emits).
    pub(crate) fn spanning(start: Span, end: Span, message: impl Into<String>) -> Error {
        Error {
            message: message.into(),
            start,
            end,
        }
    }

    /// `::core::compile_error! { "message" }`, its path spanned at the start of the blamed code
    /// and its braces at the end.
    pub(crate) fn into_tokens(self) -> TokenStream {
        let mut out = respan(parse("::core::compile_error!"), self.start);
        let mut message = TokenTree::Literal(Literal::string(&self.message));
        message.set_span(self.end);
        let mut group = Group::new(Delimiter::Brace, TokenStream::from(message));
        group.set_span(self.end);
        out.extend([TokenTree::Group(group)]);
        out
    }
}

/// Parses Rust source that is known to be valid (the expansion's fixed parts).
pub(crate) fn parse(source: &str) -> TokenStream {
    source
        .parse()
        .unwrap_or_else(|e| panic!("corium-macros emitted invalid tokens {source:?}: {e}"))
}

/// Gives every token of `stream`, inside groups too, the span `span`.
pub(crate) fn respan(stream: TokenStream, span: Span) -> TokenStream {
    stream
        .into_iter()
        .map(|mut tree| {
            if let TokenTree::Group(g) = &tree {
                let mut inner = Group::new(g.delimiter(), respan(g.stream(), span));
                inner.set_span(span);
                tree = TokenTree::Group(inner);
            } else {
                tree.set_span(span);
            }
            tree
        })
        .collect()
}

/// Whether `tree` is the identifier (or keyword) `name`.
pub(crate) fn is_ident(tree: &TokenTree, name: &str) -> bool {
    matches!(tree, TokenTree::Ident(i) if i.to_string() == name)
}

/// Whether `tree` is the punctuation character `ch`.
pub(crate) fn is_punct(tree: &TokenTree, ch: char) -> bool {
    matches!(tree, TokenTree::Punct(p) if p.as_char() == ch)
}

/// A group with the given delimiter and span.
pub(crate) fn group(delimiter: Delimiter, stream: TokenStream, span: Span) -> TokenTree {
    let mut g = Group::new(delimiter, stream);
    g.set_span(span);
    TokenTree::Group(g)
}

/// `#[...]` around `inner`, spanned `span`.
pub(crate) fn attribute(inner: TokenStream, span: Span) -> TokenStream {
    let mut pound = Punct::new('#', Spacing::Alone);
    pound.set_span(span);
    [
        TokenTree::Punct(pound),
        group(Delimiter::Bracket, inner, span),
    ]
    .into_iter()
    .collect()
}
