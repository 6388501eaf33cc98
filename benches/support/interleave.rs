//! Side-by-side timing that a burst of load cannot land on one side only.
//!
//! criterion measures one function for a few seconds, then the next; on a shared machine a
//! burst from another process can slow one side's whole measurement, which moved some ratios
//! by 2× between runs of the same build. [`interleave`] instead alternates short rounds of
//! the two sides and takes the median of the per-round ratios: a burst shifts a round or two,
//! not the result.

use std::time::Instant;

/// The median of `values` (sorted in place).
pub fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Medians over `rounds` rounds, each timing `iters` calls of `a` and then of `b` (after one
/// warm-up round that is not counted): `(a's seconds per call, b's, the per-round ratio a/b)`.
pub fn interleave(
    rounds: usize,
    iters: usize,
    mut a: impl FnMut(),
    mut b: impl FnMut(),
) -> (f64, f64, f64) {
    let time = |f: &mut dyn FnMut()| {
        let start = Instant::now();
        for _ in 0..iters {
            f();
        }
        start.elapsed().as_secs_f64() / iters as f64
    };
    let (mut ta, mut tb, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..=rounds {
        let (x, y) = (time(&mut a), time(&mut b));
        if round > 0 {
            ta.push(x);
            tb.push(y);
            ratios.push(x / y);
        }
    }
    (median(&mut ta), median(&mut tb), median(&mut ratios))
}

/// The verdict column: `PASS` when `ratio` is at most `target`, `-` for a `--test` run, whose
/// one tiny round proves nothing.
pub fn verdict(quick: bool, ratio: f64, target: f64) -> &'static str {
    match (quick, ratio <= target) {
        (true, _) => "-",
        (false, true) => "PASS",
        (false, false) => "MISS",
    }
}
