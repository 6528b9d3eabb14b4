//! Bills: asking for a day's bill makes a file from the simulator's own paid orders and answers
//! with a one-off link back to the simulator and the file's SHA1, as WeChat Pay does; the download
//! serves the file unsigned (gzipped when asked), so a client must check the hash.
//!
//! The encrypted bills (a sub-merchant's, every e-commerce sub-merchant's, the payscore bill) are
//! that day's fund-flow bill cut into parts at line ends, each gzipped when asked, then sealed with
//! AES-256-GCM under a fresh 32-character key and 16-character nonce (the length of the official
//! examples) and served raw; the answer gives each part's link, its key RSA-OAEP encrypted to the
//! merchant certificate, its nonce and the SHA1 of its plain text.

use std::io::Write;

use serde_json::{Value, json};
use wechatpay_apiv3_runtime::client::{VerifyingKey, crypto, gcm};
use wechatpay_apiv3_runtime::protocol;

use super::engine::{Engine, text_of};
use super::payments::{PAID, paid_on};
use super::rules::Rule;
use super::{Call, Outcome, now_rfc3339};
use crate::handler::Answer;

pub(super) const RULES: &[Rule] = &[
    Rule {
        whole: Some(|e, call| apply(e, call, |e, _, date| trade_bill(e, date))),
        ..Rule::new("bill.apply_trade_bill")
    },
    Rule {
        whole: Some(|e, call| apply(e, call, |e, _, date| fund_flow_bill(e, date))),
        ..Rule::new("bill.apply_fund_flow_bill")
    },
    Rule {
        whole: Some(download),
        ..Rule::new("bill.download_bill")
    },
    Rule {
        whole: Some(|e, call| apply_encrypted(e, call, "algorithm")),
        ..Rule::new("bill.apply_sub_merchant_fund_flow_bill")
    },
    Rule {
        whole: Some(|e, call| apply_encrypted(e, call, "algorithm")),
        ..Rule::new("ecommerce_bill.apply_fund_flow_bill")
    },
    Rule {
        whole: Some(|e, call| apply_encrypted(e, call, "encryption_algorithm")),
        ..Rule::new("payscore.apply_merchant_bill")
    },
];

/// Lines per part of an encrypted bill: WeChat Pay cuts at about 16 GB, the simulator far
/// sooner, so a bill of a few payments already comes in several parts to join.
pub const LINES_PER_PART: usize = 3;

fn download(e: &mut Engine<'_>, call: &Call<'_>) -> Outcome {
    match e.world.files.get(&call.text("token")) {
        Some(bytes) => Outcome::unchanged(Answer {
            body: bytes.clone(),
            unsigned: true,
            ..Answer::empty(200)
        }),
        None => Outcome::error(400, "INVALID_REQUEST", "the token is unknown or expired"),
    }
}

/// The day a bill call asks for, unless it is still to come: the real API has a day's bill from
/// 10:00 the next day; the simulator has today's at once (so a test can pay and then reconcile)
/// but none for days to come.
fn bill_day(call: &Call<'_>) -> Result<String, Outcome> {
    let date = call.text("bill_date");
    if date.as_str() > &now_rfc3339()[..10] {
        return Err(Outcome::error(
            400,
            "NO_STATEMENT_EXIST",
            "no bill for that day yet",
        ));
    }
    Ok(date)
}

/// A bill file made by `make` from the call and the day: the answer every bill operation gives.
pub(super) type MakeBill = fn(&Engine<'_>, &Call<'_>, &str) -> String;

/// Makes the day's file and serves it ([`serve`]).
pub(super) fn apply(e: &mut Engine<'_>, call: &Call<'_>, make: MakeBill) -> Outcome {
    let date = match bill_day(call) {
        Ok(date) => date,
        Err(refused) => return refused,
    };
    let file = make(e, call, &date);
    serve(e, call, file)
}

/// Keeps `file` for the download route and answers with its one-off link and SHA1 (of the file as
/// made, before packing), gzipped when the request's `tar_type` is GZIP.
pub(super) fn serve(e: &mut Engine<'_>, call: &Call<'_>, file: String) -> Outcome {
    let hash = crypto::sha1_hex(file.as_bytes());
    let gzip = call.text("tar_type") == "GZIP";
    let served = if gzip {
        gzipped(file.as_bytes())
    } else {
        file.into_bytes()
    };
    let token = format!("sim-bill-{:08}-{}", e.next(), &hash[..16]);
    let mut url = format!("{}/v3/billdownload/file?token={token}", e.world.origin);
    if gzip {
        url.push_str("&tartype=GZIP");
    }
    e.world.files.insert(token, served);
    Outcome::unchanged(Answer::json(
        200,
        &json!({ "hash_type": "SHA1", "hash_value": hash, "download_url": url }),
    ))
}

/// An encrypted bill: the day's fund-flow bill in sealed parts (see the module doc). `algorithm`
/// is the request field naming the encryption.
fn apply_encrypted(e: &mut Engine<'_>, call: &Call<'_>, algorithm: &str) -> Outcome {
    let date = match bill_day(call) {
        Ok(date) => date,
        Err(refused) => return refused,
    };
    if call.text(algorithm) != protocol::AEAD_ALGORITHM {
        return Outcome::error(
            400,
            "PARAM_ERROR",
            &format!(
                "the simulator encrypts bills with {} only",
                protocol::AEAD_ALGORITHM
            ),
        );
    }
    let Some(merchant_key) = e.world.merchant_key.clone() else {
        return Outcome::error(500, "SYSTEM_ERROR", "the simulator has no merchant key");
    };
    let gzip = call.text("tar_type") == "GZIP";
    let file = fund_flow_bill(e, &date);
    let lines: Vec<&str> = file.split_inclusive('\n').collect();
    let mut parts = Vec::new();
    for (sequence, chunk) in (1..).zip(lines.chunks(LINES_PER_PART)) {
        let plain = chunk.concat();
        match sealed_part(e, &merchant_key, sequence, plain.as_bytes(), gzip) {
            Ok(part) => parts.push(part),
            Err(err) => return Outcome::error(500, "SYSTEM_ERROR", &format!("simulator: {err}")),
        }
    }
    Outcome::unchanged(Answer::json(
        200,
        &json!({ "download_bill_count": parts.len(), "download_bill_list": parts }),
    ))
}

/// One part, sealed and stored for download; its entry of the answer.
fn sealed_part(
    e: &mut Engine<'_>,
    merchant_key: &VerifyingKey,
    sequence: u64,
    plain: &[u8],
    gzip: bool,
) -> Result<Value, String> {
    let key_text = crypto::nonce();
    let key: [u8; 32] = key_text
        .as_bytes()
        .try_into()
        .map_err(|_| "a 32-byte key")?;
    let nonce = &crypto::nonce()[..16];
    let mut sealed = if gzip { gzipped(plain) } else { plain.to_vec() };
    gcm::seal(&key, nonce.as_bytes(), b"", &mut sealed).map_err(|err| err.to_string())?;
    let encrypt_key = merchant_key
        .encrypt_oaep(key_text.as_bytes())
        .map_err(|err| err.0)?;
    let hash = crypto::sha1_hex(plain);
    let token = format!("sim-ebill-{:08}-{sequence}", e.next());
    let url = format!("{}/v3/billdownload/file?token={token}", e.world.origin);
    e.world.files.insert(token, sealed);
    Ok(json!({
        "bill_sequence": sequence, "download_url": url, "encrypt_key": encrypt_key,
        "nonce": nonce, "hash_type": "SHA1", "hash_value": hash,
    }))
}

/// Text as a bill cell: a comma or line break in it would split the row, so each becomes a space.
pub(super) fn bill_text(text: &str) -> String {
    text.replace([',', '\n', '\r'], " ")
}

/// Fen as yuan with two decimals, as bills write amounts.
pub(super) fn yuan(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

fn total(o: &Value) -> i64 {
    o["amount"]["total"].as_i64().unwrap_or(0)
}

/// A trade bill of the day's payments, in the CSV layout of WeChat Pay's bills (every value
/// behind a backquote, a totals section at the end). A payment line shows the order as paid and
/// its description (商品名称), which only the request that placed the order holds.
fn trade_bill(e: &Engine<'_>, date: &str) -> String {
    let mut out = String::from(
        "交易时间,公众账号ID,商户号,微信订单号,商户订单号,用户标识,交易类型,交易状态,货币种类,应结订单金额,商品名称\n",
    );
    let (mut count, mut sum) = (0, 0);
    for record in paid_on(e, date) {
        let o = &record.json;
        count += 1;
        sum += total(o);
        let t = |k: &str| text_of(o.get(k));
        out.push_str(&format!(
            "`{},`{},`{},`{},`{},`{},`{},`{},`{},`{},`{}\n",
            t("success_time"),
            t("appid"),
            t("mchid"),
            t("transaction_id"),
            t("out_trade_no"),
            text_of(o["payer"].get("openid")),
            t("trade_type"),
            PAID.value,
            text_of(o["amount"].get("currency")),
            yuan(total(o)),
            bill_text(&text_of(record.request.get("description"))),
        ));
    }
    out.push_str("总交易单数,应结订单总金额\n");
    out.push_str(&format!("`{count},`{}\n", yuan(sum)));
    out
}

/// A fund-flow bill of the basic account: one income line per payment of the day.
fn fund_flow_bill(e: &Engine<'_>, date: &str) -> String {
    let mut out = String::from(
        "记账时间,微信支付业务单号,资金流水单号,业务名称,业务类型,收支类型,收支金额（元）,账户结余（元）\n",
    );
    let mut balance = 0;
    for o in paid_on(e, date).map(|r| &r.json) {
        balance += total(o);
        let id = text_of(o.get("transaction_id"));
        out.push_str(&format!(
            "`{},`{id},`{id},`交易,`交易,`收入,`{},`{}\n",
            text_of(o.get("success_time")),
            yuan(total(o)),
            yuan(balance),
        ));
    }
    out
}

fn gzipped(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(data);
    encoder.finish().unwrap_or_default()
}
