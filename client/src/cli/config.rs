//! The profile file, `~/.config/mobieus/config.toml` (or under
//! `$XDG_CONFIG_HOME`): one table per profile with `base_url` and `key`.
//! `mobieus login` writes it (readable by its owner only); flags and
//! `MOBIEUS_BASE_URL` / `MOBIEUS_API_KEY` win over it.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Profile {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

pub fn path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME").map(PathBuf::from).filter(|p| p.is_absolute()).or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("mobieus").join("config.toml"))
}

type Profiles = std::collections::BTreeMap<String, Profile>;

fn read_all() -> Result<Profiles, String> {
    let Some(p) = path() else { return Ok(Profiles::new()) };
    match std::fs::read_to_string(&p) {
        Ok(text) => toml::from_str(&text).map_err(|e| format!("{}: {e}", p.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Profiles::new()),
        Err(e) => Err(format!("{}: {e}", p.display())),
    }
}

pub fn load(name: &str) -> Result<Profile, String> {
    Ok(read_all()?.remove(name).unwrap_or_default())
}

/// Writes `profile` under `name`, keeping the others; the file is the
/// owner's only (it holds keys).
pub fn save(name: &str, profile: Profile) -> Result<PathBuf, String> {
    let p = path().ok_or("no home directory to keep the profile in")?;
    let mut all = read_all()?;
    all.insert(name.to_owned(), profile);
    let text = toml::to_string(&all).map_err(|e| e.to_string())?;
    if let Some(dir) = p.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(&p).map_err(|e| format!("{}: {e}", p.display()))?;
    std::io::Write::write_all(&mut f, text.as_bytes()).map_err(|e| format!("{}: {e}", p.display()))?;
    Ok(p)
}
