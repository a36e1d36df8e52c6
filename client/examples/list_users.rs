//! Every member of the tenant, following cursors to the end, and one typed
//! error read apart.
//!
//! ```sh
//! MOBIEUS_BASE_URL=http://127.0.0.1:8080 MOBIEUS_API_KEY=mc_live_... cargo run -p mobieus-client --example list_users
//! ```

use futures::StreamExt;
use mobieus_client::{ApiError, Mobieus};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base = std::env::var("MOBIEUS_BASE_URL").unwrap_or_else(|_| "http://127.0.0.1:8080".into());
    let key = std::env::var("MOBIEUS_API_KEY")?;
    let sdk = Mobieus::new(&base, &key)?;
    let mut users = std::pin::pin!(sdk.users_all());
    let mut n = 0;
    while let Some(user) = users.next().await {
        let user = user?;
        n += 1;
        println!("{:>6}  {}", user.id, user.username);
    }
    println!("{n} members");
    // errors are typed: status, code, message, extra and the request id
    match sdk.api().get_user().id(i64::MAX).send().await {
        Err(ApiError::ErrorResponse(e)) => println!("{} {}: {} ({})", e.status().as_u16(), e.error.code, e.error.message, e.request_id),
        other => return Err(format!("expected a 404, got {other:?}").into()),
    }
    Ok(())
}
