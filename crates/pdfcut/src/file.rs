//! The packet file: its header, its objects and its trailer, found through the cross-reference table.

use crate::HashMap;
use crate::lexer::Lexer;
use crate::object::{Dict, Object, Value};
use crate::writer::{STREAM_LEVEL, deflate};
use std::borrow::Cow;

/// The packet file: its header and its objects, found through the
/// cross-reference table.
pub(crate) struct File<'a> {
    pub(crate) header: &'a [u8],
    pub(crate) objects: HashMap<u32, Object<'a>>,
    pub(crate) trailer: Dict<'a>,
}

impl<'a> File<'a> {
    pub(crate) fn parse(data: &'a [u8]) -> Option<Self> {
        let tail = data.len().saturating_sub(64);
        let start = tail + find(&data[tail..], b"startxref")?;
        let mut lex = Lexer::at(data, start + 9);
        lex.skip_space();
        let xref: usize = std::str::from_utf8(lex.word()).ok()?.parse().ok()?;
        let mut lex = Lexer::at(data, xref);
        if !lex.eat(b"xref") {
            // A cross-reference stream: not what Typst writes.
            return None;
        }
        let mut offsets = Vec::new();
        loop {
            lex.skip_space();
            if lex.eat(b"trailer") {
                break;
            }
            let first: u32 = std::str::from_utf8(lex.word()).ok()?.parse().ok()?;
            lex.skip_space();
            let count: u32 = std::str::from_utf8(lex.word()).ok()?.parse().ok()?;
            for n in first..first.checked_add(count)? {
                lex.skip_space();
                let offset: usize = std::str::from_utf8(lex.word()).ok()?.parse().ok()?;
                lex.skip_space();
                let generation = lex.word();
                lex.skip_space();
                let kind = lex.word();
                if kind == b"n" {
                    if generation.iter().any(|&b| b != b'0') {
                        return None;
                    }
                    offsets.push((n, offset));
                }
            }
        }
        let Value::Dict(trailer) = lex.value(0)? else {
            return None;
        };
        if trailer.get(b"Encrypt").is_some() || trailer.get(b"Prev").is_some() {
            return None;
        }
        let header_end = offsets.iter().map(|&(_, o)| o).min()?;
        let mut objects = HashMap::with_capacity_and_hasher(offsets.len(), Default::default());
        for (n, offset) in offsets {
            objects.insert(n, read_object(data, offset, n)?);
        }
        Some(File {
            header: data.get(..header_end)?,
            objects,
            trailer,
        })
    }

    /// Makes each stream what the files hold, from what the renderer has
    /// Typst write (`raw_streams`, a patch in vendor/, see
    /// `render::Renderer::export`): every stream krilla would have deflated
    /// at level 6 (page contents, font programs, CMaps) comes uncompressed
    /// and is deflated here at [`STREAM_LEVEL`], once per packet however
    /// many documents share it. The XMP metadata stays readable, as PDF/A
    /// wants it. A stream that has a filter already (the ICC profile, an
    /// image a clinic template places) is left as it is.
    pub(crate) fn finish_streams(&mut self) -> Option<()> {
        for object in self.objects.values_mut() {
            let (Value::Dict(dict), Some(data)) = (&mut object.value, &object.stream) else {
                continue;
            };
            if dict.get(b"Filter").is_some()
                || dict.get(b"DecodeParms").is_some()
                || dict.name(b"Type") == Some(b"Metadata")
            {
                continue;
            }
            let finished = deflate(&[data], STREAM_LEVEL)?;
            dict.set(b"Filter", Value::Name(Cow::Borrowed(b"FlateDecode")));
            dict.set(b"Length", Value::number(finished.len() as i64));
            object.stream = Some(Cow::Owned(finished));
        }
        Some(())
    }

    pub(crate) fn get(&self, n: u32) -> Option<&Object<'a>> {
        self.objects.get(&n)
    }

    pub(crate) fn dict(&self, n: u32) -> Option<&Dict<'a>> {
        self.get(n)?.dict()
    }

    /// A value that may be given directly or through a reference.
    pub(crate) fn resolve<'v>(&'v self, value: &'v Value<'a>) -> Option<&'v Value<'a>> {
        match value {
            Value::Ref(r) => Some(&self.get(*r)?.value),
            v => Some(v),
        }
    }
}

pub(crate) fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Reads `n 0 obj ... endobj` at `offset`.
pub(crate) fn read_object(data: &[u8], offset: usize, n: u32) -> Option<Object<'_>> {
    let mut lex = Lexer::at(data, offset);
    let number: u32 = std::str::from_utf8(lex.word()).ok()?.parse().ok()?;
    lex.skip_space();
    let generation = lex.word();
    lex.skip_space();
    if number != n || generation != b"0" || !lex.eat(b"obj") {
        return None;
    }
    let value = lex.value(0)?;
    lex.skip_space();
    let stream = if lex.eat(b"stream") {
        // The keyword is followed by CRLF or LF, then exactly /Length bytes.
        if !lex.eat(b"\r\n") && !lex.eat(b"\n") {
            return None;
        }
        let Value::Dict(dict) = &value else {
            return None;
        };
        let length = usize::try_from(dict.int(b"Length")?).ok()?;
        let bytes = data.get(lex.pos..lex.pos.checked_add(length)?)?;
        lex.pos += length;
        lex.skip_space();
        if !lex.eat(b"endstream") {
            return None;
        }
        Some(bytes)
    } else {
        None
    };
    lex.skip_space();
    lex.eat(b"endobj").then_some(Object {
        value,
        stream: stream.map(Cow::Borrowed),
    })
}
