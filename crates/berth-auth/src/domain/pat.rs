//! Personal access tokens: `berth_pat_<lookup>_<secret>`. The lookup part
//! finds the record without scanning; the whole token is compared by its
//! SHA-256 in constant time.

use rand::RngExt;
use sha2::{Digest, Sha256};

pub const PREFIX: &str = "berth_pat_";

pub struct Minted {
    pub token: String,
    pub lookup: String,
    pub sha256: Vec<u8>,
}

fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    rand::rng().fill(&mut buffer[..]);
    hex::encode(buffer)
}

pub fn mint() -> Minted {
    let lookup = random_hex(8);
    let token = format!("{PREFIX}{lookup}_{}", random_hex(32));
    let sha256 = Sha256::digest(token.as_bytes()).to_vec();
    Minted {
        token,
        lookup,
        sha256,
    }
}

/// The lookup part of something shaped like a token.
pub fn lookup_of(candidate: &str) -> Option<&str> {
    let rest = candidate.strip_prefix(PREFIX)?;
    let (lookup, secret) = rest.split_once('_')?;
    let shaped = lookup.len() == 16
        && secret.len() == 64
        && lookup
            .bytes()
            .chain(secret.bytes())
            .all(|b| b.is_ascii_hexdigit());
    shaped.then_some(lookup)
}

pub fn matches(candidate: &str, stored_sha256: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    let digest = Sha256::digest(candidate.as_bytes());
    digest.len() == stored_sha256.len() && bool::from(digest.as_slice().ct_eq(stored_sha256))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minted_tokens_are_recognisable_and_verify() {
        let minted = mint();
        assert!(minted.token.starts_with("berth_pat_"));
        assert_eq!(lookup_of(&minted.token), Some(minted.lookup.as_str()));
        assert!(matches(&minted.token, &minted.sha256));
        let mut tampered = minted.token.clone();
        tampered.pop();
        tampered.push('0');
        assert!(!matches(&tampered, &minted.sha256) || tampered == minted.token);
        assert_ne!(mint().token, minted.token);
    }

    #[test]
    fn passwords_are_not_mistaken_for_tokens() {
        assert_eq!(lookup_of("Harbor12345"), None);
        assert_eq!(lookup_of("berth_pat_short_x"), None);
        assert_eq!(
            lookup_of(&format!("berth_pat_{}_{}", "g".repeat(16), "0".repeat(64))),
            None
        );
    }
}
