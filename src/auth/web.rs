//! Account pages: log in and out, change one's password, API tokens, password reset links, and the
//! management of an organisation's users.

use std::net::SocketAddr;

use askama::Template;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;

use crate::auth::backend::{AuthSession, Credentials};
use crate::auth::store::{self, ApiToken, NewUser};
use crate::auth::throttle;
use crate::auth::{
    CurrentUser, Role, User, check_password, hash_password_async, random_token, safe_next, verify_password_async,
};
use crate::db::now;
use crate::error::{AppError, FieldErrors};
use crate::extract::{Form, Path, Query};
use crate::state::AppState;
use crate::web::{PageCtx, flash, render, render_invalid};

/// The client's address, for the throttles and the records (who signed from where): the socket's
/// peer, or behind a trusted proxy the address it forwarded (see [`throttle::client_ip`]).
pub struct ClientIp(pub String);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, s: &AppState) -> Result<Self, Self::Rejection> {
        let Some(peer) = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip()) else {
            return Ok(ClientIp("inconnue".into()));
        };
        let trusted = throttle::trusted_proxies(&s.config.trusted_proxies);
        let hops: Vec<&str> = parts.headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).collect();
        Ok(ClientIp(throttle::client_ip(peer, &hops, &trusted).to_string()))
    }
}

#[derive(Template)]
#[template(path = "auth/login.html")]
struct LoginPage {
    ctx: PageCtx,
    email: String,
    next: String,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct NextQuery {
    pub suivant: Option<String>,
}

pub async fn login_form(ctx: PageCtx, Query(q): Query<NextQuery>) -> Result<Response, AppError> {
    if ctx.user.is_some() {
        return Ok(Redirect::to(&safe_next(q.suivant.as_deref())).into_response());
    }
    render(&LoginPage { ctx, email: String::new(), next: safe_next(q.suivant.as_deref()), error: None })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LoginForm {
    pub email: String,
    pub password: String,
    pub suivant: String,
}

pub async fn login(
    ctx: PageCtx,
    mut auth: AuthSession,
    ClientIp(ip): ClientIp,
    State(s): State<AppState>,
    Form(f): Form<LoginForm>,
) -> Result<Response, AppError> {
    let email = f.email.trim().to_lowercase();
    let next = safe_next(Some(&f.suivant));
    // The attempt takes its place in the account's and the address's counters before the password
    // is checked: simultaneous attempts cannot all slip under the limit.
    let keys = login_keys(&email, &ip, s.config.login_max_failures);
    let window = s.config.login_window_minutes * 60;
    if !throttle::reserve_all(&s.db, &keys, now(), window).await? {
        return Err(AppError::TooManyRequests(format!(
            "Trop de tentatives de connexion : réessayez dans {} minutes, ou demandez un lien de réinitialisation à votre coordination.",
            s.config.login_window_minutes
        )));
    }
    let user = auth
        .authenticate(Credentials { email: email.clone(), password: f.password })
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("authenticate: {e}")))?;
    let Some(user) = user else {
        store::record_attempt(&s.db, &email, &ip, false).await?;
        let page =
            LoginPage { ctx, email: f.email, next, error: Some("Adresse e-mail ou mot de passe incorrect.".into()) };
        return render_invalid(&page);
    };
    store::record_attempt(&s.db, &email, &ip, true).await?;
    throttle::clear(&s.db, &keys[0].0).await?;
    throttle::release(&s.db, &keys[1].0).await?;
    auth.login(&user).await.map_err(|e| AppError::Internal(anyhow::anyhow!("login: {e}")))?;
    // The session's form token is made now, with the session itself: whichever server process
    // answers the next pages finds it in the record (a process keeps records a few seconds).
    crate::auth::csrf::token(&auth.session).await?;
    Ok(Redirect::to(&next).into_response())
}

/// The login's throttle keys: the account (its limit of failures) and the address, which may try
/// many accounts (four times as many).
pub fn login_keys(email: &str, ip: &str, max_failures: i64) -> [(String, i64); 2] {
    [(format!("login:email:{email}"), max_failures), (format!("login:ip:{ip}"), max_failures * 4)]
}

pub async fn logout(mut auth: AuthSession) -> Result<Response, AppError> {
    auth.logout().await.map_err(|e| AppError::Internal(anyhow::anyhow!("logout: {e}")))?;
    Ok(Redirect::to("/connexion").into_response())
}

#[derive(Template)]
#[template(path = "auth/account.html")]
struct AccountPage {
    ctx: PageCtx,
    user: User,
    tokens: Vec<ApiToken>,
    new_token: Option<String>,
    errors: FieldErrors,
}

async fn account_page(
    ctx: PageCtx,
    s: &AppState,
    user: User,
    new_token: Option<String>,
    errors: FieldErrors,
) -> Result<AccountPage, AppError> {
    let tokens = store::list_tokens(&s.db, user.id).await?;
    Ok(AccountPage { ctx, user, tokens, new_token, errors })
}

pub async fn account(ctx: PageCtx, user: CurrentUser, State(s): State<AppState>) -> Result<Response, AppError> {
    render(&account_page(ctx, &s, user.user, None, FieldErrors::new()).await?)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PasswordForm {
    pub current: String,
    pub password: String,
    pub confirm: String,
}

/// Checks a password change; returns the new hash.
pub async fn checked_new_password(user: &User, f: &PasswordForm) -> Result<String, AppError> {
    let mut e = FieldErrors::new();
    if !verify_password_async(f.current.clone(), user.password_hash.clone()).await {
        e.add("current", "Le mot de passe actuel est incorrect.");
    }
    check_password(&mut e, "password", &f.password);
    if f.password != f.confirm {
        e.add("confirm", "Les deux mots de passe ne sont pas identiques.");
    }
    if !e.is_empty() {
        return Err(AppError::Invalid(e));
    }
    Ok(hash_password_async(f.password.clone()).await?)
}

pub async fn change_password(
    ctx: PageCtx,
    user: CurrentUser,
    mut auth: AuthSession,
    session: Session,
    State(s): State<AppState>,
    Form(f): Form<PasswordForm>,
) -> Result<Response, AppError> {
    match checked_new_password(&user.user, &f).await {
        Ok(hash) => {
            store::set_password(&s.db, user.id(), &hash).await?;
            // The session's hash must follow, or this very session would end too.
            if let Some(updated) = store::user_by_id(&s.db, user.id()).await? {
                auth.login(&updated).await.map_err(|e| AppError::Internal(anyhow::anyhow!("login: {e}")))?;
            }
            flash(&session, "Votre mot de passe est changé. Vos autres sessions sont fermées.").await;
            Ok(Redirect::to("/compte").into_response())
        }
        Err(AppError::Invalid(errors)) => render_invalid(&account_page(ctx, &s, user.user, None, errors).await?),
        Err(e) => Err(e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TokenForm {
    pub name: String,
}

pub async fn create_token(
    ctx: PageCtx,
    user: CurrentUser,
    State(s): State<AppState>,
    Form(f): Form<TokenForm>,
) -> Result<Response, AppError> {
    let mut e = FieldErrors::new();
    let name = crate::text::check_text(&mut e, "token_name", &f.name, true, 100);
    if !e.is_empty() {
        return render_invalid(&account_page(ctx, &s, user.user, None, e).await?);
    }
    let token = random_token();
    store::create_token(&s.db, user.id(), &name, &token).await?;
    render(&account_page(ctx, &s, user.user, Some(token), FieldErrors::new()).await?)
}

pub async fn delete_token(
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    if !store::delete_token(&s.db, user.id(), id).await? {
        return Err(AppError::NotFound);
    }
    flash(&session, "Le jeton est révoqué.").await;
    Ok(Redirect::to("/compte#jetons").into_response())
}

#[derive(Template)]
#[template(path = "auth/reset.html")]
struct ResetPage {
    ctx: PageCtx,
    token: String,
    name: String,
    errors: FieldErrors,
}

pub async fn reset_form(
    ctx: PageCtx,
    State(s): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let user = store::reset_user(&s.db, &token).await?.ok_or_else(expired_link)?;
    render(&ResetPage { ctx, token, name: user.name, errors: FieldErrors::new() })
}

fn expired_link() -> AppError {
    AppError::BadRequest("Ce lien de réinitialisation n'est pas valable : il a expiré ou a déjà servi. Demandez-en un nouveau à votre coordination.".into())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ResetForm {
    pub password: String,
    pub confirm: String,
}

pub async fn reset(
    ctx: PageCtx,
    session: Session,
    State(s): State<AppState>,
    Path(token): Path<String>,
    Form(f): Form<ResetForm>,
) -> Result<Response, AppError> {
    let user = store::reset_user(&s.db, &token).await?.ok_or_else(expired_link)?;
    let mut e = FieldErrors::new();
    check_password(&mut e, "password", &f.password);
    if f.password != f.confirm {
        e.add("confirm", "Les deux mots de passe ne sont pas identiques.");
    }
    if !e.is_empty() {
        return render_invalid(&ResetPage { ctx, token, name: user.name, errors: e });
    }
    let hash = hash_password_async(f.password).await?;
    if !store::use_reset(&s.db, &token, user.id, &hash).await? {
        return Err(expired_link());
    }
    flash(&session, "Votre mot de passe est enregistré : vous pouvez vous connecter.").await;
    Ok(Redirect::to("/connexion").into_response())
}

// --- users of an organisation -------------------------------------------------------------------

#[derive(Template)]
#[template(path = "auth/users.html")]
struct UsersPage {
    ctx: PageCtx,
    users: Vec<User>,
    me: i64,
    orgs: Vec<(i64, String)>,
    is_admin: bool,
    form: NewUserForm,
    errors: FieldErrors,
    link: Option<(String, String)>,
    roles: Vec<(&'static str, &'static str)>,
}

#[derive(Clone, Deserialize, Default)]
#[serde(default)]
pub struct NewUserForm {
    pub name: String,
    pub email: String,
    pub role: String,
    pub org_id: String,
    pub password: String,
}

/// The organisation whose users the caller manages (`None`: the admin, every organisation).
fn managed_org(user: &CurrentUser) -> Result<Option<i64>, AppError> {
    if user.is_admin() { Ok(None) } else { user.coordinator_org().map(Some) }
}

async fn users_page(
    ctx: PageCtx,
    s: &AppState,
    user: &CurrentUser,
    form: NewUserForm,
    errors: FieldErrors,
    link: Option<(String, String)>,
) -> Result<UsersPage, AppError> {
    let scope = managed_org(user)?;
    let users = store::list_users(&s.db, scope).await?;
    let orgs = if scope.is_none() {
        crate::org::store::list(&s.db).await?.into_iter().map(|(o, _)| (o.id, o.name)).collect()
    } else {
        Vec::new()
    };
    let mut roles: Vec<(&str, &str)> = Role::ORG_ROLES.iter().map(|r| (r.as_str(), r.label())).collect();
    if scope.is_none() {
        roles.push((Role::Admin.as_str(), Role::Admin.label()));
    }
    Ok(UsersPage { ctx, users, me: user.id(), orgs, is_admin: scope.is_none(), form, errors, link, roles })
}

pub async fn users(ctx: PageCtx, user: CurrentUser, State(s): State<AppState>) -> Result<Response, AppError> {
    let form = NewUserForm { role: "intervenant".into(), ..Default::default() };
    render(&users_page(ctx, &s, &user, form, FieldErrors::new(), None).await?)
}

/// Creates a user in the caller's organisation (or any, for the admin). Without a password, a
/// reset link is made for the new person to choose one; returns the user and that link.
pub async fn add_user(s: &AppState, caller: &CurrentUser, f: &NewUserForm) -> Result<(User, Option<String>), AppError> {
    let scope = managed_org(caller)?;
    let mut e = FieldErrors::new();
    let name = crate::text::check_text(&mut e, "name", &f.name, true, 200);
    let email = crate::text::check_email(&mut e, "email", &f.email, true);
    let role = Role::parse(&f.role).filter(|r| scope.is_none() || *r != Role::Admin);
    if role.is_none() {
        e.add("role", "Choisissez le rôle dans la liste.");
    }
    let org_id = match scope {
        Some(org) => Some(org),
        None if role == Some(Role::Admin) => None,
        None => match f.org_id.trim().parse::<i64>() {
            Ok(id) if crate::org::store::name_of(&s.db, id).await?.is_some() => Some(id),
            _ => {
                e.add("org_id", "Choisissez l'organisation de cette personne.");
                None
            }
        },
    };
    if !f.password.is_empty() {
        check_password(&mut e, "password", &f.password);
    }
    if !e.is_empty() {
        return Err(AppError::Invalid(e));
    }
    let password = if f.password.is_empty() { random_token() } else { f.password.clone() };
    let hash = hash_password_async(password).await?;
    let user = store::create_user(
        &s.db,
        NewUser { org_id, email: &email, name: &name, role: role.unwrap_or(Role::Participant), password_hash: &hash },
    )
    .await?;
    let link = if f.password.is_empty() { Some(reset_link(s, caller, user.id).await?) } else { None };
    Ok((user, link))
}

async fn reset_link(s: &AppState, caller: &CurrentUser, user_id: i64) -> Result<String, AppError> {
    let token = random_token();
    store::create_reset(&s.db, user_id, Some(caller.id()), &token).await?;
    Ok(format!("{}/reinitialiser/{token}", s.config.public_url()))
}

pub async fn create_user(
    ctx: PageCtx,
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Form(f): Form<NewUserForm>,
) -> Result<Response, AppError> {
    match add_user(&s, &user, &f).await {
        Ok((created, Some(link))) => {
            let form = NewUserForm { role: "intervenant".into(), ..Default::default() };
            render(&users_page(ctx, &s, &user, form, FieldErrors::new(), Some((created.name, link))).await?)
        }
        Ok((created, None)) => {
            flash(&session, format!("Le compte de {} est créé.", created.name)).await;
            Ok(Redirect::to("/utilisateurs").into_response())
        }
        Err(AppError::Invalid(errors)) => render_invalid(&users_page(ctx, &s, &user, f, errors, None).await?),
        Err(e) => Err(e),
    }
}

/// A user the caller may manage: of the caller's organisation, or any for the admin.
async fn managed_user(s: &AppState, caller: &CurrentUser, id: i64) -> Result<User, AppError> {
    match managed_org(caller)? {
        Some(org) => store::user_in_org(&s.db, org, id).await,
        None => store::user_by_id(&s.db, id).await?.ok_or(AppError::NotFound),
    }
}

pub async fn issue_reset(
    ctx: PageCtx,
    user: CurrentUser,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let target = managed_user(&s, &user, id).await?;
    let link = reset_link(&s, &user, target.id).await?;
    let form = NewUserForm { role: "intervenant".into(), ..Default::default() };
    render(&users_page(ctx, &s, &user, form, FieldErrors::new(), Some((target.name, link))).await?)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ActiveForm {
    #[serde(deserialize_with = "crate::web::form_bool")]
    pub active: bool,
}

pub async fn set_active(
    user: CurrentUser,
    session: Session,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Form(f): Form<ActiveForm>,
) -> Result<Response, AppError> {
    let target = managed_user(&s, &user, id).await?;
    if target.id == user.id() {
        return Err(AppError::BadRequest("Vous ne pouvez pas désactiver votre propre compte.".into()));
    }
    store::set_active(&s.db, target.id, f.active).await?;
    flash(
        &session,
        if f.active {
            format!("Le compte de {} est réactivé.", target.name)
        } else {
            format!("Le compte de {} est désactivé.", target.name)
        },
    )
    .await;
    Ok(Redirect::to("/utilisateurs").into_response())
}
