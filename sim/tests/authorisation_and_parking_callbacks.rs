//! The payscore authorisation callbacks (PAYSCORE.USER_OPEN_SERVICE / USER_CLOSE_SERVICE) and the
//! payscore-parking callbacks (VEHICLE.ENTRANCE_STATE_CHANGE, and a charge's TRANSACTION.*) through
//! the one callback entry point: signed and encrypted by the simulator with the fixture keys,
//! verified, decrypted and typed by event type and original type together. A parking charge's
//! TRANSACTION.SUCCESS (no original type) and a payment's (`transaction`) stay apart.

use serde_json::json;
use wechatpay_apiv3::vehicle::parking::{ParkingState, PlateColor, TradeState};
use wechatpay_apiv3::{AnswerCallback, AnyNotification, Notification, NotificationSet, Received};

mod common;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// The callback the simulator signs for `resource`, through the client's entry point.
async fn received(
    event_type: &str,
    original_type: &str,
    resource: &serde_json::Value,
) -> Result<Notification<AnyNotification>, Box<dyn std::error::Error>> {
    let (sim, client) = common::sim_and_client().await?;
    let callback = sim.signed_notification(event_type, original_type, resource)?;
    let result = client
        .parse_callback_from_pairs::<AnyNotification, _, _, _>(callback.headers, &callback.body)
        .await;
    assert_eq!(result.answer().status.as_u16(), 200);
    match result? {
        Received::Known(n) => Ok(n),
        other => Err(format!("{event_type} / {original_type:?} not typed: {other:?}").into()),
    }
}

#[tokio::test]
async fn payscore_authorisation_opened_and_closed_are_typed() -> TestResult {
    let opened = json!({
        "appid": "wxd678efh567hg6787", "mchid": "1230000109",
        "service_id": "2002000000000558128851361561536", "openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
        "user_service_status": "USER_OPEN_SERVICE", "openorclose_time": "2026-12-02T10:15:30+08:00",
        "authorization_code": "AUTH20261202-0001",
    });
    let n = received("PAYSCORE.USER_OPEN_SERVICE", "payscore", &opened).await?;
    assert_eq!(n.event_type, "PAYSCORE.USER_OPEN_SERVICE");
    match n.event {
        AnyNotification::PermissionNotice(p) => {
            assert_eq!(p.openid, "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o");
            assert_eq!(p.authorization_code.as_deref(), Some("AUTH20261202-0001"));
            assert_eq!(p.out_request_no, None);
        }
        other => panic!("an authorisation typed as {other:?}"),
    }
    // Ended by the user: no authorisation number, the request number instead.
    let closed = json!({
        "appid": "wxd678efh567hg6787", "mchid": "1230000109",
        "service_id": "2002000000000558128851361561536", "openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
        "user_service_status": "USER_CLOSE_SERVICE", "out_request_no": "REQ-0001",
    });
    let n = received("PAYSCORE.USER_CLOSE_SERVICE", "payscore", &closed).await?;
    match n.event {
        AnyNotification::PermissionNotice(p) => {
            assert_eq!(p.user_service_status.as_deref(), Some("USER_CLOSE_SERVICE"));
            assert_eq!(p.out_request_no.as_deref(), Some("REQ-0001"));
        }
        other => panic!("an end of authorisation typed as {other:?}"),
    }
    // The order callbacks of the same original type keep their own type.
    let kinds = AnyNotification::kinds();
    assert!(kinds.contains(&("PAYSCORE.USER_OPEN_SERVICE", "payscore")));
    assert!(kinds.contains(&("PAYSCORE.USER_CONFIRM", "payscore")));
    Ok(())
}

#[tokio::test]
async fn a_parking_stay_blocked_is_typed() -> TestResult {
    let stay = json!({
        "sp_mchid": "1230000109", "parking_id": "5K8264ILTKCH16CQ250",
        "out_parking_no": "PARK20261201-0001", "plate_number": "粤B888888", "plate_color": "BLUE",
        "start_time": "2026-12-01T09:00:00+08:00", "parking_name": "欢乐海岸停车场",
        "free_duration": 3600, "parking_state": "BLOCKED", "blocked_state_description": "PAUSE",
        "state_update_time": "2026-12-01T09:30:00.120+08:00",
    });
    let n = received("VEHICLE.ENTRANCE_STATE_CHANGE", "", &stay).await?;
    match n.event {
        AnyNotification::EntranceStateChanged(s) => {
            assert_eq!(s.parking_state, ParkingState::Blocked);
            assert_eq!(s.plate_color, PlateColor::Blue);
            assert_eq!(s.blocked_state_description.as_deref(), Some("PAUSE"));
            assert_eq!(s.free_duration, 3600);
            assert_eq!(s.sub_mchid, None);
        }
        other => panic!("a stay typed as {other:?}"),
    }
    Ok(())
}

#[tokio::test]
async fn a_parking_charge_result_is_typed_apart_from_a_payment() -> TestResult {
    let charge = json!({
        "appid": "wxcbda96de0b165486", "sp_mchid": "1230000109", "sub_mchid": "1900000109",
        "description": "停车场扣费", "create_time": "2026-12-01T10:43:39+08:00",
        "out_trade_no": "PK20261201-0001", "transaction_id": "1009660380201506130728806387",
        "trade_state": "SUCCESS", "success_time": "2026-12-01T10:43:41+08:00", "bank_type": "BPA",
        "user_repaid": "Y", "trade_scene": "PARKING",
        "parking_info": {
            "parking_id": "5K8264ILTKCH16CQ250", "plate_number": "粤B888888", "plate_color": "BLUE",
            "start_time": "2026-12-01T09:00:00+08:00", "end_time": "2026-12-01T10:40:00+08:00",
            "parking_name": "欢乐海岸停车场", "charging_duration": 2400, "device_id": "12313",
        },
        "payer": { "openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o" },
        "amount": { "total": 888, "currency": "CNY", "payer_total": 888 },
    });
    for event_type in ["TRANSACTION.SUCCESS", "TRANSACTION.PAY_BACK"] {
        let n = received(event_type, "", &charge).await?;
        match n.event {
            AnyNotification::ParkingChargeResult(c) => {
                assert_eq!(c.out_trade_no, "PK20261201-0001");
                assert_eq!(c.trade_state, TradeState::Success);
                assert_eq!(c.amount.total, 888);
                assert_eq!(
                    c.parking_info.map(|p| p.charging_duration),
                    Some(2400),
                    "{event_type}"
                );
            }
            other => panic!("a parking charge typed as {other:?}"),
        }
    }
    // The same event type with the payments' original type is a payment, not a parking charge.
    let payment = json!({
        "appid": "wxd678efh567hg6787", "mchid": "1230000109", "out_trade_no": "ORDER-1",
        "transaction_id": "4200000000000000000000000001", "trade_state": "SUCCESS",
    });
    let n = received("TRANSACTION.SUCCESS", "transaction", &payment).await?;
    assert!(
        matches!(n.event, AnyNotification::TransactionSuccess(_)),
        "{:?}",
        n.event
    );
    Ok(())
}
