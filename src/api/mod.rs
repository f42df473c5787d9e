//! The OpenAPI document of `/api/v1`, served at `/api/openapi.json`. Every API handler is listed
//! here; a test checks that the list and the router agree.

use axum::response::{IntoResponse, Response};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::{
    attendance, auth, catalogue, client, committee, cycle, intervenant, mutual, network, org, places, proposal,
    quality, quote, survey, veille,
};

mod contract;
use contract::{ErrorResponses, PathText};

struct BearerAuth;

/// Operation ids a generated client can use: `tag_function` (`clients_list`, `quotes_get_one`),
/// unique over the document (a test checks it).
struct OperationIds;

impl Modify for OperationIds {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            for op in
                [item.get.as_mut(), item.put.as_mut(), item.post.as_mut(), item.delete.as_mut(), item.patch.as_mut()]
                    .into_iter()
                    .flatten()
            {
                let tag = op.tags.as_ref().and_then(|t| t.first()).cloned().unwrap_or_default();
                if let Some(id) = op.operation_id.as_mut() {
                    let function = id.trim_start_matches("api_").to_string();
                    *id =
                        if tag.is_empty() { function } else { format!("{}_{function}", tag.replace(['-', ' '], "_")) };
                }
            }
        }
    }
}

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Acunum API", version = "1",
        description = "L'API d'Acunum : chaque page a son jumeau JSON. Authentification par jeton (`Authorization: Bearer …`, \
                       créé dans « Mon compte » ou par `acunum token create`) ou par la session du navigateur (avec l'en-tête \
                       `X-CSRF-Token` pour les écritures). Les erreurs sont des objets `{code, message, fields}`."),
    modifiers(&BearerAuth, &OperationIds, &ErrorResponses, &PathText),
    security(("bearer" = [])),
    paths(
        auth::api::me, auth::api::change_password, auth::api::list_tokens, auth::api::create_token, auth::api::delete_token,
        auth::api::list_users, auth::api::create_user, auth::api::issue_reset, auth::api::set_active,
        org::api::get_own, org::api::update_own, org::api::admin_list, org::api::admin_create,
        catalogue::api::list, catalogue::api::create, catalogue::api::get_one, catalogue::api::update,
        catalogue::api::duplicate, catalogue::api::set_state, catalogue::api::versions, catalogue::api::version,
        client::api::list, client::api::create, client::api::get_one, client::api::update, client::api::delete,
        client::api::add_contact, client::api::delete_contact,
        intervenant::api::list, intervenant::api::create, intervenant::api::get_one, intervenant::api::update,
        intervenant::api::delete, intervenant::api::invite, client::api::invite_contact,
        catalogue::api::programme_pdf,
        quote::api::list, quote::api::create, quote::api::preview, quote::api::get_one, quote::api::update, quote::api::send,
        quote::api::revise, quote::api::version, quote::api::pdf, quote::api::convention, quote::api::link_get,
        quote::api::link_accept, quote::api::link_refuse, quote::api::link_convention,
        cycle::api::list, cycle::api::create, cycle::api::get_one, cycle::api::advance, cycle::api::add_participant,
        cycle::api::update_participant, cycle::api::delete_participant, cycle::api::plan, cycle::api::add_session,
        cycle::api::convoke, cycle::api::update_session, cycle::api::delete_session, cycle::api::cancel_session, cycle::api::add_structure,
        cycle::api::registrations,
        cycle::api::rooms, cycle::api::create_room, cycle::api::room, cycle::api::update_room, cycle::api::register,
        attendance::api::session_attendance, attendance::api::open, attendance::api::mark, attendance::api::lock,
        attendance::api::module_summary, attendance::api::certificate, attendance::api::sign, attendance::api::announce,
        attendance::api::certificates, attendance::api::issue_certificates, attendance::api::cancel_certificate,
        committee::api::votes, committee::api::create_vote, committee::api::vote, committee::api::close,
        committee::api::apply, committee::api::cast, committee::api::referent, committee::api::commitments,
        committee::api::add_commitment, committee::api::follow_commitment, committee::api::actions,
        committee::api::create_action, committee::api::action, committee::api::update_action, committee::api::add_note,
        committee::api::amo, committee::api::add_amo,
        proposal::api_list, proposal::api_upload, proposal::api_get,
        proposal::api_reading, mutual::api_board, mutual::api_post,
        network::api::api_territories, network::api::api_create_territory, network::api::api_retours,
        network::api::api_cycle, network::api::api_settings, network::api::api_add_retour,
        network::api::api_request, network::api::api_answer,
        veille::api::bookmarks, veille::api::add_bookmark, veille::api::delete_bookmark, veille::api::feeds,
        veille::api::add_feed, veille::api::refresh, veille::api::delete_feed, veille::api::entries, veille::api::read,
        veille::api::addresses, veille::api::import_opml, places::communes::api_search,
        crate::notepad::web::api_list, crate::notepad::web::api_module, crate::notepad::web::api_get,
        crate::notepad::web::api_import, crate::notepad::history::api_pdf, crate::notepad::history::api_revisions,
        crate::notepad::history::api_keep, crate::notepad::history::api_revision, crate::notepad::history::api_restore,
        places::api::search, places::api::get_one, places::api::import, places::api::imports, places::api::report,
        places::api::export_csv, places::api::export_json, places::api::client_nearby,
        crate::assessment::api::group, crate::assessment::api::evidence_csv, crate::assessment::api::send,
        crate::assessment::api::remind, crate::assessment::api::adapt, crate::assessment::api::mine,
        crate::assessment::api::answer, crate::assessment::api::questionnaire, crate::assessment::api::save_questionnaire,
        survey::api::questionnaires, survey::api::save_questionnaire, survey::api::send_survey, survey::api::results,
        survey::api::form, survey::api::answer, survey::complaints::api_list, survey::complaints::api_create,
        survey::complaints::api_get, survey::complaints::api_update, quality::api_indicators, quality::api_bpf,
        client::space::api_documents, client::space::quote_pdf, client::space::convention_pdf, client::space::invoice_pdf,
        crate::audit::web::api_list, crate::privacy::web::api_find, crate::privacy::web::api_register,
        crate::privacy::web::api_export, crate::privacy::web::api_pdf, crate::privacy::web::api_erase,
        crate::privacy::web::api_mine,
        crate::invoice::api::list, crate::invoice::api::get_one, crate::invoice::api::pdf, crate::invoice::api::xml,
        crate::invoice::api::credit, crate::invoice::api::pay, crate::invoice::api::cancel_payment,
        crate::invoice::api::of_quote, crate::invoice::api::issue, crate::invoice::api::fec,
        crate::invoice::api::sales_csv, crate::invoice::api::get_billing, crate::invoice::api::put_billing, crate::mail::web::api_list, crate::mail::web::api_retry, crate::mail::web::api_cancel,
    ),
    components(schemas(crate::error::ErrorBody, crate::error::FieldError))
)]
pub struct ApiDoc;

/// `GET /api/openapi.json`
pub async fn openapi_json() -> Response {
    axum::Json(ApiDoc::openapi()).into_response()
}
