//! [`Mutex`]: an async mutex, fair, built on the batch semaphore with one permit.

use std::cell::UnsafeCell;
use std::error::Error;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use crate::batch_semaphore as ll;

/// An asynchronous mutex: `lock().await` waits without blocking the thread, and the guard may
/// be held across `.await` points.
///
/// Waiting tasks get the lock in the order they asked for it (FIFO), and dropping a pending
/// `lock()` future gives back its place. Locking spends one unit of the task's coop budget, so
/// a task that re-locks an always-free mutex in a loop still yields to the others.
///
/// As with tokio's, prefer `std::sync::Mutex` when the lock is never held across an `.await`:
/// it is cheaper. This one is for holding a resource (a connection, a file) across awaits.
///
/// # Examples
/// ```
/// use std::sync::Arc;
/// use corium_sync::Mutex;
///
/// # corium_executor::runtime::Runtime::new().unwrap().block_on(async {
/// let count = Arc::new(Mutex::new(0));
/// let mut tasks = Vec::new();
/// for _ in 0..10 {
///     let count = count.clone();
///     tasks.push(corium_executor::spawn(async move { *count.lock().await += 1 }));
/// }
/// for t in tasks {
///     t.await.unwrap();
/// }
/// assert_eq!(*count.lock().await, 10);
/// # });
/// ```
pub struct Mutex<T: ?Sized> {
    semaphore: ll::Semaphore,
    data: UnsafeCell<T>,
}

// SAFETY: the mutex hands out `&mut T` to one holder at a time (the one permit), possibly on
// another thread: `T: Send` suffices, as for `std::sync::Mutex`.
unsafe impl<T: ?Sized + Send> Send for Mutex<T> {}
// SAFETY: as above; sharing the mutex only ever gives exclusive access to `T`.
unsafe impl<T: ?Sized + Send> Sync for Mutex<T> {}

/// Exclusive access to a [`Mutex`]'s data; unlocks on drop.
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct MutexGuard<'a, T: ?Sized> {
    lock: &'a Mutex<T>,
}

/// A [`MutexGuard`] holding the mutex through an `Arc`, so it can move into a spawned task.
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct OwnedMutexGuard<T: ?Sized> {
    lock: Arc<Mutex<T>>,
}

/// A guard onto part of a mutex's data, made by [`MutexGuard::map`].
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct MappedMutexGuard<'a, T: ?Sized> {
    semaphore: &'a ll::Semaphore,
    data: *mut T,
    _borrow: PhantomData<&'a mut T>,
}

/// A guard onto part of a mutex's data, made by [`OwnedMutexGuard::map`]; keeps the mutex
/// alive through its `Arc`.
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct OwnedMappedMutexGuard<T: ?Sized, U: ?Sized = T> {
    lock: Arc<Mutex<T>>,
    data: *mut U,
}

// SAFETY: a guard is a `&mut T` in disguise: sendable if `T` is, shareable if `T` is.
unsafe impl<T: ?Sized + Sync> Sync for MutexGuard<'_, T> {}
// SAFETY: as for `MutexGuard`.
unsafe impl<T: ?Sized + Sync> Sync for OwnedMutexGuard<T> {}
// SAFETY: `data` points into the locked mutex's data, exclusively ours while the guard lives.
unsafe impl<T: ?Sized + Send> Send for MappedMutexGuard<'_, T> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Sync> Sync for MappedMutexGuard<'_, T> {}
// SAFETY: as above; the `Arc` keeps the mutex (and so `data`) alive.
unsafe impl<T: ?Sized + Send, U: ?Sized + Send> Send for OwnedMappedMutexGuard<T, U> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Send + Sync, U: ?Sized + Sync> Sync for OwnedMappedMutexGuard<T, U> {}

/// [`Mutex::try_lock`] found the mutex locked.
#[derive(Debug)]
pub struct TryLockError(());

impl TryLockError {
    pub(crate) fn new() -> TryLockError {
        TryLockError(())
    }
}

impl fmt::Display for TryLockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("operation would block")
    }
}

impl Error for TryLockError {}

impl<T> Mutex<T> {
    /// A new, unlocked mutex holding `value`.
    pub fn new(value: T) -> Mutex<T> {
        Mutex {
            semaphore: ll::Semaphore::new(1),
            data: UnsafeCell::new(value),
        }
    }

    /// A new, unlocked mutex usable in a `static`.
    ///
    /// ```
    /// use corium_sync::Mutex;
    /// static COUNT: Mutex<u32> = Mutex::const_new(0);
    /// ```
    #[cfg(not(all(loom, test)))]
    pub const fn const_new(value: T) -> Mutex<T> {
        Mutex {
            semaphore: ll::Semaphore::new(1),
            data: UnsafeCell::new(value),
        }
    }

    /// The data, consuming the mutex.
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Locks the mutex, waiting (in FIFO order) while someone else holds it.
    ///
    /// # Cancel safety
    /// Dropping the future gives back its place in the queue; nothing is locked.
    pub async fn lock(&self) -> MutexGuard<'_, T> {
        self.acquire().await;
        MutexGuard { lock: self }
    }

    /// Locks the mutex from synchronous code, blocking the thread until it is free.
    ///
    /// # Panics
    /// On a thread that is driving async tasks (inside a runtime's `block_on` or a worker):
    /// use [`lock`](Mutex::lock)`.await` there.
    #[track_caller]
    pub fn blocking_lock(&self) -> MutexGuard<'_, T> {
        crate::blocking::block_on("Mutex::blocking_lock", self.lock())
    }

    /// [`blocking_lock`](Mutex::blocking_lock) through an `Arc`.
    ///
    /// # Panics
    /// As [`blocking_lock`](Mutex::blocking_lock).
    #[track_caller]
    pub fn blocking_lock_owned(self: Arc<Self>) -> OwnedMutexGuard<T> {
        crate::blocking::block_on("Mutex::blocking_lock_owned", self.lock_owned())
    }

    /// [`lock`](Mutex::lock) through an `Arc`: the guard owns a clone of it.
    pub async fn lock_owned(self: Arc<Self>) -> OwnedMutexGuard<T> {
        self.acquire().await;
        OwnedMutexGuard { lock: self }
    }

    /// Locks the mutex if it is free and nobody is waiting for it.
    ///
    /// # Errors
    /// [`TryLockError`] if it is locked (or others are queued).
    pub fn try_lock(&self) -> Result<MutexGuard<'_, T>, TryLockError> {
        self.semaphore
            .try_acquire(1)
            .map(|()| MutexGuard { lock: self })
            .map_err(|_| TryLockError(()))
    }

    /// [`try_lock`](Mutex::try_lock) through an `Arc`.
    ///
    /// # Errors
    /// [`TryLockError`] if it is locked (or others are queued).
    pub fn try_lock_owned(self: Arc<Self>) -> Result<OwnedMutexGuard<T>, TryLockError> {
        match self.semaphore.try_acquire(1) {
            Ok(()) => Ok(OwnedMutexGuard { lock: self }),
            Err(_) => Err(TryLockError(())),
        }
    }

    /// The data, through `&mut self`: no locking needed, the borrow proves exclusivity.
    pub fn get_mut(&mut self) -> &mut T {
        self.data.get_mut()
    }

    async fn acquire(&self) {
        // The semaphore is never closed, so the acquire cannot fail.
        if self.semaphore.acquire(1).await.is_err() {
            unreachable!("a Mutex's semaphore is never closed");
        }
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Mutex<T> {
        Mutex::new(T::default())
    }
}

impl<T> From<T> for Mutex<T> {
    fn from(value: T) -> Mutex<T> {
        Mutex::new(value)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Mutex");
        match self.try_lock() {
            Ok(guard) => d.field("data", &&*guard),
            Err(_) => d.field("data", &format_args!("<locked>")),
        };
        d.finish()
    }
}

/// Runs `f` on a guard's data; on `Some`, moves the guard's permit into a mapped guard onto
/// the part `f` chose (the guard is forgotten, not dropped), else gives the guard back. Every
/// borrowed `map`/`try_map` is this.
fn try_map_guard<'a, G, U>(
    mut guard: G,
    semaphore: &'a ll::Semaphore,
    f: impl FnOnce(&mut G::Target) -> Option<&mut U>,
) -> Result<MappedMutexGuard<'a, U>, G>
where
    G: std::ops::DerefMut,
    U: ?Sized,
{
    let Some(data) = f(&mut *guard).map(|d| d as *mut U) else {
        return Err(guard);
    };
    std::mem::forget(guard);
    Ok(MappedMutexGuard {
        semaphore,
        data,
        _borrow: PhantomData,
    })
}

/// `map` and `try_map` for the two borrowed guards, given how to reach the semaphore.
macro_rules! borrowed_map {
    ($guard:ident, |$this:ident| $semaphore:expr) => {
        impl<'a, T: ?Sized> $guard<'a, T> {
            /// A guard onto a part of the data (a field, an element), keeping the mutex locked.
            pub fn map<U: ?Sized, F: FnOnce(&mut T) -> &mut U>(
                this: Self,
                f: F,
            ) -> MappedMutexGuard<'a, U> {
                let $this = &this;
                let semaphore: &'a ll::Semaphore = $semaphore;
                match try_map_guard(this, semaphore, |data| Some(f(data))) {
                    Ok(mapped) => mapped,
                    Err(_) => unreachable!("`f` always returns a part"),
                }
            }

            /// Like `map`, but `f` may decline, giving the guard back.
            ///
            /// # Errors
            /// The original guard, if `f` returned `None`.
            pub fn try_map<U: ?Sized, F: FnOnce(&mut T) -> Option<&mut U>>(
                this: Self,
                f: F,
            ) -> Result<MappedMutexGuard<'a, U>, Self> {
                let $this = &this;
                let semaphore: &'a ll::Semaphore = $semaphore;
                try_map_guard(this, semaphore, f)
            }
        }
    };
}

borrowed_map!(MutexGuard, |this| &this.lock.semaphore);
borrowed_map!(MappedMutexGuard, |this| this.semaphore);

impl<'a, T: ?Sized> MutexGuard<'a, T> {
    /// The mutex this guard locks.
    pub fn mutex(this: &Self) -> &'a Mutex<T> {
        this.lock
    }
}

impl<T: ?Sized> OwnedMutexGuard<T> {
    /// The mutex this guard locks.
    pub fn mutex(this: &Self) -> &Arc<Mutex<T>> {
        &this.lock
    }

    /// A guard onto a part of the data, keeping the mutex locked and alive.
    pub fn map<U: ?Sized, F: FnOnce(&mut T) -> &mut U>(
        mut this: Self,
        f: F,
    ) -> OwnedMappedMutexGuard<T, U> {
        let data: *mut U = f(&mut *this);
        OwnedMappedMutexGuard {
            lock: this.into_arc(),
            data,
        }
    }

    /// Like [`map`](OwnedMutexGuard::map), but `f` may decline, giving the guard back.
    ///
    /// # Errors
    /// The original guard, if `f` returned `None`.
    pub fn try_map<U: ?Sized, F: FnOnce(&mut T) -> Option<&mut U>>(
        mut this: Self,
        f: F,
    ) -> Result<OwnedMappedMutexGuard<T, U>, Self> {
        let Some(data) = f(&mut *this).map(|d| d as *mut U) else {
            return Err(this);
        };
        Ok(OwnedMappedMutexGuard {
            lock: this.into_arc(),
            data,
        })
    }

    /// The `Arc`, with the lock still held (the caller's new guard releases it).
    fn into_arc(self) -> Arc<Mutex<T>> {
        let this = std::mem::ManuallyDrop::new(self);
        // SAFETY: `this` is never used or dropped again, so the `Arc` is moved out exactly once.
        unsafe { std::ptr::read(&this.lock) }
    }
}

impl<T: ?Sized, U: ?Sized> OwnedMappedMutexGuard<T, U> {
    /// The mutex this guard locks.
    pub fn mutex(this: &Self) -> &Arc<Mutex<T>> {
        &this.lock
    }
}

impl<T: ?Sized> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.semaphore.release(1);
    }
}

impl<T: ?Sized> Drop for OwnedMutexGuard<T> {
    fn drop(&mut self) {
        self.lock.semaphore.release(1);
    }
}

impl<T: ?Sized> Drop for MappedMutexGuard<'_, T> {
    fn drop(&mut self) {
        self.semaphore.release(1);
    }
}

impl<T: ?Sized, U: ?Sized> Drop for OwnedMappedMutexGuard<T, U> {
    fn drop(&mut self) {
        self.lock.semaphore.release(1);
    }
}

/// `Deref`, `Debug` and `Display` for a lock guard, given how to reach the data; with `mut`
/// first, `DerefMut` too. Shared by every guard of `Mutex` and `RwLock`.
macro_rules! guard_access {
    (mut [$($gen:tt)*] $guard:ty => $target:ty, |$s:ident| $ptr:expr) => {
        guard_access!([$($gen)*] $guard => $target, |$s| $ptr);

        impl<$($gen)*> std::ops::DerefMut for $guard {
            fn deref_mut(&mut self) -> &mut $target {
                let $s = self;
                // SAFETY: an exclusive guard holds all the permits of its lock, so no other
                // reference to the data exists; the lock outlives the guard (borrow or `Arc`);
                // `&mut self` makes this the only access through the guard.
                unsafe { &mut *$ptr }
            }
        }
    };
    ([$($gen:tt)*] $guard:ty => $target:ty, |$s:ident| $ptr:expr) => {
        impl<$($gen)*> std::ops::Deref for $guard {
            type Target = $target;
            fn deref(&self) -> &$target {
                let $s = self;
                // SAFETY: the guard holds permits of its lock: all of them (exclusive) or one
                // (shared, and then nobody holds all of them), so nobody has `&mut` to the data
                // while this `&` lives; the lock outlives the guard (borrow or `Arc`).
                unsafe { &*$ptr }
            }
        }

        impl<$($gen)*> std::fmt::Debug for $guard
        where
            $target: std::fmt::Debug,
        {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Debug::fmt(&**self, f)
            }
        }

        impl<$($gen)*> std::fmt::Display for $guard
        where
            $target: std::fmt::Display,
        {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Display::fmt(&**self, f)
            }
        }
    };
}
pub(crate) use guard_access;

guard_access!(mut [T: ?Sized] MutexGuard<'_, T> => T, |s| s.lock.data.get());
guard_access!(mut [T: ?Sized] OwnedMutexGuard<T> => T, |s| s.lock.data.get());
guard_access!(mut [T: ?Sized] MappedMutexGuard<'_, T> => T, |s| s.data);
guard_access!(mut [T: ?Sized, U: ?Sized] OwnedMappedMutexGuard<T, U> => U, |s| s.data);

#[cfg(all(test, not(loom)))]
#[path = "mutex_tests.rs"]
mod tests;
