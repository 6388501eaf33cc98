/// Waits on several async expressions at once and runs the handler of the first one to
/// complete, dropping the others.
///
/// ```text
/// select! {
///     <pattern> = <async expression> (, if <precondition>)? => <handler>,
///     ...
///     (else => <expression>)?
/// }
/// ```
///
/// One `select!` runs like this:
///
/// 1. Every `<precondition>` is evaluated; a branch whose precondition is `false` is *disabled*.
/// 2. Every `<async expression>` is evaluated, in order (disabled ones too), and turned into a
///    future with `IntoFuture`.
/// 3. The enabled futures are polled, starting from a random branch (the thread's xorshift
///    generator) so that no branch is favoured; write `biased;` first to poll them in the
///    order written instead. When a future completes, its output is matched against the
///    branch's `<pattern>`. If it matches, every other future is dropped (its destructor runs
///    before the handler does) and `<handler>` runs with the pattern's bindings; its value is
///    the value of the `select!`. If it does not match, that branch is disabled and the rest
///    race on.
/// 4. If every branch is disabled, the `else` expression is the result; without an `else`,
///    `select!` panics (a `select!` with nothing left to wait on would otherwise wait forever).
///
/// Handlers run outside the polling loop, so `break`, `continue`, `return`, `?` and `.await`
/// in a handler act on the code around the `select!`. The futures are owned by the `select!`,
/// so to keep one alive across loop iterations, pin it outside the loop and give `select!`
/// a `&mut` to it (see below). Up to 64 branches are accepted.
///
/// Before polling, `select!` checks the task's cooperative budget: when it is spent, the
/// `select!` yields first (as tokio's does), so a loop over always-ready branches cannot
/// starve the other tasks of its worker.
///
/// # Examples
///
/// The first of two timers wins; the losing timer is dropped.
///
/// ```
/// use std::time::Duration;
/// use corium::time::sleep;
///
/// # corium::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let winner = corium::select! {
///     _ = sleep(Duration::from_millis(10)) => "short",
///     _ = sleep(Duration::from_secs(60)) => "long",
/// };
/// assert_eq!(winner, "short");
/// # });
/// ```
///
/// An event loop: a deadline pinned once, outside the loop, raced against a stream of work
/// until the work runs out (its pattern stops matching) and `else` ends the loop.
///
/// ```
/// use std::time::Duration;
/// use corium::time::sleep;
///
/// # corium::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let deadline = sleep(Duration::from_secs(60));
/// corium::pin!(deadline);
/// let mut work = vec![3, 2, 1];
/// let mut done = Vec::new();
/// loop {
///     corium::select! {
///         biased;
///         Some(item) = async { work.pop() } => done.push(item),
///         _ = &mut deadline => panic!("the work should finish first"),
///         else => break,
///     }
///     if work.is_empty() && done.len() == 3 {
///         break;
///     }
/// }
/// assert_eq!(done, [1, 2, 3]);
/// # });
/// ```
///
/// A precondition disables a branch before its future is polled:
///
/// ```
/// # corium::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let ready = false;
/// let got = corium::select! {
///     v = async { 1 }, if ready => v,
///     v = async { 2 } => v,
/// };
/// assert_eq!(got, 2);
/// # });
/// ```
#[macro_export]
macro_rules! select {
    // ===== Internal rules first: the catch-all entry at the bottom would swallow them. =====

    // --- Reading the branches, one per step, into `(name index [pat] [future] [cond] [handler])`.
    // `name index` pairs come from `__corium_names!`'s fixed list of 64, which both numbers the
    // branches and gives each its own variable and enum variant.

    // A comma left after a block handler.
    (@parse $mode:ident [$($acc:tt)*] [$($names:tt)*] , $($rest:tt)*) => {
        $crate::select!(@parse $mode [$($acc)*] [$($names)*] $($rest)*)
    };
    // The end, with or without `else`.
    (@parse $mode:ident [$($acc:tt)+] [$($names:tt)*]) => {
        $crate::select!(@emit $mode [$($acc)+] [])
    };
    (@parse $mode:ident [$($acc:tt)+] [$($names:tt)*] else => $else:expr $(,)?) => {
        $crate::select!(@emit $mode [$($acc)+] [$else])
    };
    (@parse $mode:ident [] [$($names:tt)*] $(else => $else:expr $(,)?)?) => {
        ::core::compile_error!(
            "select! needs at least one branch: `<pattern> = <async expression> => <handler>`"
        )
    };
    // A branch with a precondition: block handler, expression handler, last expression handler.
    (@parse $mode:ident [$($acc:tt)*] [($n:ident $i:tt) $($names:tt)*]
        $p:pat = $f:expr, if $c:expr => $h:block $($rest:tt)*) => {
        $crate::select!(@parse $mode [$($acc)* ($n $i [$p] [$f] [$c] [$h])] [$($names)*] $($rest)*)
    };
    (@parse $mode:ident [$($acc:tt)*] [($n:ident $i:tt) $($names:tt)*]
        $p:pat = $f:expr, if $c:expr => $h:expr, $($rest:tt)*) => {
        $crate::select!(@parse $mode [$($acc)* ($n $i [$p] [$f] [$c] [$h])] [$($names)*] $($rest)*)
    };
    (@parse $mode:ident [$($acc:tt)*] [($n:ident $i:tt) $($names:tt)*]
        $p:pat = $f:expr, if $c:expr => $h:expr) => {
        $crate::select!(@parse $mode [$($acc)* ($n $i [$p] [$f] [$c] [$h])] [$($names)*])
    };
    // The same three without a precondition.
    (@parse $mode:ident [$($acc:tt)*] [($n:ident $i:tt) $($names:tt)*]
        $p:pat = $f:expr => $h:block $($rest:tt)*) => {
        $crate::select!(@parse $mode [$($acc)* ($n $i [$p] [$f] [true] [$h])] [$($names)*] $($rest)*)
    };
    (@parse $mode:ident [$($acc:tt)*] [($n:ident $i:tt) $($names:tt)*]
        $p:pat = $f:expr => $h:expr, $($rest:tt)*) => {
        $crate::select!(@parse $mode [$($acc)* ($n $i [$p] [$f] [true] [$h])] [$($names)*] $($rest)*)
    };
    (@parse $mode:ident [$($acc:tt)*] [($n:ident $i:tt) $($names:tt)*]
        $p:pat = $f:expr => $h:expr) => {
        $crate::select!(@parse $mode [$($acc)* ($n $i [$p] [$f] [true] [$h])] [$($names)*])
    };
    (@parse $mode:ident [$($acc:tt)*] [] $($rest:tt)+) => {
        ::core::compile_error!("select! takes at most 64 branches")
    };
    (@parse $mode:ident [$($acc:tt)*] [$($names:tt)*] $($rest:tt)+) => {
        ::core::compile_error!(::core::concat!(
            "select!: expected `<pattern> = <async expression> (, if <precondition>)? => ",
            "<handler>,` or `else => <expression>`, found `",
            ::core::stringify!($($rest)+),
            "`"
        ))
    };

    // --- The fair start, or the biased one.
    (@start biased $count:expr) => { 0u32 };
    (@start fair $count:expr) => { $crate::__private::thread_rng_n($count) };

    // --- No branch left and no `else`.
    (@else) => {
        ::core::panic!("select!: all branches are disabled and there is no `else` branch")
    };
    (@else $else:expr) => { $else };

    // --- The expansion.
    (@emit $mode:ident
        [$( ($n:ident $i:tt [$p:pat] [$f:expr] [$c:expr] [$h:tt]) )+]
        [$($else:tt)*]) => {{
        // One variant per branch, generic over the branch outputs, plus "all disabled".
        #[allow(non_camel_case_types, dead_code)]
        enum __CoriumSelectOutput<$($n,)+> {
            $($n($n),)+
            Disabled,
        }
        const __CORIUM_SELECT_BRANCHES: u32 = [$($i),+].len() as u32;

        // Bit `i` set: branch `i` is not polled (precondition false, or already completed).
        let mut __disabled: u64 = 0;
        $( if !$c { __disabled |= 1u64 << $i; } )+

        // The futures live in this block only: they are all dropped when it ends, before any
        // handler runs.
        let __output = {
            $( let mut $n = ::core::pin::pin!(::core::future::IntoFuture::into_future($f)); )+
            ::core::future::poll_fn(|__cx| {
                ::core::task::ready!($crate::__private::poll_budget_available(__cx));
                let __start = $crate::select!(@start $mode __CORIUM_SELECT_BRANCHES);
                let mut __pending = false;
                for __k in 0..__CORIUM_SELECT_BRANCHES {
                    match $crate::__private::wrapping_index(__start, __k, __CORIUM_SELECT_BRANCHES) {
                        $( $i => {
                            if __disabled & (1u64 << $i) != 0 {
                                continue;
                            }
                            let ::core::task::Poll::Ready(__value) =
                                ::core::future::Future::poll($n.as_mut(), __cx)
                            else {
                                __pending = true;
                                continue;
                            };
                            // A completed future is never polled again, matched or not.
                            __disabled |= 1u64 << $i;
                            let __output = __CoriumSelectOutput::$n(__value);
                            // The pattern, tested through a reference so a mismatch keeps the
                            // value (and the race) intact.
                            let __matches = match &__output {
                                #[allow(unused_variables)]
                                __CoriumSelectOutput::$n(
                                    $crate::__private::select_priv_clean_pattern!($p)
                                ) => true,
                                #[allow(unreachable_patterns)]
                                _ => false,
                            };
                            if __matches {
                                return ::core::task::Poll::Ready(__output);
                            }
                        } )+
                        _ => ::core::unreachable!("select!: branch index out of range"),
                    }
                }
                if __pending {
                    ::core::task::Poll::Pending
                } else {
                    ::core::task::Poll::Ready(__CoriumSelectOutput::Disabled)
                }
            })
            .await
        };

        match __output {
            $( __CoriumSelectOutput::$n($p) => $h, )+
            __CoriumSelectOutput::Disabled => $crate::select!(@else $($else)*),
            #[allow(unreachable_patterns)]
            _ => ::core::unreachable!("select!: a branch matched its pattern, then did not"),
        }
    }};

    // ===== Entry points. =====
    (biased; $($branches:tt)*) => {
        $crate::__corium_names!(select biased $($branches)*)
    };
    ($($branches:tt)*) => {
        $crate::__corium_names!(select fair $($branches)*)
    };
}
