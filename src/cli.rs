//! The `acunum` command line: serve, migrate, demo, user, token, config.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::app::{AppState, router};
use crate::auth::Role;
use crate::config::{Config, OPTIONS};
use crate::db::Db;

#[derive(Parser)]
#[command(name = "acunum", version, about = "Acunum : vendre, planifier, animer et suivre les cycles ACUNUM")]
pub struct Cli {
    /// Base de données (sqlite://fichier.db ou postgres://…). Par défaut : acunum.db dans le dossier courant.
    #[arg(long, global = true)]
    database_url: Option<String>,
    /// Fichier de configuration TOML (par défaut : acunum.toml s'il existe).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Lance le serveur web.
    Serve {
        /// Adresse d'écoute (par défaut 127.0.0.1:8080).
        #[arg(long)]
        addr: Option<String>,
        /// Charge les données de démonstration si la base est vide, et affiche les comptes.
        #[arg(long)]
        demo: bool,
    },
    /// Crée ou met à jour le schéma de la base.
    Migrate,
    /// Charge les données de démonstration.
    Demo,
    /// Gère les comptes.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Gère les jetons d'accès à l'API.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Annuaire des lieux de médiation numérique : import et export au schéma national.
    Places {
        #[command(subcommand)]
        command: PlacesCommand,
    },
    /// Affiche les options de configuration et leurs valeurs.
    Config,
    /// Courriel : envoie un message d'essai par le serveur configuré.
    Mail {
        #[command(subcommand)]
        command: MailCommand,
    },
    /// Bancs d'essai (construits avec `--features bench`, voir bench/).
    #[cfg(feature = "bench")]
    #[command(flatten)]
    Bench(crate::benches::BenchCommand),
}

#[derive(Subcommand)]
enum PlacesCommand {
    /// Importe un fichier de lieux (CSV ou JSON, schéma national ou export plus ancien) et affiche le rapport.
    Import {
        /// Le fichier à importer.
        file: std::path::PathBuf,
        /// L'organisation (identifiant ou slug) dont l'annuaire reçoit les lieux.
        #[arg(long)]
        org: String,
        /// Détaille chaque ligne corrigée ou rejetée.
        #[arg(long)]
        details: bool,
    },
    /// Exporte l'annuaire d'une organisation au schéma national (CSV ou JSON) sur la sortie standard ou dans un fichier.
    Export {
        #[arg(long)]
        org: String,
        /// csv ou json
        #[arg(long, default_value = "csv")]
        format: String,
        #[arg(long, short)]
        output: Option<std::path::PathBuf>,
    },
}

#[derive(Subcommand)]
enum MailCommand {
    /// Envoie tout de suite un message d'essai (sans la file d'envoi) et affiche la réponse du serveur.
    Test {
        /// L'adresse qui reçoit le message.
        #[arg(long)]
        to: String,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Crée un compte (sans --password, affiche un lien pour choisir le mot de passe).
    Add(UserAdd),
}

#[derive(Args)]
struct UserAdd {
    #[arg(long)]
    email: String,
    #[arg(long)]
    name: String,
    /// admin, coordinator, intervenant, participant ou client_contact
    #[arg(long, default_value = "coordinator")]
    role: String,
    /// Identifiant ou slug de l'organisation (sauf pour admin).
    #[arg(long)]
    org: Option<String>,
    #[arg(long)]
    password: Option<String>,
    /// Relie le compte (rôle intervenant) à cette fiche d'intervenant.
    #[arg(long)]
    intervenant: Option<i64>,
    /// Relie le compte (rôle client_contact) à ce contact client (identifiant du contact).
    #[arg(long)]
    client_contact: Option<i64>,
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Crée un jeton pour un compte et l'affiche.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "ligne de commande")]
        name: String,
    },
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_sessions=warn,axum_login=warn"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).try_init();
}

pub async fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    init_tracing();
    let mut config = Config::load(cli.config.as_deref())?;
    if let Some(url) = cli.database_url {
        config.database_url = url;
    }
    if let Command::Config = cli.command {
        println!("{:<22} {:<28} {:<22} description", "option", "variable d'environnement", "valeur");
        for o in OPTIONS {
            println!(
                "{:<22} {:<28} {:<22} {} (défaut : {})",
                o.key,
                o.env,
                if o.secret { "***".into() } else { config.show(o.key) },
                o.help,
                o.default
            );
        }
        return Ok(());
    }
    if let Command::Mail { command: MailCommand::Test { to } } = &cli.command {
        let mail = crate::mail::Mail {
            to: to.clone(),
            to_name: String::new(),
            subject: "Acunum : message d'essai".into(),
            body: format!(
                "Ce message d'essai vient d'Acunum ({}). S'il vous parvient, l'envoi des e-mails fonctionne.",
                config.public_url()
            ),
            attachments: Vec::new(),
        };
        match crate::mail::send_now(&config, &mail).await {
            Ok(answer) => println!("Message envoyé à {to} : {answer}"),
            Err(e) => anyhow::bail!("échec de l'envoi à {to} : {e}"),
        }
        return Ok(());
    }
    #[cfg(feature = "bench")]
    if let Command::Bench(b) = cli.command {
        return crate::benches::run(b, &config).await;
    }
    if let Command::Serve { addr: Some(a), .. } = &cli.command {
        config.addr = a.clone();
    }
    let db = Db::connect(&config.database_url, config.db_max_connections).await?;
    db.migrate().await?;
    crate::links::use_secret(&db, &config.secret_key);
    if config.secret_key.is_empty() && matches!(cli.command, Command::Serve { .. }) {
        tracing::warn!("ACUNUM_SECRET_KEY n'est pas défini : la clé des liens personnels est gardée dans la base");
    }
    let rehashed = crate::links::backfill(&db).await?;
    if rehashed > 0 {
        tracing::info!(rehashed, "personal links now kept as hashes (their addresses changed once)");
    }
    match cli.command {
        Command::Migrate => println!("Base à jour."),
        Command::Demo => {
            crate::demo::load(&db).await?;
            crate::demo::load_places(&db).await?;
            print_demo_logins();
        }
        Command::Serve { demo, .. } => {
            if demo && crate::demo::is_empty(&db).await? {
                crate::demo::load(&db).await?;
                crate::demo::load_places(&db).await?;
                println!("Données de démonstration chargées.");
            }
            if demo {
                print_demo_logins();
            }
            serve(db, config).await?;
        }
        Command::User { command: UserCommand::Add(a) } => user_add(&db, &config, a).await?,
        Command::Token { command: TokenCommand::Create { email, name } } => {
            let user = crate::auth::store::user_by_email(&db, &email)
                .await?
                .ok_or_else(|| anyhow::anyhow!("aucun compte pour {email}"))?;
            let token = crate::auth::random_token();
            crate::auth::store::create_token(&db, user.id, &name, &token).await?;
            println!("{token}");
        }
        Command::Places { command } => places_command(&db, command).await?,
        Command::Config | Command::Mail { .. } => {}
        #[cfg(feature = "bench")]
        Command::Bench(_) => {}
    }
    Ok(())
}

async fn org_of(db: &Db, o: &str) -> anyhow::Result<i64> {
    Ok(match o.parse::<i64>() {
        Ok(id) => crate::org::store::get(db, id).await.map_err(|_| anyhow::anyhow!("organisation {id} inconnue"))?.id,
        Err(_) => {
            crate::org::store::by_slug(db, o).await.map_err(|_| anyhow::anyhow!("organisation « {o} » inconnue"))?.id
        }
    })
}

async fn places_command(db: &Db, command: PlacesCommand) -> anyhow::Result<()> {
    match command {
        PlacesCommand::Import { file, org, details } => {
            let org = org_of(db, &org).await?;
            let opened = std::fs::File::open(&file)
                .map_err(|e| anyhow::anyhow!("lecture de {} impossible : {e}", file.display()))?;
            let size = opened.metadata().map(|m| m.len()).unwrap_or(0);
            // The file is read as a stream: the bar counts its bytes.
            let bar = indicatif::ProgressBar::new(size);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{msg} [{bar:40}] {bytes}/{total_bytes} ({bytes_per_sec}, reste {eta})",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            bar.set_message("Import");
            let name = file.display().to_string();
            let report = crate::places::import::import_stream(
                db,
                org,
                opened,
                size,
                &name,
                "ligne de commande",
                |done, total| {
                    bar.set_length(total);
                    bar.set_position(done);
                },
            )
            .await;
            bar.finish_and_clear();
            let r = match report {
                Ok(r) => r,
                Err(crate::places::import::ImportError::Refused(why)) => anyhow::bail!("fichier refusé : {why}"),
                Err(crate::places::import::ImportError::Db(e)) => anyhow::bail!("{e}"),
            };
            for n in &r.notes {
                println!("• {n}");
            }
            if details {
                for row in &r.rows {
                    println!("élément {} ({}) {} : {}", row.line, row.id, row.status, row.messages.join(" ; "));
                }
            }
            let rate = if r.millis > 0 { r.rows_total as f64 * 1000.0 / r.millis as f64 } else { 0.0 };
            println!(
                "{} lignes en {} ms ({rate:.0} lignes/s) : {} acceptées, {} corrigées, {} à vérifier, {} rejetées ; {} créés, {} mis à jour, {} inchangés. Rapport n° {}.",
                r.rows_total,
                r.millis,
                r.accepted,
                r.corrected,
                r.to_check,
                r.rejected,
                r.created,
                r.updated,
                r.unchanged,
                r.id
            );
        }
        PlacesCommand::Export { org, format, output } => {
            let org = org_of(db, &org).await?;
            let bytes = match format.as_str() {
                "csv" => crate::places::store::export_csv(db, org).await?,
                "json" => crate::places::store::export_json(db, org).await?,
                other => anyhow::bail!("format « {other} » inconnu : csv ou json"),
            };
            match output {
                Some(path) => std::fs::write(&path, bytes)?,
                None => {
                    use std::io::Write;
                    std::io::stdout().write_all(&bytes)?;
                }
            }
        }
    }
    Ok(())
}

fn print_demo_logins() {
    println!("Comptes de démonstration (mot de passe : {}) :", crate::demo::DEMO_PASSWORD);
    for (email, who) in crate::demo::DEMO_ACCOUNTS {
        println!("  {email:<34} {who}");
    }
}

async fn user_add(db: &Db, config: &Config, a: UserAdd) -> anyhow::Result<()> {
    let role = Role::parse(&a.role).ok_or_else(|| anyhow::anyhow!("rôle inconnu : {}", a.role))?;
    let org_id = match (&a.org, role) {
        (_, Role::Admin) => None,
        (Some(o), _) => Some(match o.parse::<i64>() {
            Ok(id) => crate::org::store::get(db, id).await?.id,
            Err(_) => crate::org::store::by_slug(db, o).await?.id,
        }),
        (None, _) => anyhow::bail!("--org est obligatoire pour ce rôle"),
    };
    let mut e = crate::error::FieldErrors::new();
    let email = crate::text::check_email(&mut e, "email", &a.email, true);
    if let Some(p) = &a.password {
        crate::auth::check_password(&mut e, "password", p);
    }
    if let Some(err) = e.0.first() {
        anyhow::bail!("{} : {}", err.field, err.message);
    }
    // An account for a record: made (or found) and linked the way the record's page does it.
    if let (Some(org), Some(id)) = (org_id, a.intervenant.or(a.client_contact)) {
        let actor = crate::audit::Actor::system("ligne de commande");
        let linked = match (role, a.intervenant, a.client_contact) {
            (Role::Intervenant, Some(i), None) => {
                crate::auth::accounts::link_intervenant(db, org, i, &actor, crate::db::now(), &config.public_url()).await
            }
            (Role::ClientContact, None, Some(c)) => {
                let client = crate::client::store::client_of_contact(db, org, c)
                    .await?
                    .ok_or_else(|| anyhow::anyhow!("contact client {c} inconnu dans cette organisation"))?;
                crate::auth::accounts::link_client_contact(
                    db,
                    org,
                    client,
                    c,
                    &actor,
                    crate::db::now(),
                    &config.public_url(),
                )
                .await
            }
            _ => anyhow::bail!(
                "--intervenant va avec --role intervenant, --client-contact avec --role client_contact (identifiant {id})"
            ),
        }
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        if let Some(p) = &a.password {
            crate::auth::store::set_password(db, linked.user.id, &crate::auth::hash_password(p)?).await?;
        }
        println!(
            "Compte {} : {} ({}), relié à sa fiche.",
            if linked.created { "créé" } else { "existant" },
            linked.user.email,
            role.label()
        );
        if a.password.is_none() {
            println!("Lien pour choisir le mot de passe (48 h) : {}", linked.reset_link);
        }
        return Ok(());
    }
    let hash = crate::auth::hash_password(a.password.as_deref().unwrap_or(&crate::auth::random_token()))?;
    let user = crate::auth::store::create_user(
        db,
        crate::auth::store::NewUser { org_id, email: &email, name: &a.name, role, password_hash: &hash },
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!("Compte créé : {} ({})", user.email, role.label());
    if a.password.is_none() {
        let token = crate::auth::random_token();
        crate::auth::store::create_reset(db, user.id, None, &token).await?;
        println!("Lien pour choisir le mot de passe (48 h) : {}/reinitialiser/{token}", config.public_url());
    }
    Ok(())
}

/// Runs the web server until Ctrl-C or SIGTERM.
pub async fn serve(db: Db, config: Config) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(&config.addr).await?;
    let addr = listener.local_addr()?;
    // Small websocket frames (the notepads' edits) leave at once instead of waiting for the
    // previous one's acknowledgement (Nagle's algorithm and delayed ACKs: up to 40 ms).
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "TCP_NODELAY");
        }
    });
    let state = AppState::new(db.clone(), config);
    crate::worker::spawn(state.clone());
    // The first visit of the places' pages after a start finds their index built.
    tokio::spawn(async move {
        match crate::places::index::warm(&db).await {
            Ok(n) if n > 0 => tracing::info!(organisations = n, "places indexes ready"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "places indexes"),
        }
    });
    println!("Acunum écoute sur http://{addr}");
    axum::serve(listener, router(state).into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
