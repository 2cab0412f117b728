//! Kanji numerals, shared by 和暦 dates and address numbers.

/// The value of a single kanji digit: 〇 (or 零) through 九.
pub(crate) fn kanji_digit(c: char) -> Option<u32> {
    let digit = match c {
        '〇' | '零' => 0,
        '一' => 1,
        '二' => 2,
        '三' => 3,
        '四' => 4,
        '五' => 5,
        '六' => 6,
        '七' => 7,
        '八' => 8,
        '九' => 9,
        _ => return None,
    };
    Some(digit)
}
