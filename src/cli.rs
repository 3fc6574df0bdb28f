//! The command line: `beacon [serve]`, `migrate`, and a few administration commands.

use crate::clock::SystemClock;
use crate::config::Config;
use crate::domain::Role;
use crate::ops::{self, accounts::NewAccount, Actor, OrgAccess};
use crate::state::AppState;
use crate::{app::App, db};
use anyhow::{bail, Context};
use clap::{Parser, Subcommand};
use std::sync::Arc;

/// Beacon: self-hosted, multi-tenant status pages.
#[derive(Parser)]
#[command(name = "beacon", version, about)]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// What to do (serve, when none is given).
#[derive(Subcommand)]
pub enum Command {
    /// Serve the dashboard, the API and the status pages.
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage organizations.
    #[command(subcommand)]
    Org(OrgCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
}

/// `beacon user ...`
#[derive(Subcommand)]
pub enum UserCommand {
    /// Create an account.
    Create {
        #[arg(long)]
        email: String,
        /// At least 10 characters.
        #[arg(long, env = "BEACON_USER_PASSWORD", hide_env_values = true)]
        password: String,
        /// Display name (default: the part of the email before @).
        #[arg(long)]
        name: Option<String>,
    },
}

/// `beacon org ...`
#[derive(Subcommand)]
pub enum OrgCommand {
    /// Create an organization owned by an existing user.
    Create {
        #[arg(long)]
        slug: String,
        #[arg(long)]
        name: String,
        /// Email of the owner's account.
        #[arg(long)]
        owner: String,
    },
}

/// `beacon token ...`
#[derive(Subcommand)]
pub enum TokenCommand {
    /// Create an API token for an organization and print it (only it) on stdout.
    Create {
        /// Organization slug.
        #[arg(long)]
        org: String,
        /// Email of a member allowed to manage tokens, recorded as the token's creator.
        #[arg(long)]
        email: String,
        /// owner, admin, editor or viewer (no more than the member's own role).
        #[arg(long)]
        role: String,
        #[arg(long, default_value = "cli")]
        name: String,
    },
}

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = cli.config;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let app = App::build(config, Arc::new(SystemClock)).await?;
            tracing::info!(address = %app.local_addr(), base_url = %app.state().config.base_url(), "Beacon is listening");
            if let Some(url) = app.setup_url() {
                tracing::info!("no account exists yet: open {url} to create the first owner and organization (the link works once)");
            }
            app.run_until_stopped(crate::app::shutdown_signal()).await
        }
        Command::Migrate => {
            let db = db::Db::connect(&config.database_url)
                .await
                .context("connecting to the database")?;
            db.migrate().await?;
            eprintln!("migrations applied");
            Ok(())
        }
        Command::User(UserCommand::Create {
            email,
            password,
            name,
        }) => {
            let state = offline_state(config).await?;
            let name = name.unwrap_or_else(|| email.split('@').next().unwrap_or("").to_owned());
            let account = NewAccount::parse(&email, &name, &password).map_err(describe)?;
            let user = ops::accounts::create_user(&state, account)
                .await
                .map_err(describe)?;
            eprintln!("created user {} ({})", user.email, user.id);
            Ok(())
        }
        Command::Org(OrgCommand::Create { slug, name, owner }) => {
            let state = offline_state(config).await?;
            let user = find_user(&state, &owner).await?;
            let org = ops::orgs::create(&state, &user, &slug, &name)
                .await
                .map_err(describe)?;
            eprintln!(
                "created organization {} ({}) owned by {}",
                org.slug, org.id, user.email
            );
            Ok(())
        }
        Command::Token(TokenCommand::Create {
            org,
            email,
            role,
            name,
        }) => {
            let state = offline_state(config).await?;
            let Some(role) = Role::parse(&role) else {
                bail!("--role must be owner, admin, editor or viewer")
            };
            let user = find_user(&state, &email).await?;
            let mut c = state.db.conn().await?;
            let Some(found) = db::orgs::find_by_slug(&mut c, &org).await? else {
                bail!("no organization with slug {org:?}")
            };
            let Some(member_role) = db::members::role_of(&mut c, &found.id, &user.id).await? else {
                bail!("{} is not a member of {org}", user.email)
            };
            drop(c);
            let access = OrgAccess {
                org: found,
                role: member_role,
                actor: Actor::user(&user.id, &user.email),
            };
            let (_, secret) = ops::tokens::create(&state, &access, &name, role)
                .await
                .map_err(describe)?;
            println!("{secret}");
            Ok(())
        }
    }
}

async fn offline_state(config: Config) -> anyhow::Result<AppState> {
    let db = db::Db::connect(&config.database_url)
        .await
        .context("connecting to the database")?;
    db.migrate().await?;
    Ok(AppState::new(db, config, Arc::new(SystemClock)))
}

async fn find_user(state: &AppState, email: &str) -> anyhow::Result<db::users::User> {
    let email =
        crate::domain::Email::parse(email).map_err(|e| anyhow::anyhow!("--email {}", e.message))?;
    let found = db::users::find_by_email(&mut *state.db.conn().await?, email.as_str()).await?;
    found.with_context(|| format!("no user with email {}", email.as_str()))
}

fn describe(e: crate::error::Error) -> anyhow::Error {
    use crate::error::Error;
    match e {
        Error::Invalid(fields) => {
            anyhow::anyhow!(fields
                .iter()
                .map(|f| format!("{} {}", f.field, f.message))
                .collect::<Vec<_>>()
                .join("; "))
        }
        Error::Conflict(f) => anyhow::anyhow!("{} {}", f.field, f.message),
        Error::Internal(e) => e,
        other => anyhow::anyhow!(other.to_string()),
    }
}
