//! Writing the expansion: a synchronous `fn` that builds a runtime and blocks on the body.
//!
//! ```text
//! #[corium::main(flavor = "current_thread")]      // becomes
//! async fn main() -> io::Result<()> { BODY }      fn main() -> io::Result<()> {
//!                                                     let body = async { BODY };
//!                                                     let body: Pin<&mut dyn Future<Output = io::Result<()>>>
//!                                                         = ::core::pin::pin!(body);
//!                                                     let runtime = ::corium::runtime::Builder::new_current_thread()
//!                                                         .enable_all()
//!                                                         .build()
//!                                                         .expect("...");
//!                                                     runtime.block_on(body)
//!                                                 }
//! ```
//!
//! The `Pin<&mut dyn Future<Output = R>>` line does two jobs: it tells type inference the
//! body's output type up front (so `?` inside a `Result`-returning body knows which error to
//! convert into), and it gives `block_on` one concrete future type, so each test does not
//! instantiate another copy of the runtime's polling loop. Return types that cannot be written
//! there (`impl Trait`, `!`) skip it.
//!
//! Generated tokens are spanned [`Span::mixed_site`]: the locals `body` and `runtime` are then
//! invisible to the user's code (hygiene), while paths such as `::corium` resolve where the
//! attribute was written; an error in a generated line (a missing runtime method, say) points
//! at the attribute.

use crate::config::{Config, Flavor, Kind};
use crate::signature::ItemFn;
use crate::tokens::{attribute, group, parse, respan};
use proc_macro::{Delimiter, Span, TokenStream, TokenTree};

/// The expansion of `item` under `config`; `drop_params` replaces a parameter list that was
/// already reported as an error by `()`, so the compiler does not report it a second time.
pub(crate) fn expand(item: ItemFn, kind: Kind, config: &Config, drop_params: bool) -> TokenStream {
    let span = Span::mixed_site();
    let nameable = !item.output_is_unnameable();
    let mut out = TokenStream::new();
    for (pound, attr) in item.attrs {
        out.extend([pound, attr]);
    }
    if kind == Kind::Test {
        out.extend(attribute(parse("::core::prelude::v1::test"), span));
    }
    out.extend(item.vis);
    out.extend(item.qualifiers);
    out.extend([item.fn_token, TokenTree::Ident(item.name)]);
    out.extend(item.generics);
    if drop_params {
        out.extend([group(
            Delimiter::Parenthesis,
            TokenStream::new(),
            item.params.span(),
        )]);
    } else {
        out.extend([TokenTree::Group(item.params)]);
    }
    let output = item.output.clone().unwrap_or_else(|| parse("()"));
    if let Some(ret) = item.output {
        out.extend(parse("->"));
        out.extend(ret);
    }
    out.extend(item.where_clause);

    // The new body: the user's `{ ... }` group is moved in whole, spans and all.
    let mut body = respan(parse("let body = async"), span);
    body.extend([TokenTree::Group(item.body)]);
    body.extend(respan(parse(";"), span));
    if nameable {
        // `TokenStream::from_str` only lexes (`<` and `>` are plain punctuation, not a group),
        // so the statement can be cut around the return type, which is spliced in with its
        // own spans.
        body.extend(respan(
            parse("let body: ::core::pin::Pin<&mut dyn ::core::future::Future<Output ="),
            span,
        ));
        body.extend(output);
        body.extend(respan(parse(">> = ::core::pin::pin!(body);"), span));
    }
    body.extend(respan(runtime_statement(kind, config), span));
    body.extend(respan(parse("runtime.block_on(body)"), span));

    out.extend([group(Delimiter::Brace, body, Span::call_site())]);
    out
}

/// `let runtime = <crate>::runtime::Builder::new_...()....build()....;`
fn runtime_statement(kind: Kind, config: &Config) -> TokenStream {
    let mut s = parse("let runtime =");
    s.extend(config.krate.clone());
    let constructor = match config.flavor {
        Flavor::MultiThread => "new_multi_thread",
        Flavor::CurrentThread | Flavor::Local => "new_current_thread",
    };
    let mut chain = format!("::runtime::Builder::{constructor}()");
    if let Some(n) = config.worker_threads {
        chain.push_str(&format!(".worker_threads({n})"));
    }
    if let Some(paused) = config.start_paused {
        chain.push_str(&format!(".start_paused({paused})"));
    }
    chain.push_str(".enable_all()");
    chain.push_str(match config.flavor {
        Flavor::Local => ".build_local(::core::default::Default::default())",
        Flavor::CurrentThread | Flavor::MultiThread => ".build()",
    });
    chain.push_str(&format!(
        ".expect(\"#[{}]: could not build the runtime\");",
        kind.name()
    ));
    s.extend(parse(&chain));
    s
}
