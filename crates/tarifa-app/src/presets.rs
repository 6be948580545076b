//! The market presets shipped with tarifa, embedded at build time so the
//! binary runs anywhere; an operator's own files can replace them.

use std::path::Path;

use tarifa_core::market::{Market, MarketError};

/// The shipped presets: (id, TOML text).
pub const PRESETS: [(&str, &str); 3] = [
    ("rs", include_str!("../../../markets/rs.toml")),
    ("hu", include_str!("../../../markets/hu.toml")),
    ("me", include_str!("../../../markets/me.toml")),
];

/// The shipped markets.
pub fn embedded() -> Result<Vec<Market>, MarketError> {
    PRESETS
        .iter()
        .map(|(id, text)| Market::from_toml(&format!("markets/{id}.toml"), text))
        .collect()
}

/// One shipped market by id.
pub fn embedded_market(id: &str) -> Option<Result<Market, MarketError>> {
    PRESETS
        .iter()
        .find(|(preset, _)| *preset == id)
        .map(|(id, text)| Market::from_toml(&format!("markets/{id}.toml"), text))
}

/// Every `*.toml` market file of a folder.
pub fn load_dir(dir: &Path) -> Result<Vec<Market>, String> {
    let mut markets = Vec::new();
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut paths: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .filter(|p| {
            !p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('_'))
        })
        .collect();
    paths.sort();
    for path in paths {
        let text =
            std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        let market =
            Market::from_toml(&path.display().to_string(), &text).map_err(|e| e.to_string())?;
        // Two files for one market: neither may silently win.
        if let Some(first) = markets.iter().find(|m: &&Market| m.id == market.id) {
            return Err(format!(
                "{} and {} both define market {:?}: keep one",
                first.source, market.source, market.id
            ));
        }
        markets.push(market);
    }
    if markets.is_empty() {
        return Err(format!("{}: no market files (*.toml)", dir.display()));
    }
    Ok(markets)
}
