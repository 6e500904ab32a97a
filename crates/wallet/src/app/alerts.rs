//! Alerts: the rules (every position's thresholds and each account's own) and the history.

use alloy::primitives::Address;
use vigil_api::{AlertView, Alerts, RuleForm, RuleView};
use vigil_signer::{Chain, Keychain};

use super::{AppResult, AppService, internal, invalid, level_view};
use crate::config::{LevelConfig, PositionAlertConfig};

impl<K: Keychain + 'static> AppService<K> {
    /// The alert rules and the newest alerts.
    pub fn alerts(&self) -> AppResult<Alerts> {
        let config = self.config()?;
        let base = config.alerts.thresholds().map_err(invalid)?;
        let mut rules = vec![RuleView {
            account: None,
            warning: base.warning,
            critical: base.critical,
            liquidation_chance: base.max_liquidation_probability,
        }];
        for (account, t) in config.alerts.per_account().map_err(invalid)? {
            rules.push(RuleView {
                account: Some(account.to_checksum(None)),
                warning: t.warning,
                critical: t.critical,
                liquidation_chance: t.max_liquidation_probability,
            });
        }
        let history = self
            .db
            .alert_history(200)
            .map_err(internal)?
            .into_iter()
            .map(|a| AlertView {
                key: a.key,
                level: level_view(a.level),
                title: a.title,
                body: a.body,
                at: a.at,
            })
            .collect();
        let accounts = config
            .accounts
            .iter()
            .filter(|a| a.chain == Chain::Ethereum)
            .map(|a| a.address.clone())
            .collect();
        Ok(Alerts { rules, accounts, history })
    }

    /// Sets the thresholds of every position, or of one account (or removes the account's
    /// own), checked against the other levels before anything is written. The watcher
    /// follows the config change.
    pub fn save_rule(&self, form: &RuleForm) -> AppResult<Alerts> {
        let levels = LevelConfig {
            warning: Some(form.warning),
            critical: Some(form.critical),
            liquidation_probability: Some(form.liquidation_chance),
            ..Default::default()
        };
        self.config_changed(self.wallet.update_config(|config| {
            match form.account.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
                None => {
                    config.alerts.levels.warning = levels.warning;
                    config.alerts.levels.critical = levels.critical;
                    config.alerts.levels.liquidation_probability = levels.liquidation_probability;
                }
                Some(account) => {
                    let address: Address =
                        vigil_signer::parse_evm_address(account).map_err(invalid)?;
                    let same = |a: &PositionAlertConfig| {
                        a.account.parse::<Address>().is_ok_and(|x| x == address)
                    };
                    config.alerts.positions.retain(|p| !same(p));
                    if !form.remove {
                        config.alerts.positions.push(PositionAlertConfig {
                            account: address.to_checksum(None),
                            levels,
                        });
                    }
                }
            }
            // The same checks the watcher applies on start, before the file is written.
            config.alerts.per_account().map_err(invalid)?;
            Ok::<(), vigil_api::CommandError>(())
        }))?;
        self.alerts()
    }
}
