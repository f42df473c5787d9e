//! The école mutuelle of a cycle: participants offer and ask help on skills ("je sais faire un
//! publipostage", "je cherche à classer mes courriels"); a request meets the offers that share its
//! words. Participants post from their personal page; the team sees the board.

pub mod store;

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use crate::auth::Staff;
use crate::committee::matching::tokens;
use crate::cycle::extract::CycleOf;
use crate::cycle::store::{self as cycles, Cycle};
use crate::db::Db;
use crate::error::{AppError, FieldErrors};
use crate::extract::{Form, Json, Path};
use crate::state::AppState;
use crate::web::{PageCtx, flash, render};

pub const KINDS: [(&str, &str); 2] = [("offer", "Je propose mon aide"), ("ask", "Je cherche de l'aide")];

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Post {
    pub id: i64,
    pub participant_id: i64,
    /// First name and initial of the last name.
    pub who: String,
    /// offer or ask
    pub kind: String,
    pub skill: String,
    pub details: String,
    pub created_at: i64,
    pub closed: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(as = MutualMatch)]
pub struct Match {
    pub ask: i64,
    pub offer: i64,
    /// The words they share (stemmed).
    pub words: Vec<String>,
}

/// Open requests meet open offers of other people that share at least one meaningful word of the
/// skill (or of the offer's details); best first (most shared words of the skill).
pub fn matches(posts: &[Post]) -> Vec<Match> {
    let mut out = Vec::new();
    for ask in posts.iter().filter(|p| p.kind == "ask" && !p.closed) {
        let wanted: Vec<String> = tokens(&ask.skill);
        let mut found: Vec<(usize, Match)> = Vec::new();
        for offer in posts.iter().filter(|p| p.kind == "offer" && !p.closed && p.participant_id != ask.participant_id) {
            let skill = tokens(&offer.skill);
            let details = tokens(&offer.details);
            let mut words: Vec<String> = wanted.iter().filter(|w| skill.contains(w)).cloned().collect();
            let strong = words.len();
            for w in wanted.iter().filter(|w| details.contains(w)) {
                if !words.contains(w) {
                    words.push(w.clone());
                }
            }
            words.dedup();
            if !words.is_empty() {
                found.push((strong * 10 + words.len(), Match { ask: ask.id, offer: offer.id, words }));
            }
        }
        found.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.offer.cmp(&b.1.offer)));
        out.extend(found.into_iter().map(|(_, m)| m));
    }
    out
}

#[derive(Deserialize, Default, Clone, utoipa::ToSchema)]
#[serde(default)]
pub struct PostForm {
    /// offer or ask
    pub kind: String,
    pub skill: String,
    pub details: String,
}

/// A participant posts on the board (shared with the API).
pub async fn do_post(
    s: &AppState,
    org: i64,
    cycle_id: i64,
    participant_id: i64,
    f: &PostForm,
) -> Result<i64, AppError> {
    let mut e = FieldErrors::new();
    if !KINDS.iter().any(|(k, _)| *k == f.kind) {
        e.add("kind", "Dites si vous proposez ou si vous cherchez de l'aide.");
    }
    let skill = crate::text::check_text(&mut e, "skill", &f.skill, true, 150);
    let details = crate::text::check_text(&mut e, "details", &f.details, false, 2000);
    if !skill.is_empty() && tokens(&skill).is_empty() {
        e.add("skill", "Décrivez la compétence en quelques mots (par exemple : classer ses courriels).");
    }
    let (skill, details) = e.into_result((skill, details))?;
    store::insert_post(&s.db, (org, cycle_id, participant_id), &f.kind, &skill, &details).await
}

/// What a board shows: posts, and for each open request the offers that fit.
pub struct Board {
    pub posts: Vec<Post>,
    pub matches: Vec<Match>,
}

impl Board {
    pub async fn load(db: &Db, org: i64, cycle_id: i64) -> Result<Board, AppError> {
        let posts = store::posts(db, org, cycle_id).await?;
        Ok(Board { matches: matches(&posts), posts })
    }
    pub fn open(&self, kind: &str) -> Vec<&Post> {
        self.posts.iter().filter(|p| p.kind == kind && !p.closed).collect()
    }
    pub fn post(&self, id: &i64) -> Option<&Post> {
        self.posts.iter().find(|p| p.id == *id)
    }
    /// The offers that fit a request.
    pub fn offers_for(&self, ask: &i64) -> Vec<(&Post, String)> {
        self.matches
            .iter()
            .filter(|m| m.ask == *ask)
            .filter_map(|m| self.post(&m.offer).map(|p| (p, m.words.join(", "))))
            .collect()
    }
    /// The requests an offer answers.
    pub fn asks_for(&self, offer: &i64) -> Vec<&Post> {
        self.matches.iter().filter(|m| m.offer == *offer).filter_map(|m| self.post(&m.ask)).collect()
    }
}

#[derive(Template)]
#[template(path = "committee/mutual.html")]
struct BoardPage {
    ctx: PageCtx,
    cycle: Cycle,
    board: Board,
}

/// `GET /cycles/{id}/ecole-mutuelle`
pub async fn board(
    ctx: PageCtx,
    CycleOf { org, cycle, .. }: CycleOf,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    render(&BoardPage { ctx, board: Board::load(&s.db, org, id).await?, cycle })
}

/// `POST /cycles/{id}/ecole-mutuelle/{post}/clore`: the team closes a post.
pub async fn team_close(
    Staff { org, .. }: Staff,
    session: Session,
    State(s): State<AppState>,
    Path((id, post)): Path<(i64, i64)>,
) -> Result<Response, AppError> {
    store::close(&s.db, org, id, post, None).await?;
    flash(&session, "L'annonce est retirée du tableau.").await;
    Ok(Redirect::to(&format!("/cycles/{id}/ecole-mutuelle")).into_response())
}

/// `POST /p/{token}/ecole-mutuelle`
pub async fn member_post(
    session: Session,
    State(s): State<AppState>,
    Path(token): Path<String>,
    Form(f): Form<PostForm>,
) -> Result<Response, AppError> {
    let (org, cycle_id, person) = cycles::participant_by_token(&s.db, &token).await?;
    match do_post(&s, org, cycle_id, person.id, &f).await {
        Ok(_) => {
            flash(&session, "Votre annonce est sur le tableau de l'école mutuelle.").await;
            Ok(Redirect::to(&format!("/p/{token}#ecole")).into_response())
        }
        Err(e) => {
            let kept = [
                ("mutual:kind".to_string(), f.kind.clone()),
                ("mutual:skill".to_string(), f.skill.clone()),
                ("mutual:details".to_string(), f.details.clone()),
            ];
            crate::web::back_keeping(&session, e, &format!("/p/{token}#ecole"), &kept).await
        }
    }
}

/// `POST /p/{token}/ecole-mutuelle/{post}/clore`: the author closes their post.
pub async fn member_close(
    session: Session,
    State(s): State<AppState>,
    Path((token, post)): Path<(String, i64)>,
) -> Result<Response, AppError> {
    let (org, cycle_id, person) = cycles::participant_by_token(&s.db, &token).await?;
    store::close(&s.db, org, cycle_id, post, Some(person.id)).await?;
    flash(&session, "Votre annonce est retirée.").await;
    Ok(Redirect::to(&format!("/p/{token}#ecole")).into_response())
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct BoardView {
    pub posts: Vec<Post>,
    pub matches: Vec<Match>,
}

/// The école mutuelle's board of a cycle, with the matches.
#[utoipa::path(get, path = "/api/v1/cycles/{id}/mutual", tag = "committee", params(("id" = i64, Path)), responses((status = 200, body = BoardView)))]
pub async fn api_board(
    CycleOf { org, .. }: CycleOf,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<BoardView>, AppError> {
    let b = Board::load(&s.db, org, id).await?;
    Ok(Json(BoardView { posts: b.posts, matches: b.matches }))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct PostInput {
    pub participant_id: i64,
    #[serde(flatten)]
    pub post: PostForm,
}

/// Post on the board for a participant of the cycle.
#[utoipa::path(post, path = "/api/v1/cycles/{id}/mutual", tag = "committee", params(("id" = i64, Path)), request_body = PostInput, responses((status = 201, body = BoardView)))]
pub async fn api_post(
    CycleOf { org, .. }: CycleOf,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Json(b): Json<PostInput>,
) -> Result<Response, AppError> {
    if !cycles::participants(&s.db, org, id).await?.iter().any(|p| p.id == b.participant_id) {
        return Err(AppError::invalid("participant_id", "Cette personne ne fait pas partie du cycle."));
    }
    do_post(&s, org, id, b.participant_id, &b.post).await?;
    let bd = Board::load(&s.db, org, id).await?;
    Ok((axum::http::StatusCode::CREATED, Json(BoardView { posts: bd.posts, matches: bd.matches })).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(id: i64, who: i64, kind: &str, skill: &str, details: &str) -> Post {
        Post {
            id,
            participant_id: who,
            who: String::new(),
            kind: kind.into(),
            skill: skill.into(),
            details: details.into(),
            created_at: 0,
            closed: false,
        }
    }

    #[test]
    fn a_request_meets_the_offers_that_share_its_words() {
        let posts = vec![
            post(1, 10, "ask", "Classer mes courriels", ""),
            post(2, 11, "offer", "Filtres de messagerie", "Je sais trier et classer les courriels automatiquement."),
            post(3, 12, "offer", "Classement des courriels", ""),
            post(4, 13, "offer", "Tableur", "Formules et tableaux croisés"),
            post(5, 10, "offer", "Courriels", ""),
        ];
        let m = matches(&posts);
        // The offer whose skill shares the words comes before the one that only mentions them in its details;
        // nobody is matched with themselves; the spreadsheet offer has nothing in common.
        assert_eq!(m.iter().map(|x| x.offer).collect::<Vec<_>>(), vec![3, 2]);
        assert!(m[0].words.contains(&"courriel".to_string()));
    }

    #[test]
    fn closed_posts_meet_nobody() {
        let mut posts = vec![post(1, 10, "ask", "Wikipédia", ""), post(2, 11, "offer", "Wikipédia", "")];
        assert_eq!(matches(&posts).len(), 1);
        posts[1].closed = true;
        assert!(matches(&posts).is_empty());
    }
}
