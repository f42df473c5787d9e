//! The error responses every operation of the document can give, added where an operation does not
//! declare them itself: what the layers in front of the handlers answer (the edge's cleaning, the
//! permission layer, the extractors, the body limit, the PDF budget) is the same for every route,
//! so it is said once here rather than on 189 annotations. Every error is an [`ErrorBody`].
//!
//! [`ErrorBody`]: crate::error::ErrorBody

use utoipa::Modify;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::schema::{Schema, SchemaType, Type};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};

/// What a text in a path may be: the edge refuses an address with a control character (400), so
/// the document says so for every text parameter of a path (tokens, kinds) that says nothing more.
pub const PATH_TEXT: &str = "^[^\\u0000-\\u001f\\u007f-\\u009f]+$";

/// Declares [`PATH_TEXT`] on the text parameters of paths.
pub struct PathText;

impl Modify for PathText {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let ops =
                [item.get.as_mut(), item.put.as_mut(), item.post.as_mut(), item.delete.as_mut(), item.patch.as_mut()];
            for op in ops.into_iter().flatten() {
                for p in op.parameters.iter_mut().flatten().filter(|p| matches!(p.parameter_in, ParameterIn::Path)) {
                    if let Some(RefOr::T(Schema::Object(o))) = p.schema.as_mut()
                        && o.schema_type == SchemaType::Type(Type::String)
                        && o.pattern.is_none()
                        && o.enum_values.is_none()
                    {
                        o.pattern = Some(PATH_TEXT.to_string());
                    }
                }
            }
        }
    }
}

/// Adds the error statuses of the whole stack to each operation (see the module's documentation).
pub struct ErrorResponses;

/// The statuses an operation can answer besides its own, with why.
fn stack_errors(method: &str, op: &Operation) -> Vec<(u16, &'static str)> {
    let public = op
        .security
        .as_ref()
        .is_some_and(|s| s.iter().all(|r| serde_json::to_value(r).is_ok_and(|v| v == serde_json::json!({}))));
    let params = op.parameters.as_deref().unwrap_or_default();
    let in_path = params.iter().any(|p| matches!(p.parameter_in, ParameterIn::Path));
    let in_query = params.iter().any(|p| matches!(p.parameter_in, ParameterIn::Query));
    let body = op.request_body.is_some();
    let write = method != "get";
    let pdf = op.responses.responses.values().any(|r| match r {
        RefOr::T(r) => r.content.contains_key("application/pdf"),
        RefOr::Ref(_) => false,
    });
    let mut out = vec![(
        400,
        "Requête mal formée : adresse avec un caractère de contrôle, paramètre illisible, corps JSON invalide \
         ou contenant un caractère de contrôle.",
    )];
    if !public {
        out.push((401, "Connexion requise : jeton absent, inconnu ou révoqué."));
        out.push((
            403,
            "Le rôle du compte ne donne pas accès à cette opération (ou jeton CSRF manquant pour une session).",
        ));
    }
    if in_path {
        out.push((404, "La ressource n'existe pas, ou pas dans l'organisation du compte."));
    }
    if write {
        out.push((409, "L'état de la ressource ne permet pas cette opération."));
    }
    if write || body || in_query {
        out.push((422, "Des champs ou des paramètres sont à corriger (`fields` les détaille)."));
    }
    if pdf {
        out.push((503, "Le document met trop de temps à être composé : réessayez dans quelques minutes."));
    }
    out
}

impl Modify for ErrorResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let ops = [
                ("get", item.get.as_mut()),
                ("put", item.put.as_mut()),
                ("post", item.post.as_mut()),
                ("delete", item.delete.as_mut()),
                ("patch", item.patch.as_mut()),
            ];
            for (method, op) in ops {
                let Some(op) = op else { continue };
                for (status, why) in stack_errors(method, op) {
                    op.responses.responses.entry(status.to_string()).or_insert_with(|| error_response(why));
                }
                // An error declared by a handler without a body is an ErrorBody too.
                for (status, r) in op.responses.responses.iter_mut() {
                    if let RefOr::T(r) = r
                        && (status.starts_with('4') || status.starts_with('5'))
                        && r.content.is_empty()
                    {
                        r.content.insert("application/json".into(), error_content());
                    }
                }
            }
        }
    }
}

fn error_content() -> utoipa::openapi::Content {
    ContentBuilder::new().schema(Some(Ref::from_schema_name("ErrorBody"))).build()
}

fn error_response(why: &str) -> RefOr<utoipa::openapi::Response> {
    RefOr::T(ResponseBuilder::new().description(why).content("application/json", error_content()).build())
}
