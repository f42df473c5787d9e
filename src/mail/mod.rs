//! E-mail: messages are queued as jobs (so that a mail server that is down loses nothing) and sent
//! over SMTP with lettre. `smtp_url` is `smtp://host:port` (plain, for a local relay),
//! `smtp+starttls://user:password@host:587` or `smtps://user:password@host:465`.

use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};

use crate::db::{Db, now};
use crate::error::AppError;
use crate::jobs::{Job, enqueue, payload};
use crate::state::AppState;

pub mod store;
pub mod web;

/// A file joined to a message.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct MailAttachment {
    pub filename: String,
    pub content_type: String,
    pub content: String,
}

/// A message waiting in the queue.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Mail {
    pub to: String,
    pub to_name: String,
    pub subject: String,
    pub body: String,
    #[serde(default)]
    pub attachments: Vec<MailAttachment>,
}

/// Queues a message of an organisation (shown in its outbox); `dedup_key` makes sure it is queued
/// once (a convocation per participant and cycle, for instance).
pub async fn queue(db: &Db, org_id: Option<i64>, mail: &Mail, dedup_key: Option<&str>) -> Result<bool, AppError> {
    enqueue(db, org_id, "mail", mail, now(), dedup_key).await
}

/// A Message-ID in the sender's domain (RFC 5322, 3.6.4): the same for every attempt of a job.
pub fn message_id(from: &str, unique: &str) -> String {
    let domain = from
        .rsplit('@')
        .next()
        .map(|d| d.trim_end_matches('>').trim())
        .filter(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-'))
        .unwrap_or("acunum.localhost");
    format!("<{unique}@{domain}>")
}

fn build(from: &str, mail: &Mail, message_id: &str) -> Result<Message, String> {
    let from: Mailbox = from.parse().map_err(|e| format!("expéditeur invalide : {e}"))?;
    let to = Mailbox::new(
        Some(mail.to_name.clone()).filter(|n| !n.is_empty()),
        mail.to.parse().map_err(|e| format!("destinataire invalide : {e}"))?,
    );
    // lettre adds the Date header itself when the message is built.
    let builder = Message::builder().from(from).to(to).subject(&mail.subject).message_id(Some(message_id.to_string()));
    let text = SinglePart::builder().header(ContentType::TEXT_PLAIN).body(mail.body.clone());
    if mail.attachments.is_empty() {
        return builder.singlepart(text).map_err(|e| e.to_string());
    }
    let mut multi = MultiPart::mixed().singlepart(text);
    for a in &mail.attachments {
        let ct = ContentType::parse(&a.content_type).map_err(|e| e.to_string())?;
        multi = multi.singlepart(Attachment::new(a.filename.clone()).body(a.content.clone(), ct));
    }
    builder.multipart(multi).map_err(|e| e.to_string())
}

fn transport(url: &str) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
    let parsed = url::Url::parse(url).map_err(|e| format!("smtp_url invalide : {e}"))?;
    let host = parsed.host_str().ok_or("smtp_url sans hôte")?.to_string();
    let mut b = match parsed.scheme() {
        "smtp" => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&host),
        "smtp+starttls" => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&host).map_err(|e| e.to_string())?,
        "smtps" => AsyncSmtpTransport::<Tokio1Executor>::relay(&host).map_err(|e| e.to_string())?,
        other => return Err(format!("schéma smtp_url inconnu : {other}")),
    };
    if let Some(port) = parsed.port() {
        b = b.port(port);
    }
    if !parsed.username().is_empty() {
        let user = percent_encoding::percent_decode_str(parsed.username()).decode_utf8_lossy().to_string();
        let pass =
            percent_encoding::percent_decode_str(parsed.password().unwrap_or("")).decode_utf8_lossy().to_string();
        b = b.credentials(Credentials::new(user, pass));
    }
    Ok(b.timeout(Some(std::time::Duration::from_secs(20))).build())
}

/// The `mail` job: sends one queued message. Its Message-ID is chosen once and kept for every
/// attempt, so that a receiver can tell a retry from a new message.
pub async fn send_job(state: &AppState, job: &Job) -> Result<(), String> {
    let mail: Mail = payload(job)?;
    if state.config.smtp_url.is_empty() {
        return Err("aucun serveur SMTP configuré (option smtp_url)".into());
    }
    let id = store::message_id_of(&state.db, job.id, &state.config.mail_from).await.map_err(|e| e.to_string())?;
    let message = build(&state.config.mail_from, &mail, &id)?;
    transport(&state.config.smtp_url)?.send(message).await.map_err(|e| format!("envoi SMTP : {e}"))?;
    Ok(())
}

/// Sends one message now, without the queue (`acunum mail test`): the SMTP server's answer is the
/// result.
pub async fn send_now(config: &crate::config::Config, mail: &Mail) -> Result<String, String> {
    if config.smtp_url.is_empty() {
        return Err("aucun serveur SMTP configuré (option smtp_url)".into());
    }
    let id = message_id(&config.mail_from, &format!("test.{}", crate::auth::random_token()));
    let message = build(&config.mail_from, mail, &id)?;
    let reply = transport(&config.smtp_url)?.send(message).await.map_err(|e| format!("envoi SMTP : {e}"))?;
    Ok(format!("{id} accepté par le serveur : {}", reply.message().collect::<Vec<_>>().join(" ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_with_an_ics_attachment_is_built() {
        let m = Mail {
            to: "marie@exemple.fr".into(),
            to_name: "Marie Lenoir".into(),
            subject: "Convocation".into(),
            body: "Bonjour".into(),
            attachments: vec![MailAttachment {
                filename: "seances.ics".into(),
                content_type: "text/calendar; charset=utf-8".into(),
                content: "BEGIN:VCALENDAR".into(),
            }],
        };
        let id = message_id("Acunum <noreply@acunum.test>", "42.abc");
        assert_eq!(id, "<42.abc@acunum.test>");
        let raw = String::from_utf8(build("Acunum <noreply@acunum.test>", &m, &id).unwrap().formatted()).unwrap();
        assert!(raw.contains("Subject: Convocation"));
        assert!(raw.contains("Message-ID: <42.abc@acunum.test>"), "{raw}");
        assert!(raw.contains("Date: "), "{raw}");
        assert!(raw.contains("seances.ics"));
        assert!(raw.contains("text/calendar"));
    }

    #[tokio::test]
    async fn bad_addresses_and_urls_are_errors() {
        let m = Mail {
            to: "pas une adresse".into(),
            to_name: String::new(),
            subject: "x".into(),
            body: "x".into(),
            attachments: vec![],
        };
        assert!(build("noreply@acunum.test", &m, "<1@acunum.test>").is_err());
        assert!(transport("ftp://x").is_err());
        assert!(transport("smtp://127.0.0.1:2525").is_ok());
    }
}
