//! Permit2 allowances signed rather than sent: a swap through the Universal Router carries its
//! own allowance, signed by the user (EIP-712 `PermitSingle`), as its first command
//! (`PERMIT2_PERMIT`), so the swap is one transaction instead of an allowance transaction and
//! a swap.
//!
//! In a plan, such an allowance is a step whose [`crate::simulate::Step::permit`] is set: its
//! request is the equivalent `Permit2.approve`, which the simulation runs in its place (the
//! same allowance, so the same outcome); executing the plan signs the permit instead of
//! sending that request, and [`PermitGrant::attach`] puts it into the next step.

use alloy::{
    dyn_abi::TypedData,
    primitives::{Address, Bytes, Signature, U256, aliases::U48, aliases::U160},
    rpc::types::TransactionRequest,
    sol_types::{SolCall, SolValue},
};

use crate::abi::{IPermit2, IUniversalRouter, PermitDetails, PermitSingle};

/// The Universal Router's PERMIT2_PERMIT command.
const PERMIT2_PERMIT: u8 = 0x0a;

/// Why a signed permit could not be put into its transaction.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PermitError {
    /// The step after a permit is not a Universal Router `execute`.
    #[error("the step after a Permit2 signature is not a Universal Router swap: {0}")]
    NotAnExecute(String),
    /// The typed data could not be built.
    #[error("the Permit2 message could not be built: {0}")]
    TypedData(String),
}

/// An allowance for `spender` to move `amount` of `token` through `permit2` until
/// `expiration`, signed with the account's current Permit2 `nonce` for that pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PermitGrant {
    /// The Permit2 contract.
    pub permit2: Address,
    /// The token.
    pub token: Address,
    /// Who may move it (the Universal Router).
    pub spender: Address,
    /// How much, raw units.
    pub amount: U256,
    /// Unix time the allowance ends.
    pub expiration: u64,
    /// The account's Permit2 nonce for (token, spender).
    pub nonce: u64,
    /// Unix time after which the signature is refused.
    pub sig_deadline: u64,
}

impl PermitGrant {
    /// The `Permit2.approve` that grants the same allowance: what simulations run in the
    /// signature's place.
    pub fn stand_in(&self) -> TransactionRequest {
        let call = IPermit2::approveCall {
            token: self.token,
            spender: self.spender,
            amount: U160::saturating_from(self.amount),
            expiration: U48::saturating_from(self.expiration),
        };
        TransactionRequest::default().to(self.permit2).input(Bytes::from(call.abi_encode()).into())
    }

    fn permit_single(&self) -> PermitSingle {
        PermitSingle {
            details: PermitDetails {
                token: self.token,
                amount: U160::saturating_from(self.amount),
                expiration: U48::saturating_from(self.expiration),
                nonce: U48::saturating_from(self.nonce),
            },
            spender: self.spender,
            sigDeadline: U256::from(self.sig_deadline),
        }
    }

    /// The EIP-712 message the user signs on `chain_id` (what a Ledger shows).
    pub fn typed_data(&self, chain_id: u64) -> Result<TypedData, PermitError> {
        let json = serde_json::json!({
            "types": {
                "EIP712Domain": [
                    {"name": "name", "type": "string"},
                    {"name": "chainId", "type": "uint256"},
                    {"name": "verifyingContract", "type": "address"}
                ],
                "PermitDetails": [
                    {"name": "token", "type": "address"},
                    {"name": "amount", "type": "uint160"},
                    {"name": "expiration", "type": "uint48"},
                    {"name": "nonce", "type": "uint48"}
                ],
                "PermitSingle": [
                    {"name": "details", "type": "PermitDetails"},
                    {"name": "spender", "type": "address"},
                    {"name": "sigDeadline", "type": "uint256"}
                ]
            },
            "primaryType": "PermitSingle",
            "domain": {"name": "Permit2", "chainId": chain_id, "verifyingContract": self.permit2},
            "message": {
                "details": {
                    "token": self.token,
                    "amount": self.amount.to_string(),
                    "expiration": self.expiration,
                    "nonce": self.nonce
                },
                "spender": self.spender,
                "sigDeadline": self.sig_deadline.to_string()
            }
        });
        serde_json::from_value(json).map_err(|e| PermitError::TypedData(e.to_string()))
    }

    /// `next` (a Universal Router `execute`) with this permit and its `signature` as its first
    /// command.
    pub fn attach(
        &self,
        next: &TransactionRequest,
        signature: &Signature,
    ) -> Result<TransactionRequest, PermitError> {
        let input = next.input.input().cloned().unwrap_or_default();
        let call = IUniversalRouter::executeCall::abi_decode(&input)
            .map_err(|e| PermitError::NotAnExecute(e.to_string()))?;
        if next.to.and_then(|t| t.to().copied()) != Some(self.spender) {
            return Err(PermitError::NotAnExecute(format!("it is not sent to {}", self.spender)));
        }
        let mut commands = vec![PERMIT2_PERMIT];
        commands.extend_from_slice(&call.commands);
        let permit =
            (self.permit_single(), Bytes::from(signature.as_bytes().to_vec())).abi_encode_params();
        let mut inputs = vec![Bytes::from(permit)];
        inputs.extend(call.inputs);
        let execute = IUniversalRouter::executeCall {
            commands: commands.into(),
            inputs,
            deadline: call.deadline,
        };
        let mut out = next.clone();
        out.input = Bytes::from(execute.abi_encode()).into();
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use alloy::primitives::{address, b256};

    use super::*;

    #[test]
    fn the_permit_message_hashes_as_permit2_defines_it() {
        let grant = PermitGrant {
            permit2: crate::PERMIT2,
            token: address!("A0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"),
            spender: address!("66a9893cC07D91D95644AEDD05D03f95e1dBA8Af"),
            amount: U256::from(1_000_000u64),
            expiration: 1_800_000_000,
            nonce: 3,
            sig_deadline: 1_800_000_000,
        };
        let data = grant.typed_data(1).unwrap();
        // The same struct hashed by alloy's own sol! EIP-712 implementation.
        use alloy::sol_types::SolStruct;
        let domain = alloy::sol_types::eip712_domain! {
            name: "Permit2",
            chain_id: 1,
            verifying_contract: crate::PERMIT2,
        };
        let expected = grant.permit_single().eip712_signing_hash(&domain);
        assert_eq!(data.eip712_signing_hash().unwrap(), expected);
        assert_ne!(
            expected,
            b256!("0000000000000000000000000000000000000000000000000000000000000000")
        );
    }

    #[test]
    fn a_permit_goes_first_into_the_routers_execute() {
        let router = address!("66a9893cC07D91D95644AEDD05D03f95e1dBA8Af");
        let grant = PermitGrant {
            permit2: crate::PERMIT2,
            token: Address::repeat_byte(1),
            spender: router,
            amount: U256::from(5),
            expiration: 9,
            nonce: 0,
            sig_deadline: 9,
        };
        let execute = IUniversalRouter::executeCall {
            commands: vec![0x10].into(),
            inputs: vec![Bytes::from(vec![7u8])],
            deadline: U256::from(9),
        };
        let next = TransactionRequest::default()
            .to(router)
            .input(Bytes::from(execute.abi_encode()).into());
        let signature = Signature::test_signature();
        let attached = grant.attach(&next, &signature).unwrap();
        let call =
            IUniversalRouter::executeCall::abi_decode(attached.input.input().unwrap()).unwrap();
        assert_eq!(call.commands.to_vec(), vec![PERMIT2_PERMIT, 0x10]);
        assert_eq!(call.inputs.len(), 2);
        let (permit, sig) = <(PermitSingle, Bytes)>::abi_decode_params(&call.inputs[0]).unwrap();
        assert_eq!(permit.spender, router);
        assert_eq!(sig.len(), 65);
        // A call to anything else is refused.
        let elsewhere = next.clone().to(Address::repeat_byte(9));
        assert!(grant.attach(&elsewhere, &signature).is_err());
    }
}
