//! Secrets at rest and signatures: access tokens are sealed with AES-256-GCM, widget sessions
//! and OAuth `state` are HMAC-SHA256 signed, and webhook signatures are checked in constant time.

use std::path::Path;

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload, rand_core::RngCore};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use anyhow::{Context, bail};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use super::secret::Secret;

type HmacSha256 = Hmac<Sha256>;

/// `n` random bytes from the operating system, base64url-encoded.
pub fn random_token(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    OsRng.fill_bytes(&mut buffer);
    URL_SAFE_NO_PAD.encode(buffer)
}

/// Hex SHA-256, used to find an account by a token without storing the token readably.
pub fn digest(value: &str) -> String {
    hex::encode(Sha256::digest(value.as_bytes()))
}

/// Lowercase hex HMAC-SHA256 of `body` under `key` (Checkr's webhook signature scheme).
pub fn sign_hex(key: &[u8], body: &[u8]) -> String {
    hex::encode(mac(key, body).finalize().into_bytes())
}

fn mac(key: &[u8], body: &[u8]) -> HmacSha256 {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = <HmacSha256 as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC accepts every key length"));
    mac.update(body);
    mac
}

/// Whether `signature_hex` is the HMAC of `body` under `key`, compared in constant time.
/// Anything that is not exactly 64 hex digits is simply not a valid signature.
pub fn verify_hex(key: &[u8], body: &[u8], signature_hex: &str) -> bool {
    let Ok(signature) = hex::decode(signature_hex.trim()) else {
        return false;
    };
    if signature.len() != 32 {
        return false;
    }
    mac(key, body).verify_slice(&signature).is_ok()
}

/// Whether `presented` equals `expected`, without timing revealing how much of it matched
/// (both are run through the same HMAC and the tags compared in constant time).
pub fn same_secret(expected: &Secret, presented: &str) -> bool {
    const CONTEXT: &[u8] = b"bgcheck secret comparison";
    let tag = sign_hex(expected.expose().as_bytes(), CONTEXT);
    verify_hex(presented.as_bytes(), CONTEXT, &tag)
}

/// Signs and checks short self-contained values (`payload.signature`, both base64url).
#[derive(Clone)]
pub struct Signer {
    key: Secret,
}

impl Signer {
    /// A signer with this key.
    pub fn new(key: Secret) -> Self {
        Self { key }
    }

    /// A signer whose key is derived from `secret` for one `purpose` only, so a value signed
    /// for one purpose (a widget session, say) never verifies as another (an OAuth state).
    pub fn derived(secret: &Secret, purpose: &str) -> Self {
        let context = format!("bgcheck/v1/{purpose}");
        Self::new(Secret::new(sign_hex(
            secret.expose().as_bytes(),
            context.as_bytes(),
        )))
    }

    /// `payload` with its signature appended.
    pub fn sign(&self, payload: &[u8]) -> String {
        let signature = mac(self.key.expose().as_bytes(), payload)
            .finalize()
            .into_bytes();
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(payload),
            URL_SAFE_NO_PAD.encode(signature)
        )
    }

    /// The payload, if `token` was signed by this key and not altered.
    pub fn verify(&self, token: &str) -> Option<Vec<u8>> {
        let (payload, signature) = token.split_once('.')?;
        let payload = URL_SAFE_NO_PAD.decode(payload).ok()?;
        let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
        mac(self.key.expose().as_bytes(), &payload)
            .verify_slice(&signature)
            .ok()?;
        Some(payload)
    }
}

/// One AES-256-GCM key and its public id (a keyed digest: names the key, reveals nothing).
#[derive(Clone)]
struct SealingKey {
    id: String,
    cipher: Aes256Gcm,
}

impl SealingKey {
    fn from_encoded(encoded: &Secret, flag: &str) -> anyhow::Result<Self> {
        let text = encoded.expose().trim();
        let bytes = hex::decode(text)
            .ok()
            .or_else(|| STANDARD.decode(text).ok())
            .or_else(|| URL_SAFE_NO_PAD.decode(text).ok())
            .with_context(|| format!("{flag} must be 32 bytes in hex or base64"))?;
        if bytes.len() != 32 {
            bail!("{flag} must be 32 bytes, not {}", bytes.len());
        }
        Ok(Self {
            id: sign_hex(&bytes, b"bgcheck key id")[..16].to_owned(),
            cipher: Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&bytes)),
        })
    }

    fn open(&self, sealed: &[u8], context: &[u8]) -> Option<Vec<u8>> {
        if sealed.len() < 12 {
            return None;
        }
        let (nonce, ciphertext) = sealed.split_at(12);
        self.cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: context,
                },
            )
            .ok()
    }
}

/// What [`Vault::open`] read, and whether it should be sealed again under the current key.
pub struct Opened {
    /// The plaintext.
    pub secret: Secret,
    /// Sealed under the previous key, or in the format before keys had ids and contexts.
    pub needs_resealing: bool,
}

/// Seals tokens for storage as `v2.<key id>.base64(nonce ‖ ciphertext ‖ tag)`, with a fresh
/// nonce each time and a context (the owning account) as associated data, so a sealed token
/// copied onto another row does not open. The key id says which key sealed a value, so a
/// previous key can be kept for reading while everything is sealed again under a new one.
#[derive(Clone)]
pub struct Vault {
    current: SealingKey,
    previous: Option<SealingKey>,
}

const SEALED_PREFIX: &str = "v2.";

impl Vault {
    /// A vault from a 32-byte key given as base64 or hex.
    pub fn from_encoded_key(encoded: &Secret) -> anyhow::Result<Self> {
        Ok(Self {
            current: SealingKey::from_encoded(encoded, "--encryption-key")?,
            previous: None,
        })
    }

    /// The same vault, also able to open what `previous` sealed (a key rotation).
    pub fn with_previous_key(mut self, previous: &Secret) -> anyhow::Result<Self> {
        self.previous = Some(SealingKey::from_encoded(
            previous,
            "--previous-encryption-key",
        )?);
        Ok(self)
    }

    /// The id of the key new values are sealed with.
    pub fn key_id(&self) -> &str {
        &self.current.id
    }

    /// Seals `plaintext` for `context`.
    pub fn seal(&self, plaintext: &str, context: &str) -> anyhow::Result<String> {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let ciphertext = self
            .current
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| anyhow::anyhow!("encryption failed"))?;
        let mut sealed = nonce.to_vec();
        sealed.extend(ciphertext);
        Ok(format!(
            "{SEALED_PREFIX}{}.{}",
            self.current.id,
            STANDARD.encode(sealed)
        ))
    }

    /// Opens what [`Vault::seal`] produced for the same `context`, with the current or the
    /// previous key; also opens values sealed before keys had ids (no context then).
    pub fn open(&self, sealed: &str, context: &str) -> anyhow::Result<Opened> {
        let keys = std::iter::once(&self.current).chain(self.previous.as_ref());
        let (key_id, encoded, context) = match sealed.strip_prefix(SEALED_PREFIX) {
            Some(rest) => {
                let (key_id, encoded) = rest
                    .split_once('.')
                    .context("stored secret has no key id")?;
                (Some(key_id), encoded, context.as_bytes())
            }
            None => (None, sealed, &b""[..]),
        };
        let bytes = STANDARD
            .decode(encoded)
            .context("stored secret is not base64")?;
        for key in keys {
            if key_id.is_some_and(|id| id != key.id) {
                continue;
            }
            if let Some(plaintext) = key.open(&bytes, context) {
                return Ok(Opened {
                    secret: Secret::new(
                        String::from_utf8(plaintext).context("stored secret is not text")?,
                    ),
                    needs_resealing: key_id.is_none() || key.id != self.current.id,
                });
            }
        }
        match key_id {
            Some(id) if id != self.current.id => bail!(
                "stored secret was sealed with key id {id}, but --encryption-key has id {}",
                self.current.id
            ),
            Some(_) | None => bail!("stored secret does not open with this key"),
        }
    }
}

/// Reads a secret file from the data dir, or creates it with fresh random content readable by
/// the owner only. Used in sandbox mode, where no operator supplies keys.
pub fn load_or_create_secret(path: &Path, bytes: usize) -> anyhow::Result<Secret> {
    if let Ok(existing) = std::fs::read_to_string(path) {
        return Ok(Secret::new(existing.trim().to_owned()));
    }
    let value = hex::encode({
        let mut buffer = vec![0u8; bytes];
        OsRng.fill_bytes(&mut buffer);
        buffer
    });
    write_private(path, &value).with_context(|| format!("writing {}", path.display()))?;
    Ok(Secret::new(value))
}

#[cfg(unix)]
fn write_private(path: &Path, value: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(value.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, value: &str) -> std::io::Result<()> {
    std::fs::write(path, value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkrs_published_signature_example_verifies() {
        let body = br#"{"monday":"75F","tuesday":"80F"}"#;
        let expected = "b7412f05e981a473b5ecbdb5393afaea02a679db6d7c8e56803512ec4ba98151";
        assert_eq!(sign_hex(b"test-secret", body), expected);
        assert!(verify_hex(b"test-secret", body, expected));
        assert!(!verify_hex(b"other-secret", body, expected));
    }

    #[test]
    fn sealed_tokens_open_only_with_their_key_and_never_contain_the_plaintext() {
        let vault = Vault::from_encoded_key(&Secret::new(hex::encode([7u8; 32]))).unwrap();
        let sealed = vault.seal("tok_live_abc", "account:a").unwrap();
        assert!(!sealed.contains("tok_live_abc"));
        assert_ne!(
            sealed,
            vault.seal("tok_live_abc", "account:a").unwrap(),
            "a fresh nonce each time"
        );
        let opened = vault.open(&sealed, "account:a").unwrap();
        assert_eq!(opened.secret.expose(), "tok_live_abc");
        assert!(!opened.needs_resealing);
        let other = Vault::from_encoded_key(&Secret::new(hex::encode([8u8; 32]))).unwrap();
        let refusal = other.open(&sealed, "account:a").err().unwrap().to_string();
        assert!(refusal.contains(vault.key_id()), "{refusal}");
    }

    #[test]
    fn a_sealed_token_moved_to_another_account_does_not_open() {
        let vault = Vault::from_encoded_key(&Secret::new(hex::encode([7u8; 32]))).unwrap();
        let sealed = vault.seal("tok_live_abc", "account:a").unwrap();
        assert!(vault.open(&sealed, "account:b").is_err());
    }

    #[test]
    fn after_a_rotation_the_previous_key_still_opens_and_asks_for_resealing() {
        let old = Vault::from_encoded_key(&Secret::new(hex::encode([7u8; 32]))).unwrap();
        let sealed = old.seal("tok_live_abc", "account:a").unwrap();
        let rotated = Vault::from_encoded_key(&Secret::new(hex::encode([9u8; 32])))
            .unwrap()
            .with_previous_key(&Secret::new(hex::encode([7u8; 32])))
            .unwrap();
        let opened = rotated.open(&sealed, "account:a").unwrap();
        assert_eq!(opened.secret.expose(), "tok_live_abc");
        assert!(opened.needs_resealing);
        let resealed = rotated.seal("tok_live_abc", "account:a").unwrap();
        assert!(resealed.contains(rotated.key_id()));
    }

    #[test]
    fn a_signed_value_fails_verification_once_altered() {
        let signer = Signer::new(Secret::new("k"));
        let token = signer.sign(b"account=a");
        assert_eq!(signer.verify(&token).as_deref(), Some(&b"account=a"[..]));
        let (payload, signature) = token.split_once('.').unwrap();
        let forged = format!("{}.{signature}", URL_SAFE_NO_PAD.encode(b"account=b"));
        assert!(signer.verify(&forged).is_none());
        assert!(signer.verify(payload).is_none());
    }
}
