//! The QR code of the sign-in page, as inline SVG (no image request, no
//! script): black modules on white with the quiet zone the standard asks.

use qrcode::QrCode;
use qrcode::render::svg;

/// `data` as an `<svg>` element; empty when it cannot be encoded (the user
/// code stays on the page as text).
pub(crate) fn svg(data: &str) -> String {
    let Ok(code) = QrCode::new(data.as_bytes()) else { return String::new() };
    let image = code.render::<svg::Color<'_>>().min_dimensions(200, 200).quiet_zone(true).build();
    // The renderer writes a standalone document; inline, only the element.
    match image.find("<svg") {
        Some(start) => image[start..].to_owned(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_code_is_an_inline_svg_element() {
        let svg = super::svg("http://127.0.0.1:8080/oidc/app?user_code=ABCD-EFGH");
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.trim_end().ends_with("</svg>"), "{svg}");
        assert!(svg.contains("<path") || svg.contains("<rect"), "{svg}");
    }
}
