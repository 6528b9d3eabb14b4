"""The public Python SDK `wechatpayv3` against the simulator: `cargo xtask interop` runs it.

usage: python interop.py CREDENTIALS_DIR public-key|certificate

CREDENTIALS_DIR is what `wechatpay-sim --write-credentials` wrote (credentials.json names the
base URL and the files). Every step uses the SDK's own calls: it signs each request, verifies
each answer (raising on a bad signature), downloads and decrypts `/v3/certificates` itself in
certificate mode, and verifies and decrypts callbacks with `WeChatPay.callback`. The script only
adds what no SDK has: a notify_url listener on 127.0.0.1 and calls to the control API.

The SDK has no base-URL option (`Core._gate_way` is fixed to api.mch.weixin.qq.com and
certificate mode downloads from it inside the constructor), so the `requests` functions its core
module calls are wrapped to send that origin's requests to the simulator: a transport override,
the SDK's signing and verification run unchanged.
"""

import json
import queue
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer

import requests
import wechatpayv3.core
from wechatpayv3 import WeChatPay, WeChatPayType

REAL_ORIGIN = "https://api.mch.weixin.qq.com"
APPID = "wxd678efh567hg6787"
OPENID = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"
WAIT_SECS = 60

passed = 0


def check(name, condition, detail=""):
    """One named assertion: prints `ok` or fails the run with what was seen."""
    global passed
    if not condition:
        print(f"FAIL python: {name}: {detail}", flush=True)
        sys.exit(1)
    passed += 1
    print(f"ok   python: {name}", flush=True)


class Redirect:
    """The `requests` module as wechatpayv3.core uses it, with the real origin replaced."""

    def __init__(self, base_url):
        self.base_url = base_url

    def _to_sim(self, url):
        if not url.startswith(REAL_ORIGIN):
            raise RuntimeError(f"unexpected URL {url}")
        return self.base_url + url[len(REAL_ORIGIN):]

    def __getattr__(self, name):
        call = getattr(requests, name)
        if name not in ("get", "post", "put", "patch", "delete"):
            return call
        return lambda url, **kw: call(self._to_sim(url), **kw)


class Listener:
    """A notify_url on 127.0.0.1: keeps each callback's headers and raw body, answers 200."""

    def __init__(self):
        received = self.received = queue.Queue()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                received.put((self.headers, body))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"code":"SUCCESS"}')

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        # WeChat Pay takes only https notify_urls; the simulator calls a loopback one over HTTP.
        self.url = f"https://127.0.0.1:{self.server.server_port}/wechatpay/notify"

    def next(self):
        return self.received.get(timeout=WAIT_SECS)


def control(base_url, method, path, body=None):
    """A control-API call (unsigned JSON under /_sim)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        f"{base_url}/_sim{path}", data=data, method=method,
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=WAIT_SECS) as response:
        return json.loads(response.read())


def main():
    folder, mode = sys.argv[1], sys.argv[2]
    with open(f"{folder}/credentials.json") as f:
        creds = json.load(f)
    base = creds["base_url"]
    wechatpayv3.core.requests = Redirect(base)
    control(base, "POST", "/reset", {})

    def read(key):
        with open(f"{folder}/{creds[key]}") as f:
            return f.read()

    listener = Listener()
    options = {}
    if mode == "public-key":
        options = {"public_key": read("wechatpay_public_key_file"),
                   "public_key_id": creds["public_key_id"]}
    wxpay = WeChatPay(
        wechatpay_type=WeChatPayType.JSAPI,
        mchid=creds["mchid"],
        private_key=read("merchant_private_key_file"),
        cert_serial_no=creds["merchant_serial"],
        appid=APPID,
        apiv3_key=creds["apiv3_key"],
        notify_url=listener.url,
        timeout=(WAIT_SECS, WAIT_SECS),
        **options)
    tag = f"[{mode}]"

    if mode == "certificate":
        serials = [format(c.serial_number, "X") for c in wxpay._core._certificates]
        check(f"{tag} the SDK downloaded and decrypted /v3/certificates",
              serials == [creds["platform_certificate_serial"]], serials)

    out_trade_no = f"PY{mode[:4].upper()}{int(time.time() * 1000)}"
    code, text = wxpay.pay(description="interop: wechatpayv3", out_trade_no=out_trade_no,
                           amount={"total": 100, "currency": "CNY"}, payer={"openid": OPENID})
    prepay = json.loads(text)
    check(f"{tag} JSAPI prepay answers a prepay_id",
          code == 200 and prepay.get("prepay_id", "").startswith("wx"), (code, text))

    paid = control(base, "POST", f"/pay_transactions/order/{out_trade_no}/pay", {"openid": OPENID})
    check(f"{tag} the control API paid the order and delivered the callback",
          paid["callback"]["delivered"] and paid["callback"]["notify_url"] == listener.url, paid)

    headers, body = listener.next()
    notice = wxpay.callback(headers, body)
    check(f"{tag} WeChatPay.callback verifies and decrypts TRANSACTION.SUCCESS",
          notice is not None and notice["event_type"] == "TRANSACTION.SUCCESS", notice)
    resource = notice["resource"]
    check(f"{tag} the callback's transaction is the order, paid",
          resource["out_trade_no"] == out_trade_no and resource["trade_state"] == "SUCCESS"
          and resource["transaction_id"] == paid["record"]["transaction_id"]
          and resource["payer"]["openid"] == OPENID, resource)
    tampered = body.replace(b'"event_type"', b'"event_type" ')
    check(f"{tag} WeChatPay.callback refuses a body changed after signing",
          wxpay.callback(headers, tampered) is None)

    code, text = wxpay.query(out_trade_no=out_trade_no)
    order = json.loads(text)
    check(f"{tag} query by out_trade_no shows SUCCESS",
          code == 200 and order["trade_state"] == "SUCCESS"
          and order["transaction_id"] == paid["record"]["transaction_id"], (code, text))

    control(base, "POST", "/faults", {"operation": "pay_transactions.query_by_out_trade_no",
                                      "fault": "sign_test", "times": 1})
    try:
        wxpay.query(out_trade_no=out_trade_no)
        refused = False
    except Exception as e:  # the SDK raises a bare Exception on a bad signature
        refused = "verify the signature" in str(e)
    check(f"{tag} the SDK refuses an answer with a bad signature (injected sign_test)", refused)

    out_refund_no = f"R{out_trade_no}"
    code, text = wxpay.refund(out_refund_no=out_refund_no, out_trade_no=out_trade_no,
                              amount={"refund": 40, "total": 100, "currency": "CNY"})
    refund = json.loads(text)
    check(f"{tag} refund of 40 of 100 fen is accepted",
          code == 200 and refund["out_refund_no"] == out_refund_no
          and refund["amount"]["refund"] == 40, (code, text))
    control(base, "POST", f"/refund_domestic/refund/{out_refund_no}/arrive", {})
    headers, body = listener.next()
    notice = wxpay.callback(headers, body)
    check(f"{tag} WeChatPay.callback verifies and decrypts REFUND.SUCCESS",
          notice is not None and notice["event_type"] == "REFUND.SUCCESS"
          and notice["resource"]["out_refund_no"] == out_refund_no, notice)
    code, text = wxpay.query_refund(out_refund_no=out_refund_no)
    check(f"{tag} query_refund shows the refund", code == 200
          and json.loads(text)["out_refund_no"] == out_refund_no, (code, text))

    coupon_code = f"PYC{int(time.time() * 1000)}"
    control(base, "POST", "/busifavor/coupon/create",
            {"stock_id": "100088", "openid": OPENID, "coupon_code": coupon_code})
    use = {"coupon_code": coupon_code, "stock_id": "100088", "openid": OPENID,
           "use_time": "2026-12-01T12:00:00+08:00", "use_request_no": f"U{coupon_code}"}
    code, text = wxpay.marketing_busifavor_coupon_use(**use)
    check(f"{tag} merchant coupon use is accepted", code == 200
          and json.loads(text)["stock_id"] == "100088", (code, text))
    code, text = wxpay.marketing_busifavor_coupon_use(**dict(use, use_request_no=f"V{coupon_code}"))
    check(f"{tag} a used coupon cannot be used again", code == 400, (code, text))

    effects = control(base, "GET", "/effects?operation=busifavor.use_coupon")
    check(f"{tag} the simulator counted one coupon use",
          effects["busifavor.use_coupon"]["effects"] == 1, effects)
    print(f"python [{mode}]: {passed} passed, 0 failed", flush=True)


if __name__ == "__main__":
    main()
