//! Task-local storage: [`task_local!`](crate::task_local), [`LocalKey`], [`TaskLocalFuture`].
//!
//! A task-local value belongs to a future rather than a thread: [`LocalKey::scope`] wraps a
//! future so that, *while that future is being polled*, the key's thread-local slot holds the
//! value; between polls the value lives in the wrapper. So the value follows the future from
//! worker to worker, and two tasks on one thread never see each other's.

use std::cell::RefCell;
use std::error::Error;
use std::fmt;
use std::future::Future;
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Declares task-local keys, each a [`LocalKey`]:
///
/// ```
/// corium_executor::task_local! {
///     pub static REQUEST_ID: u64;
///     static USER: String;
/// }
///
/// let rt = corium_executor::runtime::Runtime::new().unwrap();
/// rt.block_on(REQUEST_ID.scope(7, async {
///     assert_eq!(REQUEST_ID.get(), 7);
///     corium_executor::task::yield_now().await;
///     assert_eq!(REQUEST_ID.get(), 7);
/// }));
/// // Outside any scope there is no value.
/// assert!(REQUEST_ID.try_with(|_| ()).is_err());
/// # let _ = &USER;
/// ```
#[macro_export]
macro_rules! task_local {
    () => {};
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty; $($rest:tt)*) => {
        $crate::__task_local_key!($(#[$attr])* $vis $name, $t);
        $crate::task_local!($($rest)*);
    };
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty) => {
        $crate::__task_local_key!($(#[$attr])* $vis $name, $t);
    };
}

/// One key of [`task_local!`].
#[doc(hidden)]
#[macro_export]
macro_rules! __task_local_key {
    ($(#[$attr:meta])* $vis:vis $name:ident, $t:ty) => {
        $(#[$attr])*
        $vis static $name: $crate::task::LocalKey<$t> = {
            ::std::thread_local! {
                static SLOT: ::std::cell::RefCell<::std::option::Option<$t>> =
                    const { ::std::cell::RefCell::new(::std::option::Option::None) };
            }
            $crate::task::LocalKey::__new(SLOT)
        };
    };
}

/// A key for task-local values, declared with [`task_local!`](crate::task_local).
///
/// A value is set for the extent of a future ([`scope`](LocalKey::scope)) or of a closure
/// ([`sync_scope`](LocalKey::sync_scope)); read it with [`with`](LocalKey::with),
/// [`try_with`](LocalKey::try_with) or [`get`](LocalKey::get).
pub struct LocalKey<T: 'static> {
    slot: std::thread::LocalKey<RefCell<Option<T>>>,
}

/// [`LocalKey::try_with`] found no value: the caller is not inside a scope of the key.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct AccessError {
    _private: (),
}

impl fmt::Debug for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessError").finish()
    }
}

impl fmt::Display for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("task-local value not set")
    }
}

impl Error for AccessError {}

/// Why a scope could not be entered.
enum ScopeError {
    /// Inside `with` on this key: the slot is borrowed.
    Borrowed,
    /// The thread is tearing its thread-locals down.
    Destroyed,
}

impl ScopeError {
    #[track_caller]
    fn panic(self) -> ! {
        match self {
            ScopeError::Borrowed => panic!(
                "cannot enter a task-local scope while the task-local value is borrowed \
                 (inside `LocalKey::with` of the same key)"
            ),
            ScopeError::Destroyed => panic!(
                "cannot enter a task-local scope while the thread's thread-locals are being \
                 destroyed"
            ),
        }
    }
}

impl<T: 'static> LocalKey<T> {
    /// Used by [`task_local!`](crate::task_local); not public API.
    #[doc(hidden)]
    pub const fn __new(slot: std::thread::LocalKey<RefCell<Option<T>>>) -> LocalKey<T> {
        LocalKey { slot }
    }

    /// Wraps `future` so that the key holds `value` whenever the future is polled (and while
    /// it is dropped).
    pub fn scope<F: Future>(&'static self, value: T, future: F) -> TaskLocalFuture<T, F> {
        TaskLocalFuture {
            key: self,
            slot: Some(value),
            future: Some(future),
            _pinned: PhantomPinned,
        }
    }

    /// Runs `f` with the key holding `value`.
    ///
    /// # Panics
    /// Inside [`with`](LocalKey::with) of the same key.
    #[track_caller]
    pub fn sync_scope<F, R>(&'static self, value: T, f: F) -> R
    where
        F: FnOnce() -> R,
    {
        let mut slot = Some(value);
        match self.enter(&mut slot, f) {
            Ok(r) => r,
            Err(err) => err.panic(),
        }
    }

    /// Puts `slot`'s value into the key for the duration of `f`, then takes it back (also if
    /// `f` panics).
    fn enter<F: FnOnce() -> R, R>(
        &'static self,
        slot: &mut Option<T>,
        f: F,
    ) -> Result<R, ScopeError> {
        fn swap<T>(key: &'static std::thread::LocalKey<RefCell<Option<T>>>, slot: &mut Option<T>) {
            // Both callers checked the swap can succeed, and nothing runs in between that
            // could borrow the cell.
            let _ = key.try_with(|c| std::mem::swap(slot, &mut *c.borrow_mut()));
        }
        struct Restore<'a, T: 'static> {
            key: &'static std::thread::LocalKey<RefCell<Option<T>>>,
            slot: &'a mut Option<T>,
        }
        impl<T: 'static> Drop for Restore<'_, T> {
            fn drop(&mut self) {
                swap(self.key, self.slot);
            }
        }
        self.slot
            .try_with(|c| c.try_borrow_mut().map(|_| ()))
            .map_err(|_| ScopeError::Destroyed)?
            .map_err(|_| ScopeError::Borrowed)?;
        swap(&self.slot, slot);
        let _restore = Restore {
            key: &self.slot,
            slot,
        };
        Ok(f())
    }

    /// Runs `f` with a reference to the current value.
    ///
    /// # Panics
    /// Outside a [`scope`](LocalKey::scope) or [`sync_scope`](LocalKey::sync_scope) of this
    /// key.
    #[track_caller]
    pub fn with<F, R>(&'static self, f: F) -> R
    where
        F: FnOnce(&T) -> R,
    {
        match self.try_with(f) {
            Ok(r) => r,
            Err(_) => panic!(
                "task-local value not set: read it inside `LocalKey::scope` or \
                 `LocalKey::sync_scope` of this key (use `try_with` where there may be none)"
            ),
        }
    }

    /// Runs `f` with a reference to the current value, or fails if there is none.
    ///
    /// # Errors
    /// [`AccessError`] outside a scope of this key.
    pub fn try_with<F, R>(&'static self, f: F) -> Result<R, AccessError>
    where
        F: FnOnce(&T) -> R,
    {
        let missing = AccessError { _private: () };
        self.slot
            .try_with(|c| {
                // A failed borrow means a scope of this key is being entered or left right
                // now: no value is readable.
                let value = c.try_borrow().map_err(|_| missing)?;
                match value.as_ref() {
                    Some(v) => Ok(f(v)),
                    None => Err(missing),
                }
            })
            .unwrap_or(Err(missing))
    }
}

impl<T: Clone + 'static> LocalKey<T> {
    /// A copy of the current value.
    ///
    /// # Panics
    /// Outside a scope of this key, as [`with`](LocalKey::with).
    #[track_caller]
    pub fn get(&'static self) -> T {
        self.with(T::clone)
    }
}

impl<T: 'static> fmt::Debug for LocalKey<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad("LocalKey { .. }")
    }
}

pin_project_lite::pin_project! {
    /// A future with a task-local value (see [`LocalKey::scope`]).
    pub struct TaskLocalFuture<T: 'static, F> {
        key: &'static LocalKey<T>,
        slot: Option<T>,
        // `None` once it completed (or was dropped in scope).
        #[pin]
        future: Option<F>,
        // The future is dropped in place inside the scope: keep the wrapper pinned.
        #[pin]
        _pinned: PhantomPinned,
    }

    impl<T: 'static, F> PinnedDrop for TaskLocalFuture<T, F> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            let mut future = this.future;
            if future.is_some() {
                // The inner future's destructor sees the value, as its polls did. If the
                // scope cannot be entered (thread teardown), it is dropped without it.
                let _ = this.key.enter(this.slot, || future.set(None));
            }
        }
    }
}

impl<T: 'static, F> TaskLocalFuture<T, F> {
    /// Takes the value out of the wrapper; the future no longer sees it afterwards. `None` if
    /// it was taken already.
    pub fn take_value(self: Pin<&mut Self>) -> Option<T> {
        self.project().slot.take()
    }
}

impl<T: 'static, F: Future> Future for TaskLocalFuture<T, F> {
    type Output = F::Output;

    #[track_caller]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let mut future = this.future;
        let res = this.key.enter(this.slot, || {
            let Some(inner) = future.as_mut().as_pin_mut() else {
                panic!("`TaskLocalFuture` polled after it completed");
            };
            let res = inner.poll(cx);
            if res.is_ready() {
                future.set(None);
            }
            res
        });
        match res {
            Ok(res) => res,
            Err(err) => err.panic(),
        }
    }
}

impl<T: 'static + fmt::Debug, F> fmt::Debug for TaskLocalFuture<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskLocalFuture")
            .field("value", &self.slot)
            .finish_non_exhaustive()
    }
}
