//! Configuration: defaults, then a TOML file, then environment variables, then command-line flags.
//!
//! Every option is listed once in [`OPTIONS`], with its environment variable, its default and what it
//! does; `acunum config` prints that table with the values in effect.

use std::path::Path;

use serde::Deserialize;

/// One documented option.
pub struct OptionDoc {
    pub key: &'static str,
    pub env: &'static str,
    pub default: &'static str,
    pub secret: bool,
    pub help: &'static str,
}

/// The one list of options (key in the TOML file, environment variable, default, meaning).
pub const OPTIONS: &[OptionDoc] = &[
    OptionDoc {
        key: "database_url",
        env: "DATABASE_URL",
        default: "sqlite://acunum.db",
        secret: true,
        help: "Base de données : sqlite://fichier.db (embarquée) ou postgres://utilisateur@hôte/base",
    },
    OptionDoc {
        key: "addr",
        env: "ACUNUM_ADDR",
        default: "127.0.0.1:8080",
        secret: false,
        help: "Adresse d'écoute du serveur web",
    },
    OptionDoc {
        key: "base_url",
        env: "ACUNUM_BASE_URL",
        default: "http://<addr>",
        secret: false,
        help: "Adresse publique, pour les liens envoyés par e-mail et les flux",
    },
    OptionDoc {
        key: "db_max_connections",
        env: "ACUNUM_DB_MAX_CONNECTIONS",
        default: "4",
        secret: false,
        help: "Taille du pool de connexions à la base (4 convient à 2 cœurs)",
    },
    OptionDoc {
        key: "secure_cookies",
        env: "ACUNUM_SECURE_COOKIES",
        default: "false",
        secret: false,
        help: "Cookies réservés à HTTPS (à activer derrière un proxy TLS)",
    },
    OptionDoc {
        key: "session_hours",
        env: "ACUNUM_SESSION_HOURS",
        default: "12",
        secret: false,
        help: "Durée d'inactivité après laquelle une session expire",
    },
    OptionDoc {
        key: "login_max_failures",
        env: "ACUNUM_LOGIN_MAX_FAILURES",
        default: "5",
        secret: false,
        help: "Échecs de connexion tolérés par adresse e-mail pendant la fenêtre",
    },
    OptionDoc {
        key: "login_window_minutes",
        env: "ACUNUM_LOGIN_WINDOW_MINUTES",
        default: "15",
        secret: false,
        help: "Fenêtre de comptage des échecs de connexion",
    },
    OptionDoc {
        key: "smtp_url",
        env: "ACUNUM_SMTP_URL",
        default: "",
        secret: true,
        help: "Serveur d'envoi des e-mails : smtp://hôte:port, smtp+starttls://utilisateur:mot-de-passe@hôte:587 ou smtps://…:465 (vide : les e-mails attendent dans la file)",
    },
    OptionDoc {
        key: "mail_from",
        env: "ACUNUM_MAIL_FROM",
        default: "Acunum <ne-pas-repondre@acunum.localhost>",
        secret: false,
        help: "Expéditeur des e-mails",
    },
    OptionDoc {
        key: "max_upload_bytes",
        env: "ACUNUM_MAX_UPLOAD_BYTES",
        default: "2097152",
        secret: false,
        help: "Taille maximale d'un envoi de fichier (logo…)",
    },
    OptionDoc {
        key: "fetch_allow_private",
        env: "ACUNUM_FETCH_ALLOW_PRIVATE",
        default: "false",
        secret: false,
        help: "La veille peut-elle lire des adresses privées, locales ou de bouclage (réseau interne) ? Non par défaut",
    },
    OptionDoc {
        key: "places_max_upload_bytes",
        env: "ACUNUM_PLACES_MAX_UPLOAD_BYTES",
        default: "67108864",
        secret: false,
        help: "Taille maximale d'un fichier de lieux importé par la page ou l'API (la ligne de commande n'a pas de limite)",
    },
    OptionDoc {
        key: "notepad_max_messages_per_second",
        env: "ACUNUM_NOTEPAD_MAX_MESSAGES_PER_SECOND",
        default: "400",
        secret: false,
        help: "Messages qu'une connexion à un bloc-notes peut envoyer par seconde avant d'être fermée comme une inondation",
    },
    OptionDoc {
        key: "fetch_max_bytes",
        env: "ACUNUM_FETCH_MAX_BYTES",
        default: "5242880",
        secret: false,
        help: "Taille maximale d'une page ou d'un flux lu par la veille",
    },
    OptionDoc {
        key: "fetch_timeout_seconds",
        env: "ACUNUM_FETCH_TIMEOUT_SECONDS",
        default: "15",
        secret: false,
        help: "Délai maximal de lecture d'une page ou d'un flux par la veille",
    },
];

/// The configuration in effect.
#[derive(Clone, Debug)]
pub struct Config {
    pub database_url: String,
    pub addr: String,
    pub base_url: String,
    pub db_max_connections: u32,
    pub secure_cookies: bool,
    pub session_hours: i64,
    pub login_max_failures: i64,
    pub login_window_minutes: i64,
    pub max_upload_bytes: usize,
    pub smtp_url: String,
    pub mail_from: String,
    pub fetch_allow_private: bool,
    pub fetch_max_bytes: usize,
    pub places_max_upload_bytes: usize,
    pub notepad_max_messages_per_second: u32,
    pub fetch_timeout_seconds: u64,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Partial {
    database_url: Option<String>,
    addr: Option<String>,
    base_url: Option<String>,
    db_max_connections: Option<u32>,
    secure_cookies: Option<bool>,
    session_hours: Option<i64>,
    login_max_failures: Option<i64>,
    login_window_minutes: Option<i64>,
    max_upload_bytes: Option<usize>,
    smtp_url: Option<String>,
    mail_from: Option<String>,
    fetch_allow_private: Option<bool>,
    fetch_max_bytes: Option<usize>,
    places_max_upload_bytes: Option<usize>,
    notepad_max_messages_per_second: Option<u32>,
    fetch_timeout_seconds: Option<u64>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database_url: "sqlite://acunum.db".into(),
            addr: "127.0.0.1:8080".into(),
            base_url: String::new(),
            db_max_connections: 4,
            secure_cookies: false,
            session_hours: 12,
            login_max_failures: 5,
            login_window_minutes: 15,
            max_upload_bytes: 2 * 1024 * 1024,
            smtp_url: String::new(),
            mail_from: "Acunum <ne-pas-repondre@acunum.localhost>".into(),
            fetch_allow_private: false,
            fetch_max_bytes: 5 * 1024 * 1024,
            places_max_upload_bytes: 64 * 1024 * 1024,
            notepad_max_messages_per_second: crate::notepad::MAX_MESSAGES_PER_SECOND,
            fetch_timeout_seconds: 15,
        }
    }
}

impl Config {
    /// Reads the file (when given, or `acunum.toml` when present) and the environment.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Config> {
        let mut config = Config::default();
        let default_file = Path::new("acunum.toml");
        let file = file.or(default_file.exists().then_some(default_file));
        if let Some(path) = file {
            let text = std::fs::read_to_string(path)
                .map_err(|e| anyhow::anyhow!("lecture de {} impossible : {e}", path.display()))?;
            let partial: Partial = toml::from_str(&text)
                .map_err(|e| anyhow::anyhow!("configuration {} invalide : {e}", path.display()))?;
            config.apply(partial);
        }
        config.apply(from_env(|k| std::env::var(k).ok())?);
        Ok(config)
    }

    fn apply(&mut self, p: Partial) {
        macro_rules! take {
            ($($f:ident),*) => { $( if let Some(v) = p.$f { self.$f = v; } )* };
        }
        take!(
            database_url,
            addr,
            base_url,
            db_max_connections,
            secure_cookies,
            session_hours,
            login_max_failures,
            login_window_minutes,
            max_upload_bytes,
            smtp_url,
            mail_from,
            fetch_allow_private,
            fetch_max_bytes,
            places_max_upload_bytes,
            notepad_max_messages_per_second,
            fetch_timeout_seconds
        );
    }

    /// The public address: `base_url`, or one made from the listening address.
    pub fn public_url(&self) -> String {
        if self.base_url.is_empty() {
            format!("http://{}", self.addr)
        } else {
            self.base_url.trim_end_matches('/').to_string()
        }
    }

    /// The value of an option, as text, for `acunum config` (secrets are masked).
    pub fn show(&self, key: &str) -> String {
        match key {
            "database_url" => mask_password(&self.database_url),
            "addr" => self.addr.clone(),
            "base_url" => self.public_url(),
            "db_max_connections" => self.db_max_connections.to_string(),
            "secure_cookies" => self.secure_cookies.to_string(),
            "session_hours" => self.session_hours.to_string(),
            "login_max_failures" => self.login_max_failures.to_string(),
            "login_window_minutes" => self.login_window_minutes.to_string(),
            "max_upload_bytes" => self.max_upload_bytes.to_string(),
            "smtp_url" => mask_password(&self.smtp_url),
            "mail_from" => self.mail_from.clone(),
            "fetch_allow_private" => self.fetch_allow_private.to_string(),
            "fetch_max_bytes" => self.fetch_max_bytes.to_string(),
            "places_max_upload_bytes" => self.places_max_upload_bytes.to_string(),
            "fetch_timeout_seconds" => self.fetch_timeout_seconds.to_string(),
            _ => String::new(),
        }
    }
}

fn from_env(get: impl Fn(&str) -> Option<String>) -> anyhow::Result<Partial> {
    fn parse<T: std::str::FromStr>(env: &str, v: Option<String>) -> anyhow::Result<Option<T>> {
        v.map(|s| s.trim().parse::<T>().map_err(|_| anyhow::anyhow!("valeur invalide pour {env} : {s}"))).transpose()
    }
    Ok(Partial {
        database_url: get("DATABASE_URL").or_else(|| get("ACUNUM_DATABASE_URL")),
        addr: get("ACUNUM_ADDR"),
        base_url: get("ACUNUM_BASE_URL"),
        db_max_connections: parse("ACUNUM_DB_MAX_CONNECTIONS", get("ACUNUM_DB_MAX_CONNECTIONS"))?,
        secure_cookies: parse("ACUNUM_SECURE_COOKIES", get("ACUNUM_SECURE_COOKIES"))?,
        session_hours: parse("ACUNUM_SESSION_HOURS", get("ACUNUM_SESSION_HOURS"))?,
        login_max_failures: parse("ACUNUM_LOGIN_MAX_FAILURES", get("ACUNUM_LOGIN_MAX_FAILURES"))?,
        login_window_minutes: parse("ACUNUM_LOGIN_WINDOW_MINUTES", get("ACUNUM_LOGIN_WINDOW_MINUTES"))?,
        max_upload_bytes: parse("ACUNUM_MAX_UPLOAD_BYTES", get("ACUNUM_MAX_UPLOAD_BYTES"))?,
        smtp_url: get("ACUNUM_SMTP_URL"),
        mail_from: get("ACUNUM_MAIL_FROM"),
        fetch_allow_private: parse("ACUNUM_FETCH_ALLOW_PRIVATE", get("ACUNUM_FETCH_ALLOW_PRIVATE"))?,
        fetch_max_bytes: parse("ACUNUM_FETCH_MAX_BYTES", get("ACUNUM_FETCH_MAX_BYTES"))?,
        places_max_upload_bytes: parse("ACUNUM_PLACES_MAX_UPLOAD_BYTES", get("ACUNUM_PLACES_MAX_UPLOAD_BYTES"))?,
        notepad_max_messages_per_second: parse(
            "ACUNUM_NOTEPAD_MAX_MESSAGES_PER_SECOND",
            get("ACUNUM_NOTEPAD_MAX_MESSAGES_PER_SECOND"),
        )?,
        fetch_timeout_seconds: parse("ACUNUM_FETCH_TIMEOUT_SECONDS", get("ACUNUM_FETCH_TIMEOUT_SECONDS"))?,
    })
}

fn mask_password(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            match creds.find(':') {
                Some(colon) => format!("{}{}:***{}", &url[..scheme + 3], &creds[..colon], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_overrides_defaults() {
        let p = from_env(|k| match k {
            "ACUNUM_ADDR" => Some("0.0.0.0:9000".into()),
            "ACUNUM_SECURE_COOKIES" => Some("true".into()),
            _ => None,
        })
        .unwrap();
        let mut c = Config::default();
        c.apply(p);
        assert_eq!(c.addr, "0.0.0.0:9000");
        assert!(c.secure_cookies);
        assert_eq!(c.public_url(), "http://0.0.0.0:9000");
    }

    #[test]
    fn a_malformed_number_in_the_environment_is_an_error() {
        let p = from_env(|k| (k == "ACUNUM_SESSION_HOURS").then(|| "douze".to_string()));
        assert!(p.is_err());
    }

    #[test]
    fn every_option_of_the_file_is_documented() {
        for key in [
            "database_url",
            "addr",
            "base_url",
            "db_max_connections",
            "secure_cookies",
            "session_hours",
            "login_max_failures",
            "login_window_minutes",
            "max_upload_bytes",
            "mail_from",
            "fetch_allow_private",
            "fetch_max_bytes",
            "fetch_timeout_seconds",
        ] {
            assert!(OPTIONS.iter().any(|o| o.key == key), "{key} is not documented");
            assert!(!Config::default().show(key).is_empty() || key == "base_url");
        }
    }

    #[test]
    fn passwords_are_masked_when_shown() {
        assert_eq!(mask_password("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(mask_password("sqlite://acunum.db"), "sqlite://acunum.db");
    }
}
