//! A tiny xorshift generator for picking steal victims (no `rand` crate).

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// xorshift64*: fast, and random enough to spread thieves over victims.
#[derive(Debug)]
pub(crate) struct FastRand {
    state: Cell<u64>,
}

impl FastRand {
    /// A generator seeded differently on every call (a global counter through splitmix64).
    pub(crate) fn new() -> FastRand {
        static SEED: AtomicU64 = AtomicU64::new(0x9E37_79B9_7F4A_7C15);
        let mut z = SEED.fetch_add(0x9E37_79B9_7F4A_7C15, Relaxed);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        FastRand {
            state: Cell::new(z | 1),
        }
    }

    #[inline]
    fn next_u64(&self) -> u64 {
        let mut x = self.state.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.state.set(x);
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A value in `0..n` (`n > 0`), by multiply-shift rather than a biased modulo.
    #[inline]
    pub(crate) fn next_n(&self, n: usize) -> usize {
        let r = self.next_u64() >> 32;
        ((r * n as u64) >> 32) as usize
    }
}

thread_local! {
    /// One generator per thread for callers outside the schedulers (`select!`'s fair start), so
    /// they need no state of their own and never contend with another thread.
    static THREAD_RNG: FastRand = FastRand::new();
}

/// A value in `0..n` (`n > 0`) from this thread's generator; `0` if the thread-local is gone
/// (the thread is exiting), which only costs fairness, never correctness.
#[inline]
pub(crate) fn thread_rng_n(n: u32) -> u32 {
    THREAD_RNG
        .try_with(|rng| rng.next_n(n as usize) as u32)
        .unwrap_or(0)
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::FastRand;

    #[test]
    fn covers_the_range_and_stays_in_it() {
        let rng = FastRand::new();
        let mut seen = [false; 7];
        for _ in 0..1_000 {
            let v = rng.next_n(7);
            assert!(v < 7);
            seen[v] = true;
        }
        assert!(seen.iter().all(|&s| s), "{seen:?}");
    }

    #[test]
    fn the_thread_generator_covers_the_range() {
        let mut seen = [0u32; 2];
        for _ in 0..1_000 {
            seen[super::thread_rng_n(2) as usize] += 1;
        }
        // Both halves well represented: a stuck or constant generator fails this.
        assert!(seen.iter().all(|&c| c > 300), "{seen:?}");
    }
}
