//! Reading PDF tokens: the lexer over the packet bytes.

use crate::object::{Dict, Value};
use std::borrow::Cow;

/// PDF white space.
pub(crate) fn is_space(b: u8) -> bool {
    matches!(b, b'\0' | b'\t' | b'\n' | b'\x0c' | b'\r' | b' ')
}

/// PDF delimiters.
pub(crate) fn is_delimiter(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

pub(crate) fn is_regular(b: u8) -> bool {
    !is_space(b) && !is_delimiter(b)
}

/// A cursor over the file's bytes.
pub(crate) struct Lexer<'a> {
    pub(crate) data: &'a [u8],
    pub(crate) pos: usize,
}

impl<'a> Lexer<'a> {
    /// A cursor at `pos`, or at the end if `pos` is beyond it (offsets come
    /// from the file and are not trusted).
    pub(crate) fn at(data: &'a [u8], pos: usize) -> Self {
        Lexer {
            data,
            pos: pos.min(data.len()),
        }
    }

    pub(crate) fn skip_space(&mut self) {
        while let Some(&b) = self.data.get(self.pos) {
            if is_space(b) {
                self.pos += 1;
            } else if b == b'%' {
                while self
                    .data
                    .get(self.pos)
                    .is_some_and(|&b| b != b'\n' && b != b'\r')
                {
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
    }

    /// A run of regular characters (a number, keyword or name body).
    pub(crate) fn word(&mut self) -> &'a [u8] {
        let start = self.pos;
        while self.data.get(self.pos).is_some_and(|&b| is_regular(b)) {
            self.pos += 1;
        }
        &self.data[start..self.pos]
    }

    pub(crate) fn eat(&mut self, token: &[u8]) -> bool {
        if self
            .data
            .get(self.pos..)
            .is_some_and(|rest| rest.starts_with(token))
        {
            self.pos += token.len();
            true
        } else {
            false
        }
    }

    pub(crate) fn value(&mut self, depth: usize) -> Option<Value<'a>> {
        if depth > 64 {
            return None;
        }
        self.skip_space();
        let start = self.pos;
        match *self.data.get(self.pos)? {
            b'/' => {
                self.pos += 1;
                Some(Value::Name(Cow::Borrowed(self.word())))
            }
            b'[' => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_space();
                    if self.eat(b"]") {
                        return Some(Value::Array(items));
                    }
                    items.push(self.value(depth + 1)?);
                }
            }
            b'<' if self.data.get(self.pos + 1) == Some(&b'<') => {
                self.pos += 2;
                let mut dict = Dict::default();
                loop {
                    self.skip_space();
                    if self.eat(b">>") {
                        return Some(Value::Dict(dict));
                    }
                    if !self.eat(b"/") {
                        return None;
                    }
                    let key = self.word();
                    let value = self.value(depth + 1)?;
                    dict.0.push((Cow::Borrowed(key), value));
                }
            }
            b'<' => {
                let end = start + self.data[start..].iter().position(|&b| b == b'>')?;
                self.pos = end + 1;
                Some(Value::Raw(Cow::Borrowed(&self.data[start..self.pos])))
            }
            b'(' => {
                let mut level = 0usize;
                loop {
                    match *self.data.get(self.pos)? {
                        b'\\' => self.pos += 1,
                        b'(' => level += 1,
                        b')' => {
                            level -= 1;
                            if level == 0 {
                                self.pos += 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                    self.pos += 1;
                }
                Some(Value::Raw(Cow::Borrowed(&self.data[start..self.pos])))
            }
            b if is_regular(b) => {
                let word = self.word();
                if word.is_empty() {
                    return None;
                }
                // `N 0 R` is a reference; anything else a number or keyword.
                if word.iter().all(u8::is_ascii_digit) {
                    let after = self.pos;
                    self.skip_space();
                    let generation = self.word();
                    self.skip_space();
                    if !generation.is_empty()
                        && generation.iter().all(u8::is_ascii_digit)
                        && self.data.get(self.pos) == Some(&b'R')
                        && self.data.get(self.pos + 1).is_none_or(|&b| !is_regular(b))
                    {
                        if generation != b"0" {
                            return None;
                        }
                        self.pos += 1;
                        return Some(Value::Ref(std::str::from_utf8(word).ok()?.parse().ok()?));
                    }
                    self.pos = after;
                }
                Some(Value::Raw(Cow::Borrowed(word)))
            }
            _ => None,
        }
    }
}
