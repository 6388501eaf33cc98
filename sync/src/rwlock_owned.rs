//! The owned guards of [`RwLock`]: they keep the lock alive through an `Arc`, so they can move
//! into spawned tasks.

use std::mem::ManuallyDrop;
use std::sync::Arc;

use crate::mutex::guard_access;
use crate::RwLock;

/// Shared access through an `Arc` (to `U`, a part of `T` after `map`).
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct OwnedRwLockReadGuard<T: ?Sized, U: ?Sized = T> {
    lock: Arc<RwLock<T>>,
    data: *const U,
}

/// Exclusive access through an `Arc`.
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct OwnedRwLockWriteGuard<T: ?Sized> {
    lock: Arc<RwLock<T>>,
    data: *mut T,
}

/// Exclusive access to part `U` of the data, through an `Arc`.
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct OwnedRwLockMappedWriteGuard<T: ?Sized, U: ?Sized = T> {
    lock: Arc<RwLock<T>>,
    data: *mut U,
}

// SAFETY: a read guard is an `&U` plus an `Arc` of the lock (which needs `T: Send + Sync`).
unsafe impl<T: ?Sized + Send + Sync, U: ?Sized + Sync> Send for OwnedRwLockReadGuard<T, U> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Send + Sync, U: ?Sized + Sync> Sync for OwnedRwLockReadGuard<T, U> {}
// SAFETY: an `&mut T` (that can downgrade to `&T`) plus the `Arc`.
unsafe impl<T: ?Sized + Send + Sync> Send for OwnedRwLockWriteGuard<T> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Send + Sync> Sync for OwnedRwLockWriteGuard<T> {}
// SAFETY: an `&mut U` plus the `Arc`.
unsafe impl<T: ?Sized + Send + Sync, U: ?Sized + Send + Sync> Send
    for OwnedRwLockMappedWriteGuard<T, U>
{
}
// SAFETY: as above.
unsafe impl<T: ?Sized + Send + Sync, U: ?Sized + Send + Sync> Sync
    for OwnedRwLockMappedWriteGuard<T, U>
{
}

/// Moves the `Arc` out of a guard without running its `Drop` (the permits move with it).
fn take_arc<G, T: ?Sized>(guard: G, lock: impl FnOnce(&G) -> &Arc<RwLock<T>>) -> Arc<RwLock<T>> {
    let guard = ManuallyDrop::new(guard);
    // SAFETY: `guard` is never used or dropped again, so the `Arc` is moved out exactly once.
    unsafe { std::ptr::read(lock(&guard)) }
}

impl<T: ?Sized> OwnedRwLockReadGuard<T> {
    pub(crate) fn new(lock: Arc<RwLock<T>>) -> OwnedRwLockReadGuard<T> {
        let data = lock.data.get();
        OwnedRwLockReadGuard { lock, data }
    }
}

impl<T: ?Sized, U: ?Sized> OwnedRwLockReadGuard<T, U> {
    /// The lock this guard reads.
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        &this.lock
    }

    /// A read guard onto a part of the data.
    pub fn map<V: ?Sized, F: FnOnce(&U) -> &V>(this: Self, f: F) -> OwnedRwLockReadGuard<T, V> {
        let data: *const V = f(&*this);
        OwnedRwLockReadGuard {
            lock: take_arc(this, |g| &g.lock),
            data,
        }
    }

    /// Like [`map`](OwnedRwLockReadGuard::map), but `f` may decline, giving the guard back.
    ///
    /// # Errors
    /// The original guard, if `f` returned `None`.
    pub fn try_map<V: ?Sized, F: FnOnce(&U) -> Option<&V>>(
        this: Self,
        f: F,
    ) -> Result<OwnedRwLockReadGuard<T, V>, Self> {
        let Some(data) = f(&*this).map(|d| d as *const V) else {
            return Err(this);
        };
        Ok(OwnedRwLockReadGuard {
            lock: take_arc(this, |g| &g.lock),
            data,
        })
    }
}

impl<T: ?Sized> OwnedRwLockWriteGuard<T> {
    pub(crate) fn new(lock: Arc<RwLock<T>>) -> OwnedRwLockWriteGuard<T> {
        let data = lock.data.get();
        OwnedRwLockWriteGuard { lock, data }
    }

    /// The lock this guard holds.
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        &this.lock
    }

    /// Turns exclusive access into shared access without letting a writer in between.
    pub fn downgrade(self) -> OwnedRwLockReadGuard<T> {
        let data = self.data;
        let lock = take_arc(self, |g| &g.lock);
        lock.semaphore.release(lock.max_readers as usize - 1);
        OwnedRwLockReadGuard { lock, data }
    }

    /// An exclusive guard onto a part of the data.
    pub fn map<U: ?Sized, F: FnOnce(&mut T) -> &mut U>(
        mut this: Self,
        f: F,
    ) -> OwnedRwLockMappedWriteGuard<T, U> {
        let data: *mut U = f(&mut *this);
        OwnedRwLockMappedWriteGuard {
            lock: take_arc(this, |g| &g.lock),
            data,
        }
    }

    /// The same exclusive access as a mapped guard.
    pub fn into_mapped(this: Self) -> OwnedRwLockMappedWriteGuard<T> {
        OwnedRwLockWriteGuard::map(this, |data| data)
    }
}

impl<T: ?Sized, U: ?Sized> OwnedRwLockMappedWriteGuard<T, U> {
    /// The lock this guard holds.
    pub fn rwlock(this: &Self) -> &Arc<RwLock<T>> {
        &this.lock
    }

    /// An exclusive guard onto a part of this part.
    pub fn map<V: ?Sized, F: FnOnce(&mut U) -> &mut V>(
        mut this: Self,
        f: F,
    ) -> OwnedRwLockMappedWriteGuard<T, V> {
        let data: *mut V = f(&mut *this);
        OwnedRwLockMappedWriteGuard {
            lock: take_arc(this, |g| &g.lock),
            data,
        }
    }
}

impl<T: ?Sized, U: ?Sized> Drop for OwnedRwLockReadGuard<T, U> {
    fn drop(&mut self) {
        self.lock.semaphore.release(1);
    }
}

impl<T: ?Sized> Drop for OwnedRwLockWriteGuard<T> {
    fn drop(&mut self) {
        self.lock.semaphore.release(self.lock.max_readers as usize);
    }
}

impl<T: ?Sized, U: ?Sized> Drop for OwnedRwLockMappedWriteGuard<T, U> {
    fn drop(&mut self) {
        self.lock.semaphore.release(self.lock.max_readers as usize);
    }
}

guard_access!([T: ?Sized, U: ?Sized] OwnedRwLockReadGuard<T, U> => U, |s| s.data);
guard_access!(mut [T: ?Sized] OwnedRwLockWriteGuard<T> => T, |s| s.data);
guard_access!(mut [T: ?Sized, U: ?Sized] OwnedRwLockMappedWriteGuard<T, U> => U, |s| s.data);
