//! The password policy and argon2id hashing.

use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};
use argon2::{Algorithm, Argon2, Params, Version};

pub use berth_types::password::{POLICY_MESSAGE, meets_policy};

/// argon2id cost settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashParams {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl Default for HashParams {
    /// OWASP's first recommended argon2id configuration.
    fn default() -> Self {
        Self {
            memory_kib: 19 * 1024,
            iterations: 2,
            parallelism: 1,
        }
    }
}

impl HashParams {
    fn hasher(self) -> Argon2<'static> {
        let params = Params::new(self.memory_kib, self.iterations, self.parallelism, None)
            .expect("argon2 parameters are validated by configuration");
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
    }
}

#[derive(Debug, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(String);

/// Hashes with a fresh salt. CPU-heavy: call from the blocking pool.
pub fn hash(password: &str, params: HashParams) -> Result<String, HashError> {
    params
        .hasher()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| HashError(e.to_string()))
}

/// The outcome of checking a password against a stored hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verified {
    No,
    Yes,
    /// Correct, but hashed with other parameters than the configured ones:
    /// the caller should store a fresh hash.
    YesButRehash,
}

/// Verifies in constant time with respect to the password. CPU-heavy: call
/// from the blocking pool.
pub fn verify(password: &str, stored: &str, params: HashParams) -> Verified {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return Verified::No;
    };
    if params
        .hasher()
        .verify_password(password.as_bytes(), &parsed)
        .is_err()
    {
        return Verified::No;
    }
    let current = |name: &str| parsed.params.get_decimal(name);
    let same = parsed.algorithm.as_str() == "argon2id"
        && current("m") == Some(params.memory_kib)
        && current("t") == Some(params.iterations)
        && current("p") == Some(params.parallelism);
    if same {
        Verified::Yes
    } else {
        Verified::YesButRehash
    }
}

/// A hash of a password nobody knows, verified when the user does not exist
/// so that an unknown name takes as long as a wrong password.
pub fn dummy_hash(params: HashParams) -> String {
    hash("berth-dummy-password-for-timing", params).expect("hashing a constant succeeds")
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAST: HashParams = HashParams {
        memory_kib: 1024,
        iterations: 1,
        parallelism: 1,
    };

    #[test]
    fn hashes_verify_and_report_stale_parameters() {
        let stored = hash("Harbor12345", FAST).unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert_eq!(verify("Harbor12345", &stored, FAST), Verified::Yes);
        assert_eq!(verify("harbor12345", &stored, FAST), Verified::No);
        let stronger = HashParams {
            iterations: 2,
            ..FAST
        };
        assert_eq!(
            verify("Harbor12345", &stored, stronger),
            Verified::YesButRehash
        );
        assert_eq!(verify("Harbor12345", "not a hash", FAST), Verified::No);
    }
}
