//! Writing PDFs: plain objects in compressed object streams and a cross-reference stream.

use crate::HashMap;
use crate::lexer::is_regular;
use crate::object::{Object, Value};

/// Plain objects per object stream at most: a reader inflates a whole
/// stream to reach one object, so a few tens of kilobytes each keeps that
/// cheap while the compressor still sees enough to find the repeats.
pub(crate) const OBJECT_STREAM_OBJECTS: usize = 4096;

/// Uncompressed bytes per object stream at most (see above).
pub(crate) const OBJECT_STREAM_BYTES: usize = 64 * 1024;

/// zlib level for object streams and the cross-reference stream. The
/// objects are short, repetitive dictionaries (structure elements, mostly),
/// which level 1 already shrinks about fivefold (bench/PROFILE.md, change 7).
pub(crate) const OBJECT_STREAM_LEVEL: u32 = 1;

/// Bytes per cross-reference stream entry (`/W[1 4 2]`).
pub(crate) const XREF_ROW: usize = 7;

/// zlib level for the content streams deflated here
/// ([`File::finish_streams`]). Measured on 40 packets (bench/PROFILE.md,
/// change 8, before the cross-reference predictor): level 1 7.48 G
/// instructions and a 438 kB sample packet,
/// level 2 7.76 G and 405 kB, level 4 7.99 G and 386 kB; krilla's level 6
/// 8.01 G and 372 kB.
pub(crate) const STREAM_LEVEL: u32 = 1;

/// Writes a PDF whose plain objects (dictionaries, arrays: everything but
/// streams) are packed into compressed object streams, with a compressed
/// cross-reference stream instead of the classic table. Typst's writer
/// leaves the structure tree (PDF/UA) uncompressed, and it is half of
/// every document's bytes; compressed here, the packet ZIP no longer needs
/// to deflate the PDFs again, nor the read-back check to inflate them.
/// Streams (pages, fonts, images, the XMP metadata) are written as they
/// are given, byte for byte. PDF/A-2 and PDF/UA-1 allow both kinds of
/// stream (they are PDF 1.5); the header is kept, and it must say 1.5 or
/// later.
pub(crate) struct Writer {
    pub(crate) out: Vec<u8>,
    /// Where each object is, by its number (index 0 is the free object 0).
    pub(crate) entries: Vec<Entry>,
    /// The objects the cross-reference stream lists, streams included.
    pub(crate) size: u32,
    /// The object stream being filled: `number offset` pairs, then the
    /// objects themselves.
    pub(crate) pairs: Vec<u8>,
    pub(crate) body: Vec<u8>,
    pub(crate) count: usize,
}

#[derive(Clone, Copy)]
pub(crate) enum Entry {
    Free,
    /// Written as `n 0 obj`, at this offset.
    At(usize),
    /// The `index`-th object of object stream `stream`.
    In {
        stream: u32,
        index: u16,
    },
}

impl Writer {
    /// A writer for objects `1..=objects`, after `header`.
    pub(crate) fn new(header: &[u8], objects: usize) -> Option<Self> {
        let version = header.strip_prefix(b"%PDF-")?;
        if !(version.starts_with(b"1.")
            && version.get(2).is_some_and(|&b| (b'5'..=b'9').contains(&b))
            || version.starts_with(b"2."))
        {
            return None;
        }
        let mut out = Vec::with_capacity(header.len() + 64 * 1024);
        out.extend_from_slice(header);
        Some(Writer {
            out,
            entries: vec![Entry::Free; objects + 1],
            size: u32::try_from(objects + 1).ok()?,
            pairs: Vec::new(),
            body: Vec::with_capacity(OBJECT_STREAM_BYTES),
            count: 0,
        })
    }

    /// Writes object `n` (in `1..=objects`) with every reference renumbered.
    pub(crate) fn object(
        &mut self,
        n: u32,
        object: &Object<'_>,
        numbers: &HashMap<u32, u32>,
    ) -> Option<()> {
        let slot = usize::try_from(n).ok().filter(|&n| n > 0)?;
        if !matches!(self.entries.get(slot)?, Entry::Free) {
            return None;
        }
        let Some(data) = object.stream.as_deref() else {
            if self.count == OBJECT_STREAM_OBJECTS || self.body.len() >= OBJECT_STREAM_BYTES {
                self.flush()?;
            }
            push_number(&mut self.pairs, n);
            self.pairs.push(b' ');
            push_number(&mut self.pairs, self.body.len());
            self.pairs.push(b' ');
            write_value(&mut self.body, &object.value, numbers)?;
            self.body.push(b'\n');
            // The stream's number is the next free one once it is full.
            self.entries[slot] = Entry::In {
                stream: self.size,
                index: u16::try_from(self.count).ok()?,
            };
            self.count += 1;
            return Some(());
        };
        self.entries[slot] = Entry::At(self.out.len());
        push_number(&mut self.out, n);
        self.out.extend_from_slice(b" 0 obj\n");
        write_value(&mut self.out, &object.value, numbers)?;
        self.out.extend_from_slice(b"\nstream\n");
        self.out.extend_from_slice(data);
        self.out.extend_from_slice(b"\nendstream\nendobj\n");
        Some(())
    }

    /// Writes the object stream being filled, if it holds anything.
    pub(crate) fn flush(&mut self) -> Option<()> {
        if self.count == 0 {
            return Some(());
        }
        let first = self.pairs.len();
        let mut data = deflate(&[&self.pairs, &self.body], OBJECT_STREAM_LEVEL)?;
        let n = self.size;
        self.size = self.size.checked_add(1)?;
        self.entries.push(Entry::At(self.out.len()));
        push_number(&mut self.out, n);
        self.out.extend_from_slice(b" 0 obj\n<</Type/ObjStm/N ");
        push_number(&mut self.out, self.count);
        self.out.extend_from_slice(b"/First ");
        push_number(&mut self.out, first);
        self.stream_tail(&mut data);
        self.pairs.clear();
        self.body.clear();
        self.count = 0;
        Some(())
    }

    /// Ends a stream object's dictionary with its filter and length, then
    /// writes its data.
    pub(crate) fn stream_tail(&mut self, data: &mut Vec<u8>) {
        self.out.extend_from_slice(b"/Filter/FlateDecode/Length ");
        push_number(&mut self.out, data.len());
        self.out.extend_from_slice(b">>\nstream\n");
        self.out.append(data);
        self.out.extend_from_slice(b"\nendstream\nendobj\n");
    }

    /// Writes the last object stream and the cross-reference stream, whose
    /// dictionary is the trailer (`id` is the `/ID` array as written).
    pub(crate) fn finish(mut self, root: u32, info: u32, id: &[u8]) -> Option<Vec<u8>> {
        self.flush()?;
        if self.entries[1..].iter().any(|e| matches!(e, Entry::Free)) {
            return None;
        }
        let n = self.size;
        let start = self.out.len();
        self.entries.push(Entry::At(start));
        let size = n.checked_add(1)?;
        // /W [1 4 2]: type, offset or object stream, generation or index;
        // each row as its difference from the row before (the PNG "Up"
        // predictor), which turns slowly growing offsets and runs of the
        // same object stream into zeros the compressor halves again.
        let mut table = Vec::with_capacity(self.entries.len() * (XREF_ROW + 1));
        let mut above = [0u8; XREF_ROW];
        for entry in &self.entries {
            let (kind, field, index) = match *entry {
                Entry::Free => (0u8, 0u32, 65535u16),
                Entry::At(offset) => (1, u32::try_from(offset).ok()?, 0),
                Entry::In { stream, index } => (2, stream, index),
            };
            let mut row = [0u8; XREF_ROW];
            row[0] = kind;
            row[1..5].copy_from_slice(&field.to_be_bytes());
            row[5..7].copy_from_slice(&index.to_be_bytes());
            table.push(2);
            table.extend(row.iter().zip(&above).map(|(b, a)| b.wrapping_sub(*a)));
            above = row;
        }
        let mut data = deflate(&[&table], OBJECT_STREAM_LEVEL)?;
        push_number(&mut self.out, n);
        self.out.extend_from_slice(b" 0 obj\n<</Type/XRef/Size ");
        push_number(&mut self.out, size);
        self.out.extend_from_slice(b"/W[1 4 2]/Root ");
        push_number(&mut self.out, root);
        self.out.extend_from_slice(b" 0 R/Info ");
        push_number(&mut self.out, info);
        self.out.extend_from_slice(b" 0 R/ID");
        self.out.extend_from_slice(id);
        self.out
            .extend_from_slice(b"/DecodeParms<</Predictor 12/Columns 7>>");
        self.stream_tail(&mut data);
        self.out.extend_from_slice(b"startxref\n");
        push_number(&mut self.out, start);
        self.out.extend_from_slice(b"\n%%EOF");
        Some(self.out)
    }
}

/// zlib-compresses `pieces` as one stream at `level`. One compressor per
/// thread and level, reset for each stream: setting a new one up zeroes its
/// tables, and a packet writes dozens of streams (bench/PROFILE.md,
/// change 7).
pub(crate) fn deflate(pieces: &[&[u8]], level: u32) -> Option<Vec<u8>> {
    use flate2::{Compress, Compression, FlushCompress, Status};
    thread_local! {
        static COMPRESSORS: std::cell::RefCell<Vec<(u32, Compress)>> =
            const { std::cell::RefCell::new(Vec::new()) };
    }
    COMPRESSORS.with_borrow_mut(|compressors| {
        let at = match compressors.iter().position(|(l, _)| *l == level) {
            Some(at) => at,
            None => {
                compressors.push((level, Compress::new(Compression::new(level), true)));
                compressors.len() - 1
            }
        };
        let compressor = &mut compressors[at].1;
        compressor.reset();
        let len = pieces.iter().map(|p| p.len()).sum::<usize>();
        let mut out = Vec::with_capacity(len / 3 + 64);
        for (i, piece) in pieces.iter().enumerate() {
            let last = i + 1 == pieces.len();
            let flush = if last {
                FlushCompress::Finish
            } else {
                FlushCompress::None
            };
            let mut input = *piece;
            loop {
                if out.capacity() - out.len() < 64 {
                    out.reserve(out.capacity().max(1024));
                }
                let before = compressor.total_in();
                let status = compressor.compress_vec(input, &mut out, flush).ok()?;
                let used = usize::try_from(compressor.total_in() - before).ok()?;
                input = input.get(used..)?;
                let done = match status {
                    Status::StreamEnd => true,
                    Status::Ok | Status::BufError => !last && input.is_empty(),
                };
                if done {
                    break;
                }
            }
        }
        Some(out)
    })
}

/// Writes a number in decimal. Object numbers and references are most of a
/// cut document's tokens, and `format!` allocated a string for each one
/// (bench/PROFILE.md).
pub(crate) fn push_number(out: &mut Vec<u8>, n: impl itoa::Integer) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

pub(crate) fn write_value(
    out: &mut Vec<u8>,
    value: &Value<'_>,
    numbers: &HashMap<u32, u32>,
) -> Option<()> {
    // A space only where two tokens would otherwise run together.
    let space_before = |out: &mut Vec<u8>| {
        if out.last().is_some_and(|&b| is_regular(b)) {
            out.push(b' ');
        }
    };
    match value {
        Value::Ref(r) => {
            space_before(out);
            push_number(out, *numbers.get(r)?);
            out.extend_from_slice(b" 0 R");
        }
        Value::Name(name) => {
            out.push(b'/');
            out.extend_from_slice(name);
        }
        Value::Raw(raw) => {
            if raw.first().is_some_and(|&b| is_regular(b)) {
                space_before(out);
            }
            out.extend_from_slice(raw);
        }
        Value::Array(items) => {
            out.push(b'[');
            for item in items {
                write_value(out, item, numbers)?;
            }
            out.push(b']');
        }
        Value::Dict(dict) => {
            out.extend_from_slice(b"<<");
            for (key, item) in &dict.0 {
                out.push(b'/');
                out.extend_from_slice(key);
                write_value(out, item, numbers)?;
            }
            out.extend_from_slice(b">>");
        }
    }
    Some(())
}

/// A PDF text string: literal when plain ASCII, else UTF-16BE with its byte
/// order mark, as a hex string.
pub(crate) fn text_string(text: &str) -> Vec<u8> {
    if text.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        let mut out = Vec::with_capacity(text.len() + 2);
        out.push(b'(');
        for b in text.bytes() {
            if matches!(b, b'(' | b')' | b'\\') {
                out.push(b'\\');
            }
            out.push(b);
        }
        out.push(b')');
        out
    } else {
        let mut out = String::from("<FEFF");
        for unit in text.encode_utf16() {
            out.push_str(&format!("{unit:04X}"));
        }
        out.push('>');
        out.into_bytes()
    }
}

/// The text of a plain literal string such as `(en)`.
pub(crate) fn literal_text(raw: &[u8]) -> Option<String> {
    let inner = raw.strip_prefix(b"(")?.strip_suffix(b")")?;
    if inner
        .iter()
        .any(|&b| matches!(b, b'\\' | b'(' | b')') || !b.is_ascii())
    {
        return None;
    }
    String::from_utf8(inner.to_vec()).ok()
}
