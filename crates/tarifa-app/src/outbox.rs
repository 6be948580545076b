//! Writing notices (NOT-3) to the outbox, in the transaction of the change
//! that causes them, in the customer's language.

use jiff::civil::Date;
use tarifa_core::market::Market;
use tarifa_core::rule::RuleId;
use tarifa_store::{CustomerRow, NoticeRow, Tx};
use tarifa_texts::{Arg, Texts};

use crate::{AppError, Result};

/// A notice about to be written: its kind as SCENARIOS.md names it, the
/// Fluent message that says it and the values the message needs.
pub(crate) struct Notice<'a> {
    pub customer_id: i64,
    pub contract_id: Option<i64>,
    pub on: Date,
    pub kind: &'a str,
    pub rules: &'a [RuleId],
    pub message: &'a str,
    pub args: Vec<(&'a str, Arg)>,
}

/// The channel a notice goes out on: e-mail where the customer gave an
/// address (DUN-6 asks for e-mail), else SMS to the phone they gave, else
/// post to the address on file.
pub(crate) fn channel_for(email: Option<&str>, phone: Option<&str>) -> &'static str {
    if email.is_some_and(|e| !e.trim().is_empty()) {
        "email"
    } else if phone.is_some_and(|p| !p.trim().is_empty()) {
        "sms"
    } else {
        "post"
    }
}

/// A stored date as a message value (the text itself if it does not parse).
pub(crate) fn date_arg(text: &str) -> Arg {
    text.parse::<Date>()
        .map_or_else(|_| Arg::from(text), Arg::from)
}

/// Writes a notice to the outbox.
pub(crate) async fn notify(tx: &mut Tx, market: &Market, notice: Notice<'_>) -> Result<()> {
    let customer = tx
        .customer(notice.customer_id)
        .await?
        .ok_or_else(|| AppError::not_found("customer", notice.customer_id.to_string()))?;
    tx.insert_notice(&render(market, &customer, notice)?)
        .await?;
    Ok(())
}

/// A notice as the outbox keeps it: in the customer's language, on their channel.
pub(crate) fn render(
    market: &Market,
    customer: &CustomerRow,
    notice: Notice<'_>,
) -> Result<NoticeRow> {
    let lang = crate::customers::language_of(Some(customer), market);
    let texts = Texts::shipped();
    let render = |id: &str, args: &[(&str, Arg)]| texts.message(lang, id, args);
    let subject = render(&format!("{}-subject", notice.message), &notice.args)?;
    let ids: Vec<String> = notice.rules.iter().map(ToString::to_string).collect();
    let mut text = render(notice.message, &notice.args)?;
    if !ids.is_empty() {
        text.push(' ');
        text.push_str(&render(
            "rules-cited",
            &[("rules", Arg::from(ids.join(", ")))],
        )?);
    }
    Ok(NoticeRow {
        id: 0,
        market: market.id.clone(),
        customer_id: notice.customer_id,
        contract_id: notice.contract_id,
        on_date: notice.on.to_string(),
        kind: notice.kind.to_owned(),
        channel: channel_for(customer.email.as_deref(), customer.phone.as_deref()).to_owned(),
        rules: ids.join(","),
        text,
        sent_at: None,
        attempts: 0,
        language: lang.tag().to_owned(),
        subject,
        claimed_until: None,
        next_attempt_at: None,
        last_error: None,
        destination: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e_mail_then_sms_then_post() {
        assert_eq!(channel_for(Some("a@b.me"), Some("+38267000000")), "email");
        assert_eq!(channel_for(Some(" "), Some("+38267000000")), "sms");
        assert_eq!(channel_for(None, None), "post");
    }
}
