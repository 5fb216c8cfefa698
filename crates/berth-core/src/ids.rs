//! Ids in paths: positive 64-bit integers, checked when the path is parsed,
//! so a negative, zero, overflowing or quoted id is a 400 before any query.

use serde::{Deserialize, Deserializer};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Id(pub i64);

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse::<i64>()
            .ok()
            .filter(|id| *id > 0)
            .map(Id)
            .ok_or_else(|| {
                serde::de::Error::custom(format!("{text:?} is not a valid id (a positive integer)"))
            })
    }
}

impl std::ops::Deref for Id {
    type Target = i64;

    fn deref(&self) -> &i64 {
        &self.0
    }
}
