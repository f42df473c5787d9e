//! The permission matrix: who may call which route, in one table (role × access level), enforced
//! for every route of [`crate::app::route_table`] by one layer ([`enforce`]) before any handler runs,
//! and walked by a test over every route and every role.
//!
//! | access level | coordination | intervenant·e | référent·e client | participant·e | administration du réseau | visiteur |
//! |---|---|---|---|---|---|---|
//! | public | oui | oui | oui | oui | oui | oui |
//! | user (son compte) | oui | oui | oui | oui | oui | non |
//! | staff (les cycles) | oui | les cycles qu'il ou elle anime, sa fiche | non | non | non | non |
//! | coordinator | oui | non | non | non | non | non |
//! | client (mes documents) | non | non | sa structure | non | non | non |
//! | manager (comptes) | son organisation | non | non | non | tout le réseau | non |
//! | admin (organisations) | non | non | non | non | oui | non |
//!
//! Handlers still scope every record to the caller's organisation (the isolation walk proves it);
//! this table decides, before that, what a role may reach at all.

use axum::extract::{FromRequestParts, RawPathParams, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::auth::{CurrentUser, Role};
use crate::error::AppError;
use crate::state::AppState;

/// Who may call a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anybody, with or without an account (public pages, the secret links of participants).
    Public,
    /// Any account: its own page, password and tokens.
    User,
    /// Coordinators; intervenants within the cycles they teach and their own record.
    Staff,
    /// The coordination of the organisation.
    Coordinator,
    /// A client contact: their structure's documents.
    Client,
    /// Accounts: coordinators (their organisation) and the network admin (every organisation).
    Manager,
    /// The network admin.
    Admin,
}

impl Access {
    pub const ALL: [Access; 7] = [
        Access::Public,
        Access::User,
        Access::Staff,
        Access::Coordinator,
        Access::Client,
        Access::Manager,
        Access::Admin,
    ];

    /// The matrix: whether `role` may call a route of this level.
    pub fn allows(self, role: Role) -> bool {
        use Access::*;
        matches!(
            (self, role),
            (Public | User, _)
                | (Staff, Role::Coordinator | Role::Intervenant)
                | (Coordinator, Role::Coordinator)
                | (Client, Role::ClientContact)
                | (Manager, Role::Coordinator | Role::Admin)
                | (Admin, Role::Admin)
        )
    }

    pub fn name(self) -> &'static str {
        match self {
            Access::Public => "public",
            Access::User => "user",
            Access::Staff => "staff",
            Access::Coordinator => "coordinator",
            Access::Client => "client",
            Access::Manager => "manager",
            Access::Admin => "admin",
        }
    }

    /// What the level covers, in French (the README's table and the refusals).
    pub fn label(self) -> &'static str {
        match self {
            Access::Public => "pages publiques et liens personnels",
            Access::User => "son compte",
            Access::Staff => "les cycles (séances, émargement, bloc-notes, veille, comité), le catalogue, les lieux",
            Access::Coordinator => "devis, conventions, clients, intervenants, utilisateurs de l'organisation, qualité",
            Access::Client => "les documents de sa structure",
            Access::Manager => "les comptes",
            Access::Admin => "les organisations du réseau",
        }
    }
}

/// What a role may do at one level, for the README's table.
pub fn cell(access: Access, role: Role) -> &'static str {
    match (access, role) {
        (Access::Staff, Role::Intervenant) => "les cycles qu'il ou elle anime, sa fiche",
        (Access::Client, Role::ClientContact) => "sa structure seulement",
        (Access::Manager, Role::Coordinator) => "son organisation",
        (Access::Manager, Role::Admin) => "tout le réseau",
        (a, r) if a.allows(r) => "oui",
        _ => "non",
    }
}

/// The matrix as a Markdown table (kept in the README; a test compares them).
pub fn markdown() -> String {
    let roles = [Role::Coordinator, Role::Intervenant, Role::ClientContact, Role::Participant, Role::Admin];
    let mut out = String::from("| accès | ce qu'il couvre |");
    for r in roles {
        out.push_str(&format!(" {} |", r.label()));
    }
    out.push_str("\n|---|---|");
    for _ in roles {
        out.push_str("---|");
    }
    out.push('\n');
    for a in Access::ALL {
        out.push_str(&format!("| `{}` | {} |", a.name(), a.label()));
        for r in roles {
            out.push_str(&format!(" {} |", cell(a, r)));
        }
        out.push('\n');
    }
    out
}

/// What an intervenant's access is narrowed to on a route: the cycle, the session or the
/// intervenant record named in its path.
#[derive(Debug, PartialEq, Eq)]
pub enum Scope {
    None,
    Cycle(i64),
    Session(i64),
    Intervenant(i64),
}

/// The scope of a route for an intervenant, from its path template and its parameters.
pub fn scope_of(template: &str, params: &[(&str, &str)]) -> Scope {
    let get = |k: &str| params.iter().find(|(n, _)| *n == k).and_then(|(_, v)| v.parse::<i64>().ok());
    let id = get("id").unwrap_or(-1);
    if template.starts_with("/cycles/{id}") || template.starts_with("/api/v1/cycles/{id}") {
        Scope::Cycle(id)
    } else if template.starts_with("/intervenants/{id}") || template.starts_with("/api/v1/intervenants/{id}") {
        Scope::Intervenant(id)
    } else if template.starts_with("/seances/{session}") {
        Scope::Session(get("session").unwrap_or(-1))
    } else {
        Scope::None
    }
}

/// The guard of one route: its level and its path template.
#[derive(Clone)]
pub struct Guard {
    pub state: AppState,
    pub access: Access,
    pub template: &'static str,
}

/// The one layer every non-public route goes through: the role must be allowed by the matrix, and
/// an intervenant must teach the cycle (or be the record) the path names.
pub async fn enforce(State(g): State<Guard>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let user = match CurrentUser::from_request_parts(&mut parts, &g.state).await {
        Ok(u) => u,
        Err(e) => return e.into_response(),
    };
    let role = user.role();
    if !g.access.allows(role) {
        return AppError::Forbidden.into_response();
    }
    if g.access == Access::Staff && role == Role::Intervenant {
        let raw = RawPathParams::from_request_parts(&mut parts, &g.state).await.ok();
        let params: Vec<(&str, &str)> = raw.as_ref().map(|r| r.iter().collect()).unwrap_or_default();
        let scope = scope_of(g.template, &params);
        match intervenant_may(&g.state, &user, &scope).await {
            Ok(true) => {}
            Ok(false) => return AppError::Forbidden.into_response(),
            Err(e) => return e.into_response(),
        }
    }
    next.run(Request::from_parts(parts, body)).await
}

/// Whether an intervenant's account reaches what the path names.
async fn intervenant_may(s: &AppState, user: &CurrentUser, scope: &Scope) -> Result<bool, AppError> {
    if *scope == Scope::None {
        return Ok(true);
    }
    let org = user.org_id()?;
    let Some(me) = crate::cycle::store::intervenant_of_user(&s.db, org, user.id()).await? else {
        return Ok(false);
    };
    Ok(match scope {
        Scope::None => true,
        Scope::Intervenant(id) => *id == me,
        Scope::Cycle(id) => crate::cycle::store::teaches(&s.db, org, *id, me).await?,
        Scope::Session(id) => match crate::cycle::store::session(&s.db, org, *id).await {
            Ok(x) => crate::cycle::store::teaches(&s.db, org, x.cycle_id, me).await?,
            Err(_) => false,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_role_reaches_its_own_levels_only() {
        assert!(Access::Staff.allows(Role::Intervenant));
        assert!(!Access::Coordinator.allows(Role::Intervenant));
        assert!(!Access::Staff.allows(Role::ClientContact));
        assert!(Access::Client.allows(Role::ClientContact));
        assert!(!Access::Client.allows(Role::Coordinator));
        assert!(Access::Manager.allows(Role::Admin) && !Access::Manager.allows(Role::Intervenant));
        assert!(!Access::Staff.allows(Role::Participant) && Access::User.allows(Role::Participant));
    }

    #[test]
    fn an_intervenants_scope_comes_from_the_path() {
        assert_eq!(
            scope_of("/cycles/{id}/seances/{session}/emargement", &[("id", "7"), ("session", "3")]),
            Scope::Cycle(7)
        );
        assert_eq!(scope_of("/api/v1/intervenants/{id}", &[("id", "4")]), Scope::Intervenant(4));
        assert_eq!(scope_of("/seances/{session}/ics", &[("session", "9")]), Scope::Session(9));
        assert_eq!(scope_of("/agenda", &[]), Scope::None);
        assert_eq!(scope_of("/cycles/{id}", &[("id", "x")]), Scope::Cycle(-1));
    }

    #[test]
    fn the_matrix_reads_as_a_table() {
        let t = markdown();
        assert!(t.contains("| `staff` |") && t.contains("les cycles qu'il ou elle anime, sa fiche"));
        assert_eq!(t.lines().count(), 2 + Access::ALL.len());
    }
}
