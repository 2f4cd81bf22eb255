//! Signed plans: proof that the plan `apply` runs is the one a trusted `plan` job produced.
//!
//! `apply` re-derives every request from the plan's commit, so an edited request is refused
//! without any key. What re-derivation cannot protect are the plan's *inputs* — target tenant,
//! `--type`/`--only` selection, mappings, `--create-missing` — since the derived requests follow
//! them. A pipeline that plans in one job and applies in another signs the plan with a key only
//! its own jobs hold (`plan --sign-key-env VAR`) and has apply check it (`apply --verify-key-env
//! VAR`): HMAC-SHA256 over [`Plan::canonical`], compared in constant time. See
//! `docs/security.md` for what a plan file can and cannot make apply do.

use super::Plan;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How a signature starts in the plan file.
pub const PREFIX: &str = "hmac-sha256:";

/// Shortest key accepted, in bytes (a key from `openssl rand -hex 32` has 64).
pub const MIN_KEY_BYTES: usize = 32;

/// Why a signature was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    #[error(
        "the plan is not signed (it was made without --sign-key-env); make it again with the key"
    )]
    Unsigned,
    #[error("the plan's signature is not `{PREFIX}<64 hex digits>`")]
    Malformed,
    #[error(
        "the plan's signature does not match: the plan was changed after it was signed, or signed with another key"
    )]
    Mismatch,
}

/// Why a key could not be taken from the environment. Never holds the key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("environment variable {0} is not set (it holds the plan signing key)")]
    Missing(String),
    #[error(
        "the signing key in {var} is {len} bytes; use at least {MIN_KEY_BYTES} (e.g. `openssl rand -hex 32`)"
    )]
    Short { var: String, len: usize },
}

/// A signing key, read from an environment variable. Its bytes never reach output.
pub struct Key(Vec<u8>);

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Key(<redacted>)")
    }
}

impl Key {
    /// The key in environment variable `var`.
    pub fn from_env(var: &str) -> Result<Key, KeyError> {
        let value = crate::env::var(var).ok_or_else(|| KeyError::Missing(var.into()))?;
        Key::new(value.into_bytes(), var)
    }

    pub fn new(bytes: Vec<u8>, var: &str) -> Result<Key, KeyError> {
        if bytes.len() < MIN_KEY_BYTES {
            return Err(KeyError::Short {
                var: var.into(),
                len: bytes.len(),
            });
        }
        Ok(Key(bytes))
    }

    fn mac(&self, plan: &Plan) -> Hmac<Sha256> {
        // HMAC takes keys of any length; `new_from_slice` cannot fail for it.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0)
            .unwrap_or_else(|_| unreachable!("HMAC accepts every key length"));
        mac.update(&plan.canonical());
        mac
    }
}

/// Signs a sealed plan (its hash included in what is signed).
pub fn sign(plan: &mut Plan, key: &Key) {
    let tag = key.mac(plan).finalize().into_bytes();
    plan.signature = Some(format!("{PREFIX}{}", hex::encode(tag)));
}

/// Checks the plan's signature with `key`, in constant time.
pub fn verify(plan: &Plan, key: &Key) -> Result<(), SignError> {
    let Some(sig) = &plan.signature else {
        return Err(SignError::Unsigned);
    };
    let tag = sig
        .strip_prefix(PREFIX)
        .and_then(|h| hex::decode(h).ok())
        .filter(|t| t.len() == 32)
        .ok_or(SignError::Malformed)?;
    key.mac(plan)
        .verify_slice(&tag)
        .map_err(|_| SignError::Mismatch)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan() -> Plan {
        let mut p = crate::plan::unsealed(vec![]);
        p.seal();
        p
    }

    fn key(c: char) -> Key {
        Key::new(c.to_string().repeat(32).into_bytes(), "K").unwrap()
    }

    #[test]
    fn a_signed_plan_verifies_and_keeps_its_hash() {
        let mut p = plan();
        let hash = p.hash.clone();
        sign(&mut p, &key('k'));
        assert!(p.signature.as_deref().unwrap().starts_with(PREFIX));
        assert_eq!(p.content_hash(), hash, "signing does not change the hash");
        assert!(p.is_intact());
        // Through the file and back.
        let again: Plan = serde_json::from_str(&serde_json::to_string_pretty(&p).unwrap()).unwrap();
        assert_eq!(verify(&again, &key('k')), Ok(()));
    }

    #[test]
    fn wrong_key_edited_plan_and_unsigned_plan_are_refused() {
        let mut p = plan();
        assert_eq!(verify(&p, &key('k')), Err(SignError::Unsigned));
        sign(&mut p, &key('k'));
        assert_eq!(verify(&p, &key('x')), Err(SignError::Mismatch));
        let mut edited = p.clone();
        edited.create_missing = true;
        edited.hash = edited.content_hash();
        assert_eq!(verify(&edited, &key('k')), Err(SignError::Mismatch));
        let mut bad = p.clone();
        bad.signature = Some("hmac-sha256:zz".into());
        assert_eq!(verify(&bad, &key('k')), Err(SignError::Malformed));
    }

    #[test]
    fn short_or_missing_keys_are_refused_without_showing_them() {
        let e = Key::new(b"short-canary".to_vec(), "PLAN_KEY").unwrap_err();
        assert!(e.to_string().contains("PLAN_KEY"));
        assert!(!e.to_string().contains("short-canary"));
        let e = Key::from_env("TENANT_ATLAS_TEST_SURELY_UNSET_VAR").unwrap_err();
        assert!(matches!(e, KeyError::Missing(_)));
        assert_eq!(format!("{:?}", key('s')), "Key(<redacted>)");
    }

    #[test]
    fn resealing_drops_a_signature() {
        let mut p = plan();
        sign(&mut p, &key('k'));
        p.seal();
        assert_eq!(p.signature, None);
    }
}
