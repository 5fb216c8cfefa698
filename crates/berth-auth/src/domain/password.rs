//! The password policy and argon2id hashing.

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use subtle::ConstantTimeEq;

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

const SALT_BYTES: usize = 16;
const OUTPUT_BYTES: usize = 32;

/// Runs argon2 on memory of its own that goes back to the system as soon as
/// the hash is done. argon2's own allocation goes through malloc, which
/// after the first free keeps blocks of this size in per-thread arenas:
/// the process kept hundreds of MiB after a burst of sign-ins. A capacity
/// above glibc's largest mmap threshold (32 MiB) makes the buffer a mapping
/// of its own, unmapped on drop; only the blocks used are ever touched, so
/// resident memory is the memory cost and no more.
fn with_own_memory<T>(params: &Params, work: impl FnOnce(&mut [Block]) -> T) -> T {
    const ALWAYS_MAPPED: usize = (33 << 20) / std::mem::size_of::<Block>();
    let blocks = params.block_count();
    let mut memory = Vec::with_capacity(blocks.max(ALWAYS_MAPPED));
    memory.resize(blocks, Block::default());
    work(&mut memory)
}

/// Hashes with a fresh salt into a PHC string. CPU-heavy: call from the
/// hashing threads.
pub fn hash(password: &str, params: HashParams) -> Result<String, HashError> {
    let failed = |e: &dyn std::fmt::Display| HashError(e.to_string());
    let argon2 = params.hasher();
    let mut salt = [0u8; SALT_BYTES];
    aws_lc_rs::rand::fill(&mut salt).map_err(|_| HashError("no random salt".into()))?;
    let mut output = [0u8; OUTPUT_BYTES];
    with_own_memory(argon2.params(), |memory| {
        argon2.hash_password_into_with_memory(password.as_bytes(), &salt, &mut output, memory)
    })
    .map_err(|e| failed(&e))?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(argon2.params()).map_err(|e| failed(&e))?,
        salt: Some(Salt::new(&salt).map_err(|e| failed(&e))?),
        hash: Some(Output::new(&output).map_err(|e| failed(&e))?),
    };
    Ok(phc.to_string())
}

/// Recomputes a stored PHC hash for `password` and compares in constant
/// time.
fn matches(password: &str, stored: &PasswordHash) -> Option<bool> {
    let algorithm = Algorithm::try_from(stored.algorithm.as_str()).ok()?;
    let version = match stored.version {
        Some(version) => Version::try_from(version).ok()?,
        None => Version::default(),
    };
    let params = Params::try_from(stored).ok()?;
    let salt = stored.salt.as_ref()?;
    let expected = stored.hash.as_ref()?;
    let argon2 = Argon2::new(algorithm, version, params);
    let mut output = vec![0u8; expected.len()];
    with_own_memory(argon2.params(), |memory| {
        argon2.hash_password_into_with_memory(password.as_bytes(), salt, &mut output, memory)
    })
    .ok()?;
    Some(bool::from(output.ct_eq(expected.as_bytes())))
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
    if matches(password, &parsed) != Some(true) {
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

    /// Hashes stored before hashing ran on its own memory still verify, and
    /// the library reads ours.
    #[test]
    fn agrees_with_the_argon2_crates_own_hashing() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let library = FAST.hasher();
        let theirs = library
            .hash_password(b"Secret-Passw0rd")
            .unwrap()
            .to_string();
        assert_eq!(verify("Secret-Passw0rd", &theirs, FAST), Verified::Yes);
        assert_eq!(verify("Secret-Passw0rd!", &theirs, FAST), Verified::No);
        let ours = hash("Secret-Passw0rd", FAST).unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(library.verify_password(b"Secret-Passw0rd", &parsed).is_ok());
        assert!(
            library
                .verify_password(b"secret-passw0rd", &parsed)
                .is_err()
        );
        assert_ne!(hash("Secret-Passw0rd", FAST).unwrap(), ours, "salts differ");
    }
}
