//! [`RwLock`]: an async, fair reader-writer lock on the batch semaphore.
//!
//! The lock is a semaphore of `max_readers` permits: a reader takes one, a writer takes all of
//! them. Because the semaphore is FIFO, a waiting writer queues ahead of every reader that
//! comes after it, and so blocks new readers: writers cannot starve. Guards live in
//! `rwlock_guards.rs` (borrowed) and `rwlock_owned.rs` (through an `Arc`).

use std::cell::UnsafeCell;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use crate::batch_semaphore as ll;
use crate::mutex::TryLockError;
pub use crate::rwlock_guards::{RwLockMappedWriteGuard, RwLockReadGuard, RwLockWriteGuard};
pub use crate::rwlock_owned::{
    OwnedRwLockMappedWriteGuard, OwnedRwLockReadGuard, OwnedRwLockWriteGuard,
};

/// The most readers a [`RwLock`] admits at once (tokio's limit: `u32::MAX >> 3`).
const MAX_READS: u32 = u32::MAX >> 3;

/// An asynchronous reader-writer lock: any number of readers, or one writer.
///
/// **Fair:** tasks get the lock in the order they asked for it, so a writer waiting for the
/// readers to leave blocks the readers that arrive after it (no writer starvation). Dropping a
/// pending `read()`/`write()` future gives back its place (and, for a writer, the reader slots
/// already set aside for it). Each completed lock spends one unit of the coop budget.
///
/// # Examples
/// ```
/// use corium_sync::RwLock;
///
/// # corium_executor::runtime::Runtime::new().unwrap().block_on(async {
/// let lock = RwLock::new(5);
/// {
///     let r1 = lock.read().await;
///     let r2 = lock.read().await;
///     assert_eq!(*r1 + *r2, 10);
///     assert!(lock.try_write().is_err());
/// }
/// *lock.write().await += 1;
/// assert_eq!(*lock.read().await, 6);
/// # });
/// ```
pub struct RwLock<T: ?Sized> {
    pub(crate) max_readers: u32,
    pub(crate) semaphore: ll::Semaphore,
    pub(crate) data: UnsafeCell<T>,
}

// SAFETY: the lock hands out `&mut T` (needs `T: Send` to cross threads) and `&T` to several
// threads at once (needs `T: Sync`), like `std::sync::RwLock`.
unsafe impl<T: ?Sized + Send> Send for RwLock<T> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Send + Sync> Sync for RwLock<T> {}

impl<T> RwLock<T> {
    /// A new, unlocked lock admitting up to `u32::MAX >> 3` readers at once.
    pub fn new(value: T) -> RwLock<T> {
        RwLock::with_max_readers(value, MAX_READS)
    }

    /// A new, unlocked lock admitting up to `max_reads` readers at once.
    ///
    /// # Panics
    /// If `max_reads` is 0 or above `u32::MAX >> 3`.
    #[track_caller]
    pub fn with_max_readers(value: T, max_reads: u32) -> RwLock<T> {
        assert!(
            max_reads > 0 && max_reads <= MAX_READS,
            "a RwLock must admit between 1 and {MAX_READS} readers, not {max_reads}"
        );
        RwLock {
            max_readers: max_reads,
            semaphore: ll::Semaphore::new(max_reads as usize),
            data: UnsafeCell::new(value),
        }
    }

    /// [`new`](RwLock::new), usable in a `static`.
    #[cfg(not(all(loom, test)))]
    pub const fn const_new(value: T) -> RwLock<T> {
        RwLock::const_with_max_readers(value, MAX_READS)
    }

    /// [`with_max_readers`](RwLock::with_max_readers), usable in a `static`.
    ///
    /// # Panics
    /// If `max_reads` is 0 or above `u32::MAX >> 3` (at compile time in a `static`).
    #[cfg(not(all(loom, test)))]
    #[track_caller]
    pub const fn const_with_max_readers(value: T, max_reads: u32) -> RwLock<T> {
        assert!(
            max_reads > 0 && max_reads <= MAX_READS,
            "a RwLock must admit between 1 and u32::MAX >> 3 readers"
        );
        RwLock {
            max_readers: max_reads,
            semaphore: ll::Semaphore::new(max_reads as usize),
            data: UnsafeCell::new(value),
        }
    }

    /// The data, consuming the lock.
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl<T: ?Sized> RwLock<T> {
    /// Waits for shared access (behind any writer queued before this call).
    ///
    /// # Cancel safety
    /// Dropping the future gives back its place in the queue.
    pub async fn read(&self) -> RwLockReadGuard<'_, T> {
        self.acquire(1).await;
        self.read_guard()
    }

    /// Waits for exclusive access.
    ///
    /// # Cancel safety
    /// Dropping the future gives back its place and any reader slots already set aside for it.
    pub async fn write(&self) -> RwLockWriteGuard<'_, T> {
        self.acquire(self.max_readers).await;
        self.write_guard()
    }

    /// Shared access if it is available now (no writer holds or awaits the lock).
    ///
    /// # Errors
    /// [`TryLockError`] otherwise.
    pub fn try_read(&self) -> Result<RwLockReadGuard<'_, T>, TryLockError> {
        self.try_acquire(1).map(|()| self.read_guard())
    }

    /// Exclusive access if the lock is free now and nobody waits.
    ///
    /// # Errors
    /// [`TryLockError`] otherwise.
    pub fn try_write(&self) -> Result<RwLockWriteGuard<'_, T>, TryLockError> {
        self.try_acquire(self.max_readers)
            .map(|()| self.write_guard())
    }

    /// [`read`](RwLock::read) from synchronous code, blocking the thread.
    ///
    /// # Panics
    /// On a thread that is driving async tasks; use `read().await` there.
    #[track_caller]
    pub fn blocking_read(&self) -> RwLockReadGuard<'_, T> {
        crate::blocking::block_on("RwLock::blocking_read", self.read())
    }

    /// [`write`](RwLock::write) from synchronous code, blocking the thread.
    ///
    /// # Panics
    /// On a thread that is driving async tasks; use `write().await` there.
    #[track_caller]
    pub fn blocking_write(&self) -> RwLockWriteGuard<'_, T> {
        crate::blocking::block_on("RwLock::blocking_write", self.write())
    }

    /// [`read`](RwLock::read) through an `Arc`: the guard owns a clone of it.
    pub async fn read_owned(self: Arc<Self>) -> OwnedRwLockReadGuard<T> {
        self.acquire(1).await;
        OwnedRwLockReadGuard::new(self)
    }

    /// [`write`](RwLock::write) through an `Arc`: the guard owns a clone of it.
    pub async fn write_owned(self: Arc<Self>) -> OwnedRwLockWriteGuard<T> {
        self.acquire(self.max_readers).await;
        OwnedRwLockWriteGuard::new(self)
    }

    /// [`try_read`](RwLock::try_read) through an `Arc`.
    ///
    /// # Errors
    /// [`TryLockError`] if a writer holds or awaits the lock.
    pub fn try_read_owned(self: Arc<Self>) -> Result<OwnedRwLockReadGuard<T>, TryLockError> {
        self.try_acquire(1)?;
        Ok(OwnedRwLockReadGuard::new(self))
    }

    /// [`try_write`](RwLock::try_write) through an `Arc`.
    ///
    /// # Errors
    /// [`TryLockError`] if the lock is held or awaited.
    pub fn try_write_owned(self: Arc<Self>) -> Result<OwnedRwLockWriteGuard<T>, TryLockError> {
        self.try_acquire(self.max_readers)?;
        Ok(OwnedRwLockWriteGuard::new(self))
    }

    /// The data, through `&mut self`: the borrow proves exclusivity.
    pub fn get_mut(&mut self) -> &mut T {
        self.data.get_mut()
    }

    async fn acquire(&self, permits: u32) {
        if self.semaphore.acquire(permits as usize).await.is_err() {
            unreachable!("a RwLock's semaphore is never closed");
        }
    }

    fn try_acquire(&self, permits: u32) -> Result<(), TryLockError> {
        self.semaphore
            .try_acquire(permits as usize)
            .map_err(|_| TryLockError::new())
    }

    /// The guard for one reader permit just acquired.
    fn read_guard(&self) -> RwLockReadGuard<'_, T> {
        RwLockReadGuard {
            semaphore: &self.semaphore,
            data: self.data.get(),
            _borrow: PhantomData,
        }
    }

    /// The guard for all permits just acquired.
    fn write_guard(&self) -> RwLockWriteGuard<'_, T> {
        RwLockWriteGuard {
            permits: self.max_readers,
            semaphore: &self.semaphore,
            data: self.data.get(),
            _borrow: PhantomData,
        }
    }
}

impl<T: Default> Default for RwLock<T> {
    fn default() -> RwLock<T> {
        RwLock::new(T::default())
    }
}

impl<T> From<T> for RwLock<T> {
    fn from(value: T) -> RwLock<T> {
        RwLock::new(value)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("RwLock");
        match self.try_read() {
            Ok(guard) => d.field("data", &&*guard),
            Err(_) => d.field("data", &format_args!("<locked>")),
        };
        d.finish()
    }
}

#[cfg(all(test, not(loom)))]
#[path = "rwlock_tests.rs"]
mod tests;
