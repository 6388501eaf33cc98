/// Waits on several async expressions concurrently, in the current task, and returns all their
/// outputs as a tuple.
///
/// The expressions are evaluated in order and turned into futures; then all of them are polled
/// until each has completed. Each poll starts from a different future in turn (round robin),
/// so one future that always has work cannot starve the others; write `biased;` first to poll
/// them in the order written instead. A future is dropped as soon as it completes; its output
/// waits in the `join!` until the last one is done.
///
/// Everything runs inside the task that awaits the `join!`: nothing is spawned, so the futures
/// need not be `Send` or `'static`, and they never run in parallel on two threads (use
/// [`spawn`](crate::spawn) for that). Up to 64 expressions are accepted.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use corium::time::sleep;
///
/// # corium::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let (a, b) = corium::join!(
///     async {
///         sleep(Duration::from_millis(20)).await;
///         "slow"
///     },
///     async { "fast" },
/// );
/// assert_eq!((a, b), ("slow", "fast"));
/// # });
/// ```
#[macro_export]
macro_rules! join {
    (biased; $($futures:expr),* $(,)?) => {
        $crate::__corium_names!(join join biased $($futures,)*)
    };
    ($($futures:expr),* $(,)?) => {
        $crate::__corium_names!(join join fair $($futures,)*)
    };
}

/// Like [`join!`], for futures that return `Result`: waits until every future returns `Ok`
/// and gives `Ok` of the tuple of values, or returns the first `Err` at once, dropping the
/// futures that have not finished.
///
/// All the futures must have the same error type. `biased;` polls them in the order written.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use corium::time::sleep;
///
/// # corium::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let result: Result<(u8, u8), &str> = corium::try_join!(
///     async {
///         sleep(Duration::from_secs(60)).await; // dropped when the other one fails
///         Ok(1)
///     },
///     async { Err("no") },
/// );
/// assert_eq!(result, Err("no"));
/// # });
/// ```
#[macro_export]
macro_rules! try_join {
    (biased; $($futures:expr),* $(,)?) => {
        $crate::__corium_names!(join try_join biased $($futures,)*)
    };
    ($($futures:expr),* $(,)?) => {
        $crate::__corium_names!(join try_join fair $($futures,)*)
    };
}

/// The machinery of [`join!`] and [`try_join!`] (`$kind` is `join` or `try_join`): not a
/// public API.
#[doc(hidden)]
#[macro_export]
macro_rules! __corium_join {
    // Naming the futures: `(name index [future])`, one step per future.
    (@munch $kind:ident $mode:ident [$($acc:tt)*] [($n:ident $i:tt) $($names:tt)*]
        $f:expr, $($rest:tt)*) => {
        $crate::__corium_join!(@munch $kind $mode [$($acc)* ($n $i [$f])] [$($names)*] $($rest)*)
    };
    (@munch $kind:ident $mode:ident [] [$($names:tt)*]) => {
        $crate::__corium_join!(@finish $kind ())
    };
    (@munch $kind:ident $mode:ident [$($acc:tt)+] [$($names:tt)*]) => {
        $crate::__corium_join!(@emit $kind $mode [$($acc)+])
    };
    (@munch $kind:ident $mode:ident [$($acc:tt)*] [] $($rest:tt)+) => {
        ::core::compile_error!(::core::concat!(
            ::core::stringify!($kind),
            "! takes at most 64 futures"
        ))
    };

    // Which future is polled first: the next in turn, or always the first.
    (@start fair $rotation:ident $count:expr) => {{
        let __first = $rotation;
        $rotation = $crate::__private::wrapping_index(__first, 1, $count);
        __first
    }};
    (@start biased $rotation:ident $count:expr) => {
        0u32
    };

    // What a completed future's output becomes: kept (join), or kept if `Ok` and returned at
    // once if `Err` (try_join).
    (@ready join $slot:expr, $value:expr) => {
        $slot = ::core::option::Option::Some($value)
    };
    (@ready try_join $slot:expr, $value:expr) => {
        match $value {
            ::core::result::Result::Ok(__value) => $slot = ::core::option::Option::Some(__value),
            ::core::result::Result::Err(__error) => {
                return ::core::task::Poll::Ready(::core::result::Result::Err(__error));
            }
        }
    };
    (@finish join $outputs:expr) => { $outputs };
    (@finish try_join $outputs:expr) => { ::core::result::Result::Ok($outputs) };
    (@none $i:tt) => { ::core::option::Option::None };

    (@emit $kind:ident $mode:ident [$( ($n:ident $i:tt [$f:expr]) )+]) => {{
        const __CORIUM_JOIN_COUNT: u32 = [$($i),+].len() as u32;
        // Each future in an `Option`, so it can be dropped (set to `None`) once it completes.
        $(
            let mut $n = ::core::pin::pin!(::core::option::Option::Some(
                ::core::future::IntoFuture::into_future($f)
            ));
        )+
        let mut __outputs = ($($crate::__corium_join!(@none $i),)+);
        #[allow(unused_mut, unused_variables)]
        let mut __rotation: u32 = 0;
        ::core::future::poll_fn(|__cx| {
            let __start = $crate::__corium_join!(@start $mode __rotation __CORIUM_JOIN_COUNT);
            let mut __pending = false;
            for __k in 0..__CORIUM_JOIN_COUNT {
                match $crate::__private::wrapping_index(__start, __k, __CORIUM_JOIN_COUNT) {
                    $( $i => {
                        if let ::core::option::Option::Some(__future) = $n.as_mut().as_pin_mut() {
                            match ::core::future::Future::poll(__future, __cx) {
                                ::core::task::Poll::Ready(__value) => {
                                    $n.set(::core::option::Option::None);
                                    $crate::__corium_join!(@ready $kind __outputs.$i, __value);
                                }
                                ::core::task::Poll::Pending => __pending = true,
                            }
                        }
                    } )+
                    _ => ::core::unreachable!("join!: future index out of range"),
                }
            }
            if __pending {
                return ::core::task::Poll::Pending;
            }
            // Unreachable when an output type is uninhabited.
            #[allow(unreachable_code)]
            ::core::task::Poll::Ready($crate::__corium_join!(@finish $kind ($(
                __outputs.$i.take().expect("join!: every future has completed"),
            )+)))
        })
        .await
    }};
}

/// Hands the fixed list of 64 `(name index)` pairs that numbers the branches of [`select!`]
/// and the futures of [`join!`] / [`try_join!`] to the macro named first: not a public API.
#[doc(hidden)]
#[macro_export]
macro_rules! __corium_names {
    (@with [$($names:tt)*] select $mode:ident $($input:tt)*) => {
        $crate::select!(@parse $mode [] [$($names)*] $($input)*)
    };
    (@with [$($names:tt)*] join $kind:ident $mode:ident $($input:tt)*) => {
        $crate::__corium_join!(@munch $kind $mode [] [$($names)*] $($input)*)
    };
    ($($input:tt)*) => {
        $crate::__corium_names!(@with [
            (_0 0) (_1 1) (_2 2) (_3 3) (_4 4) (_5 5) (_6 6) (_7 7)
            (_8 8) (_9 9) (_10 10) (_11 11) (_12 12) (_13 13) (_14 14) (_15 15)
            (_16 16) (_17 17) (_18 18) (_19 19) (_20 20) (_21 21) (_22 22) (_23 23)
            (_24 24) (_25 25) (_26 26) (_27 27) (_28 28) (_29 29) (_30 30) (_31 31)
            (_32 32) (_33 33) (_34 34) (_35 35) (_36 36) (_37 37) (_38 38) (_39 39)
            (_40 40) (_41 41) (_42 42) (_43 43) (_44 44) (_45 45) (_46 46) (_47 47)
            (_48 48) (_49 49) (_50 50) (_51 51) (_52 52) (_53 53) (_54 54) (_55 55)
            (_56 56) (_57 57) (_58 58) (_59 59) (_60 60) (_61 61) (_62 62) (_63 63)
        ] $($input)*)
    };
}
