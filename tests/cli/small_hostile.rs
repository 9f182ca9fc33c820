//! The smaller hostile cases of issue 25: long JSON keys, a leading byte
//! order mark, a closed standard output, long unbroken values, private-use
//! characters.
