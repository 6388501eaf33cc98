//! [`OnceCell`]: a value set at most once, initialised by the first task that asks.

use std::cell::UnsafeCell;
use std::error::Error;
use std::fmt;
use std::future::Future;
use std::mem::MaybeUninit;

use crate::batch_semaphore as ll;
use std::sync::atomic::{AtomicBool, Ordering::*};

/// A cell written at most once; concurrent `get_or_init` calls run **one** initialiser at a
/// time, and everyone else waits (in FIFO order) for its result.
///
/// If the running initialiser fails (`get_or_try_init`), panics or is cancelled (its future
/// dropped), the next waiting task runs its own initialiser: the cell is never left poisoned or
/// stuck.
///
/// # Examples
/// ```
/// use corium_sync::OnceCell;
///
/// static CONFIG: OnceCell<String> = OnceCell::const_new();
///
/// # corium_executor::runtime::Runtime::new().unwrap().block_on(async {
/// let value = CONFIG.get_or_init(|| async { "loaded".to_string() }).await;
/// assert_eq!(value, "loaded");
/// // Already set: the initialiser does not run again.
/// let again = CONFIG.get_or_init(|| async { unreachable!() }).await;
/// assert_eq!(again, "loaded");
/// # });
/// ```
pub struct OnceCell<T> {
    /// Set (with `Release`) once `value` is written; never cleared through `&self`. A std
    /// atomic even under loom: the cell's protocol is the semaphore's, which loom models.
    value_set: AtomicBool,
    value: UnsafeCell<MaybeUninit<T>>,
    /// One permit: the right to initialise. Closed once the value is set, which fails every
    /// queued initialiser so its task reads the value instead.
    init: ll::Semaphore,
}

// SAFETY: the cell gives `&T` to many threads (needs `T: Sync`) and the value may be written on
// one thread and dropped on another (needs `T: Send`).
unsafe impl<T: Send + Sync> Sync for OnceCell<T> {}
// SAFETY: moving the cell moves the `T`.
unsafe impl<T: Send> Send for OnceCell<T> {}

/// Why [`OnceCell::set`] refused the value (which it gives back).
#[derive(Debug, PartialEq, Eq)]
pub enum SetError<T> {
    /// The cell already holds a value.
    AlreadyInitializedError(T),
    /// Another task is initialising the cell right now.
    InitializingError(T),
}

impl<T> SetError<T> {
    /// Whether the cell was already initialised.
    pub fn is_already_init_err(&self) -> bool {
        matches!(self, SetError::AlreadyInitializedError(_))
    }

    /// Whether another task was initialising the cell.
    pub fn is_initializing_err(&self) -> bool {
        matches!(self, SetError::InitializingError(_))
    }
}

impl<T> fmt::Display for SetError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SetError::AlreadyInitializedError(_) => "AlreadyInitializedError",
            SetError::InitializingError(_) => "InitializingError",
        })
    }
}

impl<T: fmt::Debug> Error for SetError<T> {}

/// The initialising permit: given back on drop (failure, panic, cancellation) unless
/// [`OnceCell::store`] consumed it.
struct InitPermit<'a>(&'a ll::Semaphore);

impl Drop for InitPermit<'_> {
    fn drop(&mut self) {
        self.0.release(1);
    }
}

impl<T> OnceCell<T> {
    /// An empty cell.
    pub fn new() -> OnceCell<T> {
        OnceCell {
            value_set: AtomicBool::new(false),
            value: UnsafeCell::new(MaybeUninit::uninit()),
            init: ll::Semaphore::new(1),
        }
    }

    /// An empty cell, usable in a `static`.
    #[cfg(not(all(loom, test)))]
    pub const fn const_new() -> OnceCell<T> {
        OnceCell {
            value_set: AtomicBool::new(false),
            value: UnsafeCell::new(MaybeUninit::uninit()),
            init: ll::Semaphore::new(1),
        }
    }

    /// A cell holding `value` if it is `Some`, else empty.
    pub fn new_with(value: Option<T>) -> OnceCell<T> {
        let cell = OnceCell::new();
        if let Some(value) = value {
            let permit = cell.try_permit().ok();
            cell.store(value, permit);
        }
        cell
    }

    /// Whether the cell holds a value.
    pub fn initialized(&self) -> bool {
        self.value_set.load(Acquire)
    }

    /// The value, if set.
    pub fn get(&self) -> Option<&T> {
        // SAFETY: `value_set` (read with `Acquire`, pairing with `store`'s `Release`) says the
        // value was written, and it is never written again or dropped while `&self` lives.
        self.initialized()
            .then(|| unsafe { (*self.value.get()).assume_init_ref() })
    }

    /// The value, if set, mutably: `&mut self` proves nobody else looks.
    pub fn get_mut(&mut self) -> Option<&mut T> {
        if !*self.value_set.get_mut() {
            return None;
        }
        // SAFETY: set, as above; `&mut self` is exclusive.
        Some(unsafe { self.value.get_mut().assume_init_mut() })
    }

    /// Sets the value if the cell is empty and nobody is initialising it.
    ///
    /// # Errors
    /// [`SetError`] (carrying `value` back) if it is set or being set.
    pub fn set(&self, value: T) -> Result<(), SetError<T>> {
        if self.initialized() {
            return Err(SetError::AlreadyInitializedError(value));
        }
        match self.try_permit() {
            Ok(permit) => {
                self.store(value, Some(permit));
                Ok(())
            }
            Err(ll_err) if ll_err.is_closed() => Err(SetError::AlreadyInitializedError(value)),
            Err(_) => Err(SetError::InitializingError(value)),
        }
    }

    /// The value, running `f` to produce it if the cell is empty (one initialiser at a time;
    /// the others wait for its result).
    ///
    /// # Cancel safety
    /// Dropping the future while `f` runs lets the next waiting task initialise instead.
    pub async fn get_or_init<F, Fut>(&self, f: F) -> &T
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = T>,
    {
        match self
            .get_or_try_init(|| async { Ok::<T, std::convert::Infallible>(f().await) })
            .await
        {
            Ok(value) => value,
            Err(never) => match never {},
        }
    }

    /// Like [`get_or_init`](OnceCell::get_or_init), but `f` may fail: the error is returned
    /// and the cell stays empty (the next waiting task tries its own initialiser).
    ///
    /// # Errors
    /// `f`'s error.
    pub async fn get_or_try_init<E, F, Fut>(&self, f: F) -> Result<&T, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        if let Some(value) = self.get() {
            return Ok(value);
        }
        // Closed means someone else set the value while we waited.
        if self.init.acquire(1).await.is_err() {
            return Ok(self.get_set());
        }
        // Holding the permit, the cell is still empty: setting it needs this permit.
        let permit = InitPermit(&self.init);
        let value = f().await?;
        self.store(value, Some(permit));
        Ok(self.get_set())
    }

    /// Takes the value out, leaving the cell empty.
    pub fn take(&mut self) -> Option<T> {
        std::mem::take(self).into_inner()
    }

    /// The value, if set, consuming the cell.
    pub fn into_inner(mut self) -> Option<T> {
        if !*self.value_set.get_mut() {
            return None;
        }
        *self.value_set.get_mut() = false;
        // SAFETY: the value was set, and clearing `value_set` first means our `Drop` will not
        // drop it again: it is read out exactly once.
        Some(unsafe { self.value.get_mut().assume_init_read() })
    }

    fn try_permit(&self) -> Result<InitPermit<'_>, crate::TryAcquireError> {
        self.init.try_acquire(1).map(|()| InitPermit(&self.init))
    }

    /// Writes the value (we hold the permit, or `&mut`-like exclusivity in `new_with`),
    /// publishes it, and closes the semaphore so every queued initialiser gives up.
    fn store(&self, value: T, permit: Option<InitPermit<'_>>) {
        // SAFETY: the initialising permit is ours (or, in `new_with`, nobody else can reach
        // the cell yet), so no one else writes, and no one reads before `value_set` is true.
        unsafe { (*self.value.get()).write(value) };
        self.value_set.store(true, Release);
        // The permit is not returned: the cell stays initialised.
        std::mem::forget(permit);
        self.init.close();
    }

    /// The value, known to be set.
    fn get_set(&self) -> &T {
        match self.get() {
            Some(value) => value,
            None => unreachable!("the init semaphore is closed only once the value is set"),
        }
    }
}

impl<T> Drop for OnceCell<T> {
    fn drop(&mut self) {
        if *self.value_set.get_mut() {
            // SAFETY: set, and this is the last use of the cell.
            unsafe { self.value.get_mut().assume_init_drop() };
        }
    }
}

impl<T> Default for OnceCell<T> {
    fn default() -> OnceCell<T> {
        OnceCell::new()
    }
}

impl<T> From<T> for OnceCell<T> {
    fn from(value: T) -> OnceCell<T> {
        OnceCell::new_with(Some(value))
    }
}

impl<T: Clone> Clone for OnceCell<T> {
    fn clone(&self) -> OnceCell<T> {
        OnceCell::new_with(self.get().cloned())
    }
}

impl<T: PartialEq> PartialEq for OnceCell<T> {
    fn eq(&self, other: &OnceCell<T>) -> bool {
        self.get() == other.get()
    }
}

impl<T: Eq> Eq for OnceCell<T> {}

impl<T: fmt::Debug> fmt::Debug for OnceCell<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OnceCell")
            .field("value", &self.get())
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
#[path = "once_cell_tests.rs"]
mod tests;
