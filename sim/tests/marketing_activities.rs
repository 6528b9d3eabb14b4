//! Retail store activities (零售小店活动, feature `retail-store`) and pay-gift activities (支付有礼,
//! feature `pay-gift`) through the generated client against the simulator: answers read back into
//! their types with integer fen and RFC 3339 times, the simulator's checks of the documented limits,
//! and a pay-gift activity's whole lifecycle (create, query, list, add and remove issuing merchants,
//! terminate, refused afterwards, unknown ids).

use serde_json::json;
use wechatpay_apiv3::ErrorCode;

mod common;

type TestResult = Result<(), Box<dyn std::error::Error>>;

mod retail_store {
    use super::*;
    use wechatpay_apiv3::marketing::goods_subsidy_activity::{
        AddRepresentativesRequest, AddStoresBody, AddStoresRequest, ApplyActivityBody,
        ApplyActivityRequest, CreateMaterialsRequest, GetStoreRequest, ListActsByAreaRequest,
        ListStoresRequest, LockQualificationBody, LockQualificationRequest,
    };

    #[tokio::test]
    async fn activities_in_a_city_come_back_typed_in_fen() -> TestResult {
        let (_sim, client) = common::sim_and_client().await?;
        let page = client
            .execute(
                ListActsByAreaRequest::builder()
                    .city_id("440300")
                    .offset(0)
                    .limit(10)
                    .build()?,
            )
            .await?;
        assert_eq!((page.offset, page.limit), (Some(0), Some(10)));
        let activities = page.data.ok_or("no activities")?;
        let first = activities.first().ok_or("empty page")?;
        assert_eq!(first.brand_id.as_deref(), Some("1001"));
        let rule = first.rule_information.as_ref().ok_or("no rule")?;
        // Subsidies are integer fen, not the transcription's strings.
        assert_eq!(rule.store_subsidy, Some(100));
        assert_eq!(rule.service_provider_subsidy, Some(20));
        assert_eq!(rule.user_subsidy_quota, Some(2));
        let info = first.activity_info.as_ref().ok_or("no info")?;
        let (start, end) = (
            info.activity_start_time.as_ref().ok_or("no start")?,
            info.activity_end_time.as_ref().ok_or("no end")?,
        );
        assert!(start.as_str() < end.as_str(), "{start} before {end}");
        Ok(())
    }

    #[tokio::test]
    async fn signing_up_and_locking_answer_their_outcome_types() -> TestResult {
        let (_sim, client) = common::sim_and_client().await?;
        let body: ApplyActivityBody = serde_json::from_value(json!({
            "caller_merchant_id": "1900000109",
            "apply_infos": [{
                "store_info": {
                    "store_id": "S1001",
                    "accounting_merchant_id": "1230000109",
                    "merchant_id": "1230000110"
                },
                "goods_original_price": 350
            }]
        }))?;
        let applied = client
            .execute(
                ApplyActivityRequest::builder()
                    .activity_id("10028001")
                    .body(body)
                    .build()?,
            )
            .await?;
        let accepted = applied.succeed_apply_infos.ok_or("no accepted sign-ups")?;
        assert_eq!(accepted.len(), 1);
        assert_eq!(accepted[0].goods_original_price, 350);
        assert_eq!(accepted[0].store_info.merchant_id, "1230000110");

        let lock: LockQualificationBody = serde_json::from_value(json!({
            "order_information": {
                "payer_openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
                "out_trade_no": "20260316123456",
                "total_fee": 450,
                "store_id": "S1001",
                "store_merchant_id": "1230000110"
            },
            "qualification_ids": ["Q20260316000001"]
        }))?;
        let locked = client
            .execute(LockQualificationRequest::builder().body(lock).build()?)
            .await?;
        assert_eq!(
            locked.succeed_qualification_ids.as_deref(),
            Some(&["Q20260316000001".to_string()][..])
        );
        Ok(())
    }

    #[tokio::test]
    async fn stores_representatives_and_materials_of_a_brand() -> TestResult {
        let (_sim, client) = common::sim_and_client().await?;
        let stores: AddStoresBody = serde_json::from_value(json!({
            "out_request_no": "ADD-STORES-1",
            "add_time": "2026-03-16T10:00:00+08:00",
            "stores": [{ "store_code": "abc_001", "store_name": "幸福小店" }]
        }))?;
        let added = client
            .execute(
                AddStoresRequest::builder()
                    .brand_id("1001")
                    .body(stores)
                    .build()?,
            )
            .await?;
        assert_eq!(added.failed_stores.as_deref().map(<[_]>::len), Some(0));
        assert!(added.add_time.is_some());

        let listed = client
            .execute(
                ListStoresRequest::builder()
                    .brand_id("1001")
                    .offset(0)
                    .limit(10)
                    .build()?,
            )
            .await?;
        assert_eq!(listed.total_count, Some(1));
        let store = client
            .execute(
                GetStoreRequest::builder()
                    .brand_id("1001")
                    .store_code("abc_001")
                    .build()?,
            )
            .await?;
        assert_eq!(store.store_name.as_deref(), Some("幸福小店"));

        let materials = client
            .execute(
                CreateMaterialsRequest::builder()
                    .brand_id("1001")
                    .out_request_no("MATERIALS-1")
                    .material_num(2)
                    .build()?,
            )
            .await?;
        let codes = materials.material_list.ok_or("no material codes")?;
        assert!(
            codes.iter().all(|c| c
                .material_url
                .as_deref()
                .is_some_and(|u| u.starts_with("https://"))),
            "{codes:?}"
        );

        let representatives = client
            .execute(
                AddRepresentativesRequest::builder()
                    .activity_id("3118550000000004")
                    .body(serde_json::from_value(json!({
                        "representative_info_list": [{ "openid": "oK7fFt8zzEZ909XH-LE2" }],
                        "out_request_no": "REP-1"
                    }))?)
                    .build()?,
            )
            .await?;
        assert_eq!(representatives.activity_id, "3118550000000004");
        Ok(())
    }

    #[tokio::test]
    async fn the_client_refuses_what_breaks_a_documented_rule() -> TestResult {
        // A request number outside the documented character set, and no stores: refused before
        // anything is sent, naming both fields.
        let err = AddStoresRequest::builder()
            .brand_id("1001")
            .out_request_no("no spaces allowed")
            .add_time("2026-03-16T10:00:00+08:00")
            .stores(Vec::new())
            .build()
            .expect_err("invalid request");
        let text = err.to_string();
        assert!(text.contains("out_request_no"), "{text}");
        assert!(text.contains("stores"), "{text}");
        Ok(())
    }
}

mod pay_gift {
    use super::*;
    use wechatpay_apiv3::marketing::paygiftactivity::{
        ActivityStatus, ActivityType, AddActivityMerchantsRequest, CreateFullSendActivityBody,
        CreateFullSendActivityRequest, DeleteActivityMerchantsRequest, GetActivityRequest,
        ListActivitiesRequest, ListActivityMerchantsRequest, SendContent, TerminateActivityRequest,
    };

    fn activity_body(request_no: &str) -> Result<CreateFullSendActivityBody, serde_json::Error> {
        serde_json::from_value(json!({
            "activity_base_info": {
                "activity_name": "满99送10元券",
                "activity_second_title": "全场满99元送券",
                "merchant_logo_url": "https://wxpaylogo.qpic.cn/wxpaylogo/logo/0",
                "begin_time": "2026-04-01T00:00:00+08:00",
                "end_time": "2026-05-31T23:59:59+08:00",
                "out_request_no": request_no,
                "delivery_purpose": "OFF_LINE_PAY"
            },
            "award_send_rule": {
                "transaction_amount_minimum": 9900,
                "send_content": "SINGLE_COUPON",
                "award_type": "BUSIFAVOR",
                "award_list": [{
                    "stock_id": "1218520000000012",
                    "original_image_url": "https://wxpaylogo.qpic.cn/wxpaylogo/award/0"
                }],
                "merchant_option": "MANUAL_INPUT_MERCHANT",
                "merchant_id_list": ["1900000109"]
            }
        }))
    }

    fn get(id: &str) -> GetActivityRequest {
        GetActivityRequest::builder()
            .activity_id(id)
            .build()
            .expect("valid query")
    }

    fn add(id: &str, request_no: &str) -> AddActivityMerchantsRequest {
        AddActivityMerchantsRequest::builder()
            .activity_id(id)
            .merchant_id_list(vec!["1900000110".to_string()])
            .add_request_no(request_no)
            .build()
            .expect("valid add")
    }

    #[tokio::test]
    async fn create_query_add_and_remove_merchants_terminate() -> TestResult {
        let (sim, client) = common::sim_and_client().await?;
        let created = client
            .execute(
                CreateFullSendActivityRequest::builder()
                    .body(activity_body("PAYGIFT-CREATE-1")?)
                    .build()?,
            )
            .await?;
        let id = created.activity_id.clone();

        let activity = client.execute(get(&id)).await?;
        assert_eq!(activity.activity_id.as_deref(), Some(id.as_str()));
        assert_eq!(
            activity.activity_status,
            Some(ActivityStatus::CreateActStatus)
        );
        assert_eq!(activity.activity_type, Some(ActivityType::FullSendActType));
        // The created rule is answered one level down, under `full_send_rule`, in fen.
        let rule = activity
            .award_send_rule
            .and_then(|r| r.full_send_rule)
            .ok_or("no threshold rule")?;
        assert_eq!(rule.transaction_amount_minimum, 9900);
        assert_eq!(rule.send_content, SendContent::SingleCoupon);
        let base = activity.activity_base_info.ok_or("no base info")?;
        assert_eq!(base.out_request_no, "PAYGIFT-CREATE-1");

        let page = client
            .execute(
                ListActivitiesRequest::builder()
                    .offset(0)
                    .limit(10)
                    .activity_status(ActivityStatus::CreateActStatus)
                    .build()?,
            )
            .await?;
        assert_eq!(page.total_count, Some(1));
        let none_running = client
            .execute(
                ListActivitiesRequest::builder()
                    .offset(0)
                    .limit(10)
                    .activity_status(ActivityStatus::OngoingActStatus)
                    .build()?,
            )
            .await?;
        assert_eq!(none_running.total_count, Some(0));

        let added = client.execute(add(&id, "ADD-1")).await?;
        assert_eq!(added.activity_id.as_deref(), Some(id.as_str()));
        assert!(added.add_time.is_some());
        // The same request number again: the first answer, one effect.
        assert_eq!(client.execute(add(&id, "ADD-1")).await?, added);
        assert_eq!(sim.faults().effects("paygift.add_activity_merchants"), 1);

        let removed = client
            .execute(
                DeleteActivityMerchantsRequest::builder()
                    .activity_id(id.as_str())
                    .merchant_id_list(vec!["1900000110".to_string()])
                    .delete_request_no("DELETE-1")
                    .build()?,
            )
            .await?;
        assert!(removed.delete_time.is_some());

        let terminated = client
            .execute(
                TerminateActivityRequest::builder()
                    .activity_id(id.as_str())
                    .build()?,
            )
            .await?;
        assert_eq!(terminated.activity_id.as_deref(), Some(id.as_str()));
        assert!(terminated.terminate_time.is_some());
        assert_eq!(
            client.execute(get(&id)).await?.activity_status,
            Some(ActivityStatus::TerminateActStatus)
        );
        // Terminated for good: no more merchants, no second termination.
        let err = client
            .execute(add(&id, "ADD-2"))
            .await
            .expect_err("terminated");
        assert_eq!(
            (err.code().cloned(), err.status()),
            (Some(ErrorCode::InvalidRequest), Some(400))
        );
        let err = client
            .execute(
                TerminateActivityRequest::builder()
                    .activity_id(id.as_str())
                    .build()?,
            )
            .await
            .expect_err("terminated twice");
        assert_eq!(
            (err.code().cloned(), err.status()),
            (Some(ErrorCode::InvalidRequest), Some(400))
        );
        Ok(())
    }

    #[tokio::test]
    async fn unknown_activities_and_broken_limits_are_refused() -> TestResult {
        let (_sim, client) = common::sim_and_client().await?;
        let err = client
            .execute(get("999999999"))
            .await
            .expect_err("unknown activity");
        assert_eq!(
            (err.code().cloned(), err.status()),
            (Some(ErrorCode::ResourceNotExists), Some(404))
        );
        let err = client
            .execute(add("999999999", "ADD-UNKNOWN"))
            .await
            .expect_err("unknown activity");
        assert_eq!(
            (err.code().cloned(), err.status()),
            (Some(ErrorCode::ResourceNotExists), Some(404))
        );

        // The issuing-merchant list answers from the documented example, typed.
        let merchants = client
            .execute(
                ListActivityMerchantsRequest::builder()
                    .activity_id("126002309")
                    .offset(0)
                    .limit(20)
                    .build()?,
            )
            .await?;
        let first = merchants.data.as_deref().and_then(<[_]>::first);
        assert_eq!(first.and_then(|m| m.mchid.as_deref()), Some("1900000109"));

        // A page of more than 100 is refused by the client, naming the field.
        let err = ListActivitiesRequest::builder()
            .offset(0)
            .limit(101)
            .build()
            .expect_err("limit above 100");
        assert!(err.to_string().contains("limit"), "{err}");
        Ok(())
    }
}
