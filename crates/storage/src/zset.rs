//! The zset type: its small (compact) and large encodings.
//! (The owner of this file replaces this first version with the real encodings.)

/// A zset value.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ZSet {
    len: usize,
}

impl ZSet {
    pub fn new() -> ZSet {
        ZSet::default()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The encoding name OBJECT ENCODING reports.
    pub fn encoding(&self) -> &'static str {
        "listpack"
    }
}
