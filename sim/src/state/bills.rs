//! Bills: asking for a day's bill makes a file from the simulator's own payments and answers with a
//! one-off link back to the simulator and the file's SHA1, as WeChat Pay does; the download serves
//! the file unsigned (gzipped when asked), so a client must check the hash.

use std::collections::BTreeMap;
use std::io::Write;

use serde_json::json;

use super::payments::Payments;
use super::{Call, Outcome, now_rfc3339};
use crate::handler::Answer;

#[derive(Default)]
pub(super) struct Bills {
    /// Download token -> the file exactly as served.
    files: BTreeMap<String, Vec<u8>>,
    sequence: u64,
}

impl Bills {
    pub(super) fn handle(
        &mut self,
        op: &str,
        call: &Call<'_>,
        origin: &str,
        payments: &Payments,
    ) -> Option<Outcome> {
        let date = call.query("bill_date");
        let file = match op {
            "apply_trade_bill" => payments.trade_bill(date),
            "apply_fund_flow_bill" => payments.fund_flow_bill(date),
            "download_bill" => {
                return Some(match self.files.get(call.query("token")) {
                    Some(bytes) => Outcome::unchanged(Answer {
                        body: bytes.clone(),
                        unsigned: true,
                        ..Answer::empty(200)
                    }),
                    None => {
                        Outcome::error(400, "INVALID_REQUEST", "the token is unknown or expired")
                    }
                });
            }
            _ => return None,
        };
        // The real API has a day's bill from 10:00 the next day; the simulator has today's at once
        // (so a test can pay and then reconcile) but none for days to come.
        if date > &now_rfc3339()[..10] {
            return Some(Outcome::error(
                400,
                "NO_STATEMENT_EXIST",
                "no bill for that day yet",
            ));
        }
        let hash = wechatpay_apiv3_runtime::client::crypto::sha1_hex(file.as_bytes());
        let gzip = call.query("tar_type") == "GZIP";
        let served = if gzip {
            gzipped(file.as_bytes())
        } else {
            file.into_bytes()
        };
        self.sequence += 1;
        let token = format!("sim-bill-{:08}-{}", self.sequence, &hash[..16]);
        let mut url = format!("{origin}/v3/billdownload/file?token={token}");
        if gzip {
            url.push_str("&tartype=GZIP");
        }
        self.files.insert(token, served);
        Some(Outcome::unchanged(Answer::json(
            200,
            &json!({ "hash_type": "SHA1", "hash_value": hash, "download_url": url }),
        )))
    }
}

fn gzipped(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(data);
    encoder.finish().unwrap_or_default()
}
