//! Contract bytecode read at run time from the protocols' own npm packages, with library linking.
//! The current Aave ships only Solidity: `scripts/compile-contracts.mjs` compiles it (and the
//! devnet's price feed) once into `node_modules/.vigil-contracts`, read here like any artifact.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
};

use alloy::primitives::{Address, Bytes, hex};
use serde::Deserialize;

use crate::DevnetError;

/// Where a contract's compiled artifact lives, relative to `node_modules`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ArtifactPath(pub(crate) &'static str);

pub(crate) const WETH9: ArtifactPath = ArtifactPath("canonical-weth/build/contracts/WETH9.json");
pub(crate) const V2_FACTORY: ArtifactPath =
    ArtifactPath("@uniswap/v2-core/build/UniswapV2Factory.json");
pub(crate) const V2_ROUTER: ArtifactPath =
    ArtifactPath("@uniswap/v2-periphery/build/UniswapV2Router02.json");
pub(crate) const V3_FACTORY: ArtifactPath =
    ArtifactPath("@uniswap/v3-core/artifacts/contracts/UniswapV3Factory.sol/UniswapV3Factory.json");
pub(crate) const V3_SWAP_ROUTER: ArtifactPath =
    ArtifactPath("@uniswap/v3-periphery/artifacts/contracts/SwapRouter.sol/SwapRouter.json");
pub(crate) const V3_QUOTER_V2: ArtifactPath =
    ArtifactPath("@uniswap/v3-periphery/artifacts/contracts/lens/QuoterV2.sol/QuoterV2.json");
pub(crate) const V3_POSITION_MANAGER: ArtifactPath = ArtifactPath(
    "@uniswap/v3-periphery/artifacts/contracts/NonfungiblePositionManager.sol/NonfungiblePositionManager.json",
);

/// Where `scripts/compile-contracts.mjs` writes what it compiles, relative to `node_modules`.
pub(crate) const COMPILED: &str = ".vigil-contracts";

/// A contract compiled from source by `scripts/compile-contracts.mjs`, by its name.
pub(crate) fn compiled(name: &'static str) -> ArtifactPath {
    // Leaked once per distinct name: a handful of short strings for the life of the process.
    ArtifactPath(Box::leak(format!("{COMPILED}/{name}.json").into_boxed_str()))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactJson {
    bytecode: serde_json::Value,
    #[serde(default)]
    link_references: BTreeMap<String, BTreeMap<String, Vec<LinkRef>>>,
}

#[derive(Deserialize)]
struct LinkRef {
    start: usize,
    length: usize,
}

/// Creation bytecode with its unresolved library references.
pub(crate) struct Artifact {
    name: String,
    code: Vec<u8>,
    links: Vec<(String, Vec<LinkRef>)>,
}

impl Artifact {
    /// Reads an artifact (Hardhat's `bytecode` string, or Truffle's, with or without `0x`).
    pub(crate) fn load(node_modules: &Path, path: ArtifactPath) -> Result<Self, DevnetError> {
        let file: PathBuf = node_modules.join(path.0);
        let text = std::fs::read_to_string(&file).map_err(|e| DevnetError::MissingArtifact {
            path: file.clone(),
            reason: e.to_string(),
        })?;
        let bad = |reason: String| DevnetError::MissingArtifact { path: file.clone(), reason };
        let json: ArtifactJson = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
        let hex_code = match &json.bytecode {
            serde_json::Value::String(s) => s.clone(),
            // Some toolchains nest it: { "bytecode": { "object": "..." } }.
            other => other
                .get("object")
                .and_then(|o| o.as_str())
                .map(str::to_owned)
                .ok_or_else(|| bad("no bytecode".into()))?,
        };
        let hex_code = hex_code.trim_start_matches("0x");
        // Unlinked placeholders are not hex; zero them until linked.
        let mut links = Vec::new();
        for (_, libs) in json.link_references {
            for (lib, refs) in libs {
                links.push((lib, refs));
            }
        }
        let mut cleaned = hex_code.as_bytes().to_vec();
        for (lib, refs) in &links {
            for r in refs {
                if r.length != 20 {
                    return Err(bad(format!("link reference to {lib} is not 20 bytes long")));
                }
                let range = r.start * 2..(r.start + r.length) * 2;
                cleaned
                    .get_mut(range)
                    .ok_or_else(|| bad("link reference out of range".into()))?
                    .fill(b'0');
            }
        }
        let code = hex::decode(&cleaned).map_err(|e| bad(format!("bytecode is not hex: {e}")))?;
        if code.is_empty() {
            return Err(bad("empty bytecode (an interface, not a contract?)".into()));
        }
        let name = file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        Ok(Self { name, code, links })
    }

    /// Writes each library's address where the bytecode references it.
    pub(crate) fn link(mut self, libraries: &[(&str, Address)]) -> Result<Self, DevnetError> {
        for (lib, refs) in &self.links {
            let address =
                libraries.iter().find(|(n, _)| n == lib).map(|(_, a)| *a).ok_or_else(|| {
                    DevnetError::Deploy(format!(
                        "{} needs library {lib}, which was not deployed",
                        self.name
                    ))
                })?;
            for r in refs {
                self.code[r.start..r.start + r.length].copy_from_slice(address.as_slice());
            }
        }
        self.links.clear();
        Ok(self)
    }

    /// The creation code followed by the ABI-encoded constructor arguments.
    pub(crate) fn with_args(&self, args: &[u8]) -> Result<Bytes, DevnetError> {
        if let Some((lib, _)) = self.links.first() {
            return Err(DevnetError::Deploy(format!("{} is not linked to {lib}", self.name)));
        }
        Ok([self.code.as_slice(), args].concat().into())
    }

    /// The creation code (what a CREATE2 factory's init code hash is of).
    pub(crate) fn code(&self) -> &[u8] {
        &self.code
    }

    /// The contract's name, for messages.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }
}
