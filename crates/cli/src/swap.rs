//! `vigil swap`: a swap on Uniswap (V2 or V3, the best route), or a wrap between the native
//! coin and its wrapped token, previewed in full and signed through the core.

use anyhow::Result;
use vigil_defi_adapters::preview;

use crate::sign::{self, SignArgs, failed, print_review};

#[derive(clap::Args)]
pub(crate) struct SwapArgs {
    /// The token sold: a symbol of the network (WETH, USDC, …) or an address.
    #[arg(long)]
    from: String,
    /// The token bought.
    #[arg(long)]
    to: String,
    /// How much to sell (or, with --exact-out, to buy), in whole units: 1.5, 1000.
    #[arg(long, allow_negative_numbers = true)]
    amount: String,
    /// --amount is what to receive, not what to spend.
    #[arg(long)]
    exact_out: bool,
    /// Slippage tolerance in percent.
    #[arg(long, default_value = "0.5")]
    slippage: String,
    /// Approve an unlimited amount instead of exactly this swap's.
    #[arg(long)]
    unlimited_approval: bool,
    #[command(flatten)]
    sign: SignArgs,
}

pub(crate) async fn run(args: SwapArgs) -> Result<()> {
    let service = sign::service()?;
    let account = sign::acting_address(&service, args.sign.account.as_deref())?;
    let (network, client) = service.evm(&args.sign.network).await.map_err(failed)?;
    // Checked here too, so that the message names the flag the user typed.
    let slippage_percent: f64 =
        args.slippage.parse().ok().filter(|p: &f64| (0.0..=50.0).contains(p)).ok_or_else(|| {
            anyhow::anyhow!("--slippage must be a percentage from 0 to 50, like 0.5")
        })?;
    let form = vigil_wallet::actions::SwapForm {
        from: args.from.clone(),
        to: args.to.clone(),
        amount: args.amount.clone(),
        exact_out: args.exact_out,
        slippage_percent,
        unlimited_approval: args.unlimited_approval,
    };
    let request = vigil_wallet::actions::swap_request(&client, &network, account, &form).await?;
    if let Some(wrap) = preview::wrap_of(&network, &request) {
        // ETH and WETH convert 1:1 through the WETH contract: no pool, no slippage.
        let review = preview::preview_wrap(&client, &network, &request, wrap).await?;
        let title = review.plan.steps.first().map_or("Wrap", |s| s.label.as_str()).to_owned();
        if args.sign.json {
            println!("{}", serde_json::to_string_pretty(&review)?);
        } else {
            println!("{title} on {} for {account}", network.name);
            print_review(&review, &network.native_symbol);
        }
        return sign::send_reviewed(&service, account, title, review, &args.sign).await;
    }
    let p = preview::preview_swap(&client, &network, &request).await?;
    if args.sign.json {
        println!("{}", serde_json::to_string_pretty(&p)?);
    } else {
        println!("Swap on {} for {}", p.network, p.account);
        println!("  route       {}", p.route);
        if let Some(r) = &p.runner_up {
            println!("  runner-up   {r}");
        }
        println!("  spend at most {}, receive at least {}", p.max_in, p.min_out);
        if let Some(bps) = p.quote.price_impact_bps {
            println!("  price impact {:.2}%", f64::from(bps) / 100.0);
        }
        print_review(&p.review, &network.native_symbol);
    }
    let title = format!("Swap {} {} for {}", args.amount.trim(), args.from.trim(), args.to.trim());
    sign::send_reviewed(&service, account, title, p.review, &args.sign).await
}
