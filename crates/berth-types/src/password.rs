//! The password policy, shared by the API (user passwords, robot secrets)
//! and configuration (the initial administrator password).

/// Harbor's rule, word for word, so scripts that match on it keep working.
pub const POLICY_MESSAGE: &str = "the password or secret must be 8-128, inclusively, characters long with at least 1 uppercase letter, 1 lowercase letter and 1 number";

/// 8–128 bytes with at least one lowercase letter, one uppercase letter and
/// one digit.
pub fn meets_policy(password: &str) -> bool {
    (8..=128).contains(&password.len())
        && password.bytes().any(|b| b.is_ascii_lowercase())
        && password.bytes().any(|b| b.is_ascii_uppercase())
        && password.bytes().any(|b| b.is_ascii_digit())
}

/// Defaults published in other registries' documentation, which scanners and
/// attackers try first. Compared case-insensitively.
const WELL_KNOWN_DEFAULTS: &[&str] = &[
    "harbor12345",
    "admin",
    "admin123",
    "admin12345",
    "password",
    "password1",
    "changeme",
    "changeme123",
    "berth12345",
];

pub fn is_well_known_default(password: &str) -> bool {
    WELL_KNOWN_DEFAULTS
        .iter()
        .any(|d| d.eq_ignore_ascii_case(password))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_is_harbors() {
        assert!(meets_policy("Harbor12345"));
        assert!(meets_policy(&format!("Aa1{}", "x".repeat(125))));
        for bad in [
            "Short1A",
            "alllowercase1",
            "ALLUPPERCASE1",
            "NoDigitsHere",
            &format!("Aa1{}", "x".repeat(126)),
        ] {
            assert!(!meets_policy(bad), "{bad}");
        }
    }

    #[test]
    fn published_defaults_are_recognised_in_any_case() {
        assert!(is_well_known_default("Harbor12345"));
        assert!(is_well_known_default("HARBOR12345"));
        assert!(!is_well_known_default("Harbor12345-but-mine"));
    }
}
