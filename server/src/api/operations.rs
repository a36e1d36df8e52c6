//! Liveness and readiness, for load balancers: outside the tenant API.

use std::time::{Duration, Instant};

use mobieus_api::server::OperationsService;
use mobieus_api::support::{ApiError, PublicCall};
use mobieus_api::types;
use serde_json::json;

use crate::app::AppContext;
use crate::store::health::migrations_state;

/// How long the database may take to answer before the process is
/// reported not ready (a balancer's probe usually times out at 5 s).
const READY_WITHIN: Duration = Duration::from_secs(2);

impl OperationsService for AppContext {
    async fn get_health(_call: &PublicCall<'_, Self>) -> Result<types::HealthEnvelope, ApiError> {
        Ok(types::HealthEnvelope {
            data: types::Health { status: types::HealthStatus::Ok, version: env!("CARGO_PKG_VERSION").into() },
            next_cursor: None,
            request_id: String::new(),
        })
    }

    async fn get_readiness(call: &PublicCall<'_, Self>) -> Result<types::ReadinessEnvelope, ApiError> {
        let db = &call.context().db;
        let started = Instant::now();
        let not_ready = |check: &str, why: String| {
            tracing::warn!(check, why, "not ready");
            ApiError::service_unavailable(2).with_extra(json!({ "retry_after": 2, "checks": { check: why } }))
        };
        let (known, applied) = match tokio::time::timeout(READY_WITHIN, migrations_state(db)).await {
            Err(_) => return Err(not_ready("database", format!("no answer within {} s", READY_WITHIN.as_secs()))),
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "readiness: the database does not answer");
                return Err(not_ready("database", "does not answer".into()));
            }
            Ok(Ok(state)) => state,
        };
        if applied < known {
            return Err(not_ready("migrations", format!("{applied} of this build's {known} migrations applied")));
        }
        Ok(types::ReadinessEnvelope {
            data: types::Readiness {
                status: types::ReadinessStatus::Ready,
                backend: types::ReadinessBackend::try_from(db.backend()).map_err(|_| ApiError::server_error())?,
                database_ms: started.elapsed().as_millis() as u64,
                migrations_applied: applied as u64,
            },
            next_cursor: None,
            request_id: String::new(),
        })
    }
}
