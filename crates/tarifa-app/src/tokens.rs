//! API tokens: who calls the server and in which role. A token's secret is
//! shown once, at creation; the store keeps only its SHA-256.

use std::fmt::Write as _;

use sha2::{Digest, Sha256};
use tarifa_store::ApiTokenRow;

use crate::{App, AppError, Ctx, Result};

/// What a caller may do (issue 6): everything, the catalog and billing,
/// customer care, or one subscriber's own data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    Admin,
    Billing,
    Agent,
    Subscriber,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Billing => "billing",
            Self::Agent => "agent",
            Self::Subscriber => "subscriber",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = String;

    fn from_str(text: &str) -> std::result::Result<Self, String> {
        match text {
            "admin" => Ok(Self::Admin),
            "billing" => Ok(Self::Billing),
            "agent" => Ok(Self::Agent),
            "subscriber" => Ok(Self::Subscriber),
            other => Err(format!(
                "{other:?} is not a role (admin, billing, agent, subscriber)"
            )),
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An authenticated caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    pub token_id: i64,
    pub role: Role,
    /// The only customer a subscriber's token sees.
    pub customer_id: Option<i64>,
}

/// Bytes as lower-case hex after `prefix`.
fn hex(prefix: &str, bytes: &[u8]) -> String {
    bytes.iter().fold(String::from(prefix), |mut text, byte| {
        let _ = write!(text, "{byte:02x}");
        text
    })
}

/// The SHA-256 of a secret, in hex: what the store keeps and looks up.
pub fn token_hash(secret: &str) -> String {
    hex("", &Sha256::digest(secret.as_bytes()))
}

impl App {
    /// Creates a token and returns its id and secret (shown once).
    pub async fn create_token(
        &self,
        ctx: &Ctx,
        role: Role,
        customer_id: Option<i64>,
        label: Option<String>,
    ) -> Result<(i64, String)> {
        let mut tx = self.begin(ctx).await?;
        match (role, customer_id) {
            (Role::Subscriber, None) => {
                return Err(AppError::invalid(
                    "customer",
                    "a subscriber's token names its customer",
                ));
            }
            (Role::Subscriber, Some(id)) => {
                if tx.customer(id).await?.is_none() {
                    return Err(AppError::not_found("customer", id.to_string()));
                }
            }
            (_, Some(_)) => {
                return Err(AppError::invalid(
                    "customer",
                    format!("only a subscriber's token names a customer, not an {role}'s"),
                ));
            }
            (_, None) => {}
        }
        let mut random = [0_u8; 32];
        getrandom::fill(&mut random)
            .map_err(|e| AppError::Conflict(format!("no randomness for a token: {e}")))?;
        let secret = random.iter().fold(String::from("trf_"), |mut text, byte| {
            let _ = write!(text, "{byte:02x}");
            text
        });
        let id = tx
            .insert_token(&ApiTokenRow {
                id: 0,
                hash: token_hash(&secret),
                role: role.to_string(),
                customer_id,
                label,
                created_on: self.clock().now().to_string(),
                revoked_on: None,
            })
            .await?;
        tx.commit().await?;
        Ok((id, secret))
    }

    /// The caller a secret belongs to, if it is a live token.
    pub async fn authenticate(&self, secret: &str) -> Result<Option<Principal>> {
        let mut tx = self.begin_read(&Ctx::new("auth")).await?;
        let row = tx.live_token(&token_hash(secret)).await?;
        tx.rollback().await?;
        row.map(|row| {
            Ok(Principal {
                token_id: row.id,
                role: row.role.parse().map_err(|e: String| {
                    AppError::Store(tarifa_store::StoreError::Corrupt {
                        what: "token role",
                        detail: e,
                    })
                })?,
                customer_id: row.customer_id,
            })
        })
        .transpose()
    }

    /// Revokes a token: it authenticates no one from now on.
    pub async fn revoke_token(&self, ctx: &Ctx, id: i64) -> Result<()> {
        let mut tx = self.begin(ctx).await?;
        tx.revoke_token(id, &self.clock().now().to_string()).await?;
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_sha256_hex() {
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
