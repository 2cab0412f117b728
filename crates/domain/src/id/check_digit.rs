//! The two check-digit algorithms of Japanese public identifiers.

/// 個人番号 check digit, 総務省令第85号 (行政手続における特定の個人を識別するための番号の
/// 利用等に関する法律施行令第八条に規定する… 省令) 第5条.
///
/// `base` is the 11 leading digits (each 0–9). With P_n the n-th digit from the
/// right and Q_n = n + 1 for n ≤ 6, n − 5 for n ≥ 7, the check digit is
/// 11 − (Σ P_n·Q_n mod 11), or 0 when the remainder is 0 or 1.
pub fn modulus11_my_number(base: &[u8; 11]) -> u8 {
    let sum: u32 = base
        .iter()
        .rev()
        .enumerate()
        .map(|(idx, &digit)| {
            let n = idx as u32 + 1;
            let weight = if n <= 6 { n + 1 } else { n - 5 };
            u32::from(digit) * weight
        })
        .sum();
    let remainder = sum % 11;
    if remainder <= 1 { 0 } else { (11 - remainder) as u8 }
}

/// The check digit of 保険者番号, 公費負担者番号, 受給者番号 and 医療機関コード
/// (厚生労働省「保険者番号等設定要領」): multiply the digits by 2, 1, 2, 1, …
/// starting from the last digit, add the products (a two-digit product counts as
/// the sum of its digits), and take 10 − the last digit of the sum (0 if that
/// last digit is 0). This is the Luhn scheme applied to the digits before the
/// check digit.
pub fn modulus10_weights_21(base: &[u8]) -> u8 {
    let sum: u32 = base
        .iter()
        .rev()
        .enumerate()
        .map(|(idx, &digit)| {
            let product = u32::from(digit) * if idx % 2 == 0 { 2 } else { 1 };
            product / 10 + product % 10
        })
        .sum();
    ((10 - sum % 10) % 10) as u8
}
