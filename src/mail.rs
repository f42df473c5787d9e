//! E-mail: messages are queued as jobs (so that a mail server that is down loses nothing) and sent
//! over SMTP with lettre. `smtp_url` is `smtp://host:port` (plain, for a local relay),
//! `smtp+starttls://user:password@host:587` or `smtps://user:password@host:465`.

use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::{Deserialize, Serialize};

use crate::app::AppState;
use crate::db::{Db, now};
use crate::error::AppError;
use crate::jobs::{Job, enqueue, payload};

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

/// Queues a message; `dedup_key` makes sure it is queued once (a convocation per participant and
/// cycle, for instance).
pub async fn queue(db: &Db, mail: &Mail, dedup_key: Option<&str>) -> Result<bool, AppError> {
    enqueue(db, "mail", mail, now(), dedup_key).await
}

fn build(from: &str, mail: &Mail) -> Result<Message, String> {
    let from: Mailbox = from.parse().map_err(|e| format!("expéditeur invalide : {e}"))?;
    let to = Mailbox::new(
        Some(mail.to_name.clone()).filter(|n| !n.is_empty()),
        mail.to.parse().map_err(|e| format!("destinataire invalide : {e}"))?,
    );
    let builder = Message::builder().from(from).to(to).subject(&mail.subject);
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

/// The `mail` job: sends one queued message.
pub async fn send_job(state: &AppState, job: &Job) -> Result<(), String> {
    let mail: Mail = payload(job)?;
    if state.config.smtp_url.is_empty() {
        return Err("aucun serveur SMTP configuré (option smtp_url)".into());
    }
    let message = build(&state.config.mail_from, &mail)?;
    transport(&state.config.smtp_url)?.send(message).await.map_err(|e| format!("envoi SMTP : {e}"))?;
    Ok(())
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
        let raw = String::from_utf8(build("Acunum <noreply@acunum.test>", &m).unwrap().formatted()).unwrap();
        assert!(raw.contains("Subject: Convocation"));
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
        assert!(build("noreply@acunum.test", &m).is_err());
        assert!(transport("ftp://x").is_err());
        assert!(transport("smtp://127.0.0.1:2525").is_ok());
    }
}
