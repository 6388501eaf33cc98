//! # Macros — what `#[corium::main]` writes, and how it reads tokens without syn
//!
//! *Layer: the `corium-macros` proc-macro crate (`macros/`) and the facade's declarative
//! macros (`src/macros/`). Items: [`main`](macro@crate::main), [`test`](macro@crate::test),
//! [`select!`](crate::select), [`join!`](crate::join), [`try_join!`](crate::try_join),
//! [`pin!`](crate::pin).*
//!
//! ## What `#[corium::main]` expands to
//!
//! An `async fn main` cannot be a program's entry point: something has to own a runtime and
//! drive the future the body is. The attribute writes that something. This program
//!
//! ```rust
//! use std::time::Duration;
//!
//! #[corium::main(flavor = "current_thread")]
//! async fn main() -> std::io::Result<()> {
//!     corium::time::sleep(Duration::from_millis(1)).await;
//!     let listener = corium::net::TcpListener::bind("127.0.0.1:0").await?;
//!     assert_ne!(listener.local_addr()?.port(), 0);
//!     Ok(())
//! }
//! ```
//!
//! compiles as if it had been written
//!
//! ```rust
//! use std::time::Duration;
//!
//! fn main() -> std::io::Result<()> {
//!     let body = async {
//!         corium::time::sleep(Duration::from_millis(1)).await;
//!         let listener = corium::net::TcpListener::bind("127.0.0.1:0").await?;
//!         assert_ne!(listener.local_addr()?.port(), 0);
//!         Ok(())
//!     };
//!     let body: std::pin::Pin<&mut dyn std::future::Future<Output = std::io::Result<()>>> =
//!         std::pin::pin!(body);
//!     let runtime = corium::runtime::Builder::new_current_thread()
//!         .enable_all()
//!         .build()
//!         .expect("#[corium::main]: could not build the runtime");
//!     runtime.block_on(body)
//! }
//! ```
//!
//! Line by line:
//!
//! * The body becomes an `async` block, so its `.await`s are legal, and the function loses
//!   its `async`: `main` is an ordinary function again, returning what the block returns.
//! * The `Pin<&mut dyn Future<Output = R>>` line names the block's output type before
//!   anything else looks at it. Without it, a `?` in the body would not know which error type
//!   to convert into until `block_on`'s result met the return type, and the compiler reads
//!   the body first. As a side effect `block_on` is instantiated for one future type, not one
//!   per function (which matters for test binaries with hundreds of `#[corium::test]`s). A
//!   return type that cannot be written there (`impl Trait`, `!`) skips this line.
//! * The runtime is a [`Builder`](crate::runtime::Builder) chain, one call per option (below),
//!   always with `enable_all()`: I/O and timers, as tokio's attribute does.
//! * [`block_on`](crate::runtime::Runtime::block_on) runs the body to completion on this
//!   thread; the runtime is dropped when `main` returns, which shuts down any tasks still
//!   running.
//!
//! `#[corium::test]` writes the same function with `#[test]` on it; it defaults to a
//! current-thread runtime, so tests are deterministic unless they ask for worker threads.
//!
//! | option | default | builder call |
//! |---|---|---|
//! | `flavor = "multi_thread"` | `main` | [`Builder::new_multi_thread()`](crate::runtime::Builder::new_multi_thread) then `.build()` |
//! | `flavor = "current_thread"` | `test` | [`Builder::new_current_thread()`](crate::runtime::Builder::new_current_thread) then `.build()` |
//! | `flavor = "local"` | — | `Builder::new_current_thread()` then `.build_local(Default::default())`: a runtime for `!Send` tasks |
//! | `worker_threads = N` | one per CPU | [`.worker_threads(N)`](crate::runtime::Builder::worker_threads); multi-thread only |
//! | `start_paused = true` | `false` | `.start_paused(true)`: the clock starts paused; single-threaded flavours only |
//! | `crate = "path"` | `::corium` | every path above starts with `path` instead, for crates that re-export corium |
//!
//! ## What a procedural macro receives
//!
//! An attribute macro is a function `fn(args: TokenStream, item: TokenStream) -> TokenStream`
//! that the compiler calls during macro expansion — before name resolution and type checking,
//! so it sees spelling, not meaning. A `TokenStream` is a sequence of `TokenTree`s, and there
//! are only four kinds:
//!
//! | token tree | what it is | in `pub async fn main() -> io::Result<()> { .. }` |
//! |---|---|---|
//! | `Ident` | a word: identifier or keyword | `pub`, `async`, `fn`, `main`, `io`, `Result` |
//! | `Punct` | **one** punctuation character, with a flag saying whether the next one is joined to it | `-` (joint) then `>`; `:` (joint) then `:`; `<`, `>` |
//! | `Literal` | a number, string or character, as written | (none here; `"current_thread"` in the arguments) |
//! | `Group` | a `( )`, `[ ]` or `{ }` with a whole `TokenStream` inside | `()` twice (the parameters, the unit type), and the body `{ .. }` |
//!
//! So the item arrives as fifteen trees at its top level, and the body — however long — is
//! one of them. `<` and `>` are *not* a group: only the three bracket pairs nest, which is why
//! reading generics needs a depth counter (`macros/src/signature.rs`) while reading the body
//! needs nothing at all.
//!
//! ## Reading it without syn
//!
//! The crates most proc macros use, `syn` (a full Rust parser over token trees) and `quote`
//! (a templating macro that writes token trees), are run-time dependencies corium does not
//! allow itself, and they hide what the compiler actually hands over. corium-macros reads the
//! trees itself, in one pass:
//!
//! 1. **Arguments** (`macros/src/config.rs`): split at top-level `,` puncts; each piece must be
//!    `Ident`, `Punct('=')`, then one value tree. A string value is a `Literal` whose source
//!    text still has its quotes (`"current_thread"`), so they are stripped; `true` is an
//!    `Ident`. Keys are checked against the four known ones, duplicates refused, and only
//!    then are the combinations checked (`worker_threads` with a single-threaded flavour,
//!    `start_paused` with multi-thread), so argument order never matters.
//! 2. **Signature** (`macros/src/signature.rs`): outer attributes (`#` + a bracket group),
//!    visibility, qualifiers until `fn` (remembering whether `async` was there), the name,
//!    generics up to the first parenthesis group outside `<...>`, the parameters, `->` and the
//!    return type, a `where` clause, and finally the body group.
//! 3. **Output** (`macros/src/expand.rs`): the fixed parts are written as Rust source and
//!    lexed with `"...".parse::<TokenStream>()` (lexing, not parsing, so a piece may stop in
//!    the middle of `Future<Output =` and let the user's return type be spliced in). The
//!    user's tokens — attributes, return type, and the body group — are moved in untouched.
//!
//! ### Spans: where the errors land
//!
//! Every token carries a `Span`, its place in some file. The body group keeps the spans it
//! arrived with, so a type error inside `main` is reported on the user's line, not on the
//! attribute. Generated tokens get `Span::mixed_site()`: the locals `body` and `runtime` are
//! then hygienic (the user's code cannot see or shadow them) while `::corium` still resolves
//! where the attribute was written.
//!
//! Misuse is reported with `compile_error!`, spanned at the offending tokens:
//!
//! ```text
//! error: `worker_threads` needs the `multi_thread` flavor (a `current_thread` runtime runs
//!        everything on the calling thread); write `#[corium::main(flavor = "multi_thread", worker_threads = N)]`
//!  --> src/main.rs:1:43
//!   |
//! 1 | #[corium::main(flavor = "current_thread", worker_threads = 2)]
//!   |                                           ^^^^^^^^^^^^^^^^^^
//! ```
//!
//! Stable `proc_macro` cannot join two spans into one, so to underline a range the macro
//! spans the `compile_error!` path at its start and the braces around the message at its
//! end; the compiler underlines from one to the other. And even when it reports an error the
//! macro still emits the function (expanded with the default runtime): without it the user
//! would also read "`main` function not found" or "`main` is not allowed to be `async`",
//! errors about code they never wrote. The checked-in `.stderr` files of
//! `macros/tests/ui/` are the full list of misuses and their messages.
//!
//! ## The declarative macros
//!
//! [`select!`](crate::select), [`join!`](crate::join), [`try_join!`](crate::try_join) and
//! [`pin!`](crate::pin) are `macro_rules!` macros in the facade (`src/macros/`). Two problems
//! had to be solved without a proc macro's freedom:
//!
//! * **Naming each branch.** A `select!` with three branches needs three pinned futures, an
//!   output enum with three variants, and the numbers 0, 1, 2 to pick a start. A declarative
//!   macro cannot count or make up identifiers, so `__corium_names!` hands over a fixed list
//!   of 64 `(name number)` pairs, `(_0 0) (_1 1) ...`, and the parser takes one per branch —
//!   which is also where the limit of 64 comes from. The names come from the macro's own
//!   text, so by hygiene they can never clash with the user's variables.
//! * **Testing a pattern without moving the value.** A branch whose output does not match its
//!   pattern is disabled and the race goes on, so the output must be tested through a
//!   reference first. `ref` and `mut` in the pattern make that test fail to compile, and a
//!   `macro_rules!` matcher cannot look inside a pattern it has captured; one tiny proc macro,
//!   `corium_macros::select_priv_clean_pattern!`, drops those two keywords.
//!
//! Fairness comes from the executor's per-thread xorshift generator (the one work stealing
//! uses to pick a victim): each `select!` starts polling at a random branch, so of two
//! always-ready branches each wins about half the time (`tests/macros_select.rs` measures it
//! over 10,000 rounds). `join!` instead rotates its start by one on every poll. Before polling,
//! `select!` asks the reactor's [coop budget](super::ch4_tasks) whether the task may go on,
//! and yields if not.
