//! The declarative macros: [`select!`](crate::select), [`join!`](crate::join),
//! [`try_join!`](crate::try_join) and [`pin!`](crate::pin), exported at the crate root with
//! `#[macro_export]`, and what their expansions call ([`support`], re-exported as the hidden
//! `corium::__private`, so a user's crate needs nothing but `corium`).

mod join;
mod pin;
mod select;
pub mod support;
