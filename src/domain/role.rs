//! Organization roles and the permission table that every access decision reads.

use serde::{Deserialize, Serialize};

/// A member's (or token's) role in one organization, from most to least powerful.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Owner,
    Admin,
    Editor,
    Viewer,
}

/// Something a role may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// See the dashboard and read the org's data.
    ReadDashboard,
    /// Change services, incidents and maintenance.
    ManageStatus,
    /// Invite, remove and re-role members; manage teams.
    ManageMembers,
    /// Change the organization's settings.
    ManageSettings,
    /// Create and revoke API tokens.
    ManageTokens,
    /// Read the audit log.
    ReadAudit,
    /// Delete the organization, and grant or take the owner role.
    ManageOwnership,
}

impl Role {
    /// Every role, most powerful first.
    pub const ALL: [Role; 4] = [Role::Owner, Role::Admin, Role::Editor, Role::Viewer];

    /// The stored and wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Editor => "editor",
            Role::Viewer => "viewer",
        }
    }

    /// Parses the stored and wire name.
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// The permission table.
    pub fn can(self, permission: Permission) -> bool {
        use Permission::*;
        match self {
            Role::Owner => true,
            Role::Admin => !matches!(permission, ManageOwnership),
            Role::Editor => matches!(permission, ReadDashboard | ManageStatus),
            Role::Viewer => matches!(permission, ReadDashboard),
        }
    }

    /// Whether a holder of `self` may give `other` to someone (no one grants above their own role,
    /// and only owners grant or take ownership).
    pub fn may_grant(self, other: Role) -> bool {
        if other == Role::Owner {
            return self.can(Permission::ManageOwnership);
        }
        self.rank() <= other.rank()
    }

    fn rank(self) -> u8 {
        match self {
            Role::Owner => 0,
            Role::Admin => 1,
            Role::Editor => 2,
            Role::Viewer => 3,
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::Permission::*;
    use super::*;

    #[test]
    fn the_permission_table_matches_the_product_rules() {
        let table = [
            (Role::Owner, [true, true, true, true, true, true, true]),
            (Role::Admin, [true, true, true, true, true, true, false]),
            (
                Role::Editor,
                [true, true, false, false, false, false, false],
            ),
            (
                Role::Viewer,
                [true, false, false, false, false, false, false],
            ),
        ];
        let perms = [
            ReadDashboard,
            ManageStatus,
            ManageMembers,
            ManageSettings,
            ManageTokens,
            ReadAudit,
            ManageOwnership,
        ];
        for (role, expected) in table {
            for (p, want) in perms.iter().zip(expected) {
                assert_eq!(role.can(*p), want, "{role} {p:?}");
            }
        }
    }

    #[test]
    fn only_owners_grant_ownership_and_nobody_grants_above_themselves() {
        assert!(Role::Owner.may_grant(Role::Owner));
        assert!(!Role::Admin.may_grant(Role::Owner));
        assert!(Role::Admin.may_grant(Role::Admin));
        assert!(Role::Admin.may_grant(Role::Viewer));
        assert!(!Role::Editor.may_grant(Role::Admin));
    }

    #[test]
    fn roles_round_trip_through_their_names() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
