//! What every handler can reach: the database, the configuration and the clock. It sits low in the
//! house (it imports no concept), so that any concept can take it without importing the router.

use std::sync::Arc;

use crate::clock::Clock;
use crate::config::Config;
use crate::db::Db;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    /// The clock that dates records and decides the time rules.
    pub clock: Clock,
}

impl AppState {
    pub fn new(db: Db, config: Config) -> AppState {
        crate::links::use_secret(&db, &config.secret_key);
        AppState { db, config: Arc::new(config), clock: Clock::system() }
    }

    /// The current instant of this application's clock (Unix seconds).
    pub fn now(&self) -> i64 {
        self.clock.now()
    }
}
