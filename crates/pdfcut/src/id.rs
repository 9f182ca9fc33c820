//! Document IDs, hashed as Typst's PDF writer hashes them.

use std::hash::{Hash, Hasher};

/// Hashes as Typst's PDF writer (krilla) does, so a document's ID is the
/// one a separate export of it would have: SipHash-1-3, 128 bits, `usize`
/// written as `u64`, base64 of the big-endian bytes.
pub(crate) struct StableHasher(pub(crate) siphasher::sip128::SipHasher13);

impl Hasher for StableHasher {
    fn finish(&self) -> u64 {
        self.0.finish()
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0.write(bytes);
    }
    fn write_usize(&mut self, i: usize) {
        self.0.write_u64(i as u64);
    }
}

pub(crate) fn hash_base64<T: Hash + ?Sized>(value: &T) -> String {
    use base64::Engine as _;
    use siphasher::sip128::Hasher128 as _;
    let mut state = StableHasher(siphasher::sip128::SipHasher13::new());
    value.hash(&mut state);
    base64::engine::general_purpose::STANDARD.encode(state.0.finish128().as_u128().to_be_bytes())
}

/// The document ID Typst's writer gives a PDF 1.7 file exported with this
/// `ident`.
pub(crate) fn document_id(ident: &str) -> String {
    hash_base64(&("PDF 1.7", ident))
}
