//! The Japanese font the notices are printed with: found on disk at run time,
//! embedded in every PDF as a subset of the glyphs used, and measured here so
//! that the layout can centre, align and wrap text.
//!
//! Deliberately simple shaping: one glyph a character, advances from `hmtx`,
//! no kerning or ligatures. Japanese text needs none of them, and measuring and
//! drawing through the same function keeps every alignment exact.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use krilla::text::{Font, GlyphId, KrillaGlyph};
use skrifa::charmap::MapVariant;
use skrifa::instance::{LocationRef, Size};
use skrifa::string::StringId;
use skrifa::{FontRef, MetadataProvider};

use crate::NoticeError;

/// Where [`NoticeFont::find`] looks when no path is configured, in order:
/// IPAex Gothic (Debian `fonts-ipaexfont-gothic`, the one `scripts/ensure-tools.sh`
/// installs), IPAex Mincho (`fonts-ipaexfont-mincho`), IPA Gothic
/// (`fonts-ipafont-gothic`) and Noto Sans CJK (`fonts-noto-cjk`, whose
/// collection starts with the Japanese face).
pub const DEFAULT_FONT_PATHS: [&str; 4] = [
    "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf",
    "/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf",
    "/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
];

/// A font with Japanese glyphs, loaded once and shared by every render.
/// Cloning is cheap.
#[derive(Clone)]
pub struct NoticeFont {
    data: Arc<Vec<u8>>,
    index: u32,
    font: Font,
    name: String,
    path: PathBuf,
    units_per_em: f32,
}

impl NoticeFont {
    /// The font at `configured` when given (its absence is an error, not a
    /// reason to look elsewhere), otherwise the first of
    /// [`DEFAULT_FONT_PATHS`] that exists.
    pub fn find(configured: Option<&Path>) -> Result<NoticeFont, NoticeError> {
        let candidates: Vec<PathBuf> = match configured {
            Some(path) => vec![path.to_owned()],
            None => DEFAULT_FONT_PATHS.iter().map(PathBuf::from).collect(),
        };
        match candidates.iter().find(|path| path.is_file()) {
            Some(path) => NoticeFont::load(path),
            None => Err(NoticeError::FontMissing { tried: candidates }),
        }
    }

    /// The font in the file at `path`; for a collection (`.ttc`), its first face.
    pub fn load(path: impl AsRef<Path>) -> Result<NoticeFont, NoticeError> {
        NoticeFont::load_face(path, 0)
    }

    /// Face `index` of the font file at `path`.
    pub fn load_face(path: impl AsRef<Path>, index: u32) -> Result<NoticeFont, NoticeError> {
        let path = path.as_ref();
        let data = std::fs::read(path).map_err(|source| match source.kind() {
            std::io::ErrorKind::NotFound => NoticeError::FontMissing { tried: vec![path.to_owned()] },
            _ => NoticeError::FontRead { path: path.to_owned(), source },
        })?;
        NoticeFont::from_data(data, index, path)
    }

    fn from_data(data: Vec<u8>, index: u32, path: &Path) -> Result<NoticeFont, NoticeError> {
        let invalid = |reason: String| NoticeError::FontInvalid { path: path.to_owned(), reason };
        let data = Arc::new(data);
        let (name, units_per_em) = {
            let font_ref = FontRef::from_index(&data, index)
                .map_err(|error| invalid(format!("not a TrueType/OpenType font or collection ({error})")))?;
            let charmap = font_ref.charmap();
            if let Some(missing) = ['資', '格', 'あ', 'ア'].into_iter().find(|c| charmap.map(*c).is_none()) {
                return Err(invalid(format!("it has no glyph for {missing}, so it cannot print Japanese")));
            }
            let name = font_ref
                .localized_strings(StringId::FAMILY_NAME)
                .english_or_first()
                .map(|name| name.to_string())
                .unwrap_or_else(|| path.display().to_string());
            (name, f32::from(font_ref.metrics(Size::unscaled(), LocationRef::default()).units_per_em))
        };
        let font =
            Font::new(data.clone().into(), index).ok_or_else(|| invalid("the PDF writer cannot read it".to_owned()))?;
        Ok(NoticeFont { data, index, font, name, path: path.to_owned(), units_per_em })
    }

    /// The family name, e.g. `IPAexGothic`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The file it was loaded from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The first character of `text` the font cannot print, if any.
    /// Variation selectors (異体字セレクタ) are not characters of their own:
    /// a base the font has is printed in its default form.
    pub fn unprintable(&self, text: &str) -> Option<char> {
        let charmap = self.font_ref().charmap();
        text.chars().find(|c| !is_variation_selector(*c) && !c.is_whitespace() && charmap.map(*c).is_none())
    }

    pub(crate) fn krilla(&self) -> Font {
        self.font.clone()
    }

    fn font_ref(&self) -> FontRef<'_> {
        FontRef::from_index(&self.data, self.index).expect("checked when the font was loaded")
    }

    /// One glyph a character; a variation selector joins the glyph before
    /// it, picking the variant glyph when the font has one. Advances are in
    /// ems, as krilla wants them.
    pub(crate) fn shape(&self, text: &str) -> Vec<KrillaGlyph> {
        let font_ref = self.font_ref();
        let charmap = font_ref.charmap();
        let metrics = font_ref.glyph_metrics(Size::unscaled(), LocationRef::default());
        let mut glyphs: Vec<KrillaGlyph> = Vec::with_capacity(text.len() / 3);
        let mut bases: Vec<char> = Vec::with_capacity(text.len() / 3);
        for (idx, c) in text.char_indices() {
            let end = idx + c.len_utf8();
            if is_variation_selector(c)
                && let (Some(glyph), Some(base)) = (glyphs.last_mut(), bases.last())
            {
                if let Some(MapVariant::Variant(variant)) = charmap.map_variant(*base, c) {
                    glyph.glyph_id = GlyphId::new(variant.to_u32());
                    glyph.x_advance = metrics.advance_width(variant).unwrap_or(0.0) / self.units_per_em;
                }
                glyph.text_range.end = end;
                continue;
            }
            // A character the font lacks is refused before drawing (see
            // `unprintable`); .notdef (glyph 0) is the last resort.
            let glyph_id = charmap.map(c).unwrap_or_default();
            let advance = metrics.advance_width(glyph_id).unwrap_or(0.0) / self.units_per_em;
            glyphs.push(KrillaGlyph::new(GlyphId::new(glyph_id.to_u32()), advance, 0.0, 0.0, 0.0, idx..end, None));
            bases.push(c);
        }
        glyphs
    }

    /// Width of `text` at `size` points, in points.
    pub(crate) fn width(&self, text: &str, size: f32) -> f32 {
        self.shape(text).iter().map(|glyph| glyph.x_advance).sum::<f32>() * size
    }
}

fn is_variation_selector(c: char) -> bool {
    matches!(c, '\u{FE00}'..='\u{FE0F}' | '\u{E0100}'..='\u{E01EF}')
}

impl fmt::Debug for NoticeFont {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NoticeFont")
            .field("name", &self.name)
            .field("path", &self.path)
            .field("index", &self.index)
            .finish_non_exhaustive()
    }
}
