//! API tokens: who calls the server and in which role. A token's secret is
//! shown once, at creation; the store keeps only its SHA-256.
//!
//! Sessions of the console and self-care are tokens too, made at login (with
//! a username and password, argon2id, or with an API token) and ending after
//! [`SESSION_HOURS`] or at logout. A session's CSRF token is derived from its
//! secret, so forms can be checked without storing anything more.

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
    /// Whether the secret was a session's (made at login), not an API token.
    pub session: bool,
}

/// Bytes as lower-case hex after `prefix`.
fn hex(prefix: &str, bytes: &[u8]) -> String {
    bytes.iter().fold(String::from(prefix), |mut text, byte| {
        let _ = write!(text, "{byte:02x}");
        text
    })
}

/// HMAC-SHA256 of `message` under `key`, in lower-case hex: what signs the
/// login form's guard and the hub's events.
pub fn hmac_hex(key: &[u8], message: &[u8]) -> String {
    use hmac::{KeyInit, Mac};
    // HMAC takes a key of any length; `new_from_slice` cannot fail for it.
    match hmac::Hmac::<Sha256>::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(message);
            hex("", &mac.finalize().into_bytes())
        }
        Err(_) => String::new(),
    }
}

/// Whether two secrets are equal, in a time that does not tell where they
/// differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0_u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// `bytes` random bytes in hex, or `None` when the system has no randomness.
pub fn random_hex(bytes: usize) -> Option<String> {
    let mut random = vec![0_u8; bytes];
    getrandom::fill(&mut random).ok()?;
    Some(hex("", &random))
}

/// The SHA-256 of a secret, in hex: what the store keeps and looks up.
pub fn token_hash(secret: &str) -> String {
    hex("", &Sha256::digest(secret.as_bytes()))
}

impl App {
    /// A new random secret: `trf_` and 64 hex digits.
    fn new_secret() -> Result<String> {
        let mut random = [0_u8; 32];
        getrandom::fill(&mut random)
            .map_err(|e| AppError::Conflict(format!("no randomness for a token: {e}")))?;
        Ok(hex("trf_", &random))
    }

    /// Creates a token and returns its id and secret (shown once).
    pub async fn create_token(
        &self,
        ctx: &Ctx,
        role: Role,
        customer_id: Option<i64>,
        label: Option<String>,
    ) -> Result<(i64, String)> {
        let mut tx = self.begin(ctx).await?;
        check_scope(&mut tx, role, customer_id, "token").await?;
        let secret = Self::new_secret()?;
        let id = tx
            .insert_token(&ApiTokenRow {
                id: 0,
                hash: token_hash(&secret),
                role: role.to_string(),
                customer_id,
                label,
                created_on: self.clock().now().to_string(),
                revoked_on: None,
                expires_at: None,
                opened_with_token: None,
                opened_by_user: None,
            })
            .await?;
        tx.commit().await?;
        Ok((id, secret))
    }

    /// The caller a secret belongs to, if it is a live token.
    pub async fn authenticate(&self, secret: &str) -> Result<Option<Principal>> {
        let hash = token_hash(secret);
        let now = self.clock().now().to_string();
        let row = self.store().live_token(&hash, &now).await?;
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
                session: row.is_session(),
            })
        })
        .transpose()
    }

    /// Disables a user: no login from now on, and the sessions the user
    /// opened end.
    pub async fn disable_user(&self, ctx: &Ctx, username: &str) -> Result<i64> {
        let mut tx = self.begin(ctx).await?;
        let id = tx
            .disable_user(username.trim(), &self.clock().now().to_string())
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Revokes a token: it authenticates no one from now on, and neither do
    /// the sessions opened with it.
    pub async fn revoke_token(&self, ctx: &Ctx, id: i64) -> Result<()> {
        let mut tx = self.begin(ctx).await?;
        tx.revoke_token(id, &self.clock().now().to_string()).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// A subscriber's token or login names an existing customer; no other
/// role's does.
async fn check_scope(
    tx: &mut tarifa_store::Tx,
    role: Role,
    customer_id: Option<i64>,
    what: &str,
) -> Result<()> {
    match (role, customer_id) {
        (Role::Subscriber, None) => Err(AppError::invalid(
            "customer",
            format!("a subscriber's {what} names its customer"),
        )),
        (Role::Subscriber, Some(id)) => {
            if tx.customer(id).await?.is_none() {
                Err(AppError::not_found("customer", id.to_string()))
            } else {
                Ok(())
            }
        }
        (_, Some(_)) => Err(AppError::invalid(
            "customer",
            format!("only a subscriber's {what} names a customer, not an {role}'s"),
        )),
        (_, None) => Ok(()),
    }
}

/// What a session was opened with; it ends when that ends.
#[derive(Clone, Copy)]
enum Origin {
    Token(i64),
    User(i64),
}

/// How long a console or self-care session lasts.
pub const SESSION_HOURS: i64 = 8;

/// What someone logs in with.
pub enum Credentials<'a> {
    Password {
        username: &'a str,
        password: &'a str,
    },
    Token(&'a str),
}

/// A session made at login: its secret goes into an HttpOnly cookie.
#[derive(Clone, Debug)]
pub struct Session {
    pub secret: String,
    pub principal: Principal,
    /// Who logged in: the username, or `token N`.
    pub who: String,
}

/// The CSRF token of a session: SHA-256 of the session secret with a
/// purpose prefix. A page from the session carries it in its forms; another
/// site can neither read the cookie nor compute it.
pub fn csrf_token(session_secret: &str) -> String {
    token_hash(&format!("csrf\u{0}{session_secret}"))
}

/// An argon2id hash (PHC string) of a password.
pub fn hash_password(password: &str) -> Result<String> {
    use argon2::PasswordHasher;
    use argon2::password_hash::SaltString;
    let mut salt = [0_u8; 16];
    getrandom::fill(&mut salt)
        .map_err(|e| AppError::Conflict(format!("no randomness for a salt: {e}")))?;
    let salt =
        SaltString::encode_b64(&salt).map_err(|e| AppError::Conflict(format!("salt: {e}")))?;
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| AppError::Conflict(format!("password hash: {e}")))
}

/// Whether `password` matches the PHC string `hash`.
fn password_matches(password: &str, hash: &str) -> bool {
    use argon2::PasswordVerifier;
    argon2::password_hash::PasswordHash::new(hash).is_ok_and(|parsed| {
        argon2::Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

impl App {
    /// Creates a user who logs in with a password (12 characters at least).
    pub async fn create_user(
        &self,
        ctx: &Ctx,
        username: &str,
        password: &str,
        role: Role,
        customer_id: Option<i64>,
    ) -> Result<i64> {
        let username = username.trim();
        if username.is_empty()
            || username.len() > 64
            || !username
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-@".contains(c))
        {
            return Err(AppError::invalid(
                "username",
                "1 to 64 letters, digits and . _ - @",
            ));
        }
        // Spaces around a password are kept, but do not count towards its length.
        if password.trim().chars().count() < 12 {
            return Err(AppError::invalid(
                "password",
                "12 characters at least, not counting spaces around them",
            ));
        }
        if password.len() > 1024 || password.contains('\0') {
            return Err(AppError::invalid(
                "password",
                "at most 1024 bytes, without NUL characters",
            ));
        }
        let mut tx = self.begin(ctx).await?;
        check_scope(&mut tx, role, customer_id, "login").await?;
        let id = tx
            .insert_user(&tarifa_store::UserRow {
                id: 0,
                username: username.to_owned(),
                password_hash: hash_password(password)?,
                role: role.to_string(),
                customer_id,
                created_on: self.clock().now().to_string(),
                disabled_on: None,
            })
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Opens a session for valid credentials; `None` for wrong ones (which
    /// take as long to refuse for an unknown username as for a wrong
    /// password). Only an API token opens a session: a session's own secret
    /// does not, so a session cannot renew itself past its hours.
    pub async fn log_in(&self, ctx: &Ctx, credentials: Credentials<'_>) -> Result<Option<Session>> {
        let (role, customer_id, who, origin) = match credentials {
            Credentials::Token(secret) => match self.authenticate(secret).await? {
                Some(p) if !p.session => (
                    p.role,
                    p.customer_id,
                    format!("token {}", p.token_id),
                    Origin::Token(p.token_id),
                ),
                _ => return Ok(None),
            },
            Credentials::Password { username, password } => {
                let mut tx = self.begin_read(ctx).await?;
                let user = tx.active_user(username.trim()).await?;
                tx.rollback().await?;
                let hash = user
                    .as_ref()
                    .map_or_else(dummy_hash, |u| u.password_hash.clone());
                let matches = password_matches(password, &hash);
                match user {
                    Some(user) if matches => (
                        user.role
                            .parse()
                            .map_err(|e: String| AppError::Conflict(e))?,
                        user.customer_id,
                        user.username,
                        Origin::User(user.id),
                    ),
                    _ => return Ok(None),
                }
            }
        };
        let secret = Self::new_secret()?;
        let now = self.clock().now();
        let expires = now
            .checked_add(jiff::SignedDuration::from_hours(SESSION_HOURS))
            .map_err(|e| AppError::Conflict(e.to_string()))?;
        let mut tx = self.begin(ctx).await?;
        let token_id = tx
            .insert_token(&ApiTokenRow {
                id: 0,
                hash: token_hash(&secret),
                role: role.to_string(),
                customer_id,
                label: Some(format!("session: {who}")),
                created_on: now.to_string(),
                revoked_on: None,
                expires_at: Some(expires.to_string()),
                opened_with_token: match origin {
                    Origin::Token(id) => Some(id),
                    Origin::User(_) => None,
                },
                opened_by_user: match origin {
                    Origin::User(id) => Some(id),
                    Origin::Token(_) => None,
                },
            })
            .await?;
        tx.commit().await?;
        Ok(Some(Session {
            secret,
            principal: Principal {
                token_id,
                role,
                customer_id,
                session: true,
            },
            who,
        }))
    }

    /// Ends the session (or token) with this secret, if it is live.
    pub async fn log_out(&self, ctx: &Ctx, secret: &str) -> Result<()> {
        if let Some(principal) = self.authenticate(secret).await? {
            self.revoke_token(ctx, principal.token_id).await?;
        }
        Ok(())
    }
}

/// A hash to verify against when the username is unknown, so that a wrong
/// username costs the same time as a wrong password.
fn dummy_hash() -> String {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY
        .get_or_init(|| hash_password("not a password of anyone").unwrap_or_default())
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_password_login_opens_a_session_that_expires_and_ends_at_logout() {
        let clock = std::sync::Arc::new(tarifa_core::time::ManualClock::new(
            "2026-03-01T08:00:00Z".parse().expect("instant"),
        ));
        let store = tarifa_store::Store::open("sqlite::memory:")
            .await
            .expect("store");
        let markets = crate::presets::embedded().expect("presets");
        let app = App::new(store, markets, clock.clone()).await.expect("app");
        let ctx = Ctx::new("test");
        assert!(
            app.create_user(&ctx, "ana", "short", Role::Agent, None)
                .await
                .is_err()
        );
        // Spaces are no password: twelve of them, or around a short one.
        for blank in ["            ", "    short     "] {
            assert!(
                app.create_user(&ctx, "ana", blank, Role::Agent, None)
                    .await
                    .is_err(),
                "{blank:?}"
            );
        }
        app.create_user(&ctx, "ana", "correct horse battery", Role::Agent, None)
            .await
            .expect("user");
        assert!(matches!(
            app.create_user(&ctx, "ana", "another long password", Role::Agent, None)
                .await,
            Err(AppError::Store(_))
        ));
        let wrong = Credentials::Password {
            username: "ana",
            password: "correct horse battery!",
        };
        assert!(app.log_in(&ctx, wrong).await.expect("checked").is_none());
        let nobody = Credentials::Password {
            username: "bob",
            password: "correct horse battery",
        };
        assert!(app.log_in(&ctx, nobody).await.expect("checked").is_none());
        let session = app
            .log_in(
                &ctx,
                Credentials::Password {
                    username: "ana",
                    password: "correct horse battery",
                },
            )
            .await
            .expect("checked")
            .expect("a session");
        assert_eq!(session.principal.role, Role::Agent);
        assert_ne!(csrf_token(&session.secret), session.secret);
        assert!(
            app.authenticate(&session.secret)
                .await
                .expect("ok")
                .is_some()
        );
        // Eight hours later the session is over.
        clock.set("2026-03-01T16:00:01Z".parse().expect("instant"));
        assert!(
            app.authenticate(&session.secret)
                .await
                .expect("ok")
                .is_none()
        );
        // A token logs in too; logout ends the session, not the token.
        let (_, token) = app
            .create_token(&ctx, Role::Billing, None, None)
            .await
            .expect("token");
        let by_token = app
            .log_in(&ctx, Credentials::Token(&token))
            .await
            .expect("checked")
            .expect("a session");
        assert_eq!(by_token.principal.role, Role::Billing);
        app.log_out(&ctx, &by_token.secret).await.expect("logout");
        assert!(
            app.authenticate(&by_token.secret)
                .await
                .expect("ok")
                .is_none()
        );
        assert!(app.authenticate(&token).await.expect("ok").is_some());
    }

    async fn app_at(instant: &str) -> (App, std::sync::Arc<tarifa_core::time::ManualClock>) {
        let clock = std::sync::Arc::new(tarifa_core::time::ManualClock::new(
            instant.parse().expect("instant"),
        ));
        let store = tarifa_store::Store::open("sqlite::memory:")
            .await
            .expect("store");
        let markets = crate::presets::embedded().expect("presets");
        (
            App::new(store, markets, clock.clone()).await.expect("app"),
            clock,
        )
    }

    #[tokio::test]
    async fn a_session_dies_with_the_token_it_was_opened_with_and_cannot_open_another() {
        let (app, clock) = app_at("2026-03-01T08:00:00Z").await;
        let ctx = Ctx::new("test");
        let (token_id, token) = app
            .create_token(&ctx, Role::Billing, None, None)
            .await
            .expect("token");
        let session = app
            .log_in(&ctx, Credentials::Token(&token))
            .await
            .expect("checked")
            .expect("a session");
        let principal = app.authenticate(&session.secret).await.expect("ok");
        assert!(principal.is_some_and(|p| p.session));
        // A session's secret is not a credential for the next session.
        assert!(
            app.log_in(&ctx, Credentials::Token(&session.secret))
                .await
                .expect("checked")
                .is_none()
        );
        // Seven hours on, still refused: it cannot renew itself.
        clock.set("2026-03-01T15:00:00Z".parse().expect("instant"));
        assert!(
            app.log_in(&ctx, Credentials::Token(&session.secret))
                .await
                .expect("checked")
                .is_none()
        );
        app.revoke_token(&ctx, token_id).await.expect("revoked");
        assert!(
            app.authenticate(&session.secret)
                .await
                .expect("ok")
                .is_none(),
            "the session ended with its token"
        );
        assert!(
            app.log_in(&ctx, Credentials::Token(&token))
                .await
                .expect("checked")
                .is_none()
        );
    }

    #[tokio::test]
    async fn a_session_dies_with_its_user() {
        let (app, _clock) = app_at("2026-03-01T08:00:00Z").await;
        let ctx = Ctx::new("test");
        app.create_user(&ctx, "ana", "correct horse battery", Role::Agent, None)
            .await
            .expect("user");
        let login = || Credentials::Password {
            username: "ana",
            password: "correct horse battery",
        };
        let session = app
            .log_in(&ctx, login())
            .await
            .expect("checked")
            .expect("a session");
        app.disable_user(&ctx, "ana").await.expect("disabled");
        assert!(
            app.authenticate(&session.secret)
                .await
                .expect("ok")
                .is_none()
        );
        assert!(app.log_in(&ctx, login()).await.expect("checked").is_none());
        assert!(app.disable_user(&ctx, "ana").await.is_err());
    }

    #[test]
    fn hmac_is_rfc_4231() {
        // RFC 4231, test case 2.
        assert_eq!(
            hmac_hex(b"Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "ab"));
    }

    #[test]
    fn hashes_are_sha256_hex() {
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
