//! The pages of the accompaniment (AMO): its meetings, their hours and their CSV.

use super::service::*;
use crate::cycle::extract::CycleOf;
use crate::web::list::{csv_bytes, csv_response};

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use tower_sessions::Session;

use crate::auth::CurrentUser;
use crate::committee::AMO_KINDS;
use crate::committee::store::{self, Action, AmoEntry};
use crate::cycle::store::{self as cycles, Cycle};
use crate::error::{AppError, FieldErrors};
use crate::extract::{Form, Path};
use crate::state::AppState;
use crate::web::{PageCtx, flash, render, render_invalid};

pub(crate) fn amo_form(pairs: &[(String, String)]) -> Result<AmoForm, AppError> {
    let mut f = AmoForm::default();
    for (k, v) in pairs {
        match k.as_str() {
            "kind" => f.kind = v.clone(),
            "day" => f.day = v.clone(),
            "duration" => f.duration = v.clone(),
            "text" => f.text = v.clone(),
            "action_ids" => f.action_ids.push(v.parse().map_err(|_| AppError::BadRequest("Action illisible.".into()))?),
            "attendee_ids" => {
                f.attendee_ids.push(v.parse().map_err(|_| AppError::BadRequest("Participant illisible.".into()))?)
            }
            "intervenant_id" if !v.is_empty() => {
                f.intervenant_id = Some(v.parse().map_err(|_| AppError::BadRequest("Intervenant illisible.".into()))?)
            }
            _ => {}
        }
    }
    Ok(f)
}

#[derive(Template)]
#[template(path = "committee/amo.html")]
pub(crate) struct AmoPage {
    ctx: PageCtx,
    cycle: Cycle,
    entries: Vec<AmoEntry>,
    total: String,
    actions: Vec<Action>,
    intervenants: Vec<(String, String)>,
    kinds: Vec<(&'static str, &'static str)>,
    form: AmoForm,
    errors: FieldErrors,
    /// The committee's members first, then the others of the cycle: who can be present at a meeting.
    people: Vec<crate::cycle::store::Participant>,
}

impl AmoPage {
    fn intervenant_value(&self) -> String {
        self.form.intervenant_id.map(|i| i.to_string()).unwrap_or_default()
    }
}

pub(crate) async fn amo_page(
    s: &AppState,
    user: &CurrentUser,
    ctx: PageCtx,
    id: i64,
    form: AmoForm,
    errors: FieldErrors,
) -> Result<AmoPage, AppError> {
    let org = user.staff_org()?;
    let cycle = cycles::get(&s.db, org, id).await?;
    let entries = store::amo_entries(&s.db, org, id).await?;
    let total = crate::attendance::hours_text(entries.iter().map(|e| e.minutes).sum());
    let all = crate::web::list::Listing::new(&Default::default(), &crate::intervenant::store::SORT);
    let intervenants = crate::intervenant::store::list(&s.db, org, &all, &Default::default())
        .await?
        .0
        .into_iter()
        .map(|i| (i.id.to_string(), i.full_name()))
        .collect();
    Ok(AmoPage {
        ctx,
        cycle,
        entries,
        total,
        actions: store::actions(&s.db, org, id).await?,
        intervenants,
        kinds: AMO_KINDS.to_vec(),
        form,
        errors,
        people: {
            let mut p = cycles::participants(&s.db, org, id).await?;
            p.sort_by_key(|x| !x.committee);
            p
        },
    })
}

/// `GET /cycles/{id}/amo`
pub async fn amo(
    ctx: PageCtx,
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let form = AmoForm {
        kind: "meeting".into(),
        day: crate::quote::today().format("%Y-%m-%d").to_string(),
        ..Default::default()
    };
    render(&amo_page(&s, &user, ctx, id, form, FieldErrors::new()).await?)
}

/// `POST /cycles/{id}/amo`
pub async fn add_amo(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let f = amo_form(&pairs)?;
    match do_add_amo(&s, &user, id, &f).await {
        Ok(_) => {
            flash(&session, "Intervention ajoutée au journal d'AMO.").await;
            Ok(Redirect::to(&format!("/cycles/{id}/amo")).into_response())
        }
        Err(AppError::Invalid(e)) => render_invalid(&amo_page(&s, &user, ctx, id, f, e).await?),
        Err(e) => Err(e),
    }
}

/// `GET /cycles/{id}/amo.csv`: the journal, for the AMO invoicing.
pub async fn amo_csv(
    CycleOf { org, .. }: CycleOf,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let people = cycles::participants(&s.db, org, id).await?;
    let mut rows = Vec::new();
    for e in store::amo_entries(&s.db, org, id).await? {
        let present: Vec<String> =
            people.iter().filter(|p| e.attendee_ids.contains(&p.id)).map(|p| p.full_name()).collect();
        rows.push(vec![
            e.day.format("%d/%m/%Y").to_string(),
            e.intervenant_name.clone().unwrap_or_default(),
            e.kind_label().to_string(),
            e.minutes.to_string(),
            crate::fr::decimal(rust_decimal::Decimal::from(e.minutes) / rust_decimal::Decimal::from(60)),
            present.join(", "),
            e.text.clone(),
        ]);
    }
    let headers = ["date", "intervenant", "type", "minutes", "heures", "présents", "description"];
    Ok(csv_response("journal-amo.csv", csv_bytes(&headers, rows)))
}
