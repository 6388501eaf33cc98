//! The borrowed guards of [`RwLock`](crate::RwLock): read, write, mapped write.

use std::marker::PhantomData;
use std::mem::ManuallyDrop;

use crate::batch_semaphore as ll;
use crate::mutex::guard_access;

/// Shared access to a [`RwLock`](crate::RwLock)'s data (or, after `map`, part of it); gives its
/// reader slot back on drop.
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockReadGuard<'a, T: ?Sized> {
    pub(crate) semaphore: &'a ll::Semaphore,
    pub(crate) data: *const T,
    pub(crate) _borrow: PhantomData<&'a T>,
}

/// Exclusive access to a [`RwLock`](crate::RwLock)'s data; unlocks on drop.
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockWriteGuard<'a, T: ?Sized> {
    /// All of the lock's permits (its `max_readers`).
    pub(crate) permits: u32,
    pub(crate) semaphore: &'a ll::Semaphore,
    pub(crate) data: *mut T,
    pub(crate) _borrow: PhantomData<&'a mut T>,
}

/// Exclusive access to part of a [`RwLock`](crate::RwLock)'s data, made by
/// [`RwLockWriteGuard::map`]; unlike a write guard it cannot be downgraded.
#[must_use = "if unused the RwLock will immediately unlock"]
pub struct RwLockMappedWriteGuard<'a, T: ?Sized> {
    pub(crate) permits: u32,
    pub(crate) semaphore: &'a ll::Semaphore,
    pub(crate) data: *mut T,
    pub(crate) _borrow: PhantomData<&'a mut T>,
}

// SAFETY: a read guard is a `&T`: sendable and shareable when `T: Sync`.
unsafe impl<T: ?Sized + Sync> Send for RwLockReadGuard<'_, T> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Sync> Sync for RwLockReadGuard<'_, T> {}
// SAFETY: a write guard is a `&mut T` that can also become a `&T` (downgrade).
unsafe impl<T: ?Sized + Send + Sync> Send for RwLockWriteGuard<'_, T> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Send + Sync> Sync for RwLockWriteGuard<'_, T> {}
// SAFETY: as for the write guard.
unsafe impl<T: ?Sized + Send + Sync> Send for RwLockMappedWriteGuard<'_, T> {}
// SAFETY: as for the write guard.
unsafe impl<T: ?Sized + Send + Sync> Sync for RwLockMappedWriteGuard<'_, T> {}

impl<'a, T: ?Sized> RwLockReadGuard<'a, T> {
    /// A read guard onto part of the data, keeping the reader slot.
    pub fn map<U: ?Sized, F: FnOnce(&T) -> &U>(this: Self, f: F) -> RwLockReadGuard<'a, U> {
        let data: *const U = f(&*this);
        let this = ManuallyDrop::new(this);
        RwLockReadGuard {
            semaphore: this.semaphore,
            data,
            _borrow: PhantomData,
        }
    }

    /// Like [`map`](RwLockReadGuard::map), but `f` may decline, giving the guard back.
    ///
    /// # Errors
    /// The original guard, if `f` returned `None`.
    pub fn try_map<U: ?Sized, F: FnOnce(&T) -> Option<&U>>(
        this: Self,
        f: F,
    ) -> Result<RwLockReadGuard<'a, U>, Self> {
        let Some(data) = f(&*this).map(|d| d as *const U) else {
            return Err(this);
        };
        let this = ManuallyDrop::new(this);
        Ok(RwLockReadGuard {
            semaphore: this.semaphore,
            data,
            _borrow: PhantomData,
        })
    }
}

/// `map`, `try_map` and `Drop` for the two exclusive guards.
macro_rules! write_guard_methods {
    ($guard:ident) => {
        impl<'a, T: ?Sized> $guard<'a, T> {
            /// An exclusive guard onto part of the data, keeping the lock.
            pub fn map<U: ?Sized, F: FnOnce(&mut T) -> &mut U>(
                mut this: Self,
                f: F,
            ) -> RwLockMappedWriteGuard<'a, U> {
                let data: *mut U = f(&mut *this);
                let this = ManuallyDrop::new(this);
                RwLockMappedWriteGuard {
                    permits: this.permits,
                    semaphore: this.semaphore,
                    data,
                    _borrow: PhantomData,
                }
            }

            /// Like `map`, but `f` may decline, giving the guard back.
            ///
            /// # Errors
            /// The original guard, if `f` returned `None`.
            pub fn try_map<U: ?Sized, F: FnOnce(&mut T) -> Option<&mut U>>(
                mut this: Self,
                f: F,
            ) -> Result<RwLockMappedWriteGuard<'a, U>, Self> {
                let Some(data) = f(&mut *this).map(|d| d as *mut U) else {
                    return Err(this);
                };
                let this = ManuallyDrop::new(this);
                Ok(RwLockMappedWriteGuard {
                    permits: this.permits,
                    semaphore: this.semaphore,
                    data,
                    _borrow: PhantomData,
                })
            }
        }

        impl<T: ?Sized> Drop for $guard<'_, T> {
            fn drop(&mut self) {
                self.semaphore.release(self.permits as usize);
            }
        }

        guard_access!(mut [T: ?Sized] $guard<'_, T> => T, |s| s.data);
    };
}

write_guard_methods!(RwLockWriteGuard);
write_guard_methods!(RwLockMappedWriteGuard);

impl<'a, T: ?Sized> RwLockWriteGuard<'a, T> {
    /// Turns exclusive access into shared access without letting a writer in between; readers
    /// queued behind are let in too, as far as FIFO order allows.
    pub fn downgrade(self) -> RwLockReadGuard<'a, T> {
        let this = ManuallyDrop::new(self);
        // Keep one permit (our reader slot), give the rest back.
        this.semaphore.release(this.permits as usize - 1);
        RwLockReadGuard {
            semaphore: this.semaphore,
            data: this.data,
            _borrow: PhantomData,
        }
    }

    /// The same exclusive access as a mapped guard (which cannot be downgraded).
    pub fn into_mapped(this: Self) -> RwLockMappedWriteGuard<'a, T> {
        RwLockWriteGuard::map(this, |data| data)
    }
}

impl<T: ?Sized> Drop for RwLockReadGuard<'_, T> {
    fn drop(&mut self) {
        self.semaphore.release(1);
    }
}

guard_access!([T: ?Sized] RwLockReadGuard<'_, T> => T, |s| s.data);
