//! Opens a ticket, replies to it as the API key, and solves it; the writes
//! retry safely under one Idempotency-Key each.
//!
//! ```sh
//! MOBIEUS_BASE_URL=http://127.0.0.1:8080 MOBIEUS_API_KEY=mc_live_... cargo run -p mobieus-client --example answer_a_ticket
//! ```

use mobieus_client::{retry, types, Mobieus};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let base = std::env::var("MOBIEUS_BASE_URL").unwrap_or_else(|_| "http://127.0.0.1:8080".into());
    let key = std::env::var("MOBIEUS_API_KEY")?;
    let sdk = Mobieus::new(&base, &key)?;
    let api = sdk.api();
    let policy = mobieus_client::RetryPolicy::default();
    let idem = uuid::Uuid::new_v4().to_string();
    let ticket = retry::retry(&policy, || {
        api.create_helpdesk_ticket()
            .idempotency_key(idem.clone())
            .body(types::TicketCreate::builder().subject("The example's ticket").body("Opened by client/examples/answer_a_ticket.rs.").requester_email(Some("example@example.org".try_into().expect("an email"))))
            .send()
    })
    .await?
    .into_inner()
    .data;
    println!("opened {}", ticket.reference);
    let idem = uuid::Uuid::new_v4().to_string();
    let reply = retry::retry(&policy, || {
        api.reply_helpdesk_ticket().ref_(ticket.reference.clone()).idempotency_key(idem.clone()).body(types::TicketReply::builder().body("Thanks, we are on it.")).send()
    })
    .await?
    .into_inner()
    .data;
    println!("replied as {:?} (message {})", reply.author_kind, reply.seq);
    let solved = api
        .change_helpdesk_ticket_status()
        .ref_(ticket.reference.clone())
        .body(types::TicketStatusChange::builder().status(types::TicketStatus::Solved))
        .send()
        .await?
        .into_inner()
        .data;
    println!("{} is {:?}", solved.reference, solved.status);
    Ok(())
}
