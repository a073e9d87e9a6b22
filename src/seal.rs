//! Seals what onboarder writes where people can edit it (an issue's state block, a dashboard's
//! record, the run lock's description), so that what grants power there is onboarder's own: an
//! HMAC-SHA256 under a key only the CI job holds, bound to the place it was written for, so a
//! block copied to another issue fails. Pure: the key comes in from the shell.

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The CI/CD variable that holds the key (masked and protected). Other tooling and the CI/CD
/// component depend on this exact name.
pub const KEY_VAR: &str = "ONBOARDER_STATE_KEY";
/// The key being rotated out: blocks sealed with it still verify; new ones use the current key.
pub const PREVIOUS_KEY_VAR: &str = "ONBOARDER_STATE_KEY_PREVIOUS";
/// A shorter key is refused: 32 characters of `openssl rand -hex 32` carry 128 bits and more.
pub const MIN_KEY_CHARS: usize = 32;

/// How to make a key, for every message that asks for one.
pub const HOW_TO_MAKE_ONE: &str = "make one with `openssl rand -hex 32` and store it as the masked, protected CI/CD variable ONBOARDER_STATE_KEY (docs/threat-model.md)";

/// Where a sealed text was written: the project's id, the issue's iid (0 before GitLab gave it
/// one, at creation) and the issue's key (or, for the run lock, the label's name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place<'a> {
    pub project_id: u64,
    pub iid: u64,
    pub key: &'a str,
}

/// The keys a run seals and verifies with, or none (a `plan` that cannot see the key reads every
/// block as if it were onboarder's, and says so).
#[derive(Clone)]
pub struct Seal {
    /// The current key first, then the previous one.
    keys: Vec<Vec<u8>>,
}

impl fmt::Debug for Seal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Seal({} key(s), <redacted>)", self.keys.len())
    }
}

type HmacSha256 = Hmac<Sha256>;

impl Seal {
    /// A seal with the current key and, during a rotation, the previous one.
    pub fn new(current: &str, previous: Option<&str>) -> Result<Seal, String> {
        let mut keys = Vec::new();
        for (var, key) in std::iter::once((KEY_VAR, Some(current))).chain([(PREVIOUS_KEY_VAR, previous)]) {
            let Some(key) = key.map(str::trim).filter(|k| !k.is_empty()) else { continue };
            if key.chars().count() < MIN_KEY_CHARS {
                return Err(format!(
                    "{var} is {} characters long; it must have at least {MIN_KEY_CHARS}: {HOW_TO_MAKE_ONE}",
                    key.chars().count()
                ));
            }
            keys.push(key.as_bytes().to_vec());
        }
        if keys.is_empty() {
            return Err(format!("{KEY_VAR} is empty: {HOW_TO_MAKE_ONE}"));
        }
        Ok(Seal { keys })
    }

    /// The seal from the environment: `None` when `ONBOARDER_STATE_KEY` is not set.
    pub fn from_env() -> Result<Option<Seal>, String> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        match var(KEY_VAR) {
            Some(current) => Seal::new(&current, var(PREVIOUS_KEY_VAR).as_deref()).map(Some),
            None if var(PREVIOUS_KEY_VAR).is_some() => {
                Err(format!("{PREVIOUS_KEY_VAR} is set but {KEY_VAR} is not: a rotation needs the new key too"))
            }
            None => Ok(None),
        }
    }

    /// No key: nothing is sealed, and every block reads as onboarder's (`plan` only).
    pub const fn unchecked() -> Seal {
        Seal { keys: Vec::new() }
    }

    /// Whether this seal checks anything (a key is set).
    pub fn checks(&self) -> bool {
        !self.keys.is_empty()
    }

    fn mac(key: &[u8], place: &Place, text: &str) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes any key length");
        // Each part is ended by a NUL, which none of them can hold, so parts cannot run together.
        for part in ["onboarder-seal-v1", &place.project_id.to_string(), &place.iid.to_string(), place.key, text] {
            mac.update(part.as_bytes());
            mac.update(&[0]);
        }
        mac
    }

    /// The seal of `text` written at `place` (URL-safe base64), or `None` without a key.
    pub fn sign(&self, place: &Place, text: &str) -> Option<String> {
        let key = self.keys.first()?;
        Some(URL_SAFE_NO_PAD.encode(Seal::mac(key, place, text).finalize().into_bytes()))
    }

    /// Whether `seal` is this run's seal of `text` at `place` (with the current or the previous
    /// key, compared in constant time). Without a key, every text passes: `plan` says it did not
    /// check.
    pub fn verify(&self, place: &Place, text: &str, seal: Option<&str>) -> bool {
        if !self.checks() {
            return true;
        }
        let Some(bytes) = seal.and_then(|s| URL_SAFE_NO_PAD.decode(s).ok()) else { return false };
        self.keys.iter().any(|key| Seal::mac(key, place, text).verify_slice(&bytes).is_ok())
    }

    /// Whether `seal` vouches for `text` at `place`, or at its project and key alone: a block is
    /// sealed at creation before GitLab gives the issue an iid (iid 0), and keeps that seal until
    /// onboarder next writes it.
    pub fn vouches(&self, place: &Place, text: &str, seal: Option<&str>) -> bool {
        self.verify(place, text, seal) || (place.iid != 0 && self.verify(&Place { iid: 0, ..*place }, text, seal))
    }

    /// Whether `text` at `place` was sealed with the previous key only: it verifies, and the next
    /// write seals it with the current one.
    pub fn stale(&self, place: &Place, text: &str, seal: Option<&str>) -> bool {
        self.keys.len() > 1 && self.verify(place, text, seal) && self.sign(place, text).as_deref() != seal
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "0123456789abcdef0123456789abcdef";
    const OLD: &str = "fedcba9876543210fedcba9876543210";

    fn at(iid: u64) -> Place<'static> {
        Place { project_id: 1001, iid, key: "support-learning-path:praman" }
    }

    #[test]
    fn a_seal_verifies_only_where_and_what_it_was_made_for() {
        let seal = Seal::new(KEY, None).unwrap();
        let text = r#"{"v":1,"key":"support-learning-path:praman"}"#;
        let s = seal.sign(&at(7), text).unwrap();
        assert!(seal.verify(&at(7), text, Some(&s)));
        // Copied to another issue, another project or another key, or changed: it fails.
        assert!(!seal.verify(&at(8), text, Some(&s)));
        assert!(!seal.verify(&Place { project_id: 1002, ..at(7) }, text, Some(&s)));
        assert!(!seal.verify(&Place { key: "support-learning-path:other", ..at(7) }, text, Some(&s)));
        assert!(!seal.verify(&at(7), &text.replace("praman", "other"), Some(&s)));
        assert!(!seal.verify(&at(7), text, None), "no seal is no proof");
        assert!(!seal.verify(&at(7), text, Some("not base64 !")));
        // Another key's seal fails.
        let other = Seal::new(OLD, None).unwrap();
        assert!(!other.verify(&at(7), text, Some(&s)));
    }

    #[test]
    fn a_rotation_accepts_the_previous_key_and_seals_with_the_new() {
        let text = "{}";
        let old = Seal::new(OLD, None).unwrap().sign(&at(1), text).unwrap();
        let rotating = Seal::new(KEY, Some(OLD)).unwrap();
        assert!(rotating.verify(&at(1), text, Some(&old)));
        assert!(rotating.stale(&at(1), text, Some(&old)), "the next write seals it anew");
        let new = rotating.sign(&at(1), text).unwrap();
        assert_ne!(new, old);
        assert!(!rotating.stale(&at(1), text, Some(&new)));
        assert!(Seal::new(KEY, None).unwrap().verify(&at(1), text, Some(&new)));
    }

    #[test]
    fn short_or_empty_keys_are_refused_and_the_key_is_never_shown() {
        assert!(Seal::new("short", None).unwrap_err().contains("at least 32"));
        assert!(Seal::new(KEY, Some("short")).unwrap_err().contains(PREVIOUS_KEY_VAR));
        assert!(Seal::new("   ", None).is_err());
        let shown = format!("{:?}", Seal::new(KEY, Some(OLD)).unwrap());
        assert!(!shown.contains(KEY) && !shown.contains(OLD), "{shown}");
    }

    #[test]
    fn without_a_key_nothing_is_sealed_and_everything_reads() {
        let none = Seal::unchecked();
        assert!(!none.checks());
        assert_eq!(none.sign(&at(1), "{}"), None);
        assert!(none.verify(&at(1), "{}", None));
    }
}
