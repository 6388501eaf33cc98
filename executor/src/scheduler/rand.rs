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

    fn next_u64(&self) -> u64 {
        let mut x = self.state.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.state.set(x);
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A value in `0..n` (`n > 0`), by multiply-shift rather than a biased modulo.
    pub(crate) fn next_n(&self, n: usize) -> usize {
        let r = self.next_u64() >> 32;
        ((r * n as u64) >> 32) as usize
    }
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
}
