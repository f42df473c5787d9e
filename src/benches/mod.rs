//! The benchmarks' commands and data, built only with `--features bench` (the scripts of `bench/`
//! do): nothing of them ships in the binary people run.

pub mod data;

use clap::Subcommand;

use crate::config::Config;
use crate::db::Db;

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Banc d'essai : rejoue une trace de frappe dans un bloc-notes (voir bench/notepad.sh).
    BenchNotepad { file: std::path::PathBuf },
    /// Banc d'essai : N blocs-notes et un jeton pour le générateur de charge (voir bench/notepad_load.sh).
    BenchNotepadSetup {
        #[arg(long, default_value_t = 201)]
        count: usize,
    },
    /// Banc d'essai : import de N lieux générés d'après les fichiers réels, puis recherche des 10 plus proches.
    BenchPlaces {
        #[arg(long, default_value_t = 100000)]
        rows: usize,
        /// Taille de l'annuaire synthétique pour la recherche des plus proches (mesurée aussi par l'API).
        #[arg(long, default_value_t = 1000000)]
        big: usize,
        #[arg(long, default_value_t = 20000)]
        queries: usize,
    },
    /// Banc d'essai : écrit un fichier de N lieux (CSV ou JSON) d'après les fichiers réels, sans le tenir en mémoire
    /// (voir bench/places_import.sh, qui l'importe par `acunum places import`).
    BenchPlacesFile {
        #[arg(long, default_value_t = 1000000)]
        rows: usize,
        #[arg(long, default_value = "csv")]
        format: String,
        out: std::path::PathBuf,
    },
    /// Banc d'essai : rend N devis en PDF et mesure le temps et la mémoire.
    BenchPdf {
        #[arg(long, default_value_t = 1000)]
        count: usize,
    },
    /// Banc d'essai : analyse et lecture d'un corpus de N flux (voir bench/feeds.sh).
    BenchFeeds {
        #[arg(long, default_value_t = 1000)]
        count: usize,
        #[arg(long, default_value_t = 5)]
        rounds: usize,
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
        #[arg(long, default_value = "bench/out/feeds")]
        dir: std::path::PathBuf,
    },
    /// Banc d'essai : mesure la détection de conflits de séances sur une base de N séances.
    BenchConflicts {
        #[arg(long, default_value_t = 100000)]
        sessions: usize,
        #[arg(long, default_value_t = 2000)]
        checks: usize,
    },
    /// Banc d'essai : certificats et attestations d'une formation de N participants, en une archive.
    BenchCertificates {
        #[arg(long, default_value_t = 1000)]
        participants: usize,
    },
    /// Banc d'essai : N factures émises et rendues en Factur-X, puis le FEC d'une année de M factures.
    BenchInvoices {
        #[arg(long, default_value_t = 1000)]
        count: usize,
        #[arg(long, default_value_t = 10000)]
        fec: usize,
    },
    /// Génère le jeu de données du banc d'essai (échelle nationale).
    BenchData {
        #[arg(long, default_value_t = 1000)]
        orgs: usize,
        #[arg(long, default_value_t = 20000)]
        clients: usize,
        #[arg(long, default_value_t = 5000)]
        intervenants: usize,
        #[arg(long, default_value_t = 50000)]
        users: usize,
    },
}

/// Runs one benchmark command.
pub async fn run(command: BenchCommand, config: &Config) -> anyhow::Result<()> {
    match command {
        BenchCommand::BenchPdf { count } => return crate::quote::bench::run(count).await,
        BenchCommand::BenchFeeds { count, rounds, concurrency, dir } => {
            return crate::veille::bench::run(&dir, count, rounds, concurrency).await;
        }
        BenchCommand::BenchPlacesFile { rows, format, out } => {
            return crate::places::bench::write_file(rows, &format, &out);
        }
        _ => {}
    }
    let db = Db::connect(&config.database_url, config.db_max_connections).await?;
    db.migrate().await?;
    crate::links::use_secret(&db, &config.secret_key);
    match command {
        BenchCommand::BenchData { orgs, clients, intervenants, users } => {
            let bar = indicatif::ProgressBar::new(0);
            data::generate(&db, &data::Scale { orgs, clients, intervenants, users }, |what, done, total| {
                bar.set_length(total as u64);
                bar.set_position(done as u64);
                bar.set_message(what.to_string());
            })
            .await?;
            bar.finish_and_clear();
            println!(
                "{orgs} organisations, {clients} clients, {intervenants} intervenants, {users} utilisateurs générés."
            );
        }
        BenchCommand::BenchNotepad { file } => crate::notepad::bench::run(&db, &file).await?,
        BenchCommand::BenchNotepadSetup { count } => crate::notepad::bench::setup(&db, count).await?,
        BenchCommand::BenchPlaces { rows, big, queries } => {
            crate::places::bench::run(&db, config, rows, big, queries).await?
        }
        BenchCommand::BenchConflicts { sessions, checks } => crate::cycle::bench::run(&db, sessions, checks).await?,
        BenchCommand::BenchCertificates { participants } => crate::attendance::bench::run(&db, participants).await?,
        BenchCommand::BenchInvoices { count, fec } => crate::invoice::bench::run(&db, count, fec).await?,
        BenchCommand::BenchPdf { .. } | BenchCommand::BenchFeeds { .. } | BenchCommand::BenchPlacesFile { .. } => {}
    }
    Ok(())
}
