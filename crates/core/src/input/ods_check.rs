//! A pre-check of an OpenDocument spreadsheet's repeat counts.
//!
//! calamine expands `table:number-rows-repeated` and
//! `table:number-columns-repeated` into a dense grid before anything can be
//! checked, so a 1 KB file that repeats one filled cell 900 times across
//! 100,000 rows costs gigabytes. This scan reads `content.xml` as a stream of
//! tags (nothing but counts is kept) and works out the size of the grid
//! calamine would build, the way calamine builds it: trailing empty cells of
//! a row and trailing empty rows cost nothing (LibreOffice ends every sheet
//! with a million repeated empty rows).

use std::io::{BufRead, BufReader, Read};

/// The largest grid (rows × columns, counted as calamine expands them) of any
/// table in `content` (what could be scanned of it).
pub(super) fn largest_grid(content: impl Read) -> u64 {
    let mut reader = BufReader::new(content);
    let mut tag = Vec::new();
    let mut largest = 0u64;
    // Per table: rows so far, rows up to the last filled one, widest row.
    let (mut rows, mut filled_rows, mut width) = (0u64, 0u64, 0u64);
    // Per row: its repeat count, columns so far, columns up to the last filled cell.
    let (mut repeat, mut cols, mut filled_cols) = (1u64, 0u64, 0u64);
    loop {
        tag.clear();
        // Skip to the next tag, then read it whole.
        match reader.skip_until(b'<') {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        match reader.read_until(b'>', &mut tag) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        let closed = tag.ends_with(b"/>");
        let body = tag.strip_suffix(b">").unwrap_or(&tag);
        let body = body.strip_suffix(b"/").unwrap_or(body);
        let name_end = body
            .iter()
            .position(|b| b.is_ascii_whitespace())
            .unwrap_or(body.len());
        let name = &body[..name_end];
        match name {
            b"table:table" if !closed => (rows, filled_rows, width) = (0, 0, 0),
            b"/table:table" => largest = largest.max(filled_rows.saturating_mul(width)),
            b"table:table-row" => {
                repeat = attribute(&tag, b"table:number-rows-repeated").unwrap_or(1);
                (cols, filled_cols) = (0, 0);
                if closed {
                    rows = rows.saturating_add(repeat);
                }
            }
            b"/table:table-row" => {
                rows = rows.saturating_add(repeat);
                if filled_cols > 0 {
                    filled_rows = rows;
                    width = width.max(filled_cols);
                }
            }
            b"table:table-cell" | b"table:covered-table-cell" => {
                let n = attribute(&tag, b"table:number-columns-repeated").unwrap_or(1);
                cols = cols.saturating_add(n);
                // A cell with a value attribute or any content counts as
                // filled (an over-estimate for empty non-closed cells).
                if !closed || contains(&tag, b"office:value-type") {
                    filled_cols = cols;
                }
            }
            _ => {}
        }
    }
    largest
}

/// The number in `name="…"` inside a tag, if it is there and a number.
fn attribute(tag: &[u8], name: &[u8]) -> Option<u64> {
    let at = tag.windows(name.len()).position(|w| w == name)? + name.len();
    let rest = tag[at..].strip_prefix(b"=\"")?;
    let end = rest.iter().position(|b| *b == b'"')?;
    std::str::from_utf8(&rest[..end]).ok()?.trim().parse().ok()
}

fn contains(tag: &[u8], needle: &[u8]) -> bool {
    tag.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(body: &str) -> u64 {
        largest_grid(
            format!(
                "<office:body><table:table table:name=\"S\">{body}</table:table></office:body>"
            )
            .as_bytes(),
        )
    }

    #[test]
    fn repeats_multiply_and_trailing_empties_cost_nothing() {
        let filled =
            r#"<table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell>"#;
        assert_eq!(
            grid(&format!(
                "<table:table-row>{filled}{filled}</table:table-row>"
            )),
            2
        );
        let repeated = r#"<table:table-row table:number-rows-repeated="100000"><table:table-cell table:number-columns-repeated="900" office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>"#;
        assert_eq!(grid(repeated), 90_000_000);
        // LibreOffice's tail: a million empty rows of 1024 empty cells.
        let tail = r#"<table:table-row table:number-rows-repeated="1048573"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>"#;
        assert_eq!(
            grid(&format!(
                "<table:table-row>{filled}</table:table-row>{tail}"
            )),
            1
        );
        // Empty cells before a filled one count.
        let gap = r#"<table:table-cell table:number-columns-repeated="50"/>"#;
        assert_eq!(
            grid(&format!("<table:table-row>{gap}{filled}</table:table-row>")),
            51
        );
    }
}
