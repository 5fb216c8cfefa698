//! Registry tokens: ES256 JWTs as the Docker token-authentication spec
//! describes them (token.md, jwt.md), signed with a key from configuration or
//! from the database, so every replica signs and verifies with the same one.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use berth_http::Failure;
use berth_platform::Platform;
use jsonwebtoken::{Algorithm, DecodingKey, Header, Validation};
use rustls_pki_types::PrivatePkcs8KeyDer;
use rustls_pki_types::pem::PemObject;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use crate::domain::scope::AccessEntry;
use crate::store::keys;

/// `iss` of every token Berth signs.
pub const ISSUER: &str = "berth-token-issuer";
/// `service` and `aud`: what the registry calls itself in its challenge.
pub const SERVICE: &str = "berth";
const ALGORITHM_NAME: &str = "ES256";
/// Clock skew tolerated on `exp` and `nbf`.
const LEEWAY_SECS: u64 = 10;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub exp: i64,
    pub nbf: i64,
    pub iat: i64,
    pub jti: String,
    pub access: Vec<AccessEntry>,
    /// Our private claim: the id of each project the token grants something
    /// in, at issuance. A project deleted and created again under the same
    /// name has a new id, so old tokens do not reach it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub projects: BTreeMap<String, i64>,
    /// Our private claim on catalog tokens: who holds the token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub holder: Option<crate::principal::Holder>,
}

impl Claims {
    /// Whether the token grants `action` on `repository` at all.
    pub fn grants(&self, repository: &str, action: &str) -> bool {
        self.access.iter().any(|entry| {
            entry.resource_type == "repository"
                && entry.name == repository
                && entry.actions.iter().any(|a| a == action || a == "*")
        })
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("token is malformed")]
    Malformed,
    #[error("token was not signed by a key of this registry")]
    UnknownKey,
    #[error("token is invalid: {0}")]
    Invalid(String),
}

struct Verifier {
    key: DecodingKey,
}

/// The active signing key and every key whose tokens still verify.
pub struct TokenKeys {
    kid: String,
    /// Parsed once: jsonwebtoken's signing key re-parses its PKCS#8 bytes
    /// on every signature, a quarter of a token's signing cost.
    signing: EcdsaKeyPair,
    verifiers: HashMap<String, Verifier>,
    ttl: Duration,
    /// Tokens whose signature already checked out. A client sends the same
    /// token with every request of a pull or push, and the signature check
    /// is most of a cached manifest GET's cost. Keyed by the SHA-256 of the
    /// whole token, so a hit is exactly a token seen before; its time window
    /// is still checked on every use.
    verified: std::sync::Mutex<HashMap<[u8; 32], std::sync::Arc<Claims>>>,
}

/// Verified tokens held at most; a full cache is emptied, since live
/// clients come back with their token at once.
const VERIFIED_TOKENS: usize = 10_000;
/// The longest token remembered; ours are well under 1 KiB for a few
/// scopes. Bounds the cache at a few tens of MiB.
const CACHED_TOKEN_BYTES: usize = 4096;

fn key_id(public_key: &[u8]) -> String {
    hex::encode(&Sha256::digest(public_key)[..12])
}

fn key_pair(pkcs8: &[u8]) -> Result<EcdsaKeyPair, Failure> {
    EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8).map_err(|e| {
        Failure::internal(format!(
            "token signing key is not a PKCS#8 EC P-256 key: {e}"
        ))
    })
}

/// Checks the key named by `BERTH_TOKEN_KEY` so a bad one stops start-up
/// with a clear message instead of failing the first `docker login`.
pub fn check_configured_key(path: &std::path::Path) -> Result<(), String> {
    let der = PrivatePkcs8KeyDer::from_pem_file(path).map_err(|e| {
        format!(
            "BERTH_TOKEN_KEY {}: not a PKCS#8 PEM private key ({e})",
            path.display()
        )
    })?;
    let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, der.secret_pkcs8_der()).map_err(|_| {
        format!(
            "BERTH_TOKEN_KEY {}: expected an EC P-256 key (openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256)",
            path.display()
        )
    })?;
    match published_as(pair.public_key().as_ref()) {
        Some(source) => Err(format!(
            "BERTH_TOKEN_KEY {}: this key is published ({source}), so anyone could sign tokens; generate your own",
            path.display()
        )),
        None => Ok(()),
    }
}

/// P-256 keys printed in specifications and copied into projects as
/// "development" keys: (where, x, y), base64url as the documents give them.
const PUBLISHED_KEYS: &[(&str, &str, &str)] = &[
    (
        "RFC 7515 appendix A.3",
        "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
        "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
    ),
    (
        "RFC 7517 appendix A.2",
        "MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4",
        "4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM",
    ),
];

/// Where an uncompressed public point (`04 || x || y`) was published.
fn published_as(public_point: &[u8]) -> Option<&'static str> {
    use base64::Engine;
    let decode = |s: &str| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(s)
            .unwrap_or_default()
    };
    PUBLISHED_KEYS.iter().find_map(|(source, x, y)| {
        let mut point = vec![4u8];
        point.extend(decode(x));
        point.extend(decode(y));
        (point == public_point).then_some(*source)
    })
}

impl TokenKeys {
    pub async fn load(platform: &Platform) -> Result<TokenKeys, Failure> {
        let ttl = platform.config().identity.token_ttl;
        if let Some(path) = &platform.config().token_key {
            let der = PrivatePkcs8KeyDer::from_pem_file(path).map_err(|e| {
                Failure::internal(format!("cannot read token key {}: {e}", path.display()))
            })?;
            return Self::from_pkcs8(&[(der.secret_pkcs8_der().to_vec(), true)], ttl);
        }
        let mut conn = platform.db().acquire().await?;
        let mut rows = keys::list_keys(&mut conn).await?;
        if !rows.iter().any(|k| k.active) {
            let pkcs8 = EcdsaKeyPair::generate_pkcs8(
                &ECDSA_P256_SHA256_FIXED_SIGNING,
                &SystemRandom::new(),
            )
            .map_err(|e| Failure::internal(format!("generating a token key failed: {e}")))?;
            let kid = key_id(key_pair(pkcs8.as_ref())?.public_key().as_ref());
            // Replicas racing here agree on whichever key was stored first.
            keys::insert_first_key(&mut conn, &kid, ALGORITHM_NAME, pkcs8.as_ref()).await?;
            rows = keys::list_keys(&mut conn).await?;
            tracing::info!("generated the registry token signing key");
        }
        let material: Vec<(Vec<u8>, bool)> = rows
            .into_iter()
            .map(|k| (k.private_key, k.active))
            .collect();
        Self::from_pkcs8(&material, ttl)
    }

    fn from_pkcs8(material: &[(Vec<u8>, bool)], ttl: Duration) -> Result<TokenKeys, Failure> {
        let mut verifiers = HashMap::new();
        let mut active = None;
        for (pkcs8, is_active) in material {
            let pair = key_pair(pkcs8)?;
            let public = pair.public_key().as_ref();
            let kid = key_id(public);
            verifiers.insert(
                kid.clone(),
                Verifier {
                    key: DecodingKey::from_ec_der(public),
                },
            );
            if *is_active {
                active = Some((kid, key_pair(pkcs8)?));
            }
        }
        let (kid, signing) =
            active.ok_or_else(|| Failure::internal("no active token signing key"))?;
        Ok(TokenKeys {
            kid,
            signing,
            verifiers,
            ttl,
            verified: Default::default(),
        })
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Signs a token for `subject` granting exactly `access`.
    pub fn issue(
        &self,
        subject: &str,
        access: Vec<AccessEntry>,
        projects: BTreeMap<String, i64>,
        holder: Option<crate::principal::Holder>,
        now: i64,
    ) -> Result<(String, Claims), Failure> {
        let claims = Claims {
            iss: ISSUER.to_owned(),
            sub: subject.to_owned(),
            aud: SERVICE.to_owned(),
            exp: now + self.ttl.as_secs() as i64,
            nbf: now,
            iat: now,
            jti: uuid::Uuid::new_v4().to_string(),
            access,
            projects,
            holder,
        };
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.kid.clone());
        let token = self.sign(&header, &claims)?;
        Ok((token, claims))
    }

    /// A JWS in compact form: ES256's signature is the fixed-length `r || s`
    /// that the FIXED signing algorithm produces.
    fn sign(&self, header: &Header, claims: &impl serde::Serialize) -> Result<String, Failure> {
        use base64::Engine;
        let encode =
            |value: Vec<u8>| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value);
        let header = serde_json::to_vec(header).map_err(Failure::internal)?;
        let claims = serde_json::to_vec(claims).map_err(Failure::internal)?;
        let message = format!("{}.{}", encode(header), encode(claims));
        let signature = self
            .signing
            .sign(&SystemRandom::new(), message.as_bytes())
            .map_err(|_| Failure::internal("token signing failed"))?;
        Ok(format!("{message}.{}", encode(signature.as_ref().to_vec())))
    }

    /// Verifies signature, algorithm, issuer, audience and validity window.
    /// The key is chosen by `kid` among our own keys only: a key, URL or
    /// certificate carried in the token's header is never used.
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        // Long tokens (a client can ask for any number of scopes) are
        // verified every time rather than held.
        let key: Option<[u8; 32]> =
            (token.len() <= CACHED_TOKEN_BYTES).then(|| Sha256::digest(token.as_bytes()).into());
        let known = key.and_then(|key| self.verified_tokens().get(&key).cloned());
        if let Some(claims) = known {
            let now = chrono::Utc::now().timestamp();
            let leeway = LEEWAY_SECS as i64;
            if claims.exp + leeway > now && claims.nbf - leeway <= now {
                return Ok(Claims::clone(&claims));
            }
            return Err(TokenError::Invalid("the token has expired".into()));
        }
        let claims = self.verify_signature(token)?;
        if let Some(key) = key {
            let mut verified = self.verified_tokens();
            if verified.len() >= VERIFIED_TOKENS {
                verified.clear();
            }
            verified.insert(key, std::sync::Arc::new(claims.clone()));
        }
        Ok(claims)
    }

    fn verified_tokens(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<[u8; 32], std::sync::Arc<Claims>>> {
        self.verified.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn verify_signature(&self, token: &str) -> Result<Claims, TokenError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| TokenError::Malformed)?;
        if header.alg != Algorithm::ES256 {
            return Err(TokenError::Invalid(format!(
                "algorithm {:?} is not accepted",
                header.alg
            )));
        }
        let verifier = header
            .kid
            .as_deref()
            .and_then(|kid| self.verifiers.get(kid))
            .ok_or(TokenError::UnknownKey)?;
        let mut validation = Validation::new(Algorithm::ES256);
        validation.leeway = LEEWAY_SECS;
        validation.validate_nbf = true;
        validation.set_audience(&[SERVICE]);
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "nbf", "iat", "aud", "iss", "sub"]);
        jsonwebtoken::decode::<Claims>(token, &verifier.key, &validation)
            .map(|data| data.claims)
            .map_err(|e| TokenError::Invalid(e.to_string()))
    }
}

/// The registry's check of one action on one repository: the token must
/// grant it, and the repository's project must be the very project the token
/// was issued for (same name and same id), so a deleted and recreated
/// project cannot be reached with a token minted before.
pub async fn allows(
    conn: &mut sqlx::PgConnection,
    claims: &Claims,
    repository: &berth_types::RepositoryName,
    action: &str,
) -> Result<bool, Failure> {
    if !claims.grants(repository.as_str(), action) {
        return Ok(false);
    }
    let project = repository.project();
    if !claims.projects.contains_key(project.as_str()) {
        return Ok(false);
    }
    let current = crate::store::projects::find_project_by_name(conn, project.as_str()).await?;
    Ok(allows_in(claims, repository, action, current.map(|p| p.id)))
}

/// [`allows`] for a caller that already knows the id the repository's
/// project has now (`None`: there is no such project).
pub fn allows_in(
    claims: &Claims,
    repository: &berth_types::RepositoryName,
    action: &str,
    current_project: Option<i64>,
) -> bool {
    claims.grants(repository.as_str(), action)
        && claims
            .projects
            .get(repository.project().as_str())
            .is_some_and(|issued_for| current_project == Some(*issued_for))
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    fn keys() -> TokenKeys {
        let pkcs8 =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
                .unwrap();
        TokenKeys::from_pkcs8(&[(pkcs8.as_ref().to_vec(), true)], Duration::from_secs(300)).unwrap()
    }

    fn now() -> i64 {
        chrono::Utc::now().timestamp()
    }

    fn pull(name: &str) -> Vec<AccessEntry> {
        vec![AccessEntry {
            resource_type: "repository".into(),
            name: name.into(),
            actions: vec!["pull".into()],
        }]
    }

    /// Re-signs arbitrary claims with `keys`, to forge tokens that differ from
    /// a good one in one respect.
    fn sign(keys: &TokenKeys, claims: &Claims) -> String {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(keys.kid.clone());
        keys.sign(&header, claims).unwrap()
    }

    #[test]
    fn issued_tokens_verify_and_carry_what_was_granted() {
        let keys = keys();
        let (token, claims) = keys
            .issue("alice", pull("library/app"), BTreeMap::new(), None, now())
            .unwrap();
        let verified = keys.verify(&token).unwrap();
        assert_eq!(verified, claims);
        assert_eq!(verified.exp - verified.iat, 300);
        assert_eq!(verified.aud, SERVICE);
    }

    #[test]
    fn tokens_from_another_key_are_refused_even_with_our_kid() {
        let ours = keys();
        let theirs = keys();
        let (_, claims) = ours
            .issue("alice", pull("library/app"), BTreeMap::new(), None, now())
            .unwrap();
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(ours.kid.clone());
        let forged = theirs.sign(&header, &claims).unwrap();
        assert!(matches!(ours.verify(&forged), Err(TokenError::Invalid(_))));
        let (foreign, _) = theirs
            .issue("alice", pull("library/app"), BTreeMap::new(), None, now())
            .unwrap();
        assert_eq!(ours.verify(&foreign), Err(TokenError::UnknownKey));
    }

    #[test]
    fn alg_none_and_hmac_tokens_are_refused() {
        let keys = keys();
        let (token, _) = keys
            .issue("alice", pull("library/app"), BTreeMap::new(), None, now())
            .unwrap();
        let payload = token.split('.').nth(1).unwrap();
        for alg in ["none", "HS256", "RS256"] {
            let header = URL_SAFE_NO_PAD.encode(format!(
                r#"{{"alg":"{alg}","typ":"JWT","kid":"{}"}}"#,
                keys.kid
            ));
            let forged = format!("{header}.{payload}.");
            assert!(keys.verify(&forged).is_err(), "{alg}");
        }
        // HS256 keyed with public material: the classic confusion attack.
        let hs_key = jsonwebtoken::EncodingKey::from_secret(keys.kid.as_bytes());
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(keys.kid.clone());
        let (_, claims) = keys
            .issue("alice", pull("library/app"), BTreeMap::new(), None, now())
            .unwrap();
        let forged = jsonwebtoken::encode(&header, &claims, &hs_key).unwrap();
        assert!(keys.verify(&forged).is_err());
    }

    #[test]
    fn embedded_keys_in_the_header_are_ignored() {
        let ours = keys();
        let attacker = keys();
        let (_, claims) = ours
            .issue("alice", pull("library/app"), BTreeMap::new(), None, now())
            .unwrap();
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(ours.kid.clone());
        header.jku = Some("https://attacker.example/jwks.json".into());
        let forged = attacker.sign(&header, &claims).unwrap();
        assert!(ours.verify(&forged).is_err());
    }

    #[test]
    fn validity_window_and_audience_are_enforced() {
        let keys = keys();
        let (_, good) = keys
            .issue("alice", pull("library/app"), BTreeMap::new(), None, now())
            .unwrap();
        let cases = [
            (
                "expired",
                Claims {
                    exp: now() - LEEWAY_SECS as i64 - 5,
                    ..good.clone()
                },
            ),
            (
                "not yet valid",
                Claims {
                    nbf: now() + LEEWAY_SECS as i64 + 30,
                    ..good.clone()
                },
            ),
            (
                "wrong audience",
                Claims {
                    aud: "other-registry".into(),
                    ..good.clone()
                },
            ),
            (
                "wrong issuer",
                Claims {
                    iss: "someone-else".into(),
                    ..good.clone()
                },
            ),
        ];
        for (what, claims) in cases {
            assert!(keys.verify(&sign(&keys, &claims)).is_err(), "{what}");
        }
        let within_leeway = Claims {
            exp: now() - 2,
            ..good.clone()
        };
        assert!(
            keys.verify(&sign(&keys, &within_leeway)).is_ok(),
            "inside the leeway"
        );
        let nbf_within = Claims {
            nbf: now() + 2,
            ..good
        };
        assert!(
            keys.verify(&sign(&keys, &nbf_within)).is_ok(),
            "nbf inside the leeway"
        );
    }
}
