//! 分账 (profit sharing), beyond the declared lifecycles (spec/profitsharing/family.yaml and its
//! e-commerce twin spec/ecommerce/profitsharing/family.yaml): the amounts must add up. A paid order
//! placed with `settle_info.profit_sharing` holds its total; each split takes its receivers' shares
//! from what is left (refused beyond it), a split that gives the rest back (`unfreeze_unsplit`,
//! `finish`) or an unfreeze / finish order ends it (nothing is left after it), and a return takes
//! back at most what the split paid that merchant receiver, less what earlier returns took.
//! WeChat Pay's numbers, the receivers' results and the callbacks (one per merchant receiver) are
//! made here too, and so is the day's bill of the shares paid and the money taken back
//! (merchant line). A split pays only receivers on the merchant's list (added by `add_receiver`,
//! taken off by `delete_receiver`), besides the paying merchant itself. One set of rules serves
//! both lines: [`Line`] says what differs between them (field names, where the paid orders are,
//! who pays, whose receiver list a request names).

use serde_json::{Value, json};

use super::bills::{self, bill_text, yuan};
use super::engine::{Engine, Record, operation, project, text_of};
use super::payments::{PAID, REFUNDED, compact};
use super::rules::{Named, Rule};
use super::{Call, Outcome, now_rfc3339};
use crate::handler::Answer;

/// A profit-sharing product line: what its records and requests call things.
trait Line {
    /// The spec family.
    const FAMILY: &'static str;
    /// The state of a paid order it may split, in the family that keeps those orders...
    const PAID: Named;
    /// ...and of one partly refunded, which still holds what was not refunded.
    const REFUNDED: Named;
    /// A request field the paid order must agree with (the sub-merchant), if any.
    const SCOPE: Option<&'static str>;
    /// A request field naming whose receiver list it is (a service provider's sub-merchant), if
    /// the line keeps more than one.
    const LIST: Option<&'static str>;
    /// A share's receiving account field.
    const ACCOUNT: &'static str;
    /// The split request's flag that gives the rest back.
    const REST: &'static str;
    /// The return record's field for WeChat Pay's return number.
    const RETURN_NO: &'static str;
    /// Whether shares and returns carry a `create_time`.
    const CREATE_TIME: bool;
    /// The ids of its split, release, return and amounts operations, of its share-paying and
    /// return control transitions, and of its receiver add and delete operations, for
    /// [`line_rules`].
    const RULE_IDS: [&'static str; 8];

    const PENDING: Named = Named::of(Self::FAMILY, "order", "receivers.result", "PENDING");
    const PAID_SHARE: Named = Named::of(Self::FAMILY, "order", "receivers.result", "SUCCESS");
    /// A share that was not paid (it holds no money of the order).
    const CLOSED_SHARE: Named = Named::of(Self::FAMILY, "order", "receivers.result", "CLOSED");
    /// A return that took nothing back.
    const FAILED_RETURN: Named = Named::state(Self::FAMILY, "return_order", "FAILED");
    /// A return that took the money back.
    const RETURNED: Named = Named::state(Self::FAMILY, "return_order", "SUCCESS");
    /// The receiver type callbacks are sent for.
    const MERCHANT: Named = Named::of(Self::FAMILY, "order", "receivers.type", "MERCHANT_ID");

    /// The merchant whose money `order` splits.
    fn payer(e: &Engine<'_>, order: &Value) -> String;

    /// Who paid, as the callback's resource names it.
    fn payer_fields(e: &Engine<'_>, order: &Value) -> Value;

    /// Records on `order` (an unfreeze or finish order) that the rest, `held` fen, goes back.
    fn release(order: &mut Value, payer: &str, held: i64, call: &Call<'_>, now: &str);
}

/// Merchant and service-provider profit sharing (spec/profitsharing).
struct Merchant;

impl Line for Merchant {
    const FAMILY: &'static str = "profitsharing";
    const PAID: Named = PAID;
    const REFUNDED: Named = REFUNDED;
    const SCOPE: Option<&'static str> = None;
    const LIST: Option<&'static str> = Some("sub_mchid");
    const ACCOUNT: &'static str = "account";
    const REST: &'static str = "unfreeze_unsplit";
    const RETURN_NO: &'static str = "return_id";
    const CREATE_TIME: bool = true;
    const RULE_IDS: [&'static str; 8] = [
        "profitsharing.create_order",
        "profitsharing.unfreeze_order",
        "profitsharing.create_return_order",
        "profitsharing.query_order_amount",
        "profitsharing.order.finish",
        "profitsharing.return_order.returned",
        "profitsharing.add_receiver",
        "profitsharing.delete_receiver",
    ];

    fn payer(e: &Engine<'_>, _: &Value) -> String {
        e.world.mchid.clone()
    }

    fn payer_fields(e: &Engine<'_>, _: &Value) -> Value {
        json!({ "mchid": e.world.mchid })
    }

    /// One share, to the merchant itself.
    fn release(order: &mut Value, payer: &str, held: i64, call: &Call<'_>, now: &str) {
        let kind = json!(Self::MERCHANT.value);
        let rest = share::<Self>(&kind, &json!(payer), held, &call.body["description"], now);
        order["receivers"] = json!([rest]);
    }
}

/// E-commerce platforms splitting their sub-merchants' orders (spec/ecommerce/profitsharing); the
/// paid orders are service-provider orders, of the request's `sub_mchid`.
struct Ecommerce;

impl Line for Ecommerce {
    const FAMILY: &'static str = "ecommerce_profitsharing";
    const PAID: Named = Named::state("pay_partner_transactions", "order", "SUCCESS");
    const REFUNDED: Named = Named::state("pay_partner_transactions", "order", "REFUND");
    const SCOPE: Option<&'static str> = Some("sub_mchid");
    // The platform keeps one list for all its sub-merchants (add_receiver names none).
    const LIST: Option<&'static str> = None;
    const ACCOUNT: &'static str = "receiver_account";
    const REST: &'static str = "finish";
    const RETURN_NO: &'static str = "return_no";
    const CREATE_TIME: bool = false;
    const RULE_IDS: [&'static str; 8] = [
        "ecommerce_profitsharing.create_order",
        "ecommerce_profitsharing.finish_order",
        "ecommerce_profitsharing.create_return_order",
        "ecommerce_profitsharing.query_order_amount",
        "ecommerce_profitsharing.order.finish",
        "ecommerce_profitsharing.return_order.returned",
        "ecommerce_profitsharing.add_receiver",
        "ecommerce_profitsharing.delete_receiver",
    ];

    fn payer(_: &Engine<'_>, order: &Value) -> String {
        order["sub_mchid"].as_str().unwrap_or_default().to_string()
    }

    fn payer_fields(e: &Engine<'_>, order: &Value) -> Value {
        json!({ "sp_mchid": e.world.mchid, "sub_mchid": order["sub_mchid"] })
    }

    /// No share: the finish order reports the amount released.
    fn release(order: &mut Value, _: &str, held: i64, _: &Call<'_>, _: &str) {
        order["finish_amount"] = json!(held);
    }
}

pub(super) const NAMED: &[Named] = &[
    Merchant::PENDING,
    Merchant::PAID_SHARE,
    Merchant::CLOSED_SHARE,
    Merchant::FAILED_RETURN,
    Merchant::RETURNED,
    Merchant::MERCHANT,
    Ecommerce::PAID,
    Ecommerce::REFUNDED,
    Ecommerce::PENDING,
    Ecommerce::PAID_SHARE,
    Ecommerce::CLOSED_SHARE,
    Ecommerce::FAILED_RETURN,
    Ecommerce::MERCHANT,
];

/// The rules both lines have: a split, a release of the rest, a return, the amounts query,
/// WeChat Pay paying the shares and the return (control transitions), and the receiver list's
/// add and delete, under the line's ids.
const fn line_rules<L: Line>() -> [Rule; 8] {
    let [
        split_id,
        release_id,
        return_id,
        amounts_id,
        paid_id,
        returned_id,
        add_id,
        delete_id,
    ] = L::RULE_IDS;
    [
        Rule {
            fill: Some(split::<L>),
            ..Rule::new(split_id)
        },
        Rule {
            fill: Some(unfreeze::<L>),
            ..Rule::new(release_id)
        },
        Rule {
            fill: Some(take_back::<L>),
            ..Rule::new(return_id)
        },
        Rule {
            whole: Some(remaining::<L>),
            ..Rule::new(amounts_id)
        },
        Rule {
            fill: Some(paid_out::<L>),
            notice: Some(shares_paid::<L>),
            ..Rule::new(paid_id)
        },
        Rule {
            notice: Some(returned::<L>),
            ..Rule::new(returned_id)
        },
        Rule {
            whole: Some(listed::<L, true>),
            ..Rule::new(add_id)
        },
        Rule {
            whole: Some(listed::<L, false>),
            ..Rule::new(delete_id)
        },
    ]
}

pub(super) const RULES: &[Rule] = &{
    let [a, b, c, d, e, f, m, n] = line_rules::<Merchant>();
    let [g, h, i, j, k, l, o, p] = line_rules::<Ecommerce>();
    let after_sales = Rule {
        fill: Some(after_sales),
        ..Rule::new("ecommerce_profitsharing.create_after_sales_order")
    };
    let bill = Rule {
        whole: Some(|e, call| bills::apply(e, call, bill)),
        ..Rule::new("profitsharing.apply_bill")
    };
    [
        a,
        b,
        c,
        d,
        e,
        f,
        m,
        n,
        g,
        h,
        i,
        j,
        k,
        l,
        o,
        p,
        after_sales,
        bill,
    ]
};

fn refused(message: &str) -> Outcome {
    Outcome::error(400, "INVALID_REQUEST", message)
}

/// The paid order `transaction_id` names, of the request's sub-merchant where the line has one.
fn paid_order<'e, L: Line>(e: &'e Engine<'_>, call: &Call<'_>) -> Result<&'e Record, Outcome> {
    let transaction_id = call.text("transaction_id");
    // The amounts query names only the order: any sub-merchant's then.
    let scope = L::SCOPE
        .map(|field| (field, call.text(field)))
        .filter(|(_, v)| !v.is_empty());
    e.records(L::PAID.family, "order")
        .map(|(_, o)| o)
        .find(|o| o.json["transaction_id"] == transaction_id.as_str())
        .filter(|o| L::PAID.is_in(e.api, &o.json) || L::REFUNDED.is_in(e.api, &o.json))
        .filter(|o| scope.as_ref().is_none_or(|(f, v)| o.json[*f] == v.as_str()))
        .ok_or_else(|| match scope {
            Some((field, _)) => refused(&format!(
                "no paid order of this {field} has this transaction_id"
            )),
            None => refused("no paid order has this transaction_id"),
        })
}

/// The paid order the request names, if it was placed for profit sharing.
fn held_order<'e, L: Line>(e: &'e Engine<'_>, call: &Call<'_>) -> Result<&'e Record, Outcome> {
    let order = paid_order::<L>(e, call)?;
    if order.request["settle_info"]["profit_sharing"] != true {
        return Err(refused(
            "the order was not placed with settle_info.profit_sharing, so it holds nothing to split",
        ));
    }
    Ok(order)
}

/// What the paid `order` still holds, in fen: its total less every share of its splits (a closed
/// share took nothing), or nothing once the rest was given back.
fn unsplit<L: Line>(e: &Engine<'_>, order: &Record) -> i64 {
    let transaction_id = &order.json["transaction_id"];
    let total = order.json["amount"]["total"].as_i64().unwrap_or(0);
    let mut taken = 0;
    for (_, split) in e.records(L::FAMILY, "order") {
        if &split.json["transaction_id"] != transaction_id {
            continue;
        }
        // An unfreeze or finish order (no receivers asked for), or a split that gave the rest
        // back, ends it.
        if split.request.get("receivers").is_none() || split.request[L::REST] == true {
            return 0;
        }
        for share in split.json["receivers"].as_array().into_iter().flatten() {
            if share["result"] != L::CLOSED_SHARE.value {
                taken += share["amount"].as_i64().unwrap_or(0);
            }
        }
    }
    (total - taken).max(0)
}

/// One receiver on a merchant's list: of which line, whose list (the sub-merchant's, or empty
/// for the merchant's own or the platform's), and the account with its kind (one account number
/// may be listed as two kinds).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Receiver {
    family: &'static str,
    list: String,
    kind: String,
    account: String,
}

impl Receiver {
    fn of<L: Line>(call: &Call<'_>, kind: &Value, account: &Value) -> Self {
        Self {
            family: L::FAMILY,
            list: L::LIST.map(|f| call.text(f)).unwrap_or_default(),
            kind: text_of(Some(kind)),
            account: text_of(Some(account)),
        }
    }
}

/// Adds (`ADD`, the line's add_receiver) or deletes (its delete_receiver) the request's receiver
/// on its list, answering with the request's fields the operation answers. Both are idempotent:
/// adding a listed receiver again, or deleting one not listed, leaves the list as it was.
fn listed<L: Line, const ADD: bool>(e: &mut Engine<'_>, call: &Call<'_>) -> Outcome {
    let receiver = Receiver::of::<L>(call, &call.body["type"], &call.body["account"]);
    let (changed, id) = if ADD {
        (e.world.receivers.insert(receiver), L::RULE_IDS[6])
    } else {
        (e.world.receivers.remove(&receiver), L::RULE_IDS[7])
    };
    let op = operation(e.api, id);
    let (status, answer) = match op.and_then(|o| Some((o.response.status, o.response.ty.as_ref()?)))
    {
        Some((status, ty)) => (status, project(e.api, ty, call.body.clone())),
        None => (200, call.body.clone()),
    };
    let answer = Answer::json(status, &answer);
    if changed {
        Outcome::changed(answer)
    } else {
        Outcome::unchanged(answer)
    }
}

/// Refuses a split to a receiver not on the list its request names, naming the first such;
/// the paying (sub-)merchant, `payer`, receives without being listed.
fn check_listed<L: Line>(e: &Engine<'_>, call: &Call<'_>, payer: &str) -> Result<(), Outcome> {
    for r in call.body["receivers"].as_array().into_iter().flatten() {
        let receiver = Receiver::of::<L>(call, &r["type"], &r[L::ACCOUNT]);
        let own = receiver.kind == L::MERCHANT.value && receiver.account == payer;
        if own || e.world.receivers.contains(&receiver) {
            continue;
        }
        let whose = match receiver.list.as_str() {
            "" => String::new(),
            sub => format!(" of sub_mchid {sub}"),
        };
        return Err(refused(&format!(
            "receivers: {} ({}) is not on the receiver list{whose}; add it with add_receiver first",
            receiver.account, receiver.kind
        )));
    }
    Ok(())
}

/// A share as the order shows it, waiting to be paid.
fn share<L: Line>(
    kind: &Value,
    account: &Value,
    amount: i64,
    description: &Value,
    now: &str,
) -> Value {
    let mut share = json!({
        "type": kind, "amount": amount, "description": description,
        "result": L::PENDING.value, "finish_time": now,
    });
    share[L::ACCOUNT] = account.clone();
    if L::CREATE_TIME {
        share["create_time"] = json!(now);
    }
    share
}

/// A WeChat Pay number: a prefix, the time and the simulator's sequence.
fn number(e: &mut Engine<'_>, prefix: &str, now: &str) -> String {
    let n = e.next();
    format!("{prefix}{}{n:011}", compact(now))
}

fn split<L: Line>(e: &mut Engine<'_>, call: &Call<'_>, order: &mut Value) -> Result<(), Outcome> {
    let paid = held_order::<L>(e, call)?;
    let payer = match call.text("sub_mchid") {
        sub if sub.is_empty() => L::payer(e, &paid.json),
        sub => sub,
    };
    check_listed::<L>(e, call, &payer)?;
    let held = unsplit::<L>(e, paid);
    let asked = call.body["receivers"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let wanted: i64 = asked
        .iter()
        .map(|r| r["amount"].as_i64().unwrap_or(0))
        .sum();
    if wanted > held {
        return Err(refused(&format!(
            "the shares ({wanted} fen) exceed what the order still holds ({held} fen)"
        )));
    }
    let now = now_rfc3339();
    order["order_id"] = json!(number(e, "3008", &now));
    let mut shares = Vec::with_capacity(asked.len());
    for r in &asked {
        let amount = r["amount"].as_i64().unwrap_or(0);
        let mut share = share::<L>(&r["type"], &r[L::ACCOUNT], amount, &r["description"], &now);
        share["detail_id"] = json!(number(e, "3601", &now));
        shares.push(share);
    }
    order["receivers"] = Value::Array(shares);
    Ok(())
}

/// The rest of the order goes back to the merchant that was paid.
fn unfreeze<L: Line>(
    e: &mut Engine<'_>,
    call: &Call<'_>,
    order: &mut Value,
) -> Result<(), Outcome> {
    let paid = held_order::<L>(e, call)?;
    let held = unsplit::<L>(e, paid);
    if held == 0 {
        return Err(refused("the order holds nothing more to release"));
    }
    let payer = L::payer(e, &paid.json);
    let now = now_rfc3339();
    order["order_id"] = json!(number(e, "3008", &now));
    L::release(order, &payer, held, call, &now);
    Ok(())
}

/// WeChat Pay pays every waiting share.
fn paid_out<L: Line>(_: &mut Engine<'_>, _: &Call<'_>, order: &mut Value) -> Result<(), Outcome> {
    let now = now_rfc3339();
    for share in order["receivers"].as_array_mut().into_iter().flatten() {
        if share["result"] == L::PENDING.value {
            share["result"] = json!(L::PAID_SHARE.value);
            share["finish_time"] = json!(now);
        }
    }
    Ok(())
}

/// The callback's resource: who paid, the order's numbers and one receiver.
fn notice<L: Line>(
    e: &Engine<'_>,
    order: &Value,
    numbers: [&Value; 3],
    receiver: Value,
    at: &Value,
) -> Value {
    let mut notice = L::payer_fields(e, order);
    notice["transaction_id"] = numbers[0].clone();
    notice["order_id"] = numbers[1].clone();
    notice["out_order_no"] = numbers[2].clone();
    notice["receiver"] = receiver;
    notice["success_time"] = at.clone();
    notice
}

/// PROFITSHARING.SUCCESS for each merchant receiver paid (not the payer's own unfrozen rest).
fn shares_paid<L: Line>(e: &Engine<'_>, order: &Value) -> Vec<Value> {
    let own = L::payer(e, order);
    let numbers = [
        &order["transaction_id"],
        &order["order_id"],
        &order["out_order_no"],
    ];
    order["receivers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["type"] == L::MERCHANT.value && s["result"] == L::PAID_SHARE.value)
        .filter(|s| s[L::ACCOUNT] != own.as_str())
        .map(|s| {
            let receiver = json!({
                "type": s["type"], "account": s[L::ACCOUNT],
                "amount": s["amount"], "description": s["description"],
            });
            notice::<L>(e, order, numbers, receiver, &s["finish_time"])
        })
        .collect()
}

fn take_back<L: Line>(
    e: &mut Engine<'_>,
    call: &Call<'_>,
    back: &mut Value,
) -> Result<(), Outcome> {
    let split = e
        .records(L::FAMILY, "order")
        .map(|(_, o)| &o.json)
        .find(|o| match call.body.get("out_order_no") {
            Some(no) => &o["out_order_no"] == no,
            None => call.body.get("order_id") == Some(&o["order_id"]),
        })
        .filter(|o| L::SCOPE.is_none_or(|f| o[f] == call.body[f]))
        .cloned()
        .ok_or_else(|| refused("no profit-sharing order has this out_order_no or order_id"))?;
    let mchid = call.text("return_mchid");
    let paid: i64 = split["receivers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["type"] == L::MERCHANT.value && s[L::ACCOUNT] == mchid.as_str())
        .filter(|s| s["result"] == L::PAID_SHARE.value)
        .map(|s| s["amount"].as_i64().unwrap_or(0))
        .sum();
    let returned: i64 = e
        .records(L::FAMILY, "return_order")
        .map(|(_, r)| &r.json)
        .filter(|r| r["order_id"] == split["order_id"] && r["return_mchid"] == mchid.as_str())
        .filter(|r| !L::FAILED_RETURN.is_in(e.api, r))
        .map(|r| r["amount"].as_i64().unwrap_or(0))
        .sum();
    let amount = call.body["amount"].as_i64().unwrap_or(0);
    if amount > paid - returned {
        return Err(refused(&format!(
            "{mchid} was paid {paid} fen by this split and {returned} fen of it was taken back; {amount} fen is more than is left"
        )));
    }
    let now = now_rfc3339();
    back["order_id"] = split["order_id"].clone();
    back["out_order_no"] = split["out_order_no"].clone();
    back[L::RETURN_NO] = json!(number(e, "3009", &now));
    if L::CREATE_TIME {
        back["create_time"] = json!(now);
    }
    back["finish_time"] = json!(now);
    Ok(())
}

/// PROFITSHARING.RETURN: the return, named by its own numbers, with the receiver it took from.
fn returned<L: Line>(e: &Engine<'_>, back: &Value) -> Vec<Value> {
    let split = e
        .records(L::FAMILY, "order")
        .find(|(_, o)| o.json["order_id"] == back["order_id"])
        .map(|(_, o)| o.json.clone())
        .unwrap_or_default();
    let numbers = [
        &split["transaction_id"],
        &back[L::RETURN_NO],
        &back["out_return_no"],
    ];
    // The request's description (the e-commerce return record has none of its own).
    let asked = e.get(
        L::FAMILY,
        "return_order",
        &text_of(back.get("out_return_no")),
    );
    let description = asked.map(|r| r.request["description"].clone());
    let receiver = json!({
        "type": L::MERCHANT.value, "account": back["return_mchid"],
        "amount": back["amount"], "description": description.unwrap_or_default(),
    });
    vec![notice::<L>(
        e,
        &split,
        numbers,
        receiver,
        &back["finish_time"],
    )]
}

/// What the order still holds.
fn remaining<L: Line>(e: &mut Engine<'_>, call: &Call<'_>) -> Outcome {
    match held_order::<L>(e, call) {
        Ok(order) => Outcome::unchanged(Answer::json(
            200,
            &json!({ "transaction_id": call.text("transaction_id"), "unsplit_amount": unsplit::<L>(e, order) }),
        )),
        Err(refusal) => refusal,
    }
}

/// An after-sales service-fee split: of a paid order of the sub-merchant, at most what was paid.
fn after_sales(e: &mut Engine<'_>, call: &Call<'_>, _: &mut Value) -> Result<(), Outcome> {
    let total = paid_order::<Ecommerce>(e, call)?.json["amount"]["total"]
        .as_i64()
        .unwrap_or(0);
    let amount = call.body["amount"].as_i64().unwrap_or(0);
    if amount > total {
        return Err(refused(&format!(
            "the fee ({amount} fen) exceeds what the order was paid ({total} fen)"
        )));
    }
    Ok(())
}

/// One line of the profit-sharing bill: a share paid, or money taken back.
struct BillLine {
    time: String,
    cells: [String; 11],
    fen: i64,
    returned: bool,
}

/// Whether a record belongs in a bill asked for one sub-merchant (`sub_mchid`), or for all.
fn for_sub_merchant(record: &Record, sub_mchid: &str) -> bool {
    sub_mchid.is_empty() || record.request["sub_mchid"] == sub_mchid
}

/// The day's profit-sharing bill (分账账单): a detail part, one line per share WeChat Pay paid
/// that day (a split's receiver, or an unfreeze's rest to the merchant itself) and per return
/// that succeeded that day, each cell behind a backquote; then a summary part. Shares not paid
/// and returns not made are left out, as the official page says of 未成功的分账单.
///
/// What the official page documents (pay.weixin.qq.com/doc/v3/merchant/4012529628): amounts in
/// yuan, a detail part and a summary part each with one header line, one detail line per split or
/// return, every detail value behind a backquote. The column names and their order, and the
/// summary's columns, are documented nowhere we could find (official pages, the Go and Java SDKs,
/// the transcription): they are assumed here, named after the API's own field names, and the
/// summary is quoted like the trade bill's totals.
fn bill(e: &Engine<'_>, call: &Call<'_>, date: &str) -> String {
    let sub_mchid = call.text("sub_mchid");
    let initiator = e.world.mchid.clone();
    let payer = |r: &Record| match text_of(r.request.get("sub_mchid")) {
        sub if sub.is_empty() => initiator.clone(),
        sub => sub,
    };
    let mut lines = Vec::new();
    for (_, split) in e.records(Merchant::FAMILY, "order") {
        if !for_sub_merchant(split, &sub_mchid) {
            continue;
        }
        let o = &split.json;
        let kind = if split.request.get("receivers").is_none() {
            "解冻给分账方"
        } else {
            "分账"
        };
        for share in o["receivers"].as_array().into_iter().flatten() {
            let time = text_of(share.get("finish_time"));
            if share["result"] != Merchant::PAID_SHARE.value || !time.starts_with(date) {
                continue;
            }
            let fen = share["amount"].as_i64().unwrap_or(0);
            lines.push(BillLine {
                cells: [
                    time.clone(),
                    initiator.clone(),
                    payer(split),
                    text_of(share.get("account")),
                    text_of(share.get("type")),
                    text_of(o.get("transaction_id")),
                    text_of(o.get("order_id")),
                    text_of(o.get("out_order_no")),
                    kind.to_string(),
                    yuan(fen),
                    bill_text(&text_of(share.get("description"))),
                ],
                time,
                fen,
                returned: false,
            });
        }
    }
    for (_, back) in e.records(Merchant::FAMILY, "return_order") {
        let r = &back.json;
        let time = text_of(r.get("finish_time"));
        if !Merchant::RETURNED.is_in(e.api, r)
            || !time.starts_with(date)
            || !for_sub_merchant(back, &sub_mchid)
        {
            continue;
        }
        let transaction_id = e
            .records(Merchant::FAMILY, "order")
            .find(|(_, o)| o.json["order_id"] == r["order_id"])
            .map(|(_, o)| text_of(o.json.get("transaction_id")))
            .unwrap_or_default();
        let fen = r["amount"].as_i64().unwrap_or(0);
        lines.push(BillLine {
            cells: [
                time.clone(),
                initiator.clone(),
                payer(back),
                text_of(r.get("return_mchid")),
                Merchant::MERCHANT.value.to_string(),
                transaction_id,
                text_of(r.get("return_id")),
                text_of(r.get("out_return_no")),
                "回退".to_string(),
                yuan(fen),
                bill_text(&text_of(r.get("description"))),
            ],
            time,
            fen,
            returned: true,
        });
    }
    lines.sort_by(|a, b| (&a.time, &a.cells[6]).cmp(&(&b.time, &b.cells[6])));

    let mut out = String::from(
        "分账时间,分账发起方,分账方,分账接收方,分账接收方类型,微信订单号,微信分账/回退单号,商户分账/回退单号,业务类型,金额（元）,描述\n",
    );
    let (mut shares, mut shared, mut returns, mut returned) = (0, 0, 0, 0);
    for line in &lines {
        if line.returned {
            (returns, returned) = (returns + 1, returned + line.fen);
        } else {
            (shares, shared) = (shares + 1, shared + line.fen);
        }
        let cells: Vec<String> = line.cells.iter().map(|c| format!("`{c}")).collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out.push_str("分账笔数,分账金额（元）,回退笔数,回退金额（元）\n");
    out.push_str(&format!(
        "`{shares},`{},`{returns},`{}\n",
        yuan(shared),
        yuan(returned)
    ));
    out
}
