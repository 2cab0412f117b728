//! Weighted draws from fixed tables: a cumulative-weight array searched by
//! bisection, so a draw costs one random number and O(log n).

use rand::Rng;

/// Cumulative weights of a table, for drawing an index in proportion to its
/// weight.
#[derive(Debug, Clone)]
pub(crate) struct Cumulative {
    totals: Vec<f64>,
}

impl Cumulative {
    /// `weights` must be non-empty and non-negative with a positive sum.
    pub(crate) fn new(weights: &[f64]) -> Cumulative {
        let mut running = 0.0;
        let totals = weights
            .iter()
            .map(|w| {
                running += w.max(0.0);
                running
            })
            .collect();
        Cumulative { totals }
    }

    pub(crate) fn pick(&self, rng: &mut impl Rng) -> usize {
        let total = self.totals.last().copied().unwrap_or(0.0);
        let target = rng.random::<f64>() * total;
        let idx = self.totals.partition_point(|t| *t <= target);
        idx.min(self.totals.len().saturating_sub(1))
    }
}

/// Draw one of `items` by weight.
pub(crate) fn weighted<'a, T>(rng: &mut impl Rng, items: &'a [(T, f64)]) -> &'a T {
    let total: f64 = items.iter().map(|(_, w)| w).sum();
    let mut target = rng.random::<f64>() * total;
    for (item, weight) in items {
        if target < *weight {
            return item;
        }
        target -= weight;
    }
    &items[items.len() - 1].0
}
