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

/// One side of an order: a token and an amount (an NFT by its id), and who receives it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrderItem {
    /// The token (the zero address: the chain's native coin).
    pub token: Address,
    /// How much, in base units: at least this much for what the signer receives, at most for
    /// what it gives.
    pub amount: U256,
    /// The NFT's id, for an ERC-721 or ERC-1155 item.
    pub id: Option<U256>,
    /// Who receives it, for what the order pays out (`None`: the signer).
    pub recipient: Option<Address>,
}

/// An order: a signature that trades the signer's tokens once someone fills it (UniswapX,
/// Seaport, CoW Protocol). What it gives and what it asks in return, read from the order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Order {
    /// The venue ("UniswapX", "Seaport", "CoW Protocol").
    pub venue: &'static str,
    /// What the signer gives.
    pub gives: Vec<OrderItem>,
    /// What the order pays out, each to its recipient (the signer, or a fee's).
    pub pays: Vec<OrderItem>,
    /// Until when it can be filled (unix seconds; `None`: no end).
    pub until: Option<u64>,
}

impl Order {
    /// What it pays to `account`; the rest goes to others.
    pub fn to(&self, account: Address) -> Vec<&OrderItem> {
        self.pays.iter().filter(|i| i.recipient.is_none_or(|r| r == account)).collect()
    }
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
    /// What it trades, when it is an order.
    pub order: Option<Order>,
    /// The grant and the order in sentences, with token symbols (filled by the provider,
    /// which reads the tokens).
    pub summary: Vec<String>,
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
    let order = order(data, &value);
    Ok(TypedView {
        primary_type: data.primary_type.clone(),
        domain,
        chain_id,
        verifying_contract: d.verifying_contract,
        fields,
        grant,
        order,
        summary: Vec::new(),
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

/// The order an order signature makes, recognised by its venue's types and domain.
fn order(data: &TypedData, message: &DynSolValue) -> Option<Order> {
    let items = |v: &DynSolValue| v.as_array().map(<[DynSolValue]>::to_vec).unwrap_or_default();
    match (data.primary_type.as_str(), data.domain.name.as_deref()) {
        // UniswapX: a Permit2 transfer whose witness is the order; the input is what the
        // permit moves, the outputs what the filler must pay (at least their end amounts,
        // as a Dutch auction falls towards them).
        ("PermitWitnessTransferFrom", _) if data.domain.verifying_contract == Some(PERMIT2) => {
            let witness = field(message, "witness")?;
            // The permit moves at most the permitted amount: the most the order takes.
            let permitted = field(message, "permitted")?;
            let gives = vec![OrderItem {
                token: address(permitted, "token")?,
                amount: uint(permitted, "amount")?,
                id: None,
                recipient: None,
            }];
            let outputs = field(witness, "outputs").or_else(|| field(witness, "baseOutputs"))?;
            let pays = items(outputs)
                .iter()
                .map(|o| {
                    Some(OrderItem {
                        token: address(o, "token")?,
                        amount: uint(o, "endAmount").or_else(|| uint(o, "amount"))?,
                        id: None,
                        recipient: address(o, "recipient"),
                    })
                })
                .collect::<Option<Vec<_>>>()?;
            let info = field(witness, "info");
            let deadline = info.and_then(|i| uint(i, "deadline")).or(uint(message, "deadline"));
            Some(Order { venue: "UniswapX", gives, pays, until: until(deadline, 256) })
        }
        // Seaport: the offer is what the signer gives; the consideration what the order pays,
        // each item to its recipient (the offerer, and fees to others).
        ("OrderComponents", Some("Seaport")) => {
            let item = |v: &DynSolValue, recipient: bool| {
                let kind = uint(v, "itemType")?;
                let nft = kind >= U256::from(2);
                Some(OrderItem {
                    token: address(v, "token")?,
                    // A Dutch or English auction moves between the two; the worse for the
                    // signer is shown: the most it gives, the least it gets.
                    amount: if recipient {
                        uint(v, "startAmount")?.min(uint(v, "endAmount")?)
                    } else {
                        uint(v, "startAmount")?.max(uint(v, "endAmount")?)
                    },
                    id: nft.then(|| uint(v, "identifierOrCriteria")).flatten(),
                    recipient: if recipient { address(v, "recipient") } else { None },
                })
            };
            let gives = items(field(message, "offer")?)
                .iter()
                .map(|v| item(v, false))
                .collect::<Option<Vec<_>>>()?;
            let pays = items(field(message, "consideration")?)
                .iter()
                .map(|v| item(v, true))
                .collect::<Option<Vec<_>>>()?;
            Some(Order {
                venue: "Seaport",
                gives,
                pays,
                until: until(uint(message, "endTime"), 256),
            })
        }
        // CoW Protocol: sell at most sellAmount for at least buyAmount, to the receiver (the
        // zero address: the signer, which the caller fills in).
        ("Order", Some("Gnosis Protocol")) => {
            let receiver = address(message, "receiver").filter(|r| !r.is_zero());
            Some(Order {
                venue: "CoW Protocol",
                gives: vec![OrderItem {
                    token: address(message, "sellToken")?,
                    amount: uint(message, "sellAmount")?
                        + uint(message, "feeAmount").unwrap_or_default(),
                    id: None,
                    recipient: None,
                }],
                pays: vec![OrderItem {
                    token: address(message, "buyToken")?,
                    amount: uint(message, "buyAmount")?,
                    id: None,
                    recipient: receiver,
                }],
                until: until(uint(message, "validTo"), 32),
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

    /// A Seaport listing of NFT #7 for `price` wei to `seller`, with a 2.5% fee to a marketplace.
    fn seaport_listing(seller: &str, paid_to: &str, price: u64) -> TypedData {
        let item = |kind: u8, token: &str, id: u64, amount: u64| {
            serde_json::json!({
                "itemType": kind, "token": token, "identifierOrCriteria": id.to_string(),
                "startAmount": amount.to_string(), "endAmount": amount.to_string()
            })
        };
        let mut pay = item(0, "0x0000000000000000000000000000000000000000", 0, price);
        pay["recipient"] = serde_json::json!(paid_to);
        let mut fee = item(0, "0x0000000000000000000000000000000000000000", 0, price / 40);
        fee["recipient"] = serde_json::json!("0x0000a26b00c1F0DF003000390027140000fAa719");
        serde_json::from_value(serde_json::json!({
            "types": {
                "EIP712Domain": [{"name": "name", "type": "string"}, {"name": "version", "type": "string"},
                                 {"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"}],
                "OrderComponents": [
                    {"name": "offerer", "type": "address"}, {"name": "zone", "type": "address"},
                    {"name": "offer", "type": "OfferItem[]"}, {"name": "consideration", "type": "ConsiderationItem[]"},
                    {"name": "orderType", "type": "uint8"}, {"name": "startTime", "type": "uint256"},
                    {"name": "endTime", "type": "uint256"}, {"name": "zoneHash", "type": "bytes32"},
                    {"name": "salt", "type": "uint256"}, {"name": "conduitKey", "type": "bytes32"},
                    {"name": "counter", "type": "uint256"}
                ],
                "OfferItem": [{"name": "itemType", "type": "uint8"}, {"name": "token", "type": "address"},
                              {"name": "identifierOrCriteria", "type": "uint256"},
                              {"name": "startAmount", "type": "uint256"}, {"name": "endAmount", "type": "uint256"}],
                "ConsiderationItem": [{"name": "itemType", "type": "uint8"}, {"name": "token", "type": "address"},
                                      {"name": "identifierOrCriteria", "type": "uint256"},
                                      {"name": "startAmount", "type": "uint256"}, {"name": "endAmount", "type": "uint256"},
                                      {"name": "recipient", "type": "address"}]
            },
            "primaryType": "OrderComponents",
            "domain": {"name": "Seaport", "version": "1.6", "chainId": 1,
                       "verifyingContract": "0x0000000000000068F116a894984e2DB1123eB395"},
            "message": {
                "offerer": seller, "zone": "0x0000000000000000000000000000000000000000",
                "offer": [item(2, "0xBC4CA0EdA7647A8aB7C2061c2E118A18a936f13D", 7, 1)],
                "consideration": [pay, fee], "orderType": 0, "startTime": "0", "endTime": "1800000000",
                "zoneHash": format!("0x{}", "00".repeat(32)), "salt": "1",
                "conduitKey": format!("0x{}", "00".repeat(32)), "counter": "0"
            }
        }))
        .unwrap()
    }

    #[test]
    fn a_seaport_listing_says_what_it_gives_and_whom_it_pays() {
        let seller = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
        let signer: Address = seller.parse().unwrap();
        let view = describe(&seaport_listing(seller, seller, 10u64.pow(18))).unwrap();
        let order = view.order.unwrap();
        assert_eq!(order.venue, "Seaport");
        assert_eq!(
            (order.gives[0].id, order.gives[0].amount),
            (Some(U256::from(7)), U256::from(1))
        );
        let mine = order.to(signer);
        assert_eq!(mine.len(), 1, "the fee is paid to the marketplace, not the seller");
        assert_eq!((mine[0].token, mine[0].amount), (Address::ZERO, U256::from(10u64.pow(18))));
        assert_eq!(order.until, Some(1_800_000_000));
        // The phishing shape: the NFT offered, the price paid to someone else.
        let drained =
            describe(&seaport_listing(seller, "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", 1))
                .unwrap()
                .order
                .unwrap();
        assert!(drained.to(signer).is_empty());
    }

    #[test]
    fn a_uniswapx_order_is_its_permit2_transfer_and_its_outputs() {
        let data: TypedData = serde_json::from_value(serde_json::json!({
            "types": {
                "EIP712Domain": [{"name": "name", "type": "string"}, {"name": "chainId", "type": "uint256"},
                                 {"name": "verifyingContract", "type": "address"}],
                "PermitWitnessTransferFrom": [
                    {"name": "permitted", "type": "TokenPermissions"}, {"name": "spender", "type": "address"},
                    {"name": "nonce", "type": "uint256"}, {"name": "deadline", "type": "uint256"},
                    {"name": "witness", "type": "V2DutchOrder"}],
                "TokenPermissions": [{"name": "token", "type": "address"}, {"name": "amount", "type": "uint256"}],
                "V2DutchOrder": [
                    {"name": "info", "type": "OrderInfo"}, {"name": "cosigner", "type": "address"},
                    {"name": "baseInputToken", "type": "address"}, {"name": "baseInputStartAmount", "type": "uint256"},
                    {"name": "baseInputEndAmount", "type": "uint256"}, {"name": "baseOutputs", "type": "DutchOutput[]"}],
                "OrderInfo": [
                    {"name": "reactor", "type": "address"}, {"name": "swapper", "type": "address"},
                    {"name": "nonce", "type": "uint256"}, {"name": "deadline", "type": "uint256"},
                    {"name": "additionalValidationContract", "type": "address"},
                    {"name": "additionalValidationData", "type": "bytes"}],
                "DutchOutput": [{"name": "token", "type": "address"}, {"name": "startAmount", "type": "uint256"},
                                {"name": "endAmount", "type": "uint256"}, {"name": "recipient", "type": "address"}]
            },
            "primaryType": "PermitWitnessTransferFrom",
            "domain": {"name": "Permit2", "chainId": 1, "verifyingContract": PERMIT2},
            "message": {
                "permitted": {"token": "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48", "amount": "1000000000"},
                "spender": "0x00000011F84B9aa48e5f8aA8B9897600006289Be", "nonce": "1", "deadline": "1800000000",
                "witness": {
                    "info": {"reactor": "0x00000011F84B9aa48e5f8aA8B9897600006289Be",
                             "swapper": "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", "nonce": "1",
                             "deadline": "1800000000", "additionalValidationContract": "0x0000000000000000000000000000000000000000",
                             "additionalValidationData": "0x"},
                    "cosigner": "0x0000000000000000000000000000000000000000",
                    "baseInputToken": "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48",
                    "baseInputStartAmount": "1000000000", "baseInputEndAmount": "1000000000",
                    "baseOutputs": [{"token": "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2",
                                     "startAmount": "420000000000000000", "endAmount": "400000000000000000",
                                     "recipient": "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"}]
                }
            }
        }))
        .unwrap();
        let view = describe(&data).unwrap();
        assert_eq!(view.grant.as_ref().unwrap().kind, "Permit2 transfer");
        let order = view.order.unwrap();
        assert_eq!(order.venue, "UniswapX");
        assert_eq!(order.gives[0].amount, U256::from(1_000_000_000u64));
        let signer: Address = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266".parse().unwrap();
        let mine = order.to(signer);
        assert_eq!(
            mine[0].amount,
            U256::from(400_000_000_000_000_000u64),
            "the least it pays: the end of the decay"
        );
        assert_eq!(order.until, Some(1_800_000_000));
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
