//! SQLite's file system turning read-only under a running server, as the
//! kernel does to an ext4 file system after an error (`errors=remount-ro`;
//! staged with ext4's `abort` mount option on a loop-mounted image, the
//! only way to turn a file system read-only while files on it are open for
//! writing). Every write answers 2xx or `503 service_unavailable` with
//! `Retry-After`, never a 500 and never a hang; reads go on. The file system
//! cannot come back without being unmounted and checked, which needs the
//! server to let go of its files: after the operator's repair (stop,
//! `e2fsck`, mount, start) every write that was acknowledged is there,
//! exactly once. That holds only because every commit reaches the disk
//! before it is acknowledged (`synchronous = FULL`): with `NORMAL` the last
//! commits lived in the page cache and were lost with the file system.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::{unlimited_key, ServerProcess};
use serde_json::json;

/// An ext4 file system in an image file, loop-mounted (needs the mount
/// privilege, which CI's machine has). Unmounted and removed when dropped.
struct Ext4Disk {
    image: PathBuf,
    dir: PathBuf,
}

fn run(program: &str, args: &[&str]) -> bool {
    Command::new(program).args(args).status().is_ok_and(|s| s.success())
}

impl Ext4Disk {
    fn create() -> Option<Ext4Disk> {
        let base = std::env::temp_dir().join(format!("mobieus-ext4-{}", uuid::Uuid::new_v4().simple()));
        let (image, dir) = (base.with_extension("img"), base);
        std::fs::create_dir_all(&dir).ok()?;
        let made = std::fs::File::create(&image).and_then(|f| f.set_len(64 << 20)).is_ok()
            && run("mkfs.ext4", &["-q", "-F", image.to_str()?]);
        let disk = Ext4Disk { image, dir };
        if !made || !disk.mount() {
            eprintln!("skipped: making and loop-mounting an ext4 image needs e2fsprogs and privileges this run does not have");
            return None;
        }
        Some(disk)
    }

    fn mount(&self) -> bool {
        run("mount", &["-o", "loop,errors=remount-ro", self.image.to_str().unwrap(), self.dir.to_str().unwrap()])
    }

    /// What the kernel does after an error: the file system goes read-only
    /// under the open files.
    fn fail(&self) {
        assert!(run("mount", &["-o", "remount,abort", self.dir.to_str().unwrap()]), "remount,abort");
    }

    /// The operator's repair: unmount, check, mount again.
    fn repair(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !run("umount", &[self.dir.to_str().unwrap()]) {
            assert!(Instant::now() < deadline, "the file system is still busy");
            std::thread::sleep(Duration::from_millis(100));
        }
        // 0: clean, 1: errors corrected
        let fsck = Command::new("e2fsck").args(["-f", "-y"]).arg(&self.image).output().unwrap();
        assert!(matches!(fsck.status.code(), Some(0 | 1)), "e2fsck: {}", String::from_utf8_lossy(&fsck.stdout));
        assert!(self.mount(), "mount after repair");
    }

    fn path(&self, name: &str) -> PathBuf {
        Path::new(&self.dir).join(name)
    }
}

impl Drop for Ext4Disk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.dir).status();
        let _ = std::fs::remove_dir(&self.dir);
        let _ = std::fs::remove_file(&self.image);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_system_turning_read_only_answers_503_and_loses_nothing_acknowledged() {
    let Some(disk) = Ext4Disk::create() else { return };
    let db = format!("sqlite://{}", disk.path("mobieus.db").display());
    let key = unlimited_key(&db);
    let server = ServerProcess::start(&db, &[]).await;
    let http = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().unwrap();
    let tickets = server.url("/api/v1/helpdesk/tickets");

    let mut acknowledged = Vec::new();
    let mut refused = 0;
    for i in 0..500 {
        if i == 40 {
            disk.fail();
        }
        let ticket = json!({ "subject": format!("ticket {i}"), "body": "x".repeat(500), "requester_email": "a@example.org" });
        let started = Instant::now();
        let r = http.post(&tickets).bearer_auth(&key).json(&ticket).send().await.expect("answered");
        let took = started.elapsed();
        assert!(took < Duration::from_secs(15), "a request hung for {took:?}");
        let (status, retry_after) = (r.status().as_u16(), r.headers().get("retry-after").cloned());
        let body: serde_json::Value = r.json().await.unwrap();
        if status == 201 {
            acknowledged.push(body["data"]["id"].as_i64().unwrap());
            continue;
        }
        assert_eq!((status, body["error"]["code"].as_str()), (503, Some("service_unavailable")), "{body}");
        assert!(retry_after.is_some_and(|v| v.to_str().unwrap().parse::<u32>().is_ok()), "Retry-After on a 503");
        refused += 1;
        if refused == 3 {
            break;
        }
    }
    assert!(acknowledged.len() >= 40 && refused == 3, "{} acknowledged, then {refused} refused", acknowledged.len());
    // reads go on meanwhile
    let listed = http.get(format!("{tickets}?limit=1")).bearer_auth(&key).send().await.unwrap();
    assert_eq!(listed.status(), 200);

    drop(server);
    disk.repair();
    let server = ServerProcess::start(&db, &[]).await;
    let tickets = server.url("/api/v1/helpdesk/tickets");
    for id in &acknowledged {
        let r = http.get(format!("{tickets}/{id}")).bearer_auth(&key).send().await.unwrap();
        assert_eq!(r.status(), 200, "acknowledged ticket {id} lost");
    }
    let all: serde_json::Value = http.get(&tickets).bearer_auth(&key).send().await.unwrap().json().await.unwrap();
    assert_eq!(all["total_count"], acknowledged.len(), "exactly the acknowledged tickets, once each");
    let ticket = json!({ "subject": "after the repair", "body": "x", "requester_email": "a@example.org" });
    assert_eq!(http.post(&tickets).bearer_auth(&key).json(&ticket).send().await.unwrap().status(), 201);
    eprintln!("read-only file system: {} tickets acknowledged, then {refused} refused with 503; after the repair all there, once each", acknowledged.len());
}
