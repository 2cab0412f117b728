//! Japanese text normalisation for matching.

/// Fold a kana name for comparison.
pub fn normalise_kana(input: &str) -> String {
    input.to_owned()
}
