//! Configuration: defaults, then a TOML file, then environment variables, then command-line flags.
//!
//! Every option is declared once, in the [`options!`] table below: its type, its default, its
//! environment variable, whether it is a secret, and what it does. From that one table come the
//! [`Config`] struct, the file's keys, the environment's names, the documentation that `acunum
//! config` prints ([`OPTIONS`]) and the values it shows ([`Config::show`]).

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

/// Declares every option once: `key: Type = default, "ENV_NAME", "default as documented", secret, "help"`.
macro_rules! options {
    ($( $key:ident : $ty:ty = $default:expr, $env:literal, $shown:literal, $secret:literal, $help:literal; )*) => {
        /// The one list of options (key in the TOML file, environment variable, default, meaning).
        pub const OPTIONS: &[OptionDoc] = &[ $( OptionDoc {
            key: stringify!($key), env: $env, default: $shown, secret: $secret, help: $help,
        }, )* ];

        /// The configuration in effect.
        #[derive(Clone, Debug)]
        pub struct Config { $( pub $key: $ty, )* }

        #[derive(Default, Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Partial { $( $key: Option<$ty>, )* }

        impl Default for Config {
            fn default() -> Self {
                Config { $( $key: $default, )* }
            }
        }

        impl Config {
            fn apply(&mut self, p: Partial) {
                $( if let Some(v) = p.$key { self.$key = v; } )*
            }

            /// The value of an option as text, unmasked.
            fn raw(&self, key: &str) -> Option<String> {
                match key {
                    $( stringify!($key) => Some(self.$key.to_string()), )*
                    _ => None,
                }
            }
        }

        fn from_env(get: impl Fn(&str) -> Option<String>) -> anyhow::Result<Partial> {
            Ok(Partial { $( $key: parse::<$ty>($env, get($env))?, )* })
        }
    };
}

options! {
    database_url: String = "sqlite://acunum.db".into(), "DATABASE_URL", "sqlite://acunum.db", true,
        "Base de données : sqlite://fichier.db (embarquée) ou postgres://utilisateur@hôte/base (aussi ACUNUM_DATABASE_URL)";
    addr: String = "127.0.0.1:8080".into(), "ACUNUM_ADDR", "127.0.0.1:8080", false,
        "Adresse d'écoute du serveur web";
    base_url: String = String::new(), "ACUNUM_BASE_URL", "http://<addr>", false,
        "Adresse publique, pour les liens envoyés par e-mail et les flux";
    db_max_connections: u32 = 4, "ACUNUM_DB_MAX_CONNECTIONS", "4", false,
        "Taille du pool de connexions à la base (4 convient à 2 cœurs)";
    secure_cookies: bool = false, "ACUNUM_SECURE_COOKIES", "false", false,
        "Cookies réservés à HTTPS (à activer derrière un proxy TLS)";
    secret_key: String = String::new(), "ACUNUM_SECRET_KEY", "", true,
        "Clé secrète des liens personnels (page d'un·e participant·e, lien de lecture d'un bloc-notes, flux de la veille), gardée hors de la base ; vide : une clé gardée dans la base. La changer change tous les liens";
    trusted_proxies: String = String::new(), "ACUNUM_TRUSTED_PROXIES", "", false,
        "Proxys de confiance (adresses ou réseaux séparés par des virgules, ex. 127.0.0.1,10.0.0.0/8) : derrière eux, l'adresse du client est lue dans X-Forwarded-For";
    session_hours: i64 = 12, "ACUNUM_SESSION_HOURS", "12", false,
        "Durée d'inactivité après laquelle une session expire";
    login_max_failures: i64 = 5, "ACUNUM_LOGIN_MAX_FAILURES", "5", false,
        "Échecs de connexion tolérés par adresse e-mail pendant la fenêtre";
    login_window_minutes: i64 = 15, "ACUNUM_LOGIN_WINDOW_MINUTES", "15", false,
        "Fenêtre de comptage des échecs de connexion";
    smtp_url: String = String::new(), "ACUNUM_SMTP_URL", "", true,
        "Serveur d'envoi des e-mails : smtp://hôte:port, smtp+starttls://utilisateur:mot-de-passe@hôte:587 ou smtps://…:465 (vide : les e-mails attendent dans la file)";
    mail_from: String = "Acunum <ne-pas-repondre@acunum.localhost>".into(), "ACUNUM_MAIL_FROM",
        "Acunum <ne-pas-repondre@acunum.localhost>", false,
        "Expéditeur des e-mails";
    max_upload_bytes: usize = 2 * 1024 * 1024, "ACUNUM_MAX_UPLOAD_BYTES", "2097152", false,
        "Taille maximale d'un envoi de fichier (logo…)";
    fetch_allow_private: bool = false, "ACUNUM_FETCH_ALLOW_PRIVATE", "false", false,
        "La veille peut-elle lire des adresses privées, locales ou de bouclage (réseau interne) ? Non par défaut";
    places_max_upload_bytes: usize = 64 * 1024 * 1024, "ACUNUM_PLACES_MAX_UPLOAD_BYTES", "67108864", false,
        "Taille maximale d'un fichier de lieux importé par la page ou l'API (la ligne de commande n'a pas de limite)";
    notepad_max_messages_per_second: u32 = crate::notepad::MAX_MESSAGES_PER_SECOND,
        "ACUNUM_NOTEPAD_MAX_MESSAGES_PER_SECOND", "400", false,
        "Messages qu'une connexion à un bloc-notes peut envoyer par seconde avant d'être fermée comme une inondation";
    fetch_max_bytes: usize = 5 * 1024 * 1024, "ACUNUM_FETCH_MAX_BYTES", "5242880", false,
        "Taille maximale d'une page ou d'un flux lu par la veille";
    fetch_timeout_seconds: u64 = 15, "ACUNUM_FETCH_TIMEOUT_SECONDS", "15", false,
        "Délai maximal de lecture d'une page ou d'un flux par la veille";
    attendance_open_minutes_before: i64 = 30, "ACUNUM_ATTENDANCE_OPEN_MINUTES_BEFORE", "30", false,
        "Combien de minutes avant le début d'une demi-journée la signature peut s'ouvrir (le jour même seulement)";
    retention_contact_years: i64 = 3, "ACUNUM_RETENTION_CONTACT_YEARS", "3", false,
        "Années après la fin d'un cycle au bout desquelles les coordonnées des participants sont effacées (0 : jamais)";
    retention_records_years: i64 = 5, "ACUNUM_RETENTION_RECORDS_YEARS", "5", false,
        "Années après la dernière séance au bout desquelles feuilles d'émargement et certificats sont anonymisés (0 : jamais)";
    retention_logs_days: i64 = 180, "ACUNUM_RETENTION_LOGS_DAYS", "180", false,
        "Jours après l'envoi au bout desquels un e-mail quitte la file d'envoi (0 : jamais)";
}

fn parse<T: std::str::FromStr>(env: &str, v: Option<String>) -> anyhow::Result<Option<T>> {
    v.map(|s| s.trim().parse::<T>().map_err(|_| anyhow::anyhow!("valeur invalide pour {env} : {s}"))).transpose()
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
        // The database's address also answers to the name other tools give it.
        config.apply(from_env(|k| {
            std::env::var(k)
                .ok()
                .or_else(|| (k == "DATABASE_URL").then(|| std::env::var("ACUNUM_DATABASE_URL").ok())?)
        })?);
        Ok(config)
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
        if key == "base_url" {
            return self.public_url();
        }
        let value = self.raw(key).unwrap_or_default();
        if OPTIONS.iter().any(|o| o.key == key && o.secret) { mask_password(&value) } else { value }
    }
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
    fn every_option_is_documented_shown_and_read_from_its_own_variable() {
        let mut envs = std::collections::HashSet::new();
        for o in OPTIONS {
            assert!(o.env.starts_with("ACUNUM_") || o.env == "DATABASE_URL", "{}", o.env);
            assert!(envs.insert(o.env), "{} is used twice", o.env);
            assert!(!o.help.is_empty(), "{} has no help", o.key);
            let shown = Config::default().show(o.key);
            if o.key != "base_url" {
                assert_eq!(shown, mask_password(o.default), "{}: the documented default is not the default", o.key);
            }
            // A value set in the environment reaches the option.
            let value = if shown == "false" {
                "true"
            } else if shown.parse::<i64>().is_ok() {
                "7"
            } else {
                "x"
            };
            let mut c = Config::default();
            c.apply(from_env(|k| (k == o.env).then(|| value.to_string())).unwrap());
            assert_eq!(c.raw(o.key).as_deref(), Some(value), "{} is not read from {}", o.key, o.env);
        }
    }

    #[test]
    fn passwords_are_masked_when_shown() {
        assert_eq!(mask_password("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(mask_password("sqlite://acunum.db"), "sqlite://acunum.db");
    }
}
