//! The home page of each role: what the person has to do now. The coordination's week (sessions,
//! sheets to close, quotes awaiting an answer, overdue actions, messages that failed, invoices due);
//! the intervenant's next sessions, sheets to close and notepads; the client contact's documents
//! and their group's progress; the network's administration. It gathers the concepts, so it sits
//! above them.

pub mod store;

use askama::Template;
use axum::extract::State;
use axum::response::Response;

use crate::auth::{CurrentUser, Role};
use crate::error::AppError;
use crate::state::AppState;
use crate::web::{PageCtx, render};
use store::SessionLine;

/// An overdue invoice: (id, number, who pays, what is due, due date).
pub type DueInvoice = (i64, String, String, String, String);

/// The coordination's and the intervenant's things to do.
#[derive(Default)]
pub struct Week {
    pub sessions: Vec<SessionLine>,
    pub to_close: Vec<SessionLine>,
    pub quotes: Vec<(i64, String, String, String, i64)>,
    /// (cycle id, action title, due date in words)
    pub actions: Vec<(i64, String, String)>,
    pub mail_failed: i64,
    pub mail_waiting: i64,
    pub invoices: Vec<DueInvoice>,
    /// (cycle id, notepad id, title, cycle title)
    pub notepads: Vec<(i64, i64, String, String)>,
    /// An intervenant's account not tied to an intervenant record.
    pub unlinked: bool,
}

impl Week {
    pub fn nothing_to_do(&self) -> bool {
        self.to_close.is_empty()
            && self.quotes.is_empty()
            && self.actions.is_empty()
            && self.mail_failed == 0
            && self.invoices.is_empty()
    }
}

/// What the client contact's home shows.
#[derive(Default)]
pub struct ClientHome {
    pub client_name: String,
    pub certificates: usize,
    pub trainees: usize,
    pub quotes_to_answer: usize,
    pub due_text: String,
    pub overdue: usize,
    pub assessed_modules: usize,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    ctx: PageCtx,
    week: Week,
    client: ClientHome,
    orgs: i64,
    users: i64,
}

const DAY: i64 = 86_400;

async fn week(s: &AppState, org: i64, user: &CurrentUser) -> Result<Week, AppError> {
    let now = s.now();
    let mut w = Week::default();
    if user.role() == Role::Coordinator {
        w.sessions = store::sessions_between(&s.db, org, now - 4 * 3600, now + 7 * DAY, None).await?;
        w.to_close = store::sheets_to_close(&s.db, org, now, 60, None).await?;
        w.quotes = store::quotes_waiting(&s.db, org).await?;
        let today = crate::invoice::service::day_of(now);
        w.actions = crate::committee::store::overdue_actions(&s.db, today)
            .await?
            .into_iter()
            .filter(|(o, _)| *o == org)
            .map(|(_, a)| (a.cycle_id, a.title.clone(), a.due_text()))
            .take(10)
            .collect();
        let counts = crate::mail::store::counts(&s.db, org).await?;
        (w.mail_failed, w.mail_waiting) = (counts.failed, counts.waiting);
        w.invoices = crate::invoice::store::all(&s.db, org)
            .await?
            .into_iter()
            .filter(|i| crate::invoice::is_overdue(i.due_date, i.balance, today))
            .map(|i| {
                (
                    i.id,
                    i.number.clone(),
                    i.buyer_name.clone(),
                    crate::money::euros(i.balance),
                    crate::fr::date_long(i.due_date),
                )
            })
            .take(10)
            .collect();
    } else {
        match crate::cycle::store::intervenant_of_user(&s.db, org, user.id()).await? {
            Some(me) => {
                w.sessions = store::sessions_between(&s.db, org, now - 4 * 3600, now + 14 * DAY, Some(me)).await?;
                w.to_close = store::sheets_to_close(&s.db, org, now, 60, Some(me)).await?;
                w.notepads = store::notepads_of_intervenant(&s.db, org, me).await?;
            }
            None => w.unlinked = true,
        }
    }
    Ok(w)
}

async fn client_home(s: &AppState, user: &CurrentUser) -> Result<ClientHome, AppError> {
    let Some(client) = crate::client::store::client_of_user(&s.db, user.id()).await? else {
        return Ok(ClientHome::default());
    };
    let org = user.org_id()?;
    let docs = crate::client::space::documents(s, org, client).await?;
    let modules = docs.cycles.iter().flat_map(|c| c.modules.iter());
    Ok(ClientHome {
        client_name: docs.client_name.clone(),
        certificates: modules.clone().flat_map(|m| m.trainees.iter()).map(|t| t.certificates.len()).sum(),
        trainees: modules.clone().map(|m| m.trainees.len()).sum(),
        quotes_to_answer: docs.quotes.iter().filter(|q| q.status == crate::quote::Status::Sent).count(),
        overdue: docs.invoices.iter().filter(|i| i.overdue).count(),
        due_text: docs.due_text.clone(),
        assessed_modules: modules.filter(|m| m.progress.is_some()).count(),
    })
}

/// `GET /`
pub async fn home(ctx: PageCtx, user: CurrentUser, State(s): State<AppState>) -> Result<Response, AppError> {
    let (mut orgs, mut users) = (0, 0);
    let mut w = Week::default();
    let mut client = ClientHome::default();
    if user.is_admin() {
        orgs = crate::org::store::count(&s.db).await?;
        users = crate::auth::store::count_users(&s.db).await?;
    } else if let Ok(org) = user.staff_org() {
        w = week(&s, org, &user).await?;
    } else if user.role() == Role::ClientContact {
        client = client_home(&s, &user).await?;
    }
    render(&HomePage { ctx, week: w, client, orgs, users })
}
