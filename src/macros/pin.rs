/// Pins values on the stack, so `!Unpin` futures can be polled through `&mut`.
///
/// Three forms, as in tokio: `pin!(a, b);` shadows the existing variables `a` and `b` with
/// pinned mutable references to their values; `pin! { let a = expr; let b = expr; }` does the
/// same for new variables; and `let a = pin!(expr)`, with an expression that is not just a
/// variable name, is the standard library's [`core::pin::pin!`]. All three are safe: the value
/// is moved into the macro's own storage, so it can no longer be moved by anyone.
///
/// A value pinned this way lives until the end of the enclosing block, which is what a future
/// awaited across loop iterations with `select!` needs (`&mut fut` of a pinned future is itself
/// a future).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use corium::time::sleep;
///
/// # corium::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let short = sleep(Duration::from_millis(1));
/// corium::pin!(short);
/// (&mut short).await; // `short` is a `Pin<&mut Sleep>`
///
/// corium::pin! {
///     let long = sleep(Duration::from_millis(2));
/// }
/// long.as_mut().await;
///
/// let fut = corium::pin!(async { 7 });
/// assert_eq!(fut.await, 7);
/// # });
/// ```
#[macro_export]
macro_rules! pin {
    ($($x:ident),* $(,)?) => {
        $(
            #[allow(unused_mut)]
            let mut $x = ::core::pin::pin!($x);
        )*
    };
    ($(let $x:ident = $init:expr;)*) => {
        $(
            #[allow(unused_mut)]
            let mut $x = ::core::pin::pin!($init);
        )*
    };
    ($value:expr) => {
        ::core::pin::pin!($value)
    };
}
