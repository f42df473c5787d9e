//! The application state and the router: every route of the pages and of the API, in one list.

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, delete, get, post, put};
use axum::{Json, Router};
use axum_login::AuthManagerLayerBuilder;
use tower_http::compression::Predicate as _;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

use crate::auth::backend::Backend;
use crate::auth::session_store::DbSessionStore;
use crate::error::{AppError, render_errors};
use crate::{
    assessment, attendance, auth, catalogue, client, committee, cycle, intervenant, mutual, network, notepad, org,
    places, portal, proposal, quality, quote, survey, veille, web,
};

pub use crate::state::AppState;

pub use crate::auth::permissions::Access;

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
    (@access staff) => { Access::Staff };
    (@access coord) => { Access::Coordinator };
    (@access client) => { Access::Client };
    (@access manager) => { Access::Manager };
    (@access admin) => { Access::Admin };
}

/// Every route of the application, with who may call it (the matrix of [`Access`], enforced by
/// [`crate::auth::permissions::enforce`]). The isolation and permission tests walk this list.
pub fn route_table() -> Vec<Route> {
    routes![
        public get "/healthz" => healthz,
        public get "/api/openapi.json" => crate::api::openapi_json,
        // Account and session
        public get "/connexion" => auth::web::login_form,
        public post "/connexion" => auth::web::login,
        user post "/deconnexion" => auth::web::logout,
        user get "/" => crate::dashboard::home,
        user get "/compte" => auth::web::account,
        user post "/compte/mot-de-passe" => auth::web::change_password,
        user post "/compte/jetons" => auth::web::create_token,
        user post "/compte/jetons/{id}/supprimer" => auth::web::delete_token,
        public get "/reinitialiser/{token}" => auth::web::reset_form,
        public post "/reinitialiser/{token}" => auth::web::reset,
        manager get "/utilisateurs" => auth::web::users,
        manager post "/utilisateurs" => auth::web::create_user,
        manager post "/utilisateurs/{id}/reinitialisation" => auth::web::issue_reset,
        manager post "/utilisateurs/{id}/activation" => auth::web::set_active,
        // Organisation
        coord get "/organisation" => org::web::show,
        coord post "/organisation" => org::web::update,
        coord post "/organisation/logo" => org::web::upload_logo,
        coord post "/organisation/logo/supprimer" => org::web::delete_logo,
        public get "/logo/{org}" => org::web::logo,
        coord get "/journal" => crate::audit::web::page,
        coord get "/factures" => crate::invoice::web::list,
        coord get "/factures/{id}" => crate::invoice::web::show,
        coord get "/factures/{id}/pdf" => crate::invoice::web::pdf,
        coord get "/factures/{id}/xml" => crate::invoice::web::xml,
        coord post "/factures/{id}/paiements" => crate::invoice::web::pay,
        coord post "/factures/{id}/paiements/{payment}/annuler" => crate::invoice::web::cancel_payment,
        coord post "/factures/{id}/avoir" => crate::invoice::web::credit,
        coord post "/devis/{id}/factures" => crate::invoice::web::issue,
        coord get "/comptabilite" => crate::invoice::web::accounting,
        coord get "/comptabilite/fec" => crate::invoice::web::fec,
        coord get "/comptabilite/ventes.csv" => crate::invoice::web::sales,
        coord post "/comptabilite/reglages" => crate::invoice::web::save_billing,
        coord get "/donnees-personnelles" => crate::privacy::web::index,
        coord get "/donnees-personnelles/registre" => crate::privacy::web::register_page,
        coord post "/donnees-personnelles/{kind}/{id}/effacer" => crate::privacy::web::erase_page,
        coord get "/messages" => crate::mail::web::page,
        coord post "/messages/{id}/renvoyer" => crate::mail::web::retry_page,
        coord post "/messages/{id}/annuler" => crate::mail::web::cancel_page,
        admin get "/admin/organisations" => org::web::admin_list,
        admin post "/admin/organisations" => org::web::admin_create,
        // Catalogue
        staff get "/catalogue" => catalogue::web::list,
        coord get "/catalogue/nouveau" => catalogue::web::new_form,
        coord post "/catalogue" => catalogue::web::create,
        staff get "/catalogue/{id}" => catalogue::web::show,
        coord post "/catalogue/{id}" => catalogue::web::update,
        coord get "/catalogue/{id}/modifier" => catalogue::web::edit_form,
        coord post "/catalogue/{id}/dupliquer" => catalogue::web::duplicate,
        coord post "/catalogue/{id}/etat" => catalogue::web::set_flags,
        staff get "/catalogue/{id}/versions/{version}" => catalogue::web::version,
        public get "/programme/{org}/{id}" => catalogue::web::public_programme,
        public get "/programme/{org}/{id}/pdf" => catalogue::web::public_programme_pdf,
        staff get "/catalogue/{id}/programme.pdf" => catalogue::web::programme_pdf,
        // Quotes
        coord get "/devis" => quote::web::list,
        coord get "/devis.csv" => quote::web::csv,
        coord get "/devis/nouveau" => quote::web::new_form,
        coord post "/devis" => quote::web::create,
        coord post "/devis/apercu" => quote::web::preview,
        coord get "/devis/{id}" => quote::web::show,
        coord post "/devis/{id}" => quote::web::update,
        coord get "/devis/{id}/modifier" => quote::web::edit_form,
        coord post "/devis/{id}/envoyer" => quote::web::send,
        coord post "/devis/{id}/lien" => quote::web::new_link,
        coord post "/devis/{id}/reviser" => quote::web::revise,
        coord get "/devis/{id}/pdf" => quote::web::pdf,
        coord get "/devis/{id}/convention" => quote::web::convention,
        coord get "/devis/{id}/versions/{version}" => quote::web::version,
        coord get "/devis/{id}/versions/{version}/pdf" => quote::web::version_pdf,
        public get "/acces-devis/{token}" => quote::decision::client_view,
        public post "/acces-devis/{token}" => quote::decision::client_decide,
        public get "/acces-devis/{token}/pdf" => quote::decision::client_pdf,
        public get "/acces-devis/{token}/convention" => quote::decision::client_convention,
        // Clients
        coord get "/clients" => client::web::list,
        coord get "/clients.csv" => client::web::csv,
        coord get "/clients/nouveau" => client::web::new_form,
        coord post "/clients" => client::web::create,
        coord get "/clients/{id}" => client::web::show,
        coord post "/clients/{id}" => client::web::update,
        coord get "/clients/{id}/modifier" => client::web::edit_form,
        coord post "/clients/{id}/supprimer" => client::web::delete,
        coord post "/clients/{id}/contacts" => client::web::add_contact,
        coord post "/clients/{id}/contacts/{contact}/supprimer" => client::web::delete_contact,
        coord post "/clients/{id}/contacts/{contact}/acces" => client::web::grant_access,
        // Cycles
        staff get "/cycles" => cycle::web::list,
        coord get "/cycles/nouveau" => cycle::web::new_form,
        coord post "/cycles" => cycle::web::create,
        staff get "/cycles/{id}" => cycle::web::show,
        coord post "/cycles/{id}/temps" => cycle::web::advance,
        coord post "/cycles/{id}/modules" => cycle::web::add_module,
        coord post "/cycles/{id}/structures" => cycle::web::add_structure,
        staff get "/cycles/{id}/groupe" => cycle::web::group,
        coord post "/cycles/{id}/participants" => cycle::web::add_participant,
        coord post "/cycles/{id}/participants/{participant}" => cycle::web::participant_action,
        coord post "/cycles/{id}/volontaires/{registration}" => cycle::web::add_volunteer,
        coord get "/cycles/{id}/modules/{module}/planifier" => cycle::web::sessions::plan_form,
        coord post "/cycles/{id}/modules/{module}/planifier" => cycle::web::sessions::plan,
        coord post "/cycles/{id}/modules/{module}/seances" => cycle::web::sessions::session_add,
        coord post "/cycles/{id}/modules/{module}/convocations" => cycle::web::sessions::convoke,
        coord get "/cycles/{id}/seances/{session}" => cycle::web::sessions::session_form,
        coord post "/cycles/{id}/seances/{session}" => cycle::web::sessions::session_update,
        coord post "/cycles/{id}/seances/{session}/supprimer" => cycle::web::sessions::session_delete,
        coord post "/cycles/{id}/seances/{session}/annuler" => cycle::web::sessions::session_cancel,
        staff get "/seances/{session}/ics" => cycle::web::agenda::session_ics,
        staff get "/salles" => cycle::web::rooms::rooms,
        coord post "/salles" => cycle::web::rooms::room_create,
        staff get "/salles/{id}" => cycle::web::rooms::room_show,
        coord post "/salles/{id}" => cycle::web::rooms::room_update,
        staff get "/agenda" => cycle::web::agenda::my_agenda,
        staff get "/intervenants/{id}/agenda" => cycle::web::agenda::intervenant_agenda,
        // Attendance
        staff get "/cycles/{id}/seances/{session}/emargement" => attendance::web::session_sheet,
        staff post "/cycles/{id}/seances/{session}/emargement/{half}/ouvrir" => attendance::web::open,
        staff post "/cycles/{id}/seances/{session}/emargement/{half}/marquer" => attendance::web::mark,
        staff post "/cycles/{id}/seances/{session}/emargement/{half}/clore" => attendance::web::lock,
        staff get "/cycles/{id}/seances/{session}/emargement/{half}/feuille" => attendance::web::half_pdf,
        staff get "/cycles/{id}/modules/{module}/emargement" => attendance::web::module_pdf,
        staff get "/cycles/{id}/modules/{module}/feuille-vierge" => attendance::web::blank_pdf,
        staff get "/cycles/{id}/modules/{module}/presences" => attendance::web::summary,
        coord get "/cycles/{id}/modules/{module}/certificats/{participant}/{kind}" => attendance::web::certificate,
        coord get "/cycles/{id}/modules/{module}/certificats.zip" => attendance::web::certificates_zip,
        coord post "/cycles/{id}/modules/{module}/certificats" => attendance::web::issue_certificates,
        coord post "/cycles/{id}/modules/{module}/certificats/{certificate}/annuler" => attendance::web::cancel_certificate,
        client get "/mes-documents" => client::space::page,
        client get "/mes-documents/devis/{id}/pdf" => client::space::quote_pdf,
        client get "/mes-documents/devis/{id}/convention" => client::space::convention_pdf,
        client get "/mes-documents/factures/{id}/pdf" => client::space::invoice_pdf,
        client get "/mes-documents/{id}/{module}/{participant}/{kind}" => attendance::signing::client_certificate,
        // The committee (phases 2 and 3)
        staff get "/cycles/{id}/comite" => committee::web::show,
        coord post "/cycles/{id}/comite/referent" => committee::web::referent,
        staff get "/cycles/{id}/votes" => committee::web::votes,
        coord post "/cycles/{id}/votes" => committee::web::create_vote,
        staff get "/cycles/{id}/votes/{vote}" => committee::web::vote,
        coord post "/cycles/{id}/votes/{vote}/clore" => committee::web::close_vote,
        coord post "/cycles/{id}/votes/{vote}/appliquer" => committee::web::apply,
        staff get "/cycles/{id}/modules/{module}/programme.pdf" => committee::web::programme,
        staff get "/cycles/{id}/engagements" => committee::web::commitments,
        staff post "/cycles/{id}/engagements" => committee::web::add_commitment,
        staff post "/cycles/{id}/engagements/{commitment}" => committee::web::follow_commitment,
        staff get "/cycles/{id}/actions" => committee::web::actions,
        staff get "/cycles/{id}/actions.csv" => committee::web::actions_csv,
        staff get "/cycles/{id}/actions/nouvelle" => committee::web::new_action,
        staff post "/cycles/{id}/actions/nouvelle" => committee::web::create_action,
        staff get "/cycles/{id}/actions/{action}" => committee::web::action,
        staff post "/cycles/{id}/actions/{action}" => committee::web::update_action,
        staff post "/cycles/{id}/actions/{action}/notes" => committee::web::add_note,
        staff get "/cycles/{id}/amo" => committee::amo::amo,
        staff post "/cycles/{id}/amo" => committee::amo::add_amo,
        staff get "/cycles/{id}/amo.csv" => committee::amo::amo_csv,
        public post "/p/{token}/votes/{vote}" => committee::web::cast,
        public post "/p/{token}/actions/{action}" => committee::web::member_note,
        // Vendors' proposals, école mutuelle, TICA network
        staff get "/cycles/{id}/propositions" => proposal::index,
        staff post "/cycles/{id}/propositions" => proposal::upload,
        staff get "/cycles/{id}/propositions/{proposal}" => proposal::show,
        staff post "/cycles/{id}/propositions/{proposal}/lecture" => proposal::save_reading,
        staff get "/cycles/{id}/propositions/{proposal}/fichier" => proposal::download,
        coord post "/cycles/{id}/propositions/{proposal}/supprimer" => proposal::remove,
        public post "/p/{token}/propositions" => proposal::member_upload,
        public get "/p/{token}/propositions/{proposal}" => proposal::member_show,
        public get "/p/{token}/propositions/{proposal}/fichier" => proposal::member_download,
        public get "/glossaire" => proposal::glossary_page,
        staff get "/cycles/{id}/ecole-mutuelle" => mutual::board,
        staff post "/cycles/{id}/ecole-mutuelle/{post}/clore" => mutual::team_close,
        public post "/p/{token}/ecole-mutuelle" => mutual::member_post,
        public post "/p/{token}/ecole-mutuelle/{post}/clore" => mutual::member_close,
        staff get "/reseau" => network::web::network,
        staff get "/communes/options" => places::communes::options,
        // The collaborative notepads
        staff get "/cycles/{id}/carnets" => notepad::web::index,
        staff post "/cycles/{id}/carnets/modules/{module}" => notepad::web::open_module,
        staff get "/cycles/{id}/carnets/{notepad}" => notepad::web::editor,
        staff get "/cycles/{id}/carnets/{notepad}/bloc-notes.md" => notepad::web::export_md,
        staff get "/cycles/{id}/carnets/{notepad}/bloc-notes.html" => notepad::web::export_html,
        staff post "/cycles/{id}/carnets/{notepad}/import" => notepad::web::import,
        staff get "/cycles/{id}/carnets/{notepad}/bloc-notes.pdf" => notepad::history::export_pdf,
        staff get "/cycles/{id}/carnets/{notepad}/versions" => notepad::history::history,
        staff post "/cycles/{id}/carnets/{notepad}/versions" => notepad::history::keep_page,
        staff get "/cycles/{id}/carnets/{notepad}/versions/{rev}" => notepad::history::revision,
        staff post "/cycles/{id}/carnets/{notepad}/versions/{rev}/restaurer" => notepad::history::restore_page,
        public get "/carnets/ws/{notepad}" => notepad::web::ws,
        public get "/carnet/{token}" => notepad::web::read_only,
        public get "/carnet/ws/{token}" => notepad::web::read_ws,
        public get "/p/{token}/carnets/{notepad}" => notepad::web::participant_editor,
        public get "/p/{token}/carnets/ws/{notepad}" => notepad::web::participant_ws,
        // The directory of mediation places
        staff get "/lieux" => places::web::search,
        coord get "/lieux/import" => places::web::import_form,
        coord post "/lieux/import" => places::web::import_upload,
        coord get "/lieux/imports/{id}" => places::web::report,
        staff get "/lieux/export.csv" => places::web::export_csv,
        staff get "/lieux/export.json" => places::web::export_json,
        staff get "/lieux/{id}" => places::web::show,
        coord get "/clients/{id}/proximite" => places::web::client_nearby,
        // The veille
        staff get "/cycles/{id}/veille" => veille::web::links,
        staff post "/cycles/{id}/veille/liens" => veille::web::add_link,
        staff post "/cycles/{id}/veille/liens/{bookmark}/supprimer" => veille::web::delete_link,
        staff post "/cycles/{id}/veille/jeton" => veille::web::renew,
        staff post "/cycles/{id}/veille/resume" => veille::web::digest,
        public post "/p/{token}/veille/resume" => veille::web::member_digest,
        staff get "/cycles/{id}/veille/actualites" => veille::web::news,
        staff post "/cycles/{id}/veille/actualites/tout-lu" => veille::web::mark_all,
        staff post "/cycles/{id}/veille/actualites/{entry}/lu" => veille::web::mark,
        staff get "/cycles/{id}/veille/flux" => veille::web::feeds,
        staff post "/cycles/{id}/veille/flux" => veille::web::add_feed,
        staff post "/cycles/{id}/veille/flux/{feed}/actualiser" => veille::web::refresh,
        staff post "/cycles/{id}/veille/flux/{feed}/supprimer" => veille::web::delete_feed,
        staff post "/cycles/{id}/veille/opml" => veille::web::import_opml,
        staff get "/cycles/{id}/veille/abonnements.opml" => veille::web::export_opml,
        public get "/veille/{token}/liens.atom" => veille::web::public_atom,
        public get "/p/{token}/veille" => veille::web::member,
        public post "/p/{token}/veille/liens" => veille::web::member_add_link,
        public post "/p/{token}/veille/flux" => veille::web::member_add_feed,
        public post "/p/{token}/veille/actualites/{entry}/lu" => veille::web::member_mark,
        public get "/veille/{token}/abonnements.opml" => veille::web::public_opml,
        coord post "/reseau/territoires" => network::web::create_territory,
        staff get "/reseau/retours/{id}" => network::web::retour,
        staff get "/cycles/{id}/reseau" => network::web::cycle_network,
        staff post "/cycles/{id}/reseau" => network::web::save_settings,
        staff post "/cycles/{id}/retours" => network::web::add_retour,
        staff post "/cycles/{id}/retours/{retour}/publication" => network::web::publish,
        staff post "/cycles/{id}/mises-en-lien" => network::web::request,
        staff post "/cycles/{id}/mises-en-lien/{link}" => network::web::answer,
        // Surveys, complaints, indicators, BPF
        staff get "/cycles/{id}/modules/{module}/positionnement" => assessment::web::group,
        staff post "/cycles/{id}/modules/{module}/questionnaires/{phase}" => assessment::web::send,
        staff post "/cycles/{id}/modules/{module}/questionnaires/{phase}/relance" => assessment::web::remind,
        staff post "/cycles/{id}/modules/{module}/adaptations" => assessment::web::adapt,
        staff get "/cycles/{id}/modules/{module}/participants/{participant}/acquis" => assessment::web::person,
        staff get "/cycles/{id}/modules/{module}/preuves" => assessment::web::evidence,
        staff get "/cycles/{id}/modules/{module}/preuves.csv" => assessment::web::evidence_csv,
        public get "/p/{token}/questionnaires/{assessment}" => assessment::web::answer_form,
        public post "/p/{token}/questionnaires/{assessment}" => assessment::web::answer_save,
        coord get "/catalogue/{id}/questionnaire" => assessment::web::editor_form,
        coord post "/catalogue/{id}/questionnaire" => assessment::web::editor_save,
        staff get "/cycles/{id}/modules/{module}/enquetes" => survey::web::module_page,
        coord post "/cycles/{id}/modules/{module}/enquetes/{kind}" => survey::web::send_page,
        coord get "/enquetes" => survey::web::index,
        coord get "/enquetes/questionnaires/{audience}" => survey::web::edit_form,
        coord post "/enquetes/questionnaires/{audience}" => survey::web::edit_save,
        coord post "/enquetes/questionnaires/{audience}/reinitialiser" => survey::web::edit_reset,
        public get "/enquete/{token}" => survey::web::answer_form,
        public post "/enquete/{token}" => survey::web::answer_save,
        coord get "/reclamations" => survey::complaints::index,
        coord get "/reclamations/nouvelle" => survey::complaints::new_form,
        coord post "/reclamations/nouvelle" => survey::complaints::create_page,
        coord get "/reclamations/{id}" => survey::complaints::edit_form,
        coord post "/reclamations/{id}" => survey::complaints::update_page,
        coord get "/indicateurs" => quality::indicators_page,
        coord post "/indicateurs/publication" => quality::publish,
        public get "/organismes/{slug}/indicateurs" => quality::public_page,
        coord get "/bpf" => quality::bpf_page,
        coord get "/bpf.csv" => quality::bpf_csv_page,
        public post "/p/{token}/signer/{half}" => attendance::signing::sign,
        public post "/p/{token}/absence/{session}" => attendance::signing::announce,
        public get "/signer/{code}" => attendance::signing::signer,
        public get "/salle/{token}" => cycle::web::rooms::host_form,
        public post "/salle/{token}" => cycle::web::rooms::host_save,
        public get "/inscription/{token}" => cycle::web::register_form,
        public post "/inscription/{token}" => cycle::web::register,
        public get "/p/{token}" => portal::participant_page,
        public get "/calendrier/cycle/{token}" => cycle::web::agenda::cycle_calendar,
        public get "/calendrier/participant/{token}" => portal::participant_calendar,
        public get "/calendrier/intervenant/{token}" => cycle::web::agenda::intervenant_calendar,
        // Intervenants
        coord get "/intervenants" => intervenant::web::list,
        coord get "/intervenants.csv" => intervenant::web::csv,
        coord get "/intervenants/nouveau" => intervenant::web::new_form,
        coord post "/intervenants" => intervenant::web::create,
        staff get "/intervenants/{id}" => intervenant::web::show,
        coord post "/intervenants/{id}" => intervenant::web::update,
        coord get "/intervenants/{id}/modifier" => intervenant::web::edit_form,
        coord post "/intervenants/{id}/supprimer" => intervenant::web::delete,
        coord post "/intervenants/{id}/compte" => intervenant::web::invite,
        // API
        client get "/api/v1/my/documents" => client::space::api_documents,
        client get "/api/v1/my/quotes/{id}/pdf" => client::space::quote_pdf,
        client get "/api/v1/my/quotes/{id}/convention" => client::space::convention_pdf,
        client get "/api/v1/my/invoices/{id}/pdf" => client::space::invoice_pdf,
        user get "/api/v1/me" => auth::api::me,
        user post "/api/v1/me/password" => auth::api::change_password,
        user get "/api/v1/me/tokens" => auth::api::list_tokens,
        user post "/api/v1/me/tokens" => auth::api::create_token,
        user delete "/api/v1/me/tokens/{id}" => auth::api::delete_token,
        manager get "/api/v1/users" => auth::api::list_users,
        manager post "/api/v1/users" => auth::api::create_user,
        manager post "/api/v1/users/{id}/reset-token" => auth::api::issue_reset,
        manager put "/api/v1/users/{id}/active" => auth::api::set_active,
        coord get "/api/v1/audit" => crate::audit::web::api_list,
        coord get "/api/v1/invoices" => crate::invoice::api::list,
        coord get "/api/v1/invoices/{id}" => crate::invoice::api::get_one,
        coord get "/api/v1/invoices/{id}/pdf" => crate::invoice::api::pdf,
        coord get "/api/v1/invoices/{id}/xml" => crate::invoice::api::xml,
        coord post "/api/v1/invoices/{id}/credit-notes" => crate::invoice::api::credit,
        coord post "/api/v1/invoices/{id}/payments" => crate::invoice::api::pay,
        coord post "/api/v1/payments/{id}/cancel" => crate::invoice::api::cancel_payment,
        coord get "/api/v1/quotes/{id}/invoices" => crate::invoice::api::of_quote,
        coord post "/api/v1/quotes/{id}/invoices" => crate::invoice::api::issue,
        coord get "/api/v1/accounting/fec" => crate::invoice::api::fec,
        coord get "/api/v1/accounting/sales.csv" => crate::invoice::api::sales_csv,
        coord get "/api/v1/organisation/billing" => crate::invoice::api::get_billing,
        coord put "/api/v1/organisation/billing" => crate::invoice::api::put_billing,
        coord get "/api/v1/personal-data" => crate::privacy::web::api_find,
        coord get "/api/v1/personal-data/register" => crate::privacy::web::api_register,
        coord get "/api/v1/personal-data/{kind}/{id}" => crate::privacy::web::api_export,
        coord get "/api/v1/personal-data/{kind}/{id}/pdf" => crate::privacy::web::api_pdf,
        coord post "/api/v1/personal-data/{kind}/{id}/erase" => crate::privacy::web::api_erase,
        user get "/api/v1/me/personal-data" => crate::privacy::web::api_mine,
        coord get "/api/v1/outbox" => crate::mail::web::api_list,
        coord post "/api/v1/outbox/{id}/retry" => crate::mail::web::api_retry,
        coord post "/api/v1/outbox/{id}/cancel" => crate::mail::web::api_cancel,
        staff get "/api/v1/organisation" => org::api::get_own,
        coord put "/api/v1/organisation" => org::api::update_own,
        admin get "/api/v1/admin/organisations" => org::api::admin_list,
        admin post "/api/v1/admin/organisations" => org::api::admin_create,
        staff get "/api/v1/modules" => catalogue::api::list,
        coord post "/api/v1/modules" => catalogue::api::create,
        staff get "/api/v1/modules/{id}" => catalogue::api::get_one,
        coord put "/api/v1/modules/{id}" => catalogue::api::update,
        coord post "/api/v1/modules/{id}/duplicate" => catalogue::api::duplicate,
        coord put "/api/v1/modules/{id}/state" => catalogue::api::set_state,
        staff get "/api/v1/modules/{id}/versions" => catalogue::api::versions,
        staff get "/api/v1/modules/{id}/versions/{version}" => catalogue::api::version,
        staff get "/api/v1/modules/{id}/programme.pdf" => catalogue::api::programme_pdf,
        coord get "/api/v1/quotes" => quote::api::list,
        coord post "/api/v1/quotes" => quote::api::create,
        coord post "/api/v1/quotes/preview" => quote::api::preview,
        coord get "/api/v1/quotes/{id}" => quote::api::get_one,
        coord put "/api/v1/quotes/{id}" => quote::api::update,
        coord post "/api/v1/quotes/{id}/send" => quote::api::send,
        coord post "/api/v1/quotes/{id}/revise" => quote::api::revise,
        coord get "/api/v1/quotes/{id}/versions/{version}" => quote::api::version,
        coord get "/api/v1/quotes/{id}/pdf" => quote::api::pdf,
        coord get "/api/v1/quotes/{id}/convention" => quote::api::convention,
        public get "/api/v1/quote-links/{token}" => quote::api::link_get,
        public post "/api/v1/quote-links/{token}/accept" => quote::api::link_accept,
        public post "/api/v1/quote-links/{token}/refuse" => quote::api::link_refuse,
        public get "/api/v1/quote-links/{token}/convention" => quote::api::link_convention,
        coord get "/api/v1/clients" => client::api::list,
        coord post "/api/v1/clients" => client::api::create,
        coord get "/api/v1/clients/{id}" => client::api::get_one,
        coord put "/api/v1/clients/{id}" => client::api::update,
        coord delete "/api/v1/clients/{id}" => client::api::delete,
        coord post "/api/v1/clients/{id}/contacts" => client::api::add_contact,
        coord delete "/api/v1/clients/{id}/contacts/{contact}" => client::api::delete_contact,
        staff get "/api/v1/cycles" => cycle::api::list,
        coord post "/api/v1/cycles" => cycle::api::create,
        staff get "/api/v1/cycles/{id}" => cycle::api::get_one,
        coord post "/api/v1/cycles/{id}/advance" => cycle::api::advance,
        coord post "/api/v1/cycles/{id}/structures" => cycle::api::add_structure,
        coord post "/api/v1/cycles/{id}/participants" => cycle::api::add_participant,
        coord put "/api/v1/cycles/{id}/participants/{participant}" => cycle::api::update_participant,
        coord delete "/api/v1/cycles/{id}/participants/{participant}" => cycle::api::delete_participant,
        coord post "/api/v1/cycles/{id}/modules/{module}/plan" => cycle::api::plan,
        coord post "/api/v1/cycles/{id}/modules/{module}/sessions" => cycle::api::add_session,
        coord post "/api/v1/cycles/{id}/modules/{module}/convocations" => cycle::api::convoke,
        coord put "/api/v1/cycles/{id}/sessions/{session}" => cycle::api::update_session,
        coord delete "/api/v1/cycles/{id}/sessions/{session}" => cycle::api::delete_session,
        coord post "/api/v1/cycles/{id}/sessions/{session}/cancel" => cycle::api::cancel_session,
        staff get "/api/v1/cycles/{id}/sessions/{session}/registrations" => cycle::api::registrations,
        staff get "/api/v1/rooms" => cycle::api::rooms,
        coord post "/api/v1/rooms" => cycle::api::create_room,
        staff get "/api/v1/rooms/{id}" => cycle::api::room,
        coord put "/api/v1/rooms/{id}" => cycle::api::update_room,
        public post "/api/v1/registrations/{token}" => cycle::api::register,
        staff get "/api/v1/cycles/{id}/sessions/{session}/attendance" => attendance::api::session_attendance,
        staff post "/api/v1/cycles/{id}/sessions/{session}/attendance/{half}/open" => attendance::api::open,
        staff post "/api/v1/cycles/{id}/sessions/{session}/attendance/{half}/marks" => attendance::api::mark,
        staff post "/api/v1/cycles/{id}/sessions/{session}/attendance/{half}/lock" => attendance::api::lock,
        staff get "/api/v1/cycles/{id}/modules/{module}/attendance" => attendance::api::module_summary,
        coord get "/api/v1/cycles/{id}/modules/{module}/certificates/{participant}/{kind}" => attendance::api::certificate,
        coord get "/api/v1/cycles/{id}/modules/{module}/certificates" => attendance::api::certificates,
        coord post "/api/v1/cycles/{id}/modules/{module}/certificates" => attendance::api::issue_certificates,
        coord post "/api/v1/cycles/{id}/modules/{module}/certificates/{certificate}/cancel" => attendance::api::cancel_certificate,
        public post "/api/v1/participants/{token}/sign/{half}" => attendance::api::sign,
        public post "/api/v1/participants/{token}/absences/{session}" => attendance::api::announce,
        staff get "/api/v1/cycles/{id}/votes" => committee::api::votes,
        coord post "/api/v1/cycles/{id}/votes" => committee::api::create_vote,
        staff get "/api/v1/cycles/{id}/votes/{vote}" => committee::api::vote,
        coord post "/api/v1/cycles/{id}/votes/{vote}/close" => committee::api::close,
        coord post "/api/v1/cycles/{id}/votes/{vote}/apply" => committee::api::apply,
        public post "/api/v1/participants/{token}/votes/{vote}" => committee::api::cast,
        coord put "/api/v1/cycles/{id}/referent" => committee::api::referent,
        staff get "/api/v1/cycles/{id}/commitments" => committee::api::commitments,
        staff post "/api/v1/cycles/{id}/commitments" => committee::api::add_commitment,
        staff put "/api/v1/cycles/{id}/commitments/{commitment}" => committee::api::follow_commitment,
        staff get "/api/v1/cycles/{id}/actions" => committee::api::actions,
        staff post "/api/v1/cycles/{id}/actions" => committee::api::create_action,
        staff get "/api/v1/cycles/{id}/actions/{action}" => committee::api::action,
        staff put "/api/v1/cycles/{id}/actions/{action}" => committee::api::update_action,
        staff post "/api/v1/cycles/{id}/actions/{action}/notes" => committee::api::add_note,
        staff get "/api/v1/cycles/{id}/amo" => committee::api::amo,
        staff post "/api/v1/cycles/{id}/amo" => committee::api::add_amo,
        staff get "/api/v1/cycles/{id}/proposals" => proposal::api_list,
        staff post "/api/v1/cycles/{id}/proposals" => proposal::api_upload,
        staff get "/api/v1/cycles/{id}/proposals/{proposal}" => proposal::api_get,
        staff put "/api/v1/cycles/{id}/proposals/{proposal}/reading" => proposal::api_reading,
        staff get "/api/v1/cycles/{id}/mutual" => mutual::api_board,
        staff post "/api/v1/cycles/{id}/mutual" => mutual::api_post,
        staff get "/api/v1/territories" => network::api::api_territories,
        staff get "/api/v1/communes" => places::communes::api_search,
        staff get "/api/v1/cycles/{id}/notepads" => notepad::web::api_list,
        staff post "/api/v1/cycles/{id}/modules/{module}/notepad" => notepad::web::api_module,
        staff get "/api/v1/cycles/{id}/notepads/{notepad}" => notepad::web::api_get,
        staff post "/api/v1/cycles/{id}/notepads/{notepad}/markdown" => notepad::web::api_import,
        staff get "/api/v1/cycles/{id}/notepads/{notepad}/pdf" => notepad::history::api_pdf,
        staff get "/api/v1/cycles/{id}/notepads/{notepad}/revisions" => notepad::history::api_revisions,
        staff post "/api/v1/cycles/{id}/notepads/{notepad}/revisions" => notepad::history::api_keep,
        staff get "/api/v1/cycles/{id}/notepads/{notepad}/revisions/{rev}" => notepad::history::api_revision,
        staff post "/api/v1/cycles/{id}/notepads/{notepad}/revisions/{rev}/restore" => notepad::history::api_restore,
        staff get "/api/v1/places" => places::api::search,
        coord post "/api/v1/places/import" => places::api::import,
        coord get "/api/v1/places/imports" => places::api::imports,
        coord get "/api/v1/places/imports/{id}" => places::api::report,
        staff get "/api/v1/places/export.csv" => places::api::export_csv,
        staff get "/api/v1/places/export.json" => places::api::export_json,
        staff get "/api/v1/places/{id}" => places::api::get_one,
        coord get "/api/v1/clients/{id}/nearby" => places::api::client_nearby,
        staff get "/api/v1/cycles/{id}/bookmarks" => veille::api::bookmarks,
        staff post "/api/v1/cycles/{id}/bookmarks" => veille::api::add_bookmark,
        staff delete "/api/v1/cycles/{id}/bookmarks/{bookmark}" => veille::api::delete_bookmark,
        staff get "/api/v1/cycles/{id}/feeds" => veille::api::feeds,
        staff post "/api/v1/cycles/{id}/feeds" => veille::api::add_feed,
        staff post "/api/v1/cycles/{id}/feeds/{feed}/refresh" => veille::api::refresh,
        staff delete "/api/v1/cycles/{id}/feeds/{feed}" => veille::api::delete_feed,
        staff get "/api/v1/cycles/{id}/entries" => veille::api::entries,
        staff post "/api/v1/cycles/{id}/entries/{entry}/read" => veille::api::read,
        staff get "/api/v1/cycles/{id}/veille" => veille::api::addresses,
        staff post "/api/v1/cycles/{id}/opml" => veille::api::import_opml,
        coord post "/api/v1/territories" => network::api::api_create_territory,
        staff get "/api/v1/network/retours" => network::api::api_retours,
        staff get "/api/v1/cycles/{id}/network" => network::api::api_cycle,
        staff put "/api/v1/cycles/{id}/network" => network::api::api_settings,
        staff post "/api/v1/cycles/{id}/retours" => network::api::api_add_retour,
        staff post "/api/v1/cycles/{id}/links" => network::api::api_request,
        staff post "/api/v1/cycles/{id}/links/{link}" => network::api::api_answer,
        staff get "/api/v1/cycles/{id}/modules/{module}/assessments" => assessment::api::group,
        staff get "/api/v1/cycles/{id}/modules/{module}/assessments/evidence.csv" => assessment::api::evidence_csv,
        staff post "/api/v1/cycles/{id}/modules/{module}/assessments/{phase}" => assessment::api::send,
        staff post "/api/v1/cycles/{id}/modules/{module}/assessments/{phase}/reminders" => assessment::api::remind,
        staff post "/api/v1/cycles/{id}/modules/{module}/adaptations" => assessment::api::adapt,
        public get "/api/v1/participants/{token}/assessments" => assessment::api::mine,
        public post "/api/v1/participants/{token}/assessments/{assessment}" => assessment::api::answer,
        staff get "/api/v1/modules/{id}/questionnaire" => assessment::api::questionnaire,
        coord put "/api/v1/modules/{id}/questionnaire" => assessment::api::save_questionnaire,
        coord get "/api/v1/surveys/questionnaires" => survey::api::questionnaires,
        coord put "/api/v1/surveys/questionnaires/{audience}" => survey::api::save_questionnaire,
        coord post "/api/v1/cycles/{id}/modules/{module}/surveys/{kind}" => survey::api::send_survey,
        staff get "/api/v1/cycles/{id}/modules/{module}/surveys" => survey::api::results,
        public get "/api/v1/surveys/{token}" => survey::api::form,
        public post "/api/v1/surveys/{token}" => survey::api::answer,
        coord get "/api/v1/complaints" => survey::complaints::api_list,
        coord post "/api/v1/complaints" => survey::complaints::api_create,
        coord get "/api/v1/complaints/{id}" => survey::complaints::api_get,
        coord put "/api/v1/complaints/{id}" => survey::complaints::api_update,
        coord get "/api/v1/indicators" => quality::api_indicators,
        coord get "/api/v1/bpf" => quality::api_bpf,
        coord get "/api/v1/intervenants" => intervenant::api::list,
        coord post "/api/v1/intervenants" => intervenant::api::create,
        staff get "/api/v1/intervenants/{id}" => intervenant::api::get_one,
        coord put "/api/v1/intervenants/{id}" => intervenant::api::update,
        coord delete "/api/v1/intervenants/{id}" => intervenant::api::delete,
        coord post "/api/v1/intervenants/{id}/account" => intervenant::api::invite,
        coord post "/api/v1/clients/{id}/contacts/{contact}/account" => client::api::invite_contact,
    ]
}

/// The whole application, ready to serve (tests call it without a socket too).
pub fn router(state: AppState) -> Router {
    let config = state.config.clone();
    let secure_cookies = config.secure_cookies;
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
        let mut handler = if route.path.ends_with("/lieux/import") || route.path == "/api/v1/places/import" {
            route.handler.layer(DefaultBodyLimit::max(config.places_max_upload_bytes + 64 * 1024))
        } else {
            route.handler
        };
        if route.access != Access::Public {
            let guard =
                crate::auth::permissions::Guard { state: state.clone(), access: route.access, template: route.path };
            handler = handler.route_layer(middleware::from_fn_with_state(guard, crate::auth::permissions::enforce));
        }
        router = router.route(route.path, handler);
    }
    router
        .route("/static/{sum}/{name}", get(web::assets::serve))
        .fallback(|| async { AppError::NotFound })
        .layer(middleware::from_fn(auth::csrf::verify))
        .layer(middleware::from_fn_with_state(state.clone(), web::errors::with_layout))
        .layer(auth_layer)
        .layer(middleware::from_fn(move |req, next| auth::csrf::anonymous_token(secure_cookies, req, next)))
        .layer(middleware::from_fn_with_state(state.clone(), web::edge::clean_input))
        .layer(middleware::from_fn(render_errors))
        .layer(DefaultBodyLimit::max(config.max_upload_bytes + 64 * 1024))
        .layer(tower_http::catch_panic::CatchPanicLayer::new())
        // Pages, JSON and assets gzipped when the browser asks; not PDFs, archives and images (already
        // compressed), nor a websocket's handshake.
        .layer(
            tower_http::compression::CompressionLayer::new().gzip(true).compress_when(
                tower_http::compression::DefaultPredicate::new()
                    .and(tower_http::compression::predicate::NotForContentType::const_new("application/pdf"))
                    .and(tower_http::compression::predicate::NotForContentType::const_new("application/zip"))
                    .and(
                        |status: StatusCode,
                         _: axum::http::Version,
                         _: &axum::http::HeaderMap,
                         _: &axum::http::Extensions| {
                            status != StatusCode::SWITCHING_PROTOCOLS
                        },
                    ),
            ),
        )
        .layer(middleware::from_fn_with_state(state.clone(), web::edge::cache_headers))
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
