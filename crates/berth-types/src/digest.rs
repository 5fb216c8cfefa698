//! Content digests, as the OCI image spec defines them (descriptor.md,
//! "Digests"): `algorithm ":" encoded`, with the registered algorithms
//! sha256 (64 lowercase hex) and sha512 (128 lowercase hex).

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DigestAlgorithm {
    Sha256,
    Sha512,
}

impl DigestAlgorithm {
    pub const fn as_str(self) -> &'static str {
        match self {
            DigestAlgorithm::Sha256 => "sha256",
            DigestAlgorithm::Sha512 => "sha512",
        }
    }

    const fn hex_len(self) -> usize {
        match self {
            DigestAlgorithm::Sha256 => 64,
            DigestAlgorithm::Sha512 => 128,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DigestError {
    #[error("digest {0:?} is not of the form algorithm:hex")]
    Malformed(String),
    #[error("digest algorithm {0:?} is not supported (sha256 and sha512 are)")]
    UnsupportedAlgorithm(String),
    #[error("digest {0:?} does not have the length or lowercase hex its algorithm requires")]
    BadEncoding(String),
}

/// A validated content digest. The hex is kept lowercase, so equal digests
/// compare equal as strings too.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest {
    algorithm: DigestAlgorithm,
    hex: String,
}

impl Digest {
    pub fn algorithm(&self) -> DigestAlgorithm {
        self.algorithm
    }

    pub fn hex(&self) -> &str {
        &self.hex
    }

    /// Builds a digest from bytes a hasher produced.
    pub fn from_raw(algorithm: DigestAlgorithm, raw: &[u8]) -> Result<Self, DigestError> {
        let hex: String = raw.iter().map(|b| format!("{b:02x}")).collect();
        if hex.len() != algorithm.hex_len() {
            return Err(DigestError::BadEncoding(format!(
                "{}:{hex}",
                algorithm.as_str()
            )));
        }
        Ok(Self { algorithm, hex })
    }
}

impl FromStr for Digest {
    type Err = DigestError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (algorithm, encoded) = s
            .split_once(':')
            .ok_or_else(|| DigestError::Malformed(s.to_owned()))?;
        let algorithm = match algorithm {
            "sha256" => DigestAlgorithm::Sha256,
            "sha512" => DigestAlgorithm::Sha512,
            other
                if !other.is_empty()
                    && other.bytes().all(|b| {
                        b.is_ascii_lowercase() || b.is_ascii_digit() || b"+._-".contains(&b)
                    }) =>
            {
                return Err(DigestError::UnsupportedAlgorithm(other.to_owned()));
            }
            _ => return Err(DigestError::Malformed(s.to_owned())),
        };
        let valid = encoded.len() == algorithm.hex_len()
            && encoded
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !valid {
            return Err(DigestError::BadEncoding(s.to_owned()));
        }
        Ok(Self {
            algorithm,
            hex: encoded.to_owned(),
        })
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.algorithm.as_str(), self.hex)
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({self})")
    }
}

impl serde::Serialize for Digest {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Digest {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const EMPTY_SHA256: &str =
        "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    #[test]
    fn parses_registered_algorithms() {
        let digest: Digest = EMPTY_SHA256.parse().unwrap();
        assert_eq!(digest.algorithm(), DigestAlgorithm::Sha256);
        assert_eq!(digest.to_string(), EMPTY_SHA256);
        let sha512 = format!("sha512:{}", "ab".repeat(64));
        assert_eq!(
            sha512.parse::<Digest>().unwrap().algorithm(),
            DigestAlgorithm::Sha512
        );
    }

    #[test]
    fn refuses_what_the_spec_refuses() {
        let cases = [
            ("", DigestError::Malformed(String::new())),
            ("sha256", DigestError::Malformed("sha256".into())),
            (
                "md5:d41d8cd98f00b204e9800998ecf8427e",
                DigestError::UnsupportedAlgorithm("md5".into()),
            ),
            (
                &EMPTY_SHA256.to_uppercase(),
                DigestError::Malformed(EMPTY_SHA256.to_uppercase()),
            ),
            (
                &EMPTY_SHA256[..70],
                DigestError::BadEncoding(EMPTY_SHA256[..70].into()),
            ),
            (
                "sha256:../../etc/passwd",
                DigestError::BadEncoding("sha256:../../etc/passwd".into()),
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(input.parse::<Digest>(), Err(expected), "{input:?}");
        }
        let upper_hex = format!("sha256:{}", EMPTY_SHA256[7..].to_uppercase());
        assert!(matches!(
            upper_hex.parse::<Digest>(),
            Err(DigestError::BadEncoding(_))
        ));
    }

    #[test]
    fn serde_round_trips_through_the_string_form() {
        let digest: Digest = EMPTY_SHA256.parse().unwrap();
        let json = serde_json::to_string(&digest).unwrap();
        assert_eq!(json, format!("\"{EMPTY_SHA256}\""));
        assert_eq!(serde_json::from_str::<Digest>(&json).unwrap(), digest);
        assert!(serde_json::from_str::<Digest>("\"sha256:zz\"").is_err());
    }

    proptest! {
        #[test]
        fn raw_bytes_round_trip(bytes in proptest::collection::vec(any::<u8>(), 32)) {
            let digest = Digest::from_raw(DigestAlgorithm::Sha256, &bytes).unwrap();
            prop_assert_eq!(digest.to_string().parse::<Digest>().unwrap(), digest);
        }

        #[test]
        fn arbitrary_input_never_panics(input in ".{0,200}") {
            let _ = input.parse::<Digest>();
        }
    }
}
