//! [`Semaphore`]: a fair counting semaphore for tasks, and its permits.

use std::error::Error;
use std::fmt;
use std::sync::Arc;

use crate::batch_semaphore as ll;

/// A counting semaphore: tasks acquire permits and give them back by dropping them.
///
/// Waiters are served in FIFO order, whether they ask for one permit or many: a task asking
/// for five blocks those queued behind it until five are free, even if a later task would need
/// only one. Dropping a pending `acquire` future gives back its place in the queue and any
/// permits already set aside for it, so cancellation (a `select!`, a timeout) never leaks
/// permits. Every completed acquire spends one unit of the task's coop budget.
///
/// # Examples
/// ```
/// use std::sync::Arc;
/// use corium_sync::Semaphore;
///
/// # corium_executor::runtime::Runtime::new().unwrap().block_on(async {
/// let semaphore = Arc::new(Semaphore::new(2));
/// let a = semaphore.acquire().await.unwrap();
/// let b = semaphore.clone().acquire_owned().await.unwrap();
/// assert_eq!(semaphore.available_permits(), 0);
/// assert!(semaphore.try_acquire().is_err());
/// drop(a);
/// assert_eq!(semaphore.available_permits(), 1);
/// drop(b);
/// # });
/// ```
#[derive(Debug)]
pub struct Semaphore {
    ll: ll::Semaphore,
}

/// A permit from a [`Semaphore`], borrowed from it; dropping it returns the permits.
#[must_use = "dropping the permit immediately returns it to the semaphore"]
#[derive(Debug)]
pub struct SemaphorePermit<'a> {
    semaphore: &'a Semaphore,
    permits: u32,
}

/// A permit from a [`Semaphore`] held through an `Arc`, so it can move into a spawned task;
/// dropping it returns the permits.
#[must_use = "dropping the permit immediately returns it to the semaphore"]
#[derive(Debug)]
pub struct OwnedSemaphorePermit {
    semaphore: Arc<Semaphore>,
    permits: u32,
}

/// The semaphore was closed while (or before) acquiring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcquireError(());

impl AcquireError {
    pub(crate) fn new() -> AcquireError {
        AcquireError(())
    }
}

impl fmt::Display for AcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("semaphore closed")
    }
}

impl Error for AcquireError {}

/// Why a `try_acquire*` call failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TryAcquireError {
    /// The semaphore is closed.
    Closed,
    /// Not enough permits are free (or others are already waiting for them).
    NoPermits,
}

impl TryAcquireError {
    /// Whether the semaphore was closed.
    pub fn is_closed(&self) -> bool {
        matches!(self, TryAcquireError::Closed)
    }

    /// Whether there were not enough permits.
    pub fn is_no_permits(&self) -> bool {
        matches!(self, TryAcquireError::NoPermits)
    }
}

impl fmt::Display for TryAcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TryAcquireError::Closed => "semaphore closed",
            TryAcquireError::NoPermits => "no permits available",
        })
    }
}

impl Error for TryAcquireError {}

impl Semaphore {
    /// The most permits a semaphore can hold: `usize::MAX >> 3`.
    pub const MAX_PERMITS: usize = ll::MAX_PERMITS;

    /// A semaphore with `permits` permits.
    ///
    /// # Panics
    /// If `permits` exceeds [`MAX_PERMITS`](Semaphore::MAX_PERMITS).
    #[track_caller]
    pub fn new(permits: usize) -> Semaphore {
        Semaphore {
            ll: ll::Semaphore::new(permits),
        }
    }

    /// A semaphore with `permits` permits, usable in a `static`.
    ///
    /// ```
    /// use corium_sync::Semaphore;
    /// static LIMIT: Semaphore = Semaphore::const_new(4);
    /// assert_eq!(LIMIT.available_permits(), 4);
    /// ```
    ///
    /// # Panics
    /// If `permits` exceeds [`MAX_PERMITS`](Semaphore::MAX_PERMITS) (at compile time in a
    /// `static`).
    #[cfg(not(all(loom, test)))]
    #[track_caller]
    pub const fn const_new(permits: usize) -> Semaphore {
        Semaphore {
            ll: ll::Semaphore::new(permits),
        }
    }

    /// How many permits are free now.
    pub fn available_permits(&self) -> usize {
        self.ll.available_permits()
    }

    /// Adds `n` permits, waking waiters they satisfy (oldest first).
    ///
    /// # Panics
    /// If the free permits would exceed [`MAX_PERMITS`](Semaphore::MAX_PERMITS).
    #[track_caller]
    pub fn add_permits(&self, n: usize) {
        self.ll.release(n);
    }

    /// Removes up to `n` free permits for good and returns how many it removed (permits held
    /// by someone are not touched).
    pub fn forget_permits(&self, n: usize) -> usize {
        self.ll.forget_permits(n)
    }

    /// Waits for one permit.
    ///
    /// # Errors
    /// [`AcquireError`] if the semaphore is (or gets) closed.
    ///
    /// # Cancel safety
    /// Dropping the future gives back its place in the queue.
    pub async fn acquire(&self) -> Result<SemaphorePermit<'_>, AcquireError> {
        self.ll.acquire(1).await?;
        Ok(SemaphorePermit {
            semaphore: self,
            permits: 1,
        })
    }

    /// Waits for `n` permits at once (FIFO: it keeps its place while the permits trickle in).
    ///
    /// # Errors
    /// [`AcquireError`] if the semaphore is (or gets) closed.
    ///
    /// # Cancel safety
    /// Dropping the future gives back its place and the permits already set aside for it.
    pub async fn acquire_many(&self, n: u32) -> Result<SemaphorePermit<'_>, AcquireError> {
        self.ll.acquire(n as usize).await?;
        Ok(SemaphorePermit {
            semaphore: self,
            permits: n,
        })
    }

    /// Takes one permit if one is free now and nobody is waiting.
    ///
    /// # Errors
    /// [`TryAcquireError::Closed`] or [`TryAcquireError::NoPermits`].
    pub fn try_acquire(&self) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.try_acquire_many(1)
    }

    /// Takes `n` permits if they are free now and nobody is waiting.
    ///
    /// # Errors
    /// [`TryAcquireError::Closed`] or [`TryAcquireError::NoPermits`].
    pub fn try_acquire_many(&self, n: u32) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.ll.try_acquire(n as usize)?;
        Ok(SemaphorePermit {
            semaphore: self,
            permits: n,
        })
    }

    /// [`acquire`](Semaphore::acquire) through an `Arc`: the permit owns a clone of it.
    ///
    /// # Errors
    /// [`AcquireError`] if the semaphore is (or gets) closed.
    pub async fn acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, AcquireError> {
        self.acquire_many_owned(1).await
    }

    /// [`acquire_many`](Semaphore::acquire_many) through an `Arc`.
    ///
    /// # Errors
    /// [`AcquireError`] if the semaphore is (or gets) closed.
    pub async fn acquire_many_owned(
        self: Arc<Self>,
        n: u32,
    ) -> Result<OwnedSemaphorePermit, AcquireError> {
        self.ll.acquire(n as usize).await?;
        Ok(OwnedSemaphorePermit {
            semaphore: self,
            permits: n,
        })
    }

    /// [`try_acquire`](Semaphore::try_acquire) through an `Arc`.
    ///
    /// # Errors
    /// [`TryAcquireError::Closed`] or [`TryAcquireError::NoPermits`].
    pub fn try_acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        self.try_acquire_many_owned(1)
    }

    /// [`try_acquire_many`](Semaphore::try_acquire_many) through an `Arc`.
    ///
    /// # Errors
    /// [`TryAcquireError::Closed`] or [`TryAcquireError::NoPermits`].
    pub fn try_acquire_many_owned(
        self: Arc<Self>,
        n: u32,
    ) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        self.ll.try_acquire(n as usize)?;
        Ok(OwnedSemaphorePermit {
            semaphore: self,
            permits: n,
        })
    }

    /// Closes the semaphore: every waiting and later acquire fails with [`AcquireError`].
    /// Permits already handed out stay valid and still come back when dropped.
    pub fn close(&self) {
        self.ll.close();
    }

    /// Whether [`close`](Semaphore::close) was called.
    pub fn is_closed(&self) -> bool {
        self.ll.is_closed()
    }
}

/// The permit-arithmetic both permit types share: one implementation, two owners.
macro_rules! permit_methods {
    ($permit:ident) => {
        /// Keeps the permits out of the semaphore for good (it shrinks by this many).
        pub fn forget(mut self) {
            self.permits = 0;
        }

        /// How many permits this holds.
        pub fn num_permits(&self) -> usize {
            self.permits as usize
        }

        /// Moves `other`'s permits into this one.
        ///
        /// # Panics
        /// If the two come from different semaphores.
        #[track_caller]
        pub fn merge(&mut self, mut other: Self) {
            assert!(
                std::ptr::eq(&*self.semaphore, &*other.semaphore),
                "merging permits from different semaphore instances"
            );
            self.permits += other.permits;
            other.permits = 0;
        }

        /// Splits `n` permits off into a new permit; `None` (and nothing changes) if this
        /// holds fewer than `n`.
        pub fn split(&mut self, n: usize) -> Option<Self> {
            let n = u32::try_from(n).ok()?;
            if n > self.permits {
                return None;
            }
            self.permits -= n;
            Some($permit {
                semaphore: self.semaphore.clone(),
                permits: n,
            })
        }
    };
}

impl SemaphorePermit<'_> {
    permit_methods!(SemaphorePermit);
}

impl OwnedSemaphorePermit {
    permit_methods!(OwnedSemaphorePermit);

    /// The semaphore this permit came from.
    pub fn semaphore(&self) -> &Arc<Semaphore> {
        &self.semaphore
    }
}

impl Drop for SemaphorePermit<'_> {
    fn drop(&mut self) {
        self.semaphore.ll.release(self.permits as usize);
    }
}

impl Drop for OwnedSemaphorePermit {
    fn drop(&mut self) {
        self.semaphore.ll.release(self.permits as usize);
    }
}
