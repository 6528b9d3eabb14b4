//! The two coupon families' whole lifecycles through the generated client against the simulator:
//! create, send, query, use, use again, replay, return and deactivate.

use serde_json::json;
use wechatpay_apiv3::ErrorCode;

mod common;

type TestResult = Result<(), Box<dyn std::error::Error>>;

mod busifavor {
    use super::*;
    use wechatpay_apiv3::marketing::busifavor::{
        CouponState, CreateStockBody, CreateStockRequest, DeactivateCouponRequest,
        ListUserCouponsRequest, QueryStockRequest, QueryUserCouponRequest, ReturnCouponRequest,
        SendCouponRequest, StockState, UseCouponRequest,
    };

    const APPID: &str = "wx5b7c9d1e3f2a4b6c";
    const OPENID: &str = "oSim_user_busifavor_01";

    fn stock_body() -> CreateStockBody {
        serde_json::from_value(json!({
            "stock_name": "周末满50减8",
            "belong_merchant": "1900000001",
            "goods_name": "全店饮品",
            "stock_type": "NORMAL",
            "coupon_use_rule": {
                "coupon_available_time": {
                    "available_begin_time": "2026-01-01T00:00:00+08:00",
                    "available_end_time": "2027-12-31T23:59:59+08:00"
                },
                "fixed_normal_coupon": { "discount_amount": 800, "transaction_minimum": 5000 },
                "use_method": "OFF_LINE"
            },
            "stock_send_rule": { "max_coupons": 100, "max_coupons_per_user": 1 },
            "out_request_no": "CREATE-STOCK-1",
            "coupon_code_mode": "WECHATPAY_MODE"
        }))
        .expect("a valid stock body")
    }

    fn send(stock_id: &str, request_no: &str) -> SendCouponRequest {
        SendCouponRequest::builder()
            .openid(OPENID)
            .appid(APPID)
            .stock_id(stock_id)
            .out_request_no(request_no)
            .build()
            .expect("valid send")
    }

    fn use_coupon(stock_id: &str, code: &str, request_no: &str) -> UseCouponRequest {
        UseCouponRequest::builder()
            .coupon_code(code)
            .stock_id(stock_id)
            .appid(APPID)
            .use_time("2026-11-23T12:00:00+08:00")
            .use_request_no(request_no)
            .build()
            .expect("valid use")
    }

    fn query(code: &str) -> QueryUserCouponRequest {
        QueryUserCouponRequest::builder()
            .openid(OPENID)
            .coupon_code(code)
            .appid(APPID)
            .build()
            .expect("valid query")
    }

    #[tokio::test]
    async fn create_send_use_return_deactivate() -> TestResult {
        let (sim, client) = common::sim_and_client().await?;

        let created = client
            .execute(CreateStockRequest::builder().body(stock_body()).build()?)
            .await?;
        // The same out_request_no: the same stock, not a second one.
        let again = client
            .execute(CreateStockRequest::builder().body(stock_body()).build()?)
            .await?;
        assert_eq!(again, created);
        assert_eq!(sim.faults().effects("busifavor.create_stock"), 1);
        let stock = client
            .execute(
                QueryStockRequest::builder()
                    .stock_id(created.stock_id.as_str())
                    .build()?,
            )
            .await?;
        assert_eq!(stock.stock_state, StockState::Running);

        let sent = client.execute(send(&created.stock_id, "SEND-1")).await?;
        let code = sent.coupon_code.clone().ok_or("no coupon_code")?;
        assert_eq!(
            client.execute(send(&created.stock_id, "SEND-1")).await?,
            sent
        );
        // One coupon per user: a second send is refused.
        let err = client
            .execute(send(&created.stock_id, "SEND-2"))
            .await
            .expect_err("per-user limit");
        assert_eq!(err.code().cloned(), Some(ErrorCode::InvalidRequest));
        assert_eq!(
            client.execute(query(&code)).await?.coupon_state,
            Some(CouponState::Sended)
        );

        let used = client
            .execute(use_coupon(&created.stock_id, &code, "USE-1"))
            .await?;
        assert_eq!(used.openid, OPENID);
        assert_eq!(
            client
                .execute(use_coupon(&created.stock_id, &code, "USE-1"))
                .await?,
            used
        );
        let err = client
            .execute(use_coupon(&created.stock_id, &code, "USE-2"))
            .await
            .expect_err("used twice");
        assert_eq!(err.code().cloned(), Some(ErrorCode::ResourceAlreadyExists));
        let coupon = client.execute(query(&code)).await?;
        assert_eq!(coupon.coupon_state, Some(CouponState::Used));
        assert_eq!(coupon.use_request_no.as_deref(), Some("USE-1"));

        let returned = ReturnCouponRequest::builder()
            .coupon_code(code.as_str())
            .stock_id(created.stock_id.as_str())
            .return_request_no("RETURN-1")
            .build()?;
        client.execute(returned).await?;
        assert_eq!(
            client.execute(query(&code)).await?.coupon_state,
            Some(CouponState::Sended)
        );

        let deactivate = |no: &str| {
            DeactivateCouponRequest::builder()
                .coupon_code(code.as_str())
                .stock_id(created.stock_id.as_str())
                .deactivate_request_no(no)
                .deactivate_reason("活动取消")
                .build()
        };
        client.execute(deactivate("DEACTIVATE-1")?).await?;
        let err = client
            .execute(deactivate("DEACTIVATE-2")?)
            .await
            .expect_err("twice");
        assert_eq!(err.code().cloned(), Some(ErrorCode::InvalidRequest));
        let err = client
            .execute(use_coupon(&created.stock_id, &code, "USE-3"))
            .await
            .expect_err("deactivated");
        assert_eq!(err.code().cloned(), Some(ErrorCode::Rulelimit));
        let listed = client
            .execute(
                ListUserCouponsRequest::builder()
                    .openid(OPENID)
                    .appid(APPID)
                    .coupon_state(CouponState::Deactivated)
                    .build()?,
            )
            .await?;
        assert_eq!(listed.total_count, 1);
        let only = listed
            .data
            .unwrap_or_default()
            .pop()
            .ok_or("no coupon listed")?;
        assert_eq!(only.deactivate_reason.as_deref(), Some("活动取消"));
        assert_eq!(sim.faults().effects("busifavor.use_coupon"), 1);
        assert_eq!(sim.faults().effects("busifavor.send_coupon"), 1);
        Ok(())
    }

    /// A coupon the user receives through another channel (the control create) sends COUPON.SEND,
    /// verified and decrypted by the client's notification entry point: the channel the control
    /// call names (a mini program by default), sent by the merchant the stock belongs to, the
    /// OpenID only for a stock with a `notify_appid`; a channel the callback has not is refused.
    #[tokio::test]
    async fn a_coupon_the_user_receives_sends_coupon_send_naming_channel_and_merchant() -> TestResult
    {
        use wechatpay_apiv3::marketing::busifavor::SendChannel;
        use wechatpay_apiv3::marketing::busifavor::coupon_send::{
            CouponSendEvent, CouponSendEventType,
        };
        let (sim, client) = common::sim_and_client().await?;
        let stock = client
            .execute(CreateStockRequest::builder().body(stock_body()).build()?)
            .await?;

        let (url, mut rx) = common::receive_one_callback::<CouponSendEvent>(client.clone()).await?;
        let (status, made) = common::control_post(
            &sim,
            "/busifavor/coupon/create",
            json!({ "stock_id": stock.stock_id, "openid": OPENID, "notify_url": url,
                    "send_channel": "BUSICOUPON_SEND_CHANNEL_HALL" }),
        )
        .await?;
        assert_eq!(status, 200, "{made}");
        assert_eq!(made["callback"]["delivered"], true, "{made}");
        let sent = rx.recv().await.ok_or("the handler saw nothing")??;
        assert_eq!(
            sent.event_type,
            Some(CouponSendEventType::EventTypeBusicouponSend)
        );
        assert_eq!(sent.send_channel, SendChannel::BusicouponSendChannelHall);
        assert_eq!(sent.send_merchant, "1900000001", "the stock's merchant");
        assert_eq!(sent.stock_id.as_deref(), Some(stock.stock_id.as_str()));
        let code = made["record"]["coupon_code"].as_str().ok_or("no code")?;
        assert_eq!(sent.coupon_code.as_deref(), Some(code));
        assert!(sent.send_time.is_some());
        assert!(sent.openid.is_none(), "the stock has no notify_appid");
        // The coupon the callback names is in the user's wallet.
        let held = client.execute(query(code)).await?;
        assert_eq!(held.coupon_state, Some(CouponState::Sended));

        // A stock the simulator does not know (made from the spec's example, which has a
        // notify_appid and another merchant), no channel named: queued, not delivered.
        let (status, made) = common::control_post(
            &sim,
            "/busifavor/coupon/create",
            json!({ "stock_id": "1212000000000153", "openid": OPENID, "deliver": false,
                    "notify_url": "https://127.0.0.1:9/busifavor" }),
        )
        .await?;
        assert_eq!(status, 200, "{made}");
        let callback = &made["callback"];
        assert_eq!(
            (&callback["event_type"], &callback["delivered"]),
            (&json!("COUPON.SEND"), &json!(false)),
            "{made}"
        );
        let resource = &callback["resource"];
        assert_eq!(resource["send_channel"], "BUSICOUPON_SEND_CHANNEL_MINIAPP");
        assert_eq!(resource["send_merchant"], "1900008361", "{resource}");
        assert_eq!(resource["openid"], OPENID, "{resource}");

        // A channel COUPON.SEND does not have: refused naming it, and no coupon made.
        let (status, refused) = common::control_post(
            &sim,
            "/busifavor/coupon/create",
            json!({ "stock_id": stock.stock_id, "openid": OPENID, "coupon_code": "CODE-PIGEON",
                    "send_channel": "BUSICOUPON_SEND_CHANNEL_PIGEON" }),
        )
        .await?;
        assert_eq!(status, 400, "{refused}");
        assert!(
            refused["message"]
                .as_str()
                .is_some_and(|m| m.contains("send_channel")),
            "{refused}"
        );
        let err = client
            .execute(query("CODE-PIGEON"))
            .await
            .expect_err("nothing was made");
        assert_eq!(err.code().cloned(), Some(ErrorCode::ResourceNotExists));
        Ok(())
    }
}

mod product_coupon {
    use super::*;
    use wechatpay_apiv3::marketing::partner::product_coupon::{
        AssociatedOrderInfo, ConfirmUserCouponRequest, CreateProductCouponBody,
        CreateProductCouponRequest, DeactivateUserCouponRequest, ListUserCouponsRequest,
        QueryUserCouponRequest, ReturnUserCouponRequest, SendUserCouponRequest,
        UseUserCouponRequest, UserCouponState,
    };

    const APPID: &str = "wx3d5f7a9b1c2e4f60";
    const OPENID: &str = "oSim_user_product_01";
    const BRAND: &str = "130455";

    fn product_coupon_body() -> CreateProductCouponBody {
        serde_json::from_value(json!({
            "out_request_no": "PC-CREATE-1",
            "scope": "ALL",
            "type": "NORMAL",
            "usage_mode": "SINGLE",
            "single_usage_info": { "normal_coupon": { "threshold": 6000, "discount_amount": 1000 } },
            "display_info": {
                "name": "满60减10",
                "image_url": "https://wxpaylogo.qpic.cn/wxpaylogo/sim/square.png",
                "background_url": "https://wxpaylogo.qpic.cn/wxpaylogo/sim/back.png"
            },
            "stock": {
                "coupon_code_mode": "WECHATPAY",
                "stock_send_rule": { "max_count": 1000, "max_count_per_user": 3 },
                "single_usage_rule": {
                    "coupon_available_period": {
                        "available_begin_time": "2026-01-01T00:00:00+08:00",
                        "available_end_time": "2027-12-31T23:59:59+08:00"
                    }
                },
                "usage_rule_display_info": {
                    "coupon_usage_method_list": ["OFFLINE"],
                    "usage_description": "到店出示券码"
                },
                "coupon_display_info": { "code_display_mode": "QRCODE", "background_color": "Color020" },
                "notify_config": { "notify_appid": APPID },
                "store_scope": "ALL"
            },
            "brand_id": BRAND
        }))
        .expect("a valid product coupon body")
    }

    #[tokio::test]
    async fn create_send_confirm_use_return_deactivate() -> TestResult {
        let (sim, client) = common::sim_and_client().await?;
        let pc = client
            .execute(
                CreateProductCouponRequest::builder()
                    .body(product_coupon_body())
                    .build()?,
            )
            .await?;
        let stock = pc.stock.clone().ok_or("no stock created")?;
        let (pc_id, stock_id) = (pc.product_coupon_id.as_str(), stock.stock_id.as_str());

        let send = SendUserCouponRequest::builder()
            .openid(OPENID)
            .product_coupon_id(pc_id)
            .stock_id(stock_id)
            .appid(APPID)
            .send_request_no("SEND-001")
            .brand_id(BRAND)
            .build()?;
        let sent = client.execute(send.clone()).await?;
        assert_eq!(sent.coupon_state, UserCouponState::Confirming);
        assert_eq!(
            client.execute(send).await?,
            sent,
            "replayed, not sent twice"
        );
        let code = sent.coupon_code.as_str();

        let use_it = |no: &str| {
            UseUserCouponRequest::builder()
                .openid(OPENID)
                .coupon_code(code)
                .product_coupon_id(pc_id)
                .stock_id(stock_id)
                .appid(APPID)
                .use_time("2026-11-23T12:00:00+08:00")
                .associated_order_info(
                    AssociatedOrderInfo::builder()
                        .out_trade_no("ORDER-PC-1")
                        .mchid("1900000001")
                        .build()?,
                )
                .out_request_no(no)
                .brand_id(BRAND)
                .build()
        };
        let err = client
            .execute(use_it("USE-000")?)
            .await
            .expect_err("not confirmed");
        assert_eq!(err.code().cloned(), Some(ErrorCode::NotEnough));

        let confirmed = client
            .execute(
                ConfirmUserCouponRequest::builder()
                    .openid(OPENID)
                    .coupon_code(code)
                    .product_coupon_id(pc_id)
                    .stock_id(stock_id)
                    .appid(APPID)
                    .out_request_no("CONFIRM-001")
                    .brand_id(BRAND)
                    .build()?,
            )
            .await?;
        assert_eq!(confirmed.coupon_state, UserCouponState::Effective);

        let used = client.execute(use_it("USE-001")?).await?;
        assert_eq!(used.coupon_state, UserCouponState::Used);
        assert_eq!(client.execute(use_it("USE-001")?).await?, used);
        let err = client
            .execute(use_it("USE-002")?)
            .await
            .expect_err("used twice");
        assert_eq!(err.code().cloned(), Some(ErrorCode::NotEnough));
        assert_eq!(sim.faults().effects("product_coupon.use_user_coupon"), 1);

        let returned = client
            .execute(
                ReturnUserCouponRequest::builder()
                    .openid(OPENID)
                    .coupon_code(code)
                    .product_coupon_id(pc_id)
                    .stock_id(stock_id)
                    .appid(APPID)
                    .out_request_no("RETURN-001")
                    .brand_id(BRAND)
                    .build()?,
            )
            .await?;
        assert_eq!(returned.coupon_state, UserCouponState::Effective);
        assert_eq!(returned.single_usage_detail, None);

        let deactivated = client
            .execute(
                DeactivateUserCouponRequest::builder()
                    .openid(OPENID)
                    .coupon_code(code)
                    .product_coupon_id(pc_id)
                    .stock_id(stock_id)
                    .appid(APPID)
                    .out_request_no("DEACTIVATE-001")
                    .deactivate_reason("门店停业")
                    .brand_id(BRAND)
                    .build()?,
            )
            .await?;
        assert_eq!(deactivated.coupon_state, UserCouponState::Deactivated);
        let queried = client
            .execute(
                QueryUserCouponRequest::builder()
                    .openid(OPENID)
                    .coupon_code(code)
                    .product_coupon_id(pc_id)
                    .stock_id(stock_id)
                    .appid(APPID)
                    .brand_id(BRAND)
                    .build()?,
            )
            .await?;
        assert_eq!(queried, deactivated);
        let listed = client
            .execute(
                ListUserCouponsRequest::builder()
                    .openid(OPENID)
                    .appid(APPID)
                    .brand_id(BRAND)
                    .coupon_state(UserCouponState::Deactivated)
                    .build()?,
            )
            .await?;
        assert_eq!(listed.total_count, 1);
        Ok(())
    }
}

mod favor {
    use super::*;
    use wechatpay_apiv3::marketing::favor::{
        Coupon, CouponStatus, CreateStockBody, CreateStockRequest, ListUserCouponsRequest,
        PauseStockRequest, QueryCouponRequest, QueryStockRequest, RestartStockRequest,
        SendCouponRequest, StartStockRequest, StockStatus, StopStockRequest,
    };

    const CREATOR: &str = "1900000001";
    const APPID: &str = "wx7c9e1a3b5d2f4a68";
    const OPENID: &str = "oSim_user_favor_01";

    fn stock_body() -> CreateStockBody {
        serde_json::from_value(json!({
            "stock_name": "满30减5",
            "belong_merchant": CREATOR,
            "available_begin_time": "2026-01-01T00:00:00+08:00",
            "available_end_time": "2027-12-31T23:59:59+08:00",
            "stock_use_rule": {
                "max_coupons": 5, "max_amount": 2500, "max_coupons_per_user": 2,
                "natural_person_limit": false, "prevent_api_abuse": false
            },
            "coupon_use_rule": { "fixed_normal_coupon": { "coupon_amount": 500, "transaction_minimum": 3000 } },
            "no_cash": false,
            "stock_type": "NORMAL",
            "out_request_no": "FAVOR-CREATE-1"
        }))
        .expect("a valid stock body")
    }

    fn send(stock_id: &str, no: &str) -> SendCouponRequest {
        SendCouponRequest::builder()
            .openid(OPENID)
            .stock_id(stock_id)
            .out_request_no(no)
            .appid(APPID)
            .stock_creator_mchid(CREATOR)
            .build()
            .expect("valid send")
    }

    #[tokio::test]
    async fn create_activate_send_pause_use_and_stop() -> TestResult {
        let (sim, client) = common::sim_and_client().await?;
        let created = client
            .execute(CreateStockRequest::builder().body(stock_body()).build()?)
            .await?;
        let id = created.stock_id.as_str();
        let query = || {
            QueryStockRequest::builder()
                .stock_id(id)
                .stock_creator_mchid(CREATOR)
                .build()
        };
        assert_eq!(
            client.execute(query()?).await?.status,
            Some(StockStatus::Unactivated)
        );
        // Not running yet: nothing can be sent.
        let err = client
            .execute(send(id, "SEND-0"))
            .await
            .expect_err("unactivated");
        assert_eq!(err.code().cloned(), Some(ErrorCode::InvalidRequest));

        let start = || {
            StartStockRequest::builder()
                .stock_id(id)
                .stock_creator_mchid(CREATOR)
                .build()
        };
        client.execute(start()?).await?;
        let err = client.execute(start()?).await.expect_err("started twice");
        assert_eq!(err.code().cloned(), Some(ErrorCode::InvalidRequest));

        let first = client.execute(send(id, "SEND-1")).await?;
        assert_eq!(client.execute(send(id, "SEND-1")).await?, first, "replayed");
        client.execute(send(id, "SEND-2")).await?;
        let err = client
            .execute(send(id, "SEND-3"))
            .await
            .expect_err("two per user");
        assert_eq!(err.code().cloned(), Some(ErrorCode::InvalidRequest));
        assert_eq!(sim.faults().effects("favor.send_coupon"), 2);

        client
            .execute(
                PauseStockRequest::builder()
                    .stock_id(id)
                    .stock_creator_mchid(CREATOR)
                    .build()?,
            )
            .await?;
        assert_eq!(
            client.execute(query()?).await?.status,
            Some(StockStatus::Paused)
        );
        client
            .execute(
                RestartStockRequest::builder()
                    .stock_id(id)
                    .stock_creator_mchid(CREATOR)
                    .build()?,
            )
            .await?;

        // The user pays with the coupon; the merchant's handler gets COUPON.USE.
        let resource =
            sim.use_cash_coupon(OPENID, &first.coupon_id, "4200002222202611230000000001")?;
        let (url, mut rx) = common::receive_one_callback::<Coupon>(client.clone()).await?;
        assert_eq!(
            sim.send_notification(&url, "COUPON.USE", "coupon", &resource)
                .await?,
            204
        );
        let used = rx.recv().await.ok_or("handler saw nothing")??;
        assert_eq!(used.status, Some(CouponStatus::Used));
        let queried = client
            .execute(
                QueryCouponRequest::builder()
                    .openid(OPENID)
                    .coupon_id(first.coupon_id.as_str())
                    .appid(APPID)
                    .build()?,
            )
            .await?;
        assert_eq!(queried, used);
        assert_eq!(
            queried.normal_coupon_information.map(|n| n.coupon_amount),
            Some(500)
        );
        let usable = client
            .execute(
                ListUserCouponsRequest::builder()
                    .openid(OPENID)
                    .appid(APPID)
                    .status("SENDED")
                    .build()?,
            )
            .await?;
        assert_eq!(usable.total_count, 1);

        client
            .execute(
                StopStockRequest::builder()
                    .stock_id(id)
                    .stock_creator_mchid(CREATOR)
                    .build()?,
            )
            .await?;
        assert_eq!(
            client.execute(query()?).await?.status,
            Some(StockStatus::Stoped)
        );
        Ok(())
    }
}
