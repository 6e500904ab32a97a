//! The app's wording: the core returns data (an [`ActionPreview`], the adapters' quote) and
//! this maps it to the `vigil-api` views the window shows. The command line words the same
//! data its own way.

use vigil_api::{
    AlertAbout, AlertView, FindingView, LiquidityActionKind, Money, MonitorEvent, Preview,
    Severity, SwapQuote, group_thousands,
};
use vigil_defi_adapters::{
    aave::{LendAction, PriceMove, ProtectPath},
    preview,
};
use vigil_notifier::Subject;
use vigil_signer::Chain;
use vigil_wallet::{
    app::{
        Action, ActionPreview, Fee, LendSummary, LiquiditySummary, ProtectSummary, SwapSummary,
        level_view,
    },
    replace::Replacement,
};

/// What the window hears of the watcher: alerts and blocks read (a choice made on a desktop
/// notification is the shell's to follow, not the window's).
pub(crate) fn monitor_event(event: &vigil_notifier::MonitorEvent) -> Option<MonitorEvent> {
    match event {
        vigil_notifier::MonitorEvent::Alert(a) => Some(MonitorEvent::Alert {
            alert: AlertView {
                key: a.key.clone(),
                level: level_view(a.level),
                title: a.title.clone(),
                body: a.body.clone(),
                at: a.at,
            },
            about: match &a.subject {
                Subject::Lending { .. } | Subject::Liquidity { .. } => AlertAbout::Position,
                Subject::Transaction { hash, .. } => AlertAbout::Transaction { hash: hash.clone() },
                Subject::Monitor { .. } => AlertAbout::Monitor,
            },
        }),
        vigil_notifier::MonitorEvent::Tick { network, block, .. } => {
            Some(MonitorEvent::Block { network: network.clone(), block: *block })
        }
        vigil_notifier::MonitorEvent::Action { .. } => None,
    }
}

/// The swap form's live quote.
pub(crate) fn swap_quote(q: preview::SwapQuote) -> SwapQuote {
    SwapQuote {
        receive: format!("{} {}", group_thousands(&q.amount_out), q.symbol_out),
        rate: format!("1 {} = {} {}", q.symbol_in, group_thousands(&q.rate), q.symbol_out),
        route: q.venue,
        runner_up: q.runner_up,
        min_receive: format!("{} {}", group_thousands(&q.min_out), q.symbol_out),
        price_impact: q.price_impact_bps.map(percent_of_bps),
        shortfall: q.shortfall,
    }
}

/// A finding as the window shows it.
pub(crate) fn finding(f: preview::Finding) -> FindingView {
    FindingView {
        severity: match f.severity {
            preview::Severity::Info => Severity::Info,
            preview::Severity::Warning => Severity::Warning,
            preview::Severity::Danger => Severity::Danger,
        },
        message: f.message,
    }
}

/// A preview as the window shows it.
pub(crate) fn preview(p: ActionPreview) -> Preview {
    let (title, mut details) = described(&p);
    // A Ledger blind-signs contract calls and shows only a hash: the same hash here lets the
    // user check that the device signs what was previewed.
    if p.signer == vigil_api::SignerKind::Ledger {
        for (label, hash) in &p.device_hashes {
            details.push((format!("On your Ledger, {label}"), format!("transaction hash {hash}")));
        }
    }
    if let Some(host) = &p.private_submission {
        details.push((
            "Sent through".to_owned(),
            format!("{host}, privately: not the public mempool, where bots front-run swaps"),
        ));
    }
    // Which node said all this, and which one checked it: the user can judge whom they trust.
    details.push(("Simulated by".to_owned(), p.endpoint.clone()));
    if let Some(w) = &p.witness {
        details.push(("Checked against".to_owned(), w.clone()));
    }
    let health_factor = match &p.action {
        Action::Lend(l) => Some(l.health_factor),
        Action::Protect(s) => Some(s.health_factor),
        _ => None,
    };
    let mut changes: Vec<String> =
        p.changes.iter().map(|c| format!("{} {}", group_thousands(&c.amount), c.symbol)).collect();
    changes.extend(
        p.approvals.iter().map(|a| format!("approves {} {} to {}", a.amount, a.symbol, a.spender)),
    );
    Preview {
        id: p.id,
        title,
        network: match p.chain {
            Chain::Solana => format!("Solana {}", p.network),
            Chain::Ethereum => p.network,
        },
        account: p.account,
        signer: p.signer,
        details,
        changes,
        steps: p.steps,
        fee: match &p.fee {
            Some(fee) => fee_text(fee, &p.money),
            None => "—".into(),
        },
        health_factor,
        findings: p.findings.into_iter().map(finding).collect(),
        needs_override: p.needs_override,
        would_fail: p.would_fail,
    }
}

type Details = Vec<(String, String)>;

/// The title and the labelled facts of an action.
fn described(p: &ActionPreview) -> (String, Details) {
    let detail = |label: &str, value: String| (label.to_owned(), value);
    match &p.action {
        Action::Swap(s) => (swap_title(s), swap_details(s)),
        Action::Wrap { label, route } => (label.clone(), vec![detail("Route", route.clone())]),
        Action::Send { amount, symbol, to } => {
            let amount = group_thousands(amount);
            (
                format!("Send {amount} {symbol}"),
                vec![
                    detail("To", to.to_checksum(None)),
                    detail("Amount", format!("{amount} {symbol}")),
                ],
            )
        }
        Action::Lend(l) => (lend_title(l), lend_details(l, &p.money)),
        Action::Protect(s) => (protect_title(s), protect_details(s)),
        Action::Liquidity(l) => liquidity_described(l),
        Action::Replace { kind, hash, label, nonce } => {
            let (title, what) = match kind {
                Replacement::Cancel => (
                    format!("Cancel: {label}"),
                    "A zero-value transfer to yourself with the same nonce takes its place. It still costs a network fee.",
                ),
                Replacement::SpeedUp => (
                    format!("Speed up: {label}"),
                    "The same transaction again with fees at least 10% higher (or what the network asks now).",
                ),
            };
            let details = vec![
                detail("Transaction", hash.clone()),
                detail("Nonce", nonce.to_string()),
                detail("What happens", what.to_owned()),
            ];
            (title, details)
        }
        Action::Plan { title } => (title.clone(), vec![]),
        Action::Solana { summary, rent_sol, units } => {
            let mut details = Vec::new();
            if let Some(fee) = &p.fee {
                details.push(detail("Network fee", fee_text(fee, &p.money)));
            }
            if let Some(rent) = rent_sol {
                details.push(detail("Rent for new accounts", format!("{rent} SOL")));
            }
            if let Some(units) = units {
                details.push(detail("Compute units", units.to_string()));
            }
            (summary.clone(), details)
        }
    }
}

fn liquidity_described(l: &LiquiditySummary) -> (String, Details) {
    let amounts = |amounts: &[(String, String)]| {
        amounts.iter().map(|(s, a)| format!("{a} {s}")).collect::<Vec<_>>().join(" + ")
    };
    let (title, what) = match l.kind {
        LiquidityActionKind::Add => (format!("Add liquidity to {}", l.pool), "You deposit"),
        LiquidityActionKind::Remove => {
            (format!("Remove {}% of {}", l.percent.unwrap_or(100.0), l.pool), "You receive about")
        }
        LiquidityActionKind::Collect => (format!("Collect the fees of {}", l.pool), "You collect"),
    };
    let mut details = vec![(what.to_owned(), amounts(&l.amounts))];
    if let Some(r) = &l.range {
        let range = if r.full {
            "Every price (full range)".to_owned()
        } else {
            format!("{} to {} {}", r.lower, r.upper, r.unit)
        };
        details.push(("Price range".into(), range));
        let state = if r.in_range { "inside the range" } else { "outside the range: no fees" };
        details.push(("Price now".into(), format!("{} {} ({state})", r.current, r.unit)));
    }
    (title, details)
}

fn swap_title(s: &SwapSummary) -> String {
    format!("Swap {} {} for {}", group_thousands(&s.amount), s.from, s.to)
}

fn swap_details(s: &SwapSummary) -> Details {
    let mut details = vec![("Route".to_owned(), s.route.clone())];
    if let Some(r) = &s.runner_up {
        details.push(("Runner-up".into(), r.clone()));
    }
    details.push(("You receive at least".into(), group_thousands(&s.min_out)));
    details.push(("Slippage tolerance".into(), format!("{}%", s.slippage_percent)));
    if let Some(bps) = s.price_impact_bps {
        details.push(("Price impact".into(), percent_of_bps(bps)));
    }
    details
}

fn lend_title(l: &LendSummary) -> String {
    let verb = match l.action {
        LendAction::Supply => "Supply",
        LendAction::Withdraw => "Withdraw",
        LendAction::Borrow => "Borrow",
        LendAction::Repay => "Repay",
        LendAction::Collateral { enable: true } => "Use as collateral",
        LendAction::Collateral { enable: false } => "Stop using as collateral",
    };
    format!("{verb} {} {} on Aave", group_thousands(&l.amount), l.symbol)
}

fn lend_details(l: &LendSummary, money: &Money) -> Details {
    let (before, after) = l.health_factor;
    let mut details = vec![(
        "Health factor".to_owned(),
        format!("{} → {}", health_factor_text(before), health_factor_text(after)),
    )];
    for (what, (before, after)) in [("Supplied", &l.supplied), ("Owed", &l.debt)] {
        if before != "0" || after != "0" {
            details.push((
                what.to_owned(),
                format!("{} → {} {}", group_thousands(before), group_thousands(after), l.symbol),
            ));
        }
    }
    for p in &l.liquidation_prices {
        let show = |v: Option<f64>| v.map_or("none".to_owned(), |v| money.show(v));
        // A debt liquidates by rising: say so, the usual case (a collateral's fall) goes unsaid.
        let rising = if p.on == PriceMove::Rise { ", if it rises" } else { "" };
        details.push((
            format!("{} liquidation price", p.symbol),
            format!(
                "{} → {} (now {}{rising})",
                show(p.before),
                show(p.after),
                money.show(p.price_usd)
            ),
        ));
    }
    details
}

/// A health factor to two decimals; without debt there is none to lose.
fn protect_title(s: &ProtectSummary) -> String {
    let how = match &s.path {
        ProtectPath::Repay { symbol, amount } => {
            format!("repay {} {symbol} from the wallet", group_thousands(amount))
        }
        ProtectPath::Supply { symbol, amount } => {
            format!("supply {} {symbol} from the wallet", group_thousands(amount))
        }
        ProtectPath::Deleverage { collateral, debt, rounds } => {
            let rounds =
                if *rounds == 1 { "once".to_owned() } else { format!("in {rounds} rounds") };
            format!("sell {collateral} to repay {debt}, {rounds}")
        }
    };
    format!("Reduce risk: {how}")
}

fn protect_details(s: &ProtectSummary) -> Details {
    let (before, after) = s.health_factor;
    let mut details = vec![(
        "Health factor".to_owned(),
        format!(
            "{} → {} (target {})",
            health_factor_text(before),
            health_factor_text(after),
            s.target
        ),
    )];
    // Every transaction with where it leaves the position: none goes below the minimum.
    details.extend(s.steps.iter().enumerate().map(|(n, step)| {
        (
            format!("Step {}", n + 1),
            format!(
                "{}: health factor {}",
                step.label,
                health_factor_text(step.health_factor_after)
            ),
        )
    }));
    details
}

fn health_factor_text(hf: Option<f64>) -> String {
    hf.map_or_else(|| "∞ (no debt)".to_owned(), |h| format!("{h:.2}"))
}

/// The fee expected, and the most it can be when that differs: "0.0021 ETH ($5.00), at most
/// 0.0063 ETH ($15.00)".
fn fee_text(fee: &Fee, money: &Money) -> String {
    let one = |amount: &str, usd: Option<f64>| match usd {
        Some(usd) => format!("{amount} {} ({})", fee.symbol, money.show(usd)),
        None => format!("{amount} {}", fee.symbol),
    };
    match &fee.max {
        Some((max, max_usd)) if *max != fee.amount => {
            format!("{}, at most {}", one(&fee.amount, fee.usd), one(max, *max_usd))
        }
        _ => one(&fee.amount, fee.usd),
    }
}

fn percent_of_bps(bps: u32) -> String {
    format!("{:.2}%", f64::from(bps) / 100.0)
}

#[cfg(test)]
mod tests {
    use vigil_api::SignerKind;
    use vigil_defi_adapters::{aave::LiquidationPriceChange, preview::Finding};
    use vigil_wallet::app::{Approval, AssetChange};

    use super::*;

    const EUR: f64 = 1.25;

    fn evm(action: Action) -> ActionPreview {
        ActionPreview {
            id: 7,
            chain: Chain::Ethereum,
            network: "base".into(),
            account: "0x00000000000000000000000000000000000000A1".into(),
            signer: SignerKind::Ledger,
            action,
            changes: vec![
                AssetChange { amount: "-1000".into(), symbol: "ETH".into() },
                AssetChange { amount: "+2480123.5".into(), symbol: "USDC".into() },
            ],
            approvals: vec![Approval {
                symbol: "USDC".into(),
                spender: "0x1111111111111111111111111111111111111111".parse().unwrap(),
                amount: "unlimited".into(),
            }],
            steps: vec!["Approve USDC".into(), "Swap".into()],
            fee: Some(Fee {
                amount: "0.0021".into(),
                symbol: "ETH".into(),
                usd: Some(5.0),
                max: Some(("0.0063".into(), Some(15.0))),
            }),
            findings: vec![Finding {
                severity: preview::Severity::Danger,
                code: "price_impact",
                message: "the price moves 12%".into(),
            }],
            needs_override: true,
            would_fail: None,
            money: Money { currency: "EUR".into(), usd_per_unit: EUR },
            endpoint: "https://base-rpc.example.com/…".into(),
            witness: None,
            device_hashes: vec![("Swap".into(), "0xabc1".into())],
            private_submission: Some("rpc.flashbots.net".into()),
        }
    }

    #[test]
    fn a_swap_is_worded_with_separators_its_route_and_the_fee_in_the_users_currency() {
        let swap = SwapSummary {
            amount: "1000".into(),
            from: "ETH".into(),
            to: "USDC".into(),
            route: "Uniswap V3 0.05%".into(),
            runner_up: None,
            min_out: "2467721.9".into(),
            slippage_percent: 0.5,
            price_impact_bps: Some(1234),
        };
        let p = preview(evm(Action::Swap(Box::new(swap))));
        assert_eq!((p.id, p.network.as_str(), p.signer), (7, "base", SignerKind::Ledger));
        assert_eq!(p.title, "Swap 1,000 ETH for USDC");
        assert_eq!(
            p.details,
            [
                ("Route", "Uniswap V3 0.05%"),
                ("You receive at least", "2,467,721.9"),
                ("Slippage tolerance", "0.5%"),
                ("Price impact", "12.34%"),
                ("On your Ledger, Swap", "transaction hash 0xabc1"),
                (
                    "Sent through",
                    "rpc.flashbots.net, privately: not the public mempool, where bots front-run swaps"
                ),
                ("Simulated by", "https://base-rpc.example.com/…"),
            ]
            .map(|(l, v)| (l.to_owned(), v.to_owned()))
        );
        assert_eq!(
            p.changes,
            [
                "-1,000 ETH",
                "+2,480,123.5 USDC",
                "approves unlimited USDC to 0x1111111111111111111111111111111111111111"
            ]
        );
        assert_eq!(p.fee, "0.0021 ETH (4.00 EUR), at most 0.0063 ETH (12.00 EUR)");
        assert_eq!(p.findings[0].severity, Severity::Danger);
        assert!(p.needs_override && p.health_factor.is_none());
    }

    #[test]
    fn a_loan_shows_its_health_factor_before_and_after_and_liquidation_prices_in_the_currency() {
        let lend = LendSummary {
            action: LendAction::Borrow,
            amount: "1500".into(),
            symbol: "USDC".into(),
            health_factor: (None, Some(1.8349)),
            supplied: ("0".into(), "0".into()),
            debt: ("0".into(), "1500".into()),
            liquidation_prices: vec![LiquidationPriceChange {
                on: PriceMove::Fall,
                symbol: "WETH".into(),
                price_usd: 2500.0,
                before: None,
                after: Some(1250.0),
            }],
        };
        let p = preview(evm(Action::Lend(Box::new(lend))));
        assert_eq!(p.title, "Borrow 1,500 USDC on Aave");
        assert_eq!(p.health_factor, Some((None, Some(1.8349))));
        let detail = |label: &str| p.details.iter().find(|(l, _)| l == label).map(|(_, v)| v);
        assert_eq!(detail("Health factor").unwrap(), "∞ (no debt) → 1.83");
        assert_eq!(detail("Owed").unwrap(), "0 → 1,500 USDC");
        assert_eq!(detail("Supplied"), None, "nothing supplied of USDC before or after");
        assert_eq!(
            detail("WETH liquidation price").unwrap(),
            "none → 1,000.00 EUR (now 2,000.00 EUR)"
        );
    }

    #[test]
    fn a_solana_preview_names_the_cluster_and_a_replacement_says_what_happens() {
        let mut sol = evm(Action::Solana {
            summary: "Send 1 SOL".into(),
            rent_sol: Some("0.00203928".into()),
            units: Some(450),
        });
        sol.chain = Chain::Solana;
        sol.network = "devnet".into();
        sol.fee =
            Some(Fee { amount: "0.000005".into(), symbol: "SOL".into(), usd: None, max: None });
        let p = preview(sol);
        assert_eq!((p.network.as_str(), p.title.as_str()), ("Solana devnet", "Send 1 SOL"));
        assert_eq!(p.details[0], ("Network fee".to_owned(), "0.000005 SOL".to_owned()));
        assert_eq!(p.details[1].1, "0.00203928 SOL");
        assert_eq!(p.details[2].1, "450");

        let mut cancel = evm(Action::Replace {
            kind: Replacement::Cancel,
            hash: "0xabc".into(),
            label: "Swap 1 ETH for USDC".into(),
            nonce: 4,
        });
        cancel.fee = None;
        let p = preview(cancel);
        assert_eq!(p.title, "Cancel: Swap 1 ETH for USDC");
        assert_eq!(p.details[1], ("Nonce".to_owned(), "4".to_owned()));
        assert!(p.details[2].1.contains("same nonce takes its place"), "{:?}", p.details);
        assert_eq!(p.fee, "—", "no fee is made up");
    }

    #[test]
    fn the_live_quote_gives_the_rate_per_unit_sold() {
        let q = preview::SwapQuote {
            venue: "Uniswap V2".into(),
            runner_up: Some("Uniswap V3 0.3% (1990.03 USDC)".into()),
            symbol_in: "ETH".into(),
            symbol_out: "USDC".into(),
            amount_in: "2".into(),
            amount_out: "4005.121414".into(),
            rate: "2002.56".into(),
            min_out: "3985.095807".into(),
            max_in: "2".into(),
            price_impact_bps: Some(2),
            shortfall: None,
        };
        let v = swap_quote(q);
        assert_eq!(v.rate, "1 ETH = 2,002.56 USDC");
        assert_eq!(v.receive, "4,005.121414 USDC");
        assert_eq!(v.min_receive, "3,985.095807 USDC");
        assert_eq!(v.price_impact.as_deref(), Some("0.02%"));
    }
}
