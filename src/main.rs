#[tokio::main]
async fn main() {
    if let Err(e) = acunum::cli::run().await {
        eprintln!("Erreur : {e:#}");
        std::process::exit(1);
    }
}
