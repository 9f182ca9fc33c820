//! PDF values and objects as the packet writes them: numbers, strings, booleans and `null` keep their exact bytes.

use std::borrow::Cow;

/// A PDF value as written. Numbers, strings, booleans and `null` keep their
/// exact bytes, so copying an object never changes a digit.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Value<'a> {
    /// An indirect reference (generation 0; Typst writes no other).
    Ref(u32),
    /// A name, without its slash.
    Name(Cow<'a, [u8]>),
    /// A number, string, boolean or `null`, exactly as written.
    Raw(Cow<'a, [u8]>),
    Array(Vec<Value<'a>>),
    Dict(Dict<'a>),
}

/// A dictionary, its entries in written order.
#[derive(Clone, Debug, PartialEq, Default)]
pub(crate) struct Dict<'a>(pub(crate) Vec<(Cow<'a, [u8]>, Value<'a>)>);

impl<'a> Dict<'a> {
    pub(crate) fn get(&self, key: &[u8]) -> Option<&Value<'a>> {
        self.0
            .iter()
            .find(|(k, _)| k.as_ref() == key)
            .map(|(_, v)| v)
    }

    pub(crate) fn set(&mut self, key: &'static [u8], value: Value<'a>) {
        match self.0.iter_mut().find(|(k, _)| k.as_ref() == key) {
            Some((_, v)) => *v = value,
            None => self.0.push((Cow::Borrowed(key), value)),
        }
    }

    pub(crate) fn remove(&mut self, key: &[u8]) {
        self.0.retain(|(k, _)| k.as_ref() != key);
    }

    pub(crate) fn keys(&self) -> impl Iterator<Item = &[u8]> {
        self.0.iter().map(|(k, _)| k.as_ref())
    }

    pub(crate) fn name(&self, key: &[u8]) -> Option<&[u8]> {
        self.get(key)?.name()
    }

    pub(crate) fn reference(&self, key: &[u8]) -> Option<u32> {
        match self.get(key)? {
            Value::Ref(r) => Some(*r),
            _ => None,
        }
    }

    pub(crate) fn int(&self, key: &[u8]) -> Option<i64> {
        self.get(key)?.int()
    }
}

impl Value<'_> {
    pub(crate) fn name(&self) -> Option<&[u8]> {
        match self {
            Value::Name(n) => Some(n),
            _ => None,
        }
    }

    pub(crate) fn int(&self) -> Option<i64> {
        match self {
            Value::Raw(raw) => std::str::from_utf8(raw).ok()?.parse().ok(),
            _ => None,
        }
    }

    pub(crate) fn number(n: i64) -> Self {
        Value::Raw(Cow::Owned(n.to_string().into_bytes()))
    }

    /// Every reference inside this value, in written order.
    pub(crate) fn refs(&self, out: &mut Vec<u32>) {
        match self {
            Value::Ref(r) => out.push(*r),
            Value::Array(items) => items.iter().for_each(|v| v.refs(out)),
            Value::Dict(dict) => dict.0.iter().for_each(|(_, v)| v.refs(out)),
            Value::Name(_) | Value::Raw(_) => {}
        }
    }
}

/// One indirect object: a value, and the stream data after it if any.
#[derive(Clone, Debug)]
pub(crate) struct Object<'a> {
    pub(crate) value: Value<'a>,
    pub(crate) stream: Option<Cow<'a, [u8]>>,
}

impl<'a> Object<'a> {
    pub(crate) fn dict(&self) -> Option<&Dict<'a>> {
        match &self.value {
            Value::Dict(d) => Some(d),
            _ => None,
        }
    }
}
