//! The REST API under `/api/v1`: JSON in, JSON out, one error shape, described by OpenAPI.

pub mod incidents;
pub mod maintenances;
pub mod members;
pub mod openapi;
pub mod orgs;
pub mod pages;
pub mod status;
pub mod teams;
pub mod tokens;

use super::error::ApiError;
use crate::db;
use crate::domain::Role;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Result of an API handler.
pub type ApiResult<T> = Result<T, ApiError>;

/// `?limit=`: how many items a list returns (1-100, default 50).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// How many items to return (1-100; default 50).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<i64>,
}

impl ListQuery {
    /// The clamped limit.
    pub fn limit(&self) -> i64 {
        crate::ops::clamp_limit(self.limit, 50, 100)
    }
}

/// An organization.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrgBody {
    pub id: String,
    pub slug: String,
    pub name: String,
    /// IANA time zone, e.g. `Europe/Paris`.
    pub time_zone: String,
    #[schema(format = DateTime)]
    pub created_at: String,
}

impl From<db::orgs::Org> for OrgBody {
    fn from(o: db::orgs::Org) -> Self {
        OrgBody {
            id: o.id.to_string(),
            slug: o.slug,
            name: o.name,
            time_zone: o.time_zone,
            created_at: o.created_at.to_rfc3339(),
        }
    }
}

/// A member of an organization.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberBody {
    pub user_id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    #[schema(format = DateTime)]
    pub joined_at: String,
}

impl From<db::members::Member> for MemberBody {
    fn from(m: db::members::Member) -> Self {
        MemberBody {
            user_id: m.user_id.to_string(),
            email: m.email,
            name: m.name,
            role: m.role,
            joined_at: m.joined_at.to_rfc3339(),
        }
    }
}

/// An invitation to join an organization.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationBody {
    pub id: String,
    pub email: String,
    pub role: Role,
    #[schema(format = DateTime)]
    pub expires_at: String,
    #[schema(format = DateTime)]
    pub accepted_at: Option<String>,
}

impl From<db::invitations::Invitation> for InvitationBody {
    fn from(i: db::invitations::Invitation) -> Self {
        InvitationBody {
            id: i.id.to_string(),
            email: i.email,
            role: i.role,
            expires_at: i.expires_at.to_rfc3339(),
            accepted_at: i.accepted_at.map(|t| t.to_rfc3339()),
        }
    }
}

/// A team and the ids of its members.
#[derive(Debug, Serialize, ToSchema)]
pub struct TeamBody {
    pub id: String,
    pub name: String,
    pub member_ids: Vec<String>,
}

impl From<db::teams::Team> for TeamBody {
    fn from(t: db::teams::Team) -> Self {
        TeamBody {
            id: t.id.to_string(),
            name: t.name,
            member_ids: t.member_ids.iter().map(|i| i.to_string()).collect(),
        }
    }
}

/// An API token. `token` (the secret) is present only in the response that creates it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenBody {
    pub id: String,
    pub name: String,
    pub role: Role,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub last_used_at: Option<String>,
}

impl From<db::tokens::Token> for TokenBody {
    fn from(t: db::tokens::Token) -> Self {
        TokenBody {
            id: t.id.to_string(),
            name: t.name,
            role: t.role,
            token: None,
            created_at: t.created_at.to_rfc3339(),
            last_used_at: t.last_used_at.map(|t| t.to_rfc3339()),
        }
    }
}

/// One entry of the audit log.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryBody {
    pub id: String,
    #[schema(format = DateTime)]
    pub at: String,
    /// Who acted: a user's email or `token:<name>`.
    pub actor: String,
    /// What happened, e.g. `member.role_change`.
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    /// Action-specific details.
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}

impl From<db::audit::Entry> for AuditEntryBody {
    fn from(e: db::audit::Entry) -> Self {
        AuditEntryBody {
            id: e.id.to_string(),
            at: e.at.to_rfc3339(),
            actor: e.actor,
            action: e.action,
            object_type: e.object_type,
            object_id: e.object_id,
            details: e.details,
        }
    }
}

macro_rules! list_type {
    ($name:ident, $item:ty) => {
        /// A list, as `{"data": [...]}`.
        #[derive(Debug, Serialize, ToSchema)]
        pub struct $name {
            pub data: Vec<$item>,
        }

        impl<T: Into<$item>> FromIterator<T> for $name {
            fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
                $name {
                    data: iter.into_iter().map(Into::into).collect(),
                }
            }
        }
    };
}

pub(crate) use list_type;

list_type!(OrgList, OrgBody);
list_type!(MemberList, MemberBody);
list_type!(InvitationList, InvitationBody);
list_type!(TeamList, TeamBody);
list_type!(TokenList, TokenBody);

/// A page of the audit log; pass `next_cursor` back as `?cursor=` for the next (older) page.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    pub data: Vec<AuditEntryBody>,
    /// Null on the last page.
    pub next_cursor: Option<String>,
}

/// Deserializes a field that may be absent (`None`), `null` (`Some(None)`) or a value.
pub fn double_option<'de, T, D>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// Reads an RFC 3339 instant from a request field.
pub fn parse_time(
    field: &'static str,
    s: &str,
) -> Result<crate::domain::Timestamp, crate::error::Error> {
    s.trim()
        .parse::<jiff::Timestamp>()
        .map(|t| crate::domain::Timestamp::from_micros(t.as_microsecond()))
        .map_err(|_| {
            crate::error::Error::invalid(
                field,
                "is not an RFC 3339 date-time with an offset, e.g. 2026-03-08T09:30:00Z",
            )
        })
}
