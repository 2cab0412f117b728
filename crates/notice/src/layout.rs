//! A small drawing layer over krilla for forms: millimetres from the top-left
//! corner of the page, text measured with the notice font, boxes, rules and
//! text fitted into cells.

use krilla::color::luma;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::num::NormalizedF32;
use krilla::paint::{Fill, Stroke, StrokeDash};
use krilla::surface::Surface;

use crate::font::NoticeFont;

/// Points in a millimetre.
pub(crate) const MM: f32 = 72.0 / 25.4;
/// A4 portrait, in millimetres.
pub(crate) const PAGE_WIDTH: f32 = 210.0;
pub(crate) const PAGE_HEIGHT: f32 = 297.0;
/// Points to millimetres, for font sizes.
const PT: f32 = 1.0 / MM;
/// Line pitch as a multiple of the font size.
pub(crate) const LEADING: f32 = 1.45;
/// The smallest size text is shrunk to before it is wrapped; below it a clerk
/// could not read a printed name.
const MIN_SIZE: f32 = 6.0;
/// Where the visual middle of Japanese text lies above the baseline, in ems
/// (ideographs span about -0.12 to 0.88 em).
const MIDDLE: f32 = 0.36;
/// Characters that must not begin a line (行頭禁則); they hang at the end of
/// the line before instead.
const NO_LINE_START: &str = "、。，．）」』】〕〉》ー・？！ぁぃぅぇぉっゃゅょァィゥェォッャュョ";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Centre,
}

/// A rectangle in millimetres: left, top, width, height.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Area {
    pub(crate) x: f32,
    pub(crate) y: f32,
    pub(crate) width: f32,
    pub(crate) height: f32,
}

impl Area {
    pub(crate) fn new(x: f32, y: f32, width: f32, height: f32) -> Area {
        Area { x, y, width, height }
    }

    pub(crate) fn inset(self, horizontal: f32, vertical: f32) -> Area {
        Area::new(self.x + horizontal, self.y + vertical, self.width - 2.0 * horizontal, self.height - 2.0 * vertical)
    }
}

pub(crate) struct Canvas<'s, 'f> {
    surface: Surface<'s>,
    font: &'f NoticeFont,
}

impl<'s, 'f> Canvas<'s, 'f> {
    pub(crate) fn new(surface: Surface<'s>, font: &'f NoticeFont) -> Canvas<'s, 'f> {
        Canvas { surface, font }
    }

    pub(crate) fn finish(self) {
        self.surface.finish();
    }

    /// Width of `text` at `size` points, in millimetres.
    pub(crate) fn width(&self, text: &str, size: f32) -> f32 {
        self.font.width(text, size) * PT
    }

    /// One line of text with its baseline at `baseline` mm.
    pub(crate) fn text(&mut self, x: f32, baseline: f32, size: f32, text: &str) {
        if text.is_empty() {
            return;
        }
        let glyphs = self.font.shape(text);
        self.surface.set_stroke(None);
        self.surface.set_fill(Some(black_fill()));
        self.surface.draw_glyphs(Point::from_xy(x * MM, baseline * MM), &glyphs, self.font.krilla(), text, size, false);
    }

    /// One line aligned within `[x, x + width]`.
    pub(crate) fn text_in(&mut self, x: f32, width: f32, baseline: f32, size: f32, text: &str, align: Align) {
        let left = match align {
            Align::Left => x,
            Align::Centre => x + (width - self.width(text, size)) / 2.0,
        };
        self.text(left, baseline, size, text);
    }

    /// The baseline that centres one line of `size` points on `middle` mm.
    pub(crate) fn baseline_for_middle(middle: f32, size: f32) -> f32 {
        middle + MIDDLE * size * PT
    }

    /// Text fitted into `area` and centred vertically: at the largest size from
    /// `size` down to `MIN_SIZE` (in half points) at which its wrapped lines
    /// fit. Text too long even at `MIN_SIZE` is wrapped at that size and may
    /// overflow; the limits on lengths keep real values inside.
    pub(crate) fn fit(&mut self, area: Area, size: f32, text: &str, align: Align) {
        let mut size = size;
        let mut lines = self.wrap(text, size, area.width);
        while lines.len() as f32 * size * LEADING * PT > area.height && size > MIN_SIZE {
            size = (size - 0.5).max(MIN_SIZE);
            lines = self.wrap(text, size, area.width);
        }
        let pitch = size * LEADING * PT;
        let first_middle = area.y + area.height / 2.0 - pitch * (lines.len() as f32 - 1.0) / 2.0;
        for (idx, line) in lines.iter().enumerate() {
            let baseline = Canvas::baseline_for_middle(first_middle + pitch * idx as f32, size);
            self.text_in(area.x, area.width, baseline, size, line, align);
        }
    }

    /// The height `text` needs in a box `width` mm wide at the smallest size,
    /// so that a table row can grow to hold the longest value.
    pub(crate) fn min_height(&self, text: &str, width: f32) -> f32 {
        self.wrap(text, MIN_SIZE, width).len() as f32 * MIN_SIZE * LEADING * PT
    }

    /// One line in `area`, shrunk down to `MIN_SIZE` and then cut with `…`
    /// when even that is too wide: for the card-sized part, whose full
    /// values are in the table above it.
    pub(crate) fn fit_line(&mut self, area: Area, size: f32, text: &str) {
        let mut size = size;
        while self.width(text, size) > area.width && size > MIN_SIZE {
            size = (size - 0.5).max(MIN_SIZE);
        }
        let mut line = text.to_owned();
        if self.width(&line, size) > area.width {
            while !line.is_empty() && self.width(&format!("{line}…"), size) > area.width {
                line.pop();
            }
            line.push('…');
        }
        let baseline = Canvas::baseline_for_middle(area.y + area.height / 2.0, size);
        self.text(area.x, baseline, size, &line);
    }

    /// A paragraph from `top` mm, wrapped to `width`; returns where it ends.
    /// A hanging indent (for numbered notes) starts continuation lines at
    /// `x + indent`.
    pub(crate) fn paragraph(&mut self, x: f32, top: f32, width: f32, size: f32, text: &str, indent: f32) -> f32 {
        let pitch = size * LEADING * PT;
        let mut y = top;
        let first = self.wrap(text, size, width);
        let Some((head, rest)) = first.split_first() else {
            return top;
        };
        self.text(x, Canvas::baseline_for_middle(y + pitch / 2.0, size), size, head);
        y += pitch;
        if rest.is_empty() {
            return y;
        }
        for line in self.wrap(&rest.concat(), size, width - indent) {
            self.text(x + indent, Canvas::baseline_for_middle(y + pitch / 2.0, size), size, &line);
            y += pitch;
        }
        y
    }

    /// The height [`Canvas::paragraph`] will take.
    pub(crate) fn paragraph_height(&self, text: &str, size: f32, width: f32, indent: f32) -> f32 {
        let pitch = size * LEADING * PT;
        let first = self.wrap(text, size, width);
        let Some((_, rest)) = first.split_first() else {
            return 0.0;
        };
        let n_rest = if rest.is_empty() { 0 } else { self.wrap(&rest.concat(), size, width - indent).len() };
        pitch * (1 + n_rest) as f32
    }

    /// Break `text` into lines no wider than `width` mm at `size` points.
    /// Japanese breaks between any two characters; a character that must not
    /// start a line stays at the end of the one before. `\n` breaks always.
    pub(crate) fn wrap(&self, text: &str, size: f32, width: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for paragraph in text.split('\n') {
            let mut line = String::new();
            let mut line_width = 0.0;
            for c in paragraph.chars() {
                let mut buffer = [0u8; 4];
                let char_width = self.width(c.encode_utf8(&mut buffer), size);
                let overflows = line_width + char_width > width && !line.is_empty();
                if overflows && !NO_LINE_START.contains(c) {
                    // Break after the last space of the line when there is
                    // one in its second half (between a street number and a
                    // building name), else here.
                    let n_chars = line.chars().count();
                    let space = line.char_indices().enumerate().filter(|(_, (_, c))| c.is_whitespace()).last();
                    let carried = match space {
                        Some((position, (byte_idx, space))) if position > n_chars / 2 => {
                            let carried = line[byte_idx + space.len_utf8()..].to_owned();
                            line.truncate(byte_idx);
                            carried
                        }
                        _ => String::new(),
                    };
                    lines.push(std::mem::replace(&mut line, carried));
                    line_width = self.width(&line, size);
                }
                line.push(c);
                line_width += char_width;
            }
            lines.push(line);
        }
        lines
    }

    /// A rectangle, stroked with `line` points and filled with `grey` (0
    /// black … 255 white) when given.
    pub(crate) fn rect(&mut self, area: Area, line: f32, grey: Option<u8>) {
        let Some(rect) = Rect::from_xywh(area.x * MM, area.y * MM, area.width * MM, area.height * MM) else {
            return;
        };
        let mut builder = PathBuilder::new();
        builder.push_rect(rect);
        let Some(path) = builder.finish() else {
            return;
        };
        self.surface.set_fill(grey.map(|grey| Fill { paint: luma::Color::new(grey).into(), ..Fill::default() }));
        self.surface.set_stroke((line > 0.0).then(|| Stroke { width: line, ..Stroke::default() }));
        self.surface.draw_path(&path);
    }

    /// A straight rule, solid or dashed (a cut line: 切り取り線).
    pub(crate) fn line(&mut self, from: (f32, f32), to: (f32, f32), line: f32, dashed: bool) {
        let mut builder = PathBuilder::new();
        builder.move_to(from.0 * MM, from.1 * MM);
        builder.line_to(to.0 * MM, to.1 * MM);
        let Some(path) = builder.finish() else {
            return;
        };
        let dash = dashed.then(|| StrokeDash { array: vec![3.0, 2.0], offset: 0.0 });
        self.surface.set_fill(None);
        self.surface.set_stroke(Some(Stroke { width: line, dash, ..Stroke::default() }));
        self.surface.draw_path(&path);
    }
}

fn black_fill() -> Fill {
    Fill { paint: luma::Color::black().into(), opacity: NormalizedF32::ONE, ..Fill::default() }
}
