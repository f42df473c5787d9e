//! The application state and the router: every route of the pages and of the API, in one list.

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, delete, get, post, put};
use axum::{Json, Router};
use axum_login::AuthManagerLayerBuilder;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::auth::backend::Backend;
use crate::auth::session_store::DbSessionStore;
use crate::error::{AppError, render_errors};
use crate::{
    attendance, auth, catalogue, client, committee, cycle, intervenant, notepad, org, places, quality, quote, survey,
    veille, web,
};

pub use crate::state::AppState;

/// Who may call a route: anybody, or a logged-in user (each handler then checks the role and the
/// organisation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    Public,
    User,
}

/// One entry of the route list.
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
    pub handler: MethodRouter<AppState>,
}

macro_rules! routes {
    ($( $access:ident $method:ident $path:literal => $handler:expr ),* $(,)?) => {
        vec![ $( Route {
            method: stringify!($method),
            path: $path,
            access: routes!(@access $access),
            handler: $method($handler),
        } ),* ]
    };
    (@access public) => { Access::Public };
    (@access user) => { Access::User };
}

/// Every route of the application. The isolation test walks this list.
pub fn route_table() -> Vec<Route> {
    routes![
        public get "/healthz" => healthz,
        public get "/api/openapi.json" => crate::api::openapi_json,
        // Account and session
        public get "/connexion" => auth::web::login_form,
        public post "/connexion" => auth::web::login,
        user post "/deconnexion" => auth::web::logout,
        user get "/" => web::home::dashboard,
        user get "/compte" => auth::web::account,
        user post "/compte/mot-de-passe" => auth::web::change_password,
        user post "/compte/jetons" => auth::web::create_token,
        user post "/compte/jetons/{id}/supprimer" => auth::web::delete_token,
        public get "/reinitialiser/{token}" => auth::web::reset_form,
        public post "/reinitialiser/{token}" => auth::web::reset,
        user get "/utilisateurs" => auth::web::users,
        user post "/utilisateurs" => auth::web::create_user,
        user post "/utilisateurs/{id}/reinitialisation" => auth::web::issue_reset,
        user post "/utilisateurs/{id}/activation" => auth::web::set_active,
        // Organisation
        user get "/organisation" => org::web::show,
        user post "/organisation" => org::web::update,
        user post "/organisation/logo" => org::web::upload_logo,
        user post "/organisation/logo/supprimer" => org::web::delete_logo,
        public get "/logo/{org}" => org::web::logo,
        user get "/admin/organisations" => org::web::admin_list,
        user post "/admin/organisations" => org::web::admin_create,
        // Catalogue
        user get "/catalogue" => catalogue::web::list,
        user get "/catalogue/nouveau" => catalogue::web::new_form,
        user post "/catalogue" => catalogue::web::create,
        user get "/catalogue/{id}" => catalogue::web::show,
        user post "/catalogue/{id}" => catalogue::web::update,
        user get "/catalogue/{id}/modifier" => catalogue::web::edit_form,
        user post "/catalogue/{id}/dupliquer" => catalogue::web::duplicate,
        user post "/catalogue/{id}/etat" => catalogue::web::set_flags,
        user get "/catalogue/{id}/versions/{version}" => catalogue::web::version,
        public get "/programme/{org}/{id}" => catalogue::web::public_programme,
        public get "/programme/{org}/{id}/pdf" => catalogue::web::public_programme_pdf,
        user get "/catalogue/{id}/programme.pdf" => catalogue::web::programme_pdf,
        // Quotes
        user get "/devis" => quote::web::list,
        user get "/devis.csv" => quote::web::csv,
        user get "/devis/nouveau" => quote::web::new_form,
        user post "/devis" => quote::web::create,
        user post "/devis/apercu" => quote::web::preview,
        user get "/devis/{id}" => quote::web::show,
        user post "/devis/{id}" => quote::web::update,
        user get "/devis/{id}/modifier" => quote::web::edit_form,
        user post "/devis/{id}/envoyer" => quote::web::send,
        user post "/devis/{id}/lien" => quote::web::new_link,
        user post "/devis/{id}/reviser" => quote::web::revise,
        user get "/devis/{id}/pdf" => quote::web::pdf,
        user get "/devis/{id}/convention" => quote::web::convention,
        user get "/devis/{id}/versions/{version}" => quote::web::version,
        user get "/devis/{id}/versions/{version}/pdf" => quote::web::version_pdf,
        public get "/acces-devis/{token}" => quote::web::client_view,
        public post "/acces-devis/{token}" => quote::web::client_decide,
        public get "/acces-devis/{token}/pdf" => quote::web::client_pdf,
        public get "/acces-devis/{token}/convention" => quote::web::client_convention,
        // Clients
        user get "/clients" => client::web::list,
        user get "/clients.csv" => client::web::csv,
        user get "/clients/nouveau" => client::web::new_form,
        user post "/clients" => client::web::create,
        user get "/clients/{id}" => client::web::show,
        user post "/clients/{id}" => client::web::update,
        user get "/clients/{id}/modifier" => client::web::edit_form,
        user post "/clients/{id}/supprimer" => client::web::delete,
        user post "/clients/{id}/contacts" => client::web::add_contact,
        user post "/clients/{id}/contacts/{contact}/supprimer" => client::web::delete_contact,
        user post "/clients/{id}/contacts/{contact}/acces" => client::web::grant_access,
        // Cycles
        user get "/cycles" => cycle::web::list,
        user get "/cycles/nouveau" => cycle::web::new_form,
        user post "/cycles" => cycle::web::create,
        user get "/cycles/{id}" => cycle::web::show,
        user post "/cycles/{id}/temps" => cycle::web::advance,
        user post "/cycles/{id}/modules" => cycle::web::add_module,
        user post "/cycles/{id}/structures" => cycle::web::add_structure,
        user get "/cycles/{id}/groupe" => cycle::web::group,
        user post "/cycles/{id}/participants" => cycle::web::add_participant,
        user post "/cycles/{id}/participants/{participant}" => cycle::web::participant_action,
        user post "/cycles/{id}/volontaires/{registration}" => cycle::web::add_volunteer,
        user get "/cycles/{id}/modules/{module}/planifier" => cycle::web::plan_form,
        user post "/cycles/{id}/modules/{module}/planifier" => cycle::web::plan,
        user post "/cycles/{id}/modules/{module}/seances" => cycle::web::session_add,
        user post "/cycles/{id}/modules/{module}/convocations" => cycle::web::convoke,
        user get "/cycles/{id}/seances/{session}" => cycle::web::session_form,
        user post "/cycles/{id}/seances/{session}" => cycle::web::session_update,
        user post "/cycles/{id}/seances/{session}/supprimer" => cycle::web::session_delete,
        user post "/cycles/{id}/seances/{session}/annuler" => cycle::web::session_cancel,
        user get "/seances/{session}/ics" => cycle::web::session_ics,
        user get "/salles" => cycle::web::rooms,
        user post "/salles" => cycle::web::room_create,
        user get "/salles/{id}" => cycle::web::room_show,
        user post "/salles/{id}" => cycle::web::room_update,
        user get "/agenda" => cycle::web::my_agenda,
        user get "/intervenants/{id}/agenda" => cycle::web::intervenant_agenda,
        // Attendance
        user get "/cycles/{id}/seances/{session}/emargement" => attendance::web::session_sheet,
        user post "/cycles/{id}/seances/{session}/emargement/{half}/ouvrir" => attendance::web::open,
        user post "/cycles/{id}/seances/{session}/emargement/{half}/marquer" => attendance::web::mark,
        user post "/cycles/{id}/seances/{session}/emargement/{half}/clore" => attendance::web::lock,
        user get "/cycles/{id}/seances/{session}/emargement/{half}/feuille" => attendance::web::half_pdf,
        user get "/cycles/{id}/modules/{module}/emargement" => attendance::web::module_pdf,
        user get "/cycles/{id}/modules/{module}/feuille-vierge" => attendance::web::blank_pdf,
        user get "/cycles/{id}/modules/{module}/presences" => attendance::web::summary,
        user get "/cycles/{id}/modules/{module}/certificats/{participant}/{kind}" => attendance::web::certificate,
        user get "/cycles/{id}/modules/{module}/certificats.zip" => attendance::web::certificates_zip,
        user post "/cycles/{id}/modules/{module}/certificats" => attendance::web::issue_certificates,
        user post "/cycles/{id}/modules/{module}/certificats/{certificate}/annuler" => attendance::web::cancel_certificate,
        user get "/mes-documents" => client::space::page,
        user get "/mes-documents/devis/{id}/pdf" => client::space::quote_pdf,
        user get "/mes-documents/devis/{id}/convention" => client::space::convention_pdf,
        user get "/mes-documents/{id}/{module}/{participant}/{kind}" => attendance::web::client_certificate,
        // The committee (phases 2 and 3)
        user get "/cycles/{id}/comite" => committee::web::show,
        user post "/cycles/{id}/comite/referent" => committee::web::referent,
        user get "/cycles/{id}/votes" => committee::web::votes,
        user post "/cycles/{id}/votes" => committee::web::create_vote,
        user get "/cycles/{id}/votes/{vote}" => committee::web::vote,
        user post "/cycles/{id}/votes/{vote}/clore" => committee::web::close_vote,
        user post "/cycles/{id}/votes/{vote}/appliquer" => committee::web::apply,
        user get "/cycles/{id}/modules/{module}/programme.pdf" => committee::web::programme,
        user get "/cycles/{id}/engagements" => committee::web::commitments,
        user post "/cycles/{id}/engagements" => committee::web::add_commitment,
        user post "/cycles/{id}/engagements/{commitment}" => committee::web::follow_commitment,
        user get "/cycles/{id}/actions" => committee::web::actions,
        user get "/cycles/{id}/actions.csv" => committee::web::actions_csv,
        user get "/cycles/{id}/actions/nouvelle" => committee::web::new_action,
        user post "/cycles/{id}/actions/nouvelle" => committee::web::create_action,
        user get "/cycles/{id}/actions/{action}" => committee::web::action,
        user post "/cycles/{id}/actions/{action}" => committee::web::update_action,
        user post "/cycles/{id}/actions/{action}/notes" => committee::web::add_note,
        user get "/cycles/{id}/amo" => committee::web::amo,
        user post "/cycles/{id}/amo" => committee::web::add_amo,
        user get "/cycles/{id}/amo.csv" => committee::web::amo_csv,
        public post "/p/{token}/votes/{vote}" => committee::web::cast,
        public post "/p/{token}/actions/{action}" => committee::web::member_note,
        // Vendors' proposals, école mutuelle, TICA network
        user get "/cycles/{id}/propositions" => committee::proposal::index,
        user post "/cycles/{id}/propositions" => committee::proposal::upload,
        user get "/cycles/{id}/propositions/{proposal}" => committee::proposal::show,
        user post "/cycles/{id}/propositions/{proposal}/lecture" => committee::proposal::save_reading,
        user get "/cycles/{id}/propositions/{proposal}/fichier" => committee::proposal::download,
        user post "/cycles/{id}/propositions/{proposal}/supprimer" => committee::proposal::remove,
        public post "/p/{token}/propositions" => committee::proposal::member_upload,
        public get "/p/{token}/propositions/{proposal}" => committee::proposal::member_show,
        public get "/p/{token}/propositions/{proposal}/fichier" => committee::proposal::member_download,
        public get "/glossaire" => committee::proposal::glossary_page,
        user get "/cycles/{id}/ecole-mutuelle" => committee::mutual::board,
        user post "/cycles/{id}/ecole-mutuelle/{post}/clore" => committee::mutual::team_close,
        public post "/p/{token}/ecole-mutuelle" => committee::mutual::member_post,
        public post "/p/{token}/ecole-mutuelle/{post}/clore" => committee::mutual::member_close,
        user get "/reseau" => committee::network::network,
        user get "/communes/options" => places::communes::options,
        // The collaborative notepads
        user get "/cycles/{id}/carnets" => notepad::web::index,
        user post "/cycles/{id}/carnets/modules/{module}" => notepad::web::open_module,
        user get "/cycles/{id}/carnets/{notepad}" => notepad::web::editor,
        user get "/cycles/{id}/carnets/{notepad}/bloc-notes.md" => notepad::web::export_md,
        user get "/cycles/{id}/carnets/{notepad}/bloc-notes.html" => notepad::web::export_html,
        user post "/cycles/{id}/carnets/{notepad}/import" => notepad::web::import,
        user get "/cycles/{id}/carnets/{notepad}/bloc-notes.pdf" => notepad::history::export_pdf,
        user get "/cycles/{id}/carnets/{notepad}/versions" => notepad::history::history,
        user post "/cycles/{id}/carnets/{notepad}/versions" => notepad::history::keep_page,
        user get "/cycles/{id}/carnets/{notepad}/versions/{rev}" => notepad::history::revision,
        user post "/cycles/{id}/carnets/{notepad}/versions/{rev}/restaurer" => notepad::history::restore_page,
        public get "/carnets/ws/{notepad}" => notepad::web::ws,
        public get "/carnet/{token}" => notepad::web::read_only,
        public get "/carnet/ws/{token}" => notepad::web::read_ws,
        public get "/p/{token}/carnets/{notepad}" => notepad::web::participant_editor,
        public get "/p/{token}/carnets/ws/{notepad}" => notepad::web::participant_ws,
        // The directory of mediation places
        user get "/lieux" => places::web::search,
        user get "/lieux/import" => places::web::import_form,
        user post "/lieux/import" => places::web::import_upload,
        user get "/lieux/imports/{id}" => places::web::report,
        user get "/lieux/export.csv" => places::web::export_csv,
        user get "/lieux/export.json" => places::web::export_json,
        user get "/lieux/{id}" => places::web::show,
        user get "/clients/{id}/proximite" => places::web::client_nearby,
        // The veille
        user get "/cycles/{id}/veille" => veille::web::links,
        user post "/cycles/{id}/veille/liens" => veille::web::add_link,
        user post "/cycles/{id}/veille/liens/{bookmark}/supprimer" => veille::web::delete_link,
        user post "/cycles/{id}/veille/jeton" => veille::web::renew,
        user post "/cycles/{id}/veille/resume" => veille::web::digest,
        public post "/p/{token}/veille/resume" => veille::web::member_digest,
        user get "/cycles/{id}/veille/actualites" => veille::web::news,
        user post "/cycles/{id}/veille/actualites/tout-lu" => veille::web::mark_all,
        user post "/cycles/{id}/veille/actualites/{entry}/lu" => veille::web::mark,
        user get "/cycles/{id}/veille/flux" => veille::web::feeds,
        user post "/cycles/{id}/veille/flux" => veille::web::add_feed,
        user post "/cycles/{id}/veille/flux/{feed}/actualiser" => veille::web::refresh,
        user post "/cycles/{id}/veille/flux/{feed}/supprimer" => veille::web::delete_feed,
        user post "/cycles/{id}/veille/opml" => veille::web::import_opml,
        user get "/cycles/{id}/veille/abonnements.opml" => veille::web::export_opml,
        public get "/veille/{token}/liens.atom" => veille::web::public_atom,
        public get "/p/{token}/veille" => veille::web::member,
        public post "/p/{token}/veille/liens" => veille::web::member_add_link,
        public post "/p/{token}/veille/flux" => veille::web::member_add_feed,
        public post "/p/{token}/veille/actualites/{entry}/lu" => veille::web::member_mark,
        public get "/veille/{token}/abonnements.opml" => veille::web::public_opml,
        user post "/reseau/territoires" => committee::network::create_territory,
        user get "/reseau/retours/{id}" => committee::network::retour,
        user get "/cycles/{id}/reseau" => committee::network::cycle_network,
        user post "/cycles/{id}/reseau" => committee::network::save_settings,
        user post "/cycles/{id}/retours" => committee::network::add_retour,
        user post "/cycles/{id}/retours/{retour}/publication" => committee::network::publish,
        user post "/cycles/{id}/mises-en-lien" => committee::network::request,
        user post "/cycles/{id}/mises-en-lien/{link}" => committee::network::answer,
        // Surveys, complaints, indicators, BPF
        user get "/cycles/{id}/modules/{module}/enquetes" => survey::web::module_page,
        user post "/cycles/{id}/modules/{module}/enquetes/{kind}" => survey::web::send_page,
        user get "/enquetes" => survey::web::index,
        user get "/enquetes/questionnaires/{audience}" => survey::web::edit_form,
        user post "/enquetes/questionnaires/{audience}" => survey::web::edit_save,
        user post "/enquetes/questionnaires/{audience}/reinitialiser" => survey::web::edit_reset,
        public get "/enquete/{token}" => survey::web::answer_form,
        public post "/enquete/{token}" => survey::web::answer_save,
        user get "/reclamations" => survey::complaints::index,
        user get "/reclamations/nouvelle" => survey::complaints::new_form,
        user post "/reclamations/nouvelle" => survey::complaints::create_page,
        user get "/reclamations/{id}" => survey::complaints::edit_form,
        user post "/reclamations/{id}" => survey::complaints::update_page,
        user get "/indicateurs" => quality::indicators_page,
        user post "/indicateurs/publication" => quality::publish,
        public get "/organismes/{slug}/indicateurs" => quality::public_page,
        user get "/bpf" => quality::bpf_page,
        user get "/bpf.csv" => quality::bpf_csv_page,
        public post "/p/{token}/signer/{half}" => attendance::web::sign,
        public post "/p/{token}/absence/{session}" => attendance::web::announce,
        public get "/signer/{code}" => attendance::web::signer,
        public get "/salle/{token}" => cycle::web::host_form,
        public post "/salle/{token}" => cycle::web::host_save,
        public get "/inscription/{token}" => cycle::web::register_form,
        public post "/inscription/{token}" => cycle::web::register,
        public get "/p/{token}" => cycle::web::participant_page,
        public get "/calendrier/cycle/{token}" => cycle::web::cycle_calendar,
        public get "/calendrier/participant/{token}" => cycle::web::participant_calendar,
        public get "/calendrier/intervenant/{token}" => cycle::web::intervenant_calendar,
        // Intervenants
        user get "/intervenants" => intervenant::web::list,
        user get "/intervenants.csv" => intervenant::web::csv,
        user get "/intervenants/nouveau" => intervenant::web::new_form,
        user post "/intervenants" => intervenant::web::create,
        user get "/intervenants/{id}" => intervenant::web::show,
        user post "/intervenants/{id}" => intervenant::web::update,
        user get "/intervenants/{id}/modifier" => intervenant::web::edit_form,
        user post "/intervenants/{id}/supprimer" => intervenant::web::delete,
        // API
        user get "/api/v1/my/documents" => client::space::api_documents,
        user get "/api/v1/my/quotes/{id}/pdf" => client::space::quote_pdf,
        user get "/api/v1/my/quotes/{id}/convention" => client::space::convention_pdf,
        user get "/api/v1/me" => auth::api::me,
        user post "/api/v1/me/password" => auth::api::change_password,
        user get "/api/v1/me/tokens" => auth::api::list_tokens,
        user post "/api/v1/me/tokens" => auth::api::create_token,
        user delete "/api/v1/me/tokens/{id}" => auth::api::delete_token,
        user get "/api/v1/users" => auth::api::list_users,
        user post "/api/v1/users" => auth::api::create_user,
        user post "/api/v1/users/{id}/reset-token" => auth::api::issue_reset,
        user put "/api/v1/users/{id}/active" => auth::api::set_active,
        user get "/api/v1/organisation" => org::api::get_own,
        user put "/api/v1/organisation" => org::api::update_own,
        user get "/api/v1/admin/organisations" => org::api::admin_list,
        user post "/api/v1/admin/organisations" => org::api::admin_create,
        user get "/api/v1/modules" => catalogue::api::list,
        user post "/api/v1/modules" => catalogue::api::create,
        user get "/api/v1/modules/{id}" => catalogue::api::get_one,
        user put "/api/v1/modules/{id}" => catalogue::api::update,
        user post "/api/v1/modules/{id}/duplicate" => catalogue::api::duplicate,
        user put "/api/v1/modules/{id}/state" => catalogue::api::set_state,
        user get "/api/v1/modules/{id}/versions" => catalogue::api::versions,
        user get "/api/v1/modules/{id}/versions/{version}" => catalogue::api::version,
        user get "/api/v1/modules/{id}/programme.pdf" => catalogue::api::programme_pdf,
        user get "/api/v1/quotes" => quote::api::list,
        user post "/api/v1/quotes" => quote::api::create,
        user post "/api/v1/quotes/preview" => quote::api::preview,
        user get "/api/v1/quotes/{id}" => quote::api::get_one,
        user put "/api/v1/quotes/{id}" => quote::api::update,
        user post "/api/v1/quotes/{id}/send" => quote::api::send,
        user post "/api/v1/quotes/{id}/revise" => quote::api::revise,
        user get "/api/v1/quotes/{id}/versions/{version}" => quote::api::version,
        user get "/api/v1/quotes/{id}/pdf" => quote::api::pdf,
        user get "/api/v1/quotes/{id}/convention" => quote::api::convention,
        public get "/api/v1/quote-links/{token}" => quote::api::link_get,
        public post "/api/v1/quote-links/{token}/accept" => quote::api::link_accept,
        public post "/api/v1/quote-links/{token}/refuse" => quote::api::link_refuse,
        public get "/api/v1/quote-links/{token}/convention" => quote::api::link_convention,
        user get "/api/v1/clients" => client::api::list,
        user post "/api/v1/clients" => client::api::create,
        user get "/api/v1/clients/{id}" => client::api::get_one,
        user put "/api/v1/clients/{id}" => client::api::update,
        user delete "/api/v1/clients/{id}" => client::api::delete,
        user post "/api/v1/clients/{id}/contacts" => client::api::add_contact,
        user delete "/api/v1/clients/{id}/contacts/{contact}" => client::api::delete_contact,
        user get "/api/v1/cycles" => cycle::api::list,
        user post "/api/v1/cycles" => cycle::api::create,
        user get "/api/v1/cycles/{id}" => cycle::api::get_one,
        user post "/api/v1/cycles/{id}/advance" => cycle::api::advance,
        user post "/api/v1/cycles/{id}/structures" => cycle::api::add_structure,
        user post "/api/v1/cycles/{id}/participants" => cycle::api::add_participant,
        user put "/api/v1/cycles/{id}/participants/{participant}" => cycle::api::update_participant,
        user delete "/api/v1/cycles/{id}/participants/{participant}" => cycle::api::delete_participant,
        user post "/api/v1/cycles/{id}/modules/{module}/plan" => cycle::api::plan,
        user post "/api/v1/cycles/{id}/modules/{module}/sessions" => cycle::api::add_session,
        user post "/api/v1/cycles/{id}/modules/{module}/convocations" => cycle::api::convoke,
        user put "/api/v1/cycles/{id}/sessions/{session}" => cycle::api::update_session,
        user delete "/api/v1/cycles/{id}/sessions/{session}" => cycle::api::delete_session,
        user post "/api/v1/cycles/{id}/sessions/{session}/cancel" => cycle::api::cancel_session,
        user get "/api/v1/cycles/{id}/sessions/{session}/registrations" => cycle::api::registrations,
        user get "/api/v1/rooms" => cycle::api::rooms,
        user post "/api/v1/rooms" => cycle::api::create_room,
        user get "/api/v1/rooms/{id}" => cycle::api::room,
        user put "/api/v1/rooms/{id}" => cycle::api::update_room,
        public post "/api/v1/registrations/{token}" => cycle::api::register,
        user get "/api/v1/cycles/{id}/sessions/{session}/attendance" => attendance::api::session_attendance,
        user post "/api/v1/cycles/{id}/sessions/{session}/attendance/{half}/open" => attendance::api::open,
        user post "/api/v1/cycles/{id}/sessions/{session}/attendance/{half}/marks" => attendance::api::mark,
        user post "/api/v1/cycles/{id}/sessions/{session}/attendance/{half}/lock" => attendance::api::lock,
        user get "/api/v1/cycles/{id}/modules/{module}/attendance" => attendance::api::module_summary,
        user get "/api/v1/cycles/{id}/modules/{module}/certificates/{participant}/{kind}" => attendance::api::certificate,
        user get "/api/v1/cycles/{id}/modules/{module}/certificates" => attendance::api::certificates,
        user post "/api/v1/cycles/{id}/modules/{module}/certificates" => attendance::api::issue_certificates,
        user post "/api/v1/cycles/{id}/modules/{module}/certificates/{certificate}/cancel" => attendance::api::cancel_certificate,
        public post "/api/v1/participants/{token}/sign/{half}" => attendance::api::sign,
        public post "/api/v1/participants/{token}/absences/{session}" => attendance::api::announce,
        user get "/api/v1/cycles/{id}/votes" => committee::api::votes,
        user post "/api/v1/cycles/{id}/votes" => committee::api::create_vote,
        user get "/api/v1/cycles/{id}/votes/{vote}" => committee::api::vote,
        user post "/api/v1/cycles/{id}/votes/{vote}/close" => committee::api::close,
        user post "/api/v1/cycles/{id}/votes/{vote}/apply" => committee::api::apply,
        public post "/api/v1/participants/{token}/votes/{vote}" => committee::api::cast,
        user put "/api/v1/cycles/{id}/referent" => committee::api::referent,
        user get "/api/v1/cycles/{id}/commitments" => committee::api::commitments,
        user post "/api/v1/cycles/{id}/commitments" => committee::api::add_commitment,
        user put "/api/v1/cycles/{id}/commitments/{commitment}" => committee::api::follow_commitment,
        user get "/api/v1/cycles/{id}/actions" => committee::api::actions,
        user post "/api/v1/cycles/{id}/actions" => committee::api::create_action,
        user get "/api/v1/cycles/{id}/actions/{action}" => committee::api::action,
        user put "/api/v1/cycles/{id}/actions/{action}" => committee::api::update_action,
        user post "/api/v1/cycles/{id}/actions/{action}/notes" => committee::api::add_note,
        user get "/api/v1/cycles/{id}/amo" => committee::api::amo,
        user post "/api/v1/cycles/{id}/amo" => committee::api::add_amo,
        user get "/api/v1/cycles/{id}/proposals" => committee::proposal::api_list,
        user post "/api/v1/cycles/{id}/proposals" => committee::proposal::api_upload,
        user get "/api/v1/cycles/{id}/proposals/{proposal}" => committee::proposal::api_get,
        user put "/api/v1/cycles/{id}/proposals/{proposal}/reading" => committee::proposal::api_reading,
        user get "/api/v1/cycles/{id}/mutual" => committee::mutual::api_board,
        user post "/api/v1/cycles/{id}/mutual" => committee::mutual::api_post,
        user get "/api/v1/territories" => committee::network::api_territories,
        user get "/api/v1/communes" => places::communes::api_search,
        user get "/api/v1/cycles/{id}/notepads" => notepad::web::api_list,
        user post "/api/v1/cycles/{id}/modules/{module}/notepad" => notepad::web::api_module,
        user get "/api/v1/cycles/{id}/notepads/{notepad}" => notepad::web::api_get,
        user post "/api/v1/cycles/{id}/notepads/{notepad}/markdown" => notepad::web::api_import,
        user get "/api/v1/cycles/{id}/notepads/{notepad}/pdf" => notepad::history::api_pdf,
        user get "/api/v1/cycles/{id}/notepads/{notepad}/revisions" => notepad::history::api_revisions,
        user post "/api/v1/cycles/{id}/notepads/{notepad}/revisions" => notepad::history::api_keep,
        user get "/api/v1/cycles/{id}/notepads/{notepad}/revisions/{rev}" => notepad::history::api_revision,
        user post "/api/v1/cycles/{id}/notepads/{notepad}/revisions/{rev}/restore" => notepad::history::api_restore,
        user get "/api/v1/places" => places::api::search,
        user post "/api/v1/places/import" => places::api::import,
        user get "/api/v1/places/imports" => places::api::imports,
        user get "/api/v1/places/imports/{id}" => places::api::report,
        user get "/api/v1/places/export.csv" => places::api::export_csv,
        user get "/api/v1/places/export.json" => places::api::export_json,
        user get "/api/v1/places/{id}" => places::api::get_one,
        user get "/api/v1/clients/{id}/nearby" => places::api::client_nearby,
        user get "/api/v1/cycles/{id}/bookmarks" => veille::api::bookmarks,
        user post "/api/v1/cycles/{id}/bookmarks" => veille::api::add_bookmark,
        user delete "/api/v1/cycles/{id}/bookmarks/{bookmark}" => veille::api::delete_bookmark,
        user get "/api/v1/cycles/{id}/feeds" => veille::api::feeds,
        user post "/api/v1/cycles/{id}/feeds" => veille::api::add_feed,
        user post "/api/v1/cycles/{id}/feeds/{feed}/refresh" => veille::api::refresh,
        user delete "/api/v1/cycles/{id}/feeds/{feed}" => veille::api::delete_feed,
        user get "/api/v1/cycles/{id}/entries" => veille::api::entries,
        user post "/api/v1/cycles/{id}/entries/{entry}/read" => veille::api::read,
        user get "/api/v1/cycles/{id}/veille" => veille::api::addresses,
        user post "/api/v1/cycles/{id}/opml" => veille::api::import_opml,
        user post "/api/v1/territories" => committee::network::api_create_territory,
        user get "/api/v1/network/retours" => committee::network::api_retours,
        user get "/api/v1/cycles/{id}/network" => committee::network::api_cycle,
        user put "/api/v1/cycles/{id}/network" => committee::network::api_settings,
        user post "/api/v1/cycles/{id}/retours" => committee::network::api_add_retour,
        user post "/api/v1/cycles/{id}/links" => committee::network::api_request,
        user post "/api/v1/cycles/{id}/links/{link}" => committee::network::api_answer,
        user get "/api/v1/surveys/questionnaires" => survey::api::questionnaires,
        user put "/api/v1/surveys/questionnaires/{audience}" => survey::api::save_questionnaire,
        user post "/api/v1/cycles/{id}/modules/{module}/surveys/{kind}" => survey::api::send_survey,
        user get "/api/v1/cycles/{id}/modules/{module}/surveys" => survey::api::results,
        public get "/api/v1/surveys/{token}" => survey::api::form,
        public post "/api/v1/surveys/{token}" => survey::api::answer,
        user get "/api/v1/complaints" => survey::complaints::api_list,
        user post "/api/v1/complaints" => survey::complaints::api_create,
        user get "/api/v1/complaints/{id}" => survey::complaints::api_get,
        user put "/api/v1/complaints/{id}" => survey::complaints::api_update,
        user get "/api/v1/indicators" => quality::api_indicators,
        user get "/api/v1/bpf" => quality::api_bpf,
        user get "/api/v1/intervenants" => intervenant::api::list,
        user post "/api/v1/intervenants" => intervenant::api::create,
        user get "/api/v1/intervenants/{id}" => intervenant::api::get_one,
        user put "/api/v1/intervenants/{id}" => intervenant::api::update,
        user delete "/api/v1/intervenants/{id}" => intervenant::api::delete,
    ]
}

/// The whole application, ready to serve (tests call it without a socket too).
pub fn router(state: AppState) -> Router {
    let config = state.config.clone();
    let session_layer = SessionManagerLayer::new(DbSessionStore::new(state.db.clone()))
        .with_name(auth::csrf::SESSION_COOKIE)
        .with_secure(config.secure_cookies)
        .with_same_site(SameSite::Lax)
        .with_http_only(true)
        .with_expiry(Expiry::OnInactivity(time::Duration::hours(config.session_hours.max(1))));
    let auth_layer = AuthManagerLayerBuilder::new(Backend { db: state.db.clone() }, session_layer).build();

    let mut router = Router::new();
    for route in route_table() {
        // Files of places are larger than a logo: their routes have their own limit.
        let handler = if route.path.ends_with("/lieux/import") || route.path == "/api/v1/places/import" {
            route.handler.layer(DefaultBodyLimit::max(config.places_max_upload_bytes + 64 * 1024))
        } else {
            route.handler
        };
        router = router.route(route.path, handler);
    }
    router
        .route("/static/{sum}/{name}", get(web::assets::serve))
        .fallback(|| async { AppError::NotFound })
        .layer(middleware::from_fn(auth::csrf::verify))
        .layer(auth_layer)
        .layer(middleware::from_fn(render_errors))
        .layer(DefaultBodyLimit::max(config.max_upload_bytes + 64 * 1024))
        .layer(tower_http::catch_panic::CatchPanicLayer::new())
        .layer(security_header(
            "content-security-policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; \
             base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
        ))
        .layer(security_header("x-content-type-options", "nosniff"))
        .layer(security_header("x-frame-options", "DENY"))
        .layer(security_header("referrer-policy", "same-origin"))
        .layer(security_header("permissions-policy", "camera=(), microphone=(), geolocation=()"))
        .layer(security_header("cross-origin-opener-policy", "same-origin"))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

fn security_header(name: &'static str, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(HeaderName::from_static(name), HeaderValue::from_static(value))
}

/// `GET /healthz`: whether the process and its database answer.
async fn healthz(State(state): State<AppState>) -> Response {
    if state.db.ping().await {
        Json(serde_json::json!({"status": "ok", "database": "ok"})).into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, Json(serde_json::json!({"status": "degraded", "database": "unreachable"})))
            .into_response()
    }
}
