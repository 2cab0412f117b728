//! The notices from the outside: checks on the inputs, and the PDFs read back
//! with poppler (pdftotext, pdffonts, pdfinfo, pdftoppm), as a person printing
//! them would see them.

mod fixture;
mod pdf;
mod props;
mod rules;
