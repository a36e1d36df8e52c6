//! `mobieus-server secrets rotate-master-key`: every value sealed at rest
//! (webhook signing secrets and the ones before a rotation, tenants'
//! provider keys, stored idempotent answers, the cursor signing key) resealed by the current master
//! key, and any kept unsealed (written while no key was set) sealed.
//!
//! The rotation runs while servers serve: each value is written back only if
//! it is still what was read (a change in between wins and is already sealed
//! by the current key), and a second run finds nothing to do. The procedure:
//! start every server with the new key in `MOBIEUS_MASTER_KEY` and the old
//! one in `MOBIEUS_MASTER_KEY_PREVIOUS` (they open both, seal with the new),
//! run this command with the same two, then drop the old key.

use serde_json::{json, Value};

use super::AdminError;
use crate::ai::key_context;
use crate::db::{Db, StoreError};
use crate::secrets::{Keyring, MASTER_KEY_VAR};
use crate::store::ai::settings::{ai_sealed_key_replace, ai_sealed_keys};
use crate::store::idempotency::{answer_context, idempotency_answer_replace, idempotency_answers_after};
use crate::store::secrets::{server_secret_context, server_secret_replace, server_secrets_all};
use crate::store::webhooks::{endpoint_secrets_after, endpoint_secrets_replace, secret_context};

const BATCH: i64 = 500;

/// What one kind of sealed value came to.
#[derive(Debug, Default)]
struct Tally {
    resealed: u64,
    /// Already sealed by the current key.
    current: u64,
    /// Changed while the rotation ran (sealed by the current key since).
    changed: u64,
    /// Sealed by a key this command was not given: named, never opened.
    unopened: Vec<String>,
}

impl Tally {
    fn json(&self) -> Value {
        json!({ "resealed": self.resealed, "already_current": self.current, "changed_meanwhile": self.changed, "unopened": self.unopened.len() })
    }
}

pub async fn rotate_master_key_cmd(db: &Db, secrets: &Keyring) -> Result<Value, AdminError> {
    let key = secrets
        .current()
        .ok_or_else(|| AdminError::Invalid(format!("{MASTER_KEY_VAR} is not set: it names the key to seal with (the old one goes in MOBIEUS_MASTER_KEY_PREVIOUS)")))?;
    let webhooks = webhook_secrets(db, secrets).await?;
    let ai = provider_keys(db, secrets).await?;
    let answers = idempotent_answers(db, secrets).await?;
    let server = server_secrets(db, secrets).await?;
    let unopened: Vec<&String> = webhooks.unopened.iter().chain(&ai.unopened).chain(&answers.unopened).chain(&server.unopened).collect();
    if !unopened.is_empty() {
        let list = unopened.iter().take(10).map(|s| s.as_str()).collect::<Vec<_>>().join("; ");
        return Err(AdminError::Invalid(format!(
            "{} value(s) are sealed by a key not given in MOBIEUS_MASTER_KEY_PREVIOUS and were left as they are (the rest is resealed): {list}",
            unopened.len()
        )));
    }
    Ok(json!({
        "master_key_id": key.id(),
        "webhook_secrets": webhooks.json(),
        "provider_keys": ai.json(),
        "idempotent_answers": answers.json(),
        "server_secrets": server.json(),
    }))
}

/// The value resealed, `None` when it already is; an unopenable one is
/// counted under `what` and skipped.
fn reseal(secrets: &Keyring, stored: &str, context: &str, what: &str, tally: &mut Tally) -> Result<Option<String>, ()> {
    match secrets.reseal(stored, context) {
        Ok(v) => Ok(v),
        Err(e) => {
            tally.unopened.push(format!("{what}: {e}"));
            Err(())
        }
    }
}

fn count(tally: &mut Tally, written: bool) {
    if written {
        tally.resealed += 1;
    } else {
        tally.changed += 1;
    }
}

async fn webhook_secrets(db: &Db, secrets: &Keyring) -> Result<Tally, AdminError> {
    let mut tally = Tally::default();
    let mut after = (0, 0);
    loop {
        let rows = endpoint_secrets_after(db, after, BATCH).await?;
        let Some(last) = rows.last() else { break };
        after = (last.tenant_id, last.id);
        for row in &rows {
            let context = secret_context(row.tenant_id);
            let what = format!("webhook endpoint {} (tenant {})", row.id, row.tenant_id);
            let Ok(secret) = reseal(secrets, &row.secret, &context, &what, &mut tally) else { continue };
            let previous = match &row.previous_secret {
                Some(p) => match reseal(secrets, p, &context, &what, &mut tally) {
                    Ok(v) => v.map(Some),
                    Err(()) => continue,
                },
                None => None,
            };
            if secret.is_none() && previous.is_none() {
                tally.current += 1;
                continue;
            }
            let secret = secret.unwrap_or_else(|| row.secret.clone());
            let previous = previous.unwrap_or_else(|| row.previous_secret.clone());
            count(&mut tally, endpoint_secrets_replace(db, row, &secret, previous.as_deref()).await?);
        }
    }
    Ok(tally)
}

async fn provider_keys(db: &Db, secrets: &Keyring) -> Result<Tally, AdminError> {
    let mut tally = Tally::default();
    let keys = ai_sealed_keys(db).await?;
    reseal_each(secrets, &mut tally, keys, |tenant| (key_context(*tenant), format!("provider key (tenant {tenant})")), async |tenant, stored, resealed| {
        ai_sealed_key_replace(db, *tenant, stored, resealed).await
    })
    .await?;
    Ok(tally)
}

async fn idempotent_answers(db: &Db, secrets: &Keyring) -> Result<Tally, AdminError> {
    let mut tally = Tally::default();
    let mut after = (0, String::new(), String::new());
    loop {
        let rows = idempotency_answers_after(db, &after, BATCH).await?;
        let Some(last) = rows.last() else { break };
        after = (last.tenant_id, last.key.clone(), last.path.clone());
        let values = rows.iter().map(|row| (row, row.body.clone()));
        reseal_each(secrets, &mut tally, values, |row| (answer_context(row.tenant_id), format!("idempotent answer (tenant {}, {})", row.tenant_id, row.path)), async |row, _, resealed| {
            idempotency_answer_replace(db, row, resealed).await
        })
        .await?;
    }
    Ok(tally)
}

async fn server_secrets(db: &Db, secrets: &Keyring) -> Result<Tally, AdminError> {
    let mut tally = Tally::default();
    let values = server_secrets_all(db).await?;
    reseal_each(secrets, &mut tally, values, |name| (server_secret_context(name), format!("server secret {name}")), async |name, stored, resealed| {
        server_secret_replace(db, name, stored, resealed).await
    })
    .await?;
    Ok(tally)
}

/// Reseals each `(id, stored)` value, sealed for the context `describe`
/// gives (with what to call it in the report), and writes it back with
/// `replace(id, stored, resealed)`, a compare-and-set saying whether the
/// value was still `stored`.
async fn reseal_each<K>(
    secrets: &Keyring,
    tally: &mut Tally,
    values: impl IntoIterator<Item = (K, String)>,
    describe: impl Fn(&K) -> (String, String),
    replace: impl AsyncFn(&K, &str, &str) -> Result<bool, StoreError>,
) -> Result<(), AdminError> {
    for (id, stored) in values {
        let (context, what) = describe(&id);
        match reseal(secrets, &stored, &context, &what, tally) {
            Ok(Some(resealed)) => count(tally, replace(&id, &stored, &resealed).await?),
            Ok(None) => tally.current += 1,
            Err(()) => {}
        }
    }
    Ok(())
}
