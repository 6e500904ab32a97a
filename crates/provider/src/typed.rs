//! Typed data (EIP-712) as the user reads it before signing: the domain, every field decoded,
//! and, for a signature that lets someone move tokens (an EIP-2612 permit, a Permit2 allowance
//! or transfer), what it grants: which token, how much, to whom, until when.

use alloy::{
    dyn_abi::{DynSolValue, TypedData},
    primitives::{Address, U256},
};
use serde::Serialize;

/// Uniswap's Permit2, the same address on every chain.
pub const PERMIT2: Address =
    alloy::primitives::address!("000000000022D473030F116dDEE9F6B43aC78BA3");

/// What a signature lets someone do with the signer's tokens.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Grant {
    /// The kind ("EIP-2612 permit", "Permit2 allowance", "Permit2 transfer").
    pub kind: &'static str,
    /// The token.
    pub token: Address,
    /// How much, in base units (`None`: unlimited).
    pub amount: Option<U256>,
    /// Who may move it.
    pub spender: Address,
    /// Until when (unix seconds; `None`: no end).
    pub until: Option<u64>,
}

/// Typed data decoded for display.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TypedView {
    /// The primary type ("Permit").
    pub primary_type: String,
    /// The domain's fields, as `name: value`.
    pub domain: Vec<String>,
    /// The domain's chain id, if it names one.
    pub chain_id: Option<u64>,
    /// The verifying contract, if named.
    pub verifying_contract: Option<Address>,
    /// Every field of the message, as `path: value`, in declaration order.
    pub fields: Vec<String>,
    /// What it grants, when it is a permit.
    pub grant: Option<Grant>,
}

/// Errors reading typed data.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TypedError {
    /// Not EIP-712 typed data.
    #[error("not EIP-712 typed data: {0}")]
    Invalid(String),
}

/// Decodes `data` for display.
pub fn describe(data: &TypedData) -> Result<TypedView, TypedError> {
    let value = data.coerce().map_err(|e| TypedError::Invalid(e.to_string()))?;
    let mut fields = Vec::new();
    flatten("", &value, &mut fields);
    let d = &data.domain;
    let chain_id = d.chain_id.and_then(|c| u64::try_from(c).ok());
    let mut domain = Vec::new();
    if let Some(name) = &d.name {
        domain.push(format!("name: {name}"));
    }
    if let Some(version) = &d.version {
        domain.push(format!("version: {version}"));
    }
    if let Some(c) = d.chain_id {
        domain.push(format!("chainId: {c}"));
    }
    if let Some(v) = d.verifying_contract {
        domain.push(format!("verifyingContract: {v}"));
    }
    if let Some(s) = d.salt {
        domain.push(format!("salt: {s}"));
    }
    let grant = grant(data, &value);
    Ok(TypedView {
        primary_type: data.primary_type.clone(),
        domain,
        chain_id,
        verifying_contract: d.verifying_contract,
        fields,
        grant,
    })
}

/// `path: value` for every leaf of `value`.
fn flatten(path: &str, value: &DynSolValue, out: &mut Vec<String>) {
    let join =
        |name: &str| if path.is_empty() { name.to_owned() } else { format!("{path}.{name}") };
    match value {
        DynSolValue::CustomStruct { prop_names, tuple, .. } => {
            for (name, v) in prop_names.iter().zip(tuple) {
                flatten(&join(name), v, out);
            }
        }
        DynSolValue::Array(items) | DynSolValue::FixedArray(items) | DynSolValue::Tuple(items) => {
            for (i, v) in items.iter().enumerate() {
                flatten(&format!("{path}[{i}]"), v, out);
            }
        }
        leaf => out.push(format!("{path}: {}", show(leaf))),
    }
}

fn show(v: &DynSolValue) -> String {
    match v {
        DynSolValue::Address(a) => a.to_checksum(None),
        DynSolValue::Uint(u, _) => u.to_string(),
        DynSolValue::Int(i, _) => i.to_string(),
        DynSolValue::Bool(b) => b.to_string(),
        DynSolValue::String(s) => format!("{s:?}"),
        DynSolValue::FixedBytes(w, n) => format!("0x{}", alloy::hex::encode(&w[..*n])),
        DynSolValue::Bytes(b) => format!("0x{}", alloy::hex::encode(b)),
        other => format!("{other:?}"),
    }
}

/// A field of a struct value by name.
fn field<'a>(value: &'a DynSolValue, name: &str) -> Option<&'a DynSolValue> {
    let (_, names, tuple) = value.as_custom_struct()?;
    names.iter().position(|n| n == name).and_then(|i| tuple.get(i))
}

fn uint(value: &DynSolValue, name: &str) -> Option<U256> {
    field(value, name)?.as_uint().map(|(u, _)| u)
}

fn address(value: &DynSolValue, name: &str) -> Option<Address> {
    field(value, name)?.as_address()
}

/// A time field as an end: zero and the type's maximum mean none.
fn until(v: Option<U256>, bits: usize) -> Option<u64> {
    let v = v?;
    (!v.is_zero() && v != max_of(bits)).then(|| v.try_into().unwrap_or(u64::MAX))
}

/// An amount as a limit: the type's maximum means unlimited.
fn limit(v: U256, bits: usize) -> Option<U256> {
    (v != max_of(bits)).then_some(v)
}

/// The largest `uint<bits>`.
fn max_of(bits: usize) -> U256 {
    if bits >= 256 { U256::MAX } else { (U256::from(1) << bits) - U256::from(1) }
}

/// What a permit grants, recognised by its type and domain.
fn grant(data: &TypedData, message: &DynSolValue) -> Option<Grant> {
    let d = &data.domain;
    let is_permit2 = d.verifying_contract == Some(PERMIT2);
    match data.primary_type.as_str() {
        // EIP-2612: the token is the domain's contract.
        "Permit" if !is_permit2 && field(message, "value").is_some() => Some(Grant {
            kind: "EIP-2612 permit",
            token: d.verifying_contract?,
            amount: limit(uint(message, "value")?, 256),
            spender: address(message, "spender")?,
            until: until(uint(message, "deadline"), 256),
        }),
        "PermitSingle" if is_permit2 => {
            let details = field(message, "details")?;
            Some(Grant {
                kind: "Permit2 allowance",
                token: address(details, "token")?,
                amount: limit(uint(details, "amount")?, 160),
                spender: address(message, "spender")?,
                until: until(uint(details, "expiration"), 48),
            })
        }
        "PermitTransferFrom" | "PermitWitnessTransferFrom" if is_permit2 => {
            let permitted = field(message, "permitted")?;
            Some(Grant {
                kind: "Permit2 transfer",
                token: address(permitted, "token")?,
                amount: limit(uint(permitted, "amount")?, 256),
                spender: address(message, "spender")?,
                until: until(uint(message, "deadline"), 256),
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn permit(value: &str, deadline: &str, chain: u64) -> TypedData {
        serde_json::from_value(serde_json::json!({
            "types": {
                "EIP712Domain": [
                    {"name": "name", "type": "string"}, {"name": "version", "type": "string"},
                    {"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"}
                ],
                "Permit": [
                    {"name": "owner", "type": "address"}, {"name": "spender", "type": "address"},
                    {"name": "value", "type": "uint256"}, {"name": "nonce", "type": "uint256"},
                    {"name": "deadline", "type": "uint256"}
                ]
            },
            "primaryType": "Permit",
            "domain": {"name": "USD Coin", "version": "2", "chainId": chain,
                       "verifyingContract": "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"},
            "message": {"owner": "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
                        "spender": "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
                        "value": value, "nonce": "0", "deadline": deadline}
        }))
        .unwrap()
    }

    #[test]
    fn a_permit_says_what_it_grants_and_every_field_is_shown() {
        let view = describe(&permit("1000000", "1800000000", 1)).unwrap();
        assert_eq!(view.chain_id, Some(1));
        assert!(view.domain.contains(&"name: USD Coin".to_owned()), "{:?}", view.domain);
        assert!(view.fields.contains(&"value: 1000000".to_owned()), "{:?}", view.fields);
        assert!(view.fields.iter().any(|f| f.starts_with("spender: 0x7099")), "{:?}", view.fields);
        let g = view.grant.unwrap();
        assert_eq!(
            (g.kind, g.amount, g.until),
            ("EIP-2612 permit", Some(U256::from(1_000_000u64)), Some(1_800_000_000))
        );
        let max = U256::MAX.to_string();
        let unlimited = describe(&permit(&max, &max, 1)).unwrap().grant.unwrap();
        assert_eq!((unlimited.amount, unlimited.until), (None, None));
    }

    #[test]
    fn a_permit2_allowance_is_recognised_by_its_contract() {
        let data: TypedData = serde_json::from_value(serde_json::json!({
            "types": {
                "EIP712Domain": [{"name": "name", "type": "string"}, {"name": "chainId", "type": "uint256"},
                                 {"name": "verifyingContract", "type": "address"}],
                "PermitDetails": [{"name": "token", "type": "address"}, {"name": "amount", "type": "uint160"},
                                  {"name": "expiration", "type": "uint48"}, {"name": "nonce", "type": "uint48"}],
                "PermitSingle": [{"name": "details", "type": "PermitDetails"}, {"name": "spender", "type": "address"},
                                 {"name": "sigDeadline", "type": "uint256"}]
            },
            "primaryType": "PermitSingle",
            "domain": {"name": "Permit2", "chainId": 1, "verifyingContract": PERMIT2},
            "message": {"details": {"token": "0x6B175474E89094C44Da98b954EedeAC495271d0F",
                                    "amount": "1461501637330902918203684832716283019655932542975",
                                    "expiration": "0", "nonce": "0"},
                        "spender": "0x3fC91A3afd70395Cd496C647d5a6CC9D4B2b7FAD", "sigDeadline": "1800000000"}
        }))
        .unwrap();
        let view = describe(&data).unwrap();
        let g = view.grant.unwrap();
        assert_eq!(g.kind, "Permit2 allowance");
        assert_eq!(
            (g.amount, g.until),
            (None, None),
            "2^160-1 and no expiration: unlimited, forever"
        );
        assert!(view.fields.contains(&"details.expiration: 0".to_owned()), "{:?}", view.fields);
    }
}
