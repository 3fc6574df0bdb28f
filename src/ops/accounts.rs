//! Accounts: first-run setup, sign-up, sign-in, sessions, password change and reset.

use super::{hash_password, verify_password, QueuedEmail};
use crate::config::SignupMode;
use crate::db::{self, email_links::Purpose, orgs::Org, users::User};
use crate::domain::ids::{hash_secret, new_secret};
use crate::domain::text::{self, name};
use crate::domain::Email;
use crate::error::{Error, Result};
use crate::state::AppState;

/// How long a session lasts after sign-in.
pub const SESSION_SECONDS: i64 = 14 * 24 * 3600;
const SIGNUP_LINK_SECONDS: i64 = 24 * 3600;
const RESET_LINK_SECONDS: i64 = 3600;

/// A new session's cookie secret, for the caller to set.
pub struct NewSession {
    pub secret: String,
    pub user: User,
}

/// Validated fields of a new account.
pub struct NewAccount {
    pub email: Email,
    pub name: String,
    pub password: String,
}

impl NewAccount {
    /// Validates all fields at once, so a form can show every problem.
    pub fn parse(email: &str, name_: &str, password: &str) -> Result<NewAccount> {
        let mut errors = Vec::new();
        let email = Email::parse(email).map_err(|e| errors.push(e)).ok();
        let name_ = name("name", name_).map_err(|e| errors.push(e)).ok();
        if let Err(e) = text::password("password", password) {
            errors.push(e);
        }
        match (email, name_) {
            (Some(email), Some(name)) if errors.is_empty() => Ok(NewAccount {
                email,
                name,
                password: password.to_owned(),
            }),
            _ => Err(Error::Invalid(errors)),
        }
    }
}

/// Creates an account (the CLI, setup and sign-up completion all end here).
pub async fn create_user(state: &AppState, account: NewAccount) -> Result<User> {
    let hash = hash_password(account.password).await?;
    let mut tx = state.db.begin().await?;
    let user = db::users::insert(
        &mut tx,
        state.now(),
        account.email.as_str(),
        &account.name,
        &hash,
    )
    .await?;
    tx.commit().await?;
    Ok(user)
}

/// The first-run setup: the first owner and their organization, allowed only while no account exists.
pub async fn setup(
    state: &AppState,
    account: NewAccount,
    slug: &str,
    org_name: &str,
) -> Result<(NewSession, Org)> {
    let (slug, org_name) = super::orgs::parse_new(slug, org_name)?;
    let hash = hash_password(account.password).await?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    if db::users::count(&mut tx).await? > 0 {
        return Err(Error::Forbidden(
            "setup is already done; sign in instead".into(),
        ));
    }
    let user =
        db::users::insert(&mut tx, now, account.email.as_str(), &account.name, &hash).await?;
    let org = super::orgs::insert_with_owner(&mut tx, now, &user, &slug, &org_name).await?;
    let secret = insert_session(&mut tx, state, &user).await?;
    tx.commit().await?;
    state
        .setup_token
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take();
    crate::public::snapshot::rebuild(state, &org.id).await?;
    Ok((NewSession { secret, user }, org))
}

async fn insert_session(
    c: &mut db::AnyConnection,
    state: &AppState,
    user: &User,
) -> Result<String> {
    let secret = new_secret("bses");
    let now = state.now();
    db::sessions::insert(
        c,
        now,
        &hash_secret(&secret),
        &user.id,
        now.plus_seconds(SESSION_SECONDS),
    )
    .await?;
    Ok(secret)
}

/// Signs in with email and password, counting failures per client address and per account.
///
/// Unknown accounts and wrong passwords fail alike, in about the same time.
pub async fn login(
    state: &AppState,
    client_ip: &str,
    email: &str,
    password: &str,
) -> Result<NewSession> {
    // Keyed by the address as it would be stored; anything that cannot be one shares one key,
    // so junk input cannot grow the limiter.
    let email_key = Email::parse(email)
        .map(|e| e.as_str().to_owned())
        .unwrap_or_else(|_| "(not an address)".to_owned());
    let now = state.now();
    {
        let mut limits = state.login_limits.lock().unwrap_or_else(|p| p.into_inner());
        let wait = [
            limits.per_ip.check(client_ip, now),
            limits.per_account.check(&email_key, now),
        ];
        if let Some(retry_after) = wait.iter().filter_map(|w| w.err()).max() {
            return Err(Error::TooManyRequests { retry_after });
        }
    }
    let user = match Email::parse(email) {
        Ok(e) => db::users::find_by_email(&mut *state.db.conn().await?, e.as_str()).await?,
        Err(_) => None,
    };
    let ok = verify_password(
        password.to_owned(),
        user.as_ref().map(|u| u.password_hash.clone()),
    )
    .await;
    let user = {
        let mut limits = state.login_limits.lock().unwrap_or_else(|p| p.into_inner());
        match user {
            Some(user) if ok => {
                limits.per_account.reset(&email_key);
                user
            }
            _ => {
                limits.per_ip.fail(client_ip, now);
                limits.per_account.fail(&email_key, now);
                return Err(Error::invalid("email", "email or password is incorrect"));
            }
        }
    };
    let mut tx = state.db.begin().await?;
    let secret = insert_session(&mut tx, state, &user).await?;
    tx.commit().await?;
    Ok(NewSession { secret, user })
}

/// Ends the session with this cookie secret.
pub async fn logout(state: &AppState, secret: &str) -> Result<()> {
    let mut tx = state.db.begin().await?;
    db::sessions::delete(&mut tx, &hash_secret(secret)).await?;
    tx.commit().await?;
    Ok(())
}

/// The user of a live session cookie.
pub async fn session_user(state: &AppState, secret: &str) -> Result<Option<User>> {
    let mut c = state.db.conn().await?;
    Ok(db::sessions::find_user(&mut c, &hash_secret(secret), state.now()).await?)
}

/// Changes a password after checking the current one; other sessions of the user end.
pub async fn change_password(
    state: &AppState,
    user: &User,
    session_secret: &str,
    current: &str,
    new: &str,
) -> Result<()> {
    if !verify_password(current.to_owned(), Some(user.password_hash.clone())).await {
        return Err(Error::invalid(
            "current_password",
            "is not your current password",
        ));
    }
    text::password("new_password", new)?;
    let hash = hash_password(new.to_owned()).await?;
    let mut tx = state.db.begin().await?;
    db::users::update_password(&mut tx, &user.id, &hash).await?;
    db::sessions::delete_all_of_user(&mut tx, &user.id, Some(&hash_secret(session_secret))).await?;
    tx.commit().await?;
    Ok(())
}

/// Changes a user's display name.
pub async fn rename(state: &AppState, user: &User, new_name: &str) -> Result<()> {
    let new_name = name("name", new_name)?;
    let mut tx = state.db.begin().await?;
    db::users::update_name(&mut tx, &user.id, &new_name).await?;
    tx.commit().await?;
    Ok(())
}

/// Counts a request that sends an email (reset, sign-up) against the client's address: at most
/// 20 in 15 minutes, so nobody floods inboxes or the outbox from one place.
fn count_email_request(state: &AppState, client_ip: &str) -> Result<()> {
    let now = state.now();
    let mut limits = state.login_limits.lock().unwrap_or_else(|p| p.into_inner());
    limits
        .emails_per_ip
        .check(client_ip, now)
        .map_err(|retry_after| Error::TooManyRequests { retry_after })?;
    limits.emails_per_ip.fail(client_ip, now);
    Ok(())
}

/// Emails a reset link if the account exists; says nothing either way.
pub async fn request_reset(state: &AppState, client_ip: &str, email: &str) -> Result<()> {
    count_email_request(state, client_ip)?;
    let Ok(email) = Email::parse(email) else {
        return Ok(());
    };
    let now = state.now();
    let mut tx = state.db.begin().await?;
    if db::users::find_by_email(&mut tx, email.as_str())
        .await?
        .is_none()
    {
        return Ok(());
    }
    let secret = new_secret("brst");
    db::email_links::insert(
        &mut tx,
        now,
        Purpose::Reset,
        email.as_str(),
        &hash_secret(&secret),
        now.plus_seconds(RESET_LINK_SECONDS),
    )
    .await?;
    let body = format!(
        "Someone asked to reset the password of your Beacon account.\n\nTo choose a new password, open this link within an hour:\n{}\n\nIf it was not you, ignore this email; your password stays as it is.",
        state.url(&format!("/reset/{secret}"))
    );
    let mail = QueuedEmail::queue(
        &mut tx,
        now,
        email.as_str(),
        "Reset your Beacon password",
        body,
    )
    .await?;
    tx.commit().await?;
    mail.log();
    Ok(())
}

/// Whether a reset link can still be used.
pub async fn reset_link_is_live(state: &AppState, secret: &str) -> Result<bool> {
    let mut c = state.db.conn().await?;
    Ok(
        db::email_links::peek(&mut c, state.now(), Purpose::Reset, &hash_secret(secret))
            .await?
            .is_some(),
    )
}

/// Sets a new password with a reset link (once), ends every session and opens a new one.
pub async fn complete_reset(state: &AppState, secret: &str, new: &str) -> Result<NewSession> {
    text::password("password", new)?;
    let hash = hash_password(new.to_owned()).await?;
    let mut tx = state.db.begin().await?;
    let email =
        db::email_links::consume(&mut tx, state.now(), Purpose::Reset, &hash_secret(secret))
            .await?;
    let user = match email {
        Some(email) => db::users::find_by_email(&mut tx, &email)
            .await?
            .ok_or(Error::NotFound)?,
        None => return Err(Error::NotFound),
    };
    db::users::update_password(&mut tx, &user.id, &hash).await?;
    db::sessions::delete_all_of_user(&mut tx, &user.id, None).await?;
    let session = insert_session(&mut tx, state, &user).await?;
    tx.commit().await?;
    Ok(NewSession {
        secret: session,
        user,
    })
}

/// Starts an open sign-up: emails a link to finish it (or, for a known address, a reminder).
///
/// The answer is the same whether or not the address has an account.
pub async fn request_signup(state: &AppState, client_ip: &str, email: &str) -> Result<()> {
    if state.config.signup != SignupMode::Open {
        return Err(Error::Forbidden("sign-up is by invitation only".into()));
    }
    count_email_request(state, client_ip)?;
    let email = Email::parse(email)?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let mail = if db::users::find_by_email(&mut tx, email.as_str())
        .await?
        .is_some()
    {
        let body = format!(
            "Someone tried to create a Beacon account with this address, which already has one.\n\nSign in at {}\nForgot your password? {}",
            state.url("/login"),
            state.url("/reset")
        );
        QueuedEmail::queue(
            &mut tx,
            now,
            email.as_str(),
            "You already have a Beacon account",
            body,
        )
        .await?
    } else {
        let secret = new_secret("bsup");
        db::email_links::insert(
            &mut tx,
            now,
            Purpose::Signup,
            email.as_str(),
            &hash_secret(&secret),
            now.plus_seconds(SIGNUP_LINK_SECONDS),
        )
        .await?;
        let body = format!(
            "Welcome to Beacon.\n\nTo finish creating your account, open this link within 24 hours:\n{}",
            state.url(&format!("/signup/{secret}"))
        );
        QueuedEmail::queue(
            &mut tx,
            now,
            email.as_str(),
            "Finish creating your Beacon account",
            body,
        )
        .await?
    };
    tx.commit().await?;
    mail.log();
    Ok(())
}

/// The address a sign-up link was sent to, while it can still be used.
pub async fn signup_link_email(state: &AppState, secret: &str) -> Result<Option<String>> {
    let mut c = state.db.conn().await?;
    Ok(db::email_links::peek(&mut c, state.now(), Purpose::Signup, &hash_secret(secret)).await?)
}

/// Finishes a sign-up with its link: creates the account and signs it in.
pub async fn complete_signup(
    state: &AppState,
    secret: &str,
    name_: &str,
    password: &str,
) -> Result<NewSession> {
    let email = signup_link_email(state, secret)
        .await?
        .ok_or(Error::NotFound)?;
    let account = NewAccount::parse(&email, name_, password)?;
    let hash = hash_password(account.password).await?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    db::email_links::consume(&mut tx, now, Purpose::Signup, &hash_secret(secret))
        .await?
        .ok_or(Error::NotFound)?;
    let user =
        db::users::insert(&mut tx, now, account.email.as_str(), &account.name, &hash).await?;
    let session = insert_session(&mut tx, state, &user).await?;
    tx.commit().await?;
    Ok(NewSession {
        secret: session,
        user,
    })
}

/// Opens a session for a user who just proved who they are another way (an invitation sign-up).
pub async fn open_session(state: &AppState, user: User) -> Result<NewSession> {
    let mut tx = state.db.begin().await?;
    let secret = insert_session(&mut tx, state, &user).await?;
    tx.commit().await?;
    Ok(NewSession { secret, user })
}
