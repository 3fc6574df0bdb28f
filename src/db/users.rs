//! Accounts. Users are global (they can belong to several orgs); lookups by email exist for
//! sign-in and invitations only.

use super::{id, time, AnyConnection, Result, Row};
use crate::domain::{Id, Timestamp};
use sqlx::Row as _;

/// A person who can sign in.
#[derive(Debug, Clone)]
pub struct User {
    pub id: Id,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub created_at: Timestamp,
}

fn from_row(r: &Row) -> sqlx::Result<User> {
    Ok(User {
        id: id(r, "id")?,
        email: r.try_get("email")?,
        name: r.try_get("name")?,
        password_hash: r.try_get("password_hash")?,
        created_at: time(r, "created_at")?,
    })
}

/// Creates an account.
pub async fn insert(
    c: &mut AnyConnection,
    now: Timestamp,
    email: &str,
    name: &str,
    password_hash: &str,
) -> Result<User> {
    let row = sqlx::query(
        "INSERT INTO users (id, email, name, password_hash, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING *",
    )
    .bind(Id::new().as_str())
    .bind(email)
    .bind(name)
    .bind(password_hash)
    .bind(now.micros())
    .fetch_one(c)
    .await?;
    Ok(from_row(&row)?)
}

/// The account with this id.
pub async fn get(c: &mut AnyConnection, user_id: &Id) -> Result<User> {
    let row = sqlx::query("SELECT * FROM users WHERE id = $1")
        .bind(user_id.as_str())
        .fetch_one(c)
        .await?;
    Ok(from_row(&row)?)
}

/// The account with this (normalised) email, across all orgs: for sign-in and invitations.
pub async fn find_by_email(c: &mut AnyConnection, email: &str) -> Result<Option<User>> {
    let row = sqlx::query("SELECT * FROM users WHERE email = $1")
        .bind(email)
        .fetch_optional(c)
        .await?;
    Ok(row.as_ref().map(from_row).transpose()?)
}

/// How many accounts exist (zero means the setup page is open).
pub async fn count(c: &mut AnyConnection) -> Result<i64> {
    Ok(sqlx::query("SELECT COUNT(*) FROM users")
        .fetch_one(c)
        .await?
        .try_get(0)?)
}

/// Replaces a user's password hash.
pub async fn update_password(
    c: &mut AnyConnection,
    user_id: &Id,
    password_hash: &str,
) -> Result<()> {
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(password_hash)
        .bind(user_id.as_str())
        .execute(c)
        .await?;
    Ok(())
}

/// Changes a user's display name.
pub async fn update_name(c: &mut AnyConnection, user_id: &Id, name: &str) -> Result<()> {
    sqlx::query("UPDATE users SET name = $1 WHERE id = $2")
        .bind(name)
        .bind(user_id.as_str())
        .execute(c)
        .await?;
    Ok(())
}
