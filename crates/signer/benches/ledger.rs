//! What Vigil's side of a Ledger request costs: HID framing, and whole requests (the app
//! check, the APDUs, parsing and the signature check) over Speculos' TCP transport to the
//! device simulator on loopback. A real device adds its own USB and signing time on top.
//! Run: `cargo bench -p vigil-signer --bench ledger --features ledger-simulator`.

#[path = "support/measure.rs"]
mod measure;

use measure::measure;

use alloy::{
    consensus::{TxEip1559, TypedTransaction},
    primitives::{Bytes, TxKind, U256},
};
use vigil_signer::{
    Chain, DerivationPath, EvmSigner,
    ledger::{
        Ledger,
        ethereum::LedgerEvmSigner,
        framing::{CHANNEL, Reassembler, packetize},
        simulator::Simulator,
    },
};

fn main() {
    let apdu = vec![0x5A; 260];
    measure("HID framing: packetize + reassemble 260 bytes", 10_001, || {
        let reports = packetize(CHANNEL, std::hint::black_box(&apdu)).unwrap_or_default();
        let mut r = Reassembler::new(CHANNEL);
        for report in &reports {
            std::hint::black_box(r.push(report).ok());
        }
    });

    let sim = Simulator::start().unwrap_or_else(|e| panic!("{e}"));
    sim.set(|c| c.blind_signing = true);
    let ledger = Ledger::start(sim.endpoint());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    measure("get address (2 APDUs)", 201, || {
        let path = DerivationPath::ethereum(0);
        rt.block_on(ledger.address(Chain::Ethereum, path, false)).unwrap_or_else(|e| panic!("{e}"));
    });
    let signer = rt
        .block_on(LedgerEvmSigner::connect(ledger.clone(), DerivationPath::ethereum(0)))
        .unwrap_or_else(|e| panic!("{e}"));
    let tx = TypedTransaction::Eip1559(TxEip1559 {
        chain_id: 1,
        to: TxKind::Call(signer.address()),
        value: U256::from(1u8),
        input: Bytes::from(vec![0xA5; 600]),
        ..Default::default()
    });
    measure("sign EIP-1559 with 600 B calldata (6 APDUs)", 201, || {
        rt.block_on(signer.sign_transaction(&tx)).unwrap_or_else(|e| panic!("{e}"));
    });
}
