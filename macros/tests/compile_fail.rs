//! Every misuse of `#[corium::main]` / `#[corium::test]` (and `select!`'s limits) is a compile
//! error that points at the offending tokens: each case in `ui/` is compiled, and its errors
//! must equal the `.stderr` file beside it. `TRYBUILD=overwrite cargo test -p corium-macros
//! --test compile_fail` rewrites those files after a deliberate change of message.

#[test]
fn misuse_is_a_compile_error_with_a_precise_span() {
    trybuild::TestCases::new().compile_fail("tests/ui/*.rs");
}
