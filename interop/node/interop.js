// The public Node SDK `wechatpay-axios-plugin` against the simulator: `cargo xtask interop` runs it.
//
// usage: node interop.js CREDENTIALS_DIR public-key|certificate
//
// CREDENTIALS_DIR is what `wechatpay-sim --write-credentials` wrote (credentials.json names the
// base URL and the files). The SDK takes the simulator's address through its documented `baseURL`
// option. Every call goes through the SDK: it signs each request and verifies each answer against
// its `certs` map (rejecting a bad signature). In certificate mode the map starts empty and is
// filled the way the SDK's own downloader (`wxpay crt`, bin/cli/cert.js) does it: `/v3/certificates`
// decrypted with `AesGcm.decrypt`, then the download verified with the certificate it carries.
// Callbacks are checked with the SDK's helpers for it (README: Rsa.verify over
// Formatter.response, then AesGcm.decrypt). The script only adds a notify_url listener on
// 127.0.0.1 and calls to the control API.

'use strict';

const { readFileSync } = require('fs');
const http = require('http');
const { join } = require('path');

const {
  Wechatpay, Rsa, Formatter, Aes: { AesGcm },
} = require('wechatpay-axios-plugin');

const APPID = 'wxd678efh567hg6787';
const OPENID = 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o';
const WAIT_MS = 60000;

let passed = 0;

function check(name, condition, detail) {
  if (!condition) {
    console.log(`FAIL node: ${name}: ${JSON.stringify(detail)}`);
    process.exit(1);
  }
  passed += 1;
  console.log(`ok   node: ${name}`);
}

/** A notify_url on 127.0.0.1: keeps each callback's headers and raw body, answers 200. */
function listen() {
  const waiting = [];
  const received = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const callback = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      const next = waiting.shift();
      if (next) next(callback); else received.push(callback);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"code":"SUCCESS"}');
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      // WeChat Pay takes only https notify_urls; the simulator calls a loopback one over HTTP.
      const url = `https://127.0.0.1:${server.address().port}/wechatpay/notify`;
      const next = () => new Promise((got, fail) => {
        if (received.length) { got(received.shift()); return; }
        const timer = setTimeout(() => fail(new Error('no callback arrived')), WAIT_MS);
        waiting.push((cb) => { clearTimeout(timer); got(cb); });
      });
      resolve({ url, next, close: () => server.close() });
    });
  });
}

async function control(base, method, path, body) {
  const response = await fetch(`${base}/_sim${path}`, {
    method,
    headers: { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(WAIT_MS),
  });
  return response.json();
}

/** The SDK's callback check: the signature over the raw body by the key `Wechatpay-Serial` names,
 * a timestamp within 5 minutes, then the resource decrypted with the APIv3 key. */
function readCallback({ headers, body }, certs, apiv3Key) {
  const timestamp = headers['wechatpay-timestamp'];
  const key = certs[headers['wechatpay-serial']];
  const signed = key !== undefined && Rsa.verify(
    Formatter.response(timestamp, headers['wechatpay-nonce'], body),
    headers['wechatpay-signature'],
    key,
  );
  if (!signed || Math.abs(Formatter.timestamp() - Number(timestamp)) > 300) return null;
  const notice = JSON.parse(body);
  const { ciphertext, nonce, associated_data: aad } = notice.resource;
  return { ...notice, resource: JSON.parse(AesGcm.decrypt(ciphertext, apiv3Key, nonce, aad)) };
}

async function main() {
  const [folder, mode] = process.argv.slice(2);
  const creds = JSON.parse(readFileSync(join(folder, 'credentials.json'), 'utf8'));
  const read = (key) => readFileSync(join(folder, creds[key]));
  const base = creds.base_url;
  const tag = `[${mode}]`;
  await control(base, 'POST', '/reset', {});
  const listener = await listen();

  const config = {
    baseURL: `${base}/`,
    mchid: creds.mchid,
    serial: creds.merchant_serial,
    privateKey: read('merchant_private_key_file'),
    // The SDK insists on a non-empty map; certificate mode fills it from the download below.
    certs: mode === 'public-key'
      ? { [creds.public_key_id]: read('wechatpay_public_key_file') }
      : { any: undefined },
    timeout: WAIT_MS,
  };
  const wxpay = new Wechatpay(config);
  // The SDK replaced `config.certs` with the map its verifier reads.
  const { certs } = config;

  if (mode === 'certificate') {
    const injector = (response) => {
      JSON.parse(response).data.forEach(({ serial_no: serialNo, encrypt_certificate: e }) => {
        certs[serialNo] = AesGcm.decrypt(e.ciphertext, creds.apiv3_key, e.nonce, e.associated_data);
      });
      return response;
    };
    const { data } = await wxpay.v3.certificates.get({
      transformResponse: [injector, ...wxpay.client.v3.defaults.transformResponse],
    });
    check(`${tag} /v3/certificates decrypted and verified with the certificate it carries`,
      data.data.length === 1 && data.data[0].serial_no === creds.platform_certificate_serial
        && certs[creds.platform_certificate_serial] !== undefined, data);
  }

  const outTradeNo = `JS${mode.slice(0, 4).toUpperCase()}${Date.now()}`;
  const prepay = await wxpay.v3.pay.transactions.jsapi.post({
    appid: APPID,
    mchid: creds.mchid,
    description: 'interop: wechatpay-axios-plugin',
    out_trade_no: outTradeNo,
    notify_url: listener.url,
    amount: { total: 100, currency: 'CNY' },
    payer: { openid: OPENID },
  });
  check(`${tag} JSAPI prepay answers a prepay_id`,
    prepay.status === 200 && prepay.data.prepay_id.startsWith('wx'), prepay.data);

  const paid = await control(base, 'POST', `/pay_transactions/order/${outTradeNo}/pay`, { openid: OPENID });
  check(`${tag} the control API paid the order and delivered the callback to its notify_url`,
    paid.callback.delivered && paid.callback.notify_url === listener.url, paid);

  const callback = await listener.next();
  const notice = readCallback(callback, certs, creds.apiv3_key);
  check(`${tag} Rsa.verify and AesGcm.decrypt read TRANSACTION.SUCCESS`,
    notice !== null && notice.event_type === 'TRANSACTION.SUCCESS', callback);
  check(`${tag} the callback's transaction is the order, paid`,
    notice.resource.out_trade_no === outTradeNo && notice.resource.trade_state === 'SUCCESS'
      && notice.resource.transaction_id === paid.record.transaction_id, notice.resource);
  const tampered = { ...callback, body: callback.body.replace('"event_type"', '"event_type" ') };
  check(`${tag} a body changed after signing does not verify`,
    readCallback(tampered, certs, creds.apiv3_key) === null);

  const query = () => wxpay.v3.pay.transactions.outTradeNo.$out_trade_no$.get({
    params: { mchid: creds.mchid }, out_trade_no: outTradeNo,
  });
  const order = await query();
  check(`${tag} query by out_trade_no shows SUCCESS`,
    order.data.trade_state === 'SUCCESS' && order.data.transaction_id === paid.record.transaction_id,
    order.data);

  await control(base, 'POST', '/faults', {
    operation: 'pay_transactions.query_by_out_trade_no', fault: 'sign_test', times: 1,
  });
  const refused = await query().then(() => null, (e) => e.code);
  check(`${tag} the SDK refuses an answer with a bad signature (injected sign_test)`,
    refused === 'EV3_RES_HEADER_SIGNATURE_DIGEST', refused);

  const outRefundNo = `R${outTradeNo}`;
  const refund = await wxpay.v3.refund.domestic.refunds.post({
    out_trade_no: outTradeNo,
    out_refund_no: outRefundNo,
    notify_url: listener.url,
    amount: { refund: 40, total: 100, currency: 'CNY' },
  });
  check(`${tag} refund of 40 of 100 fen is accepted`,
    refund.data.out_refund_no === outRefundNo && refund.data.amount.refund === 40, refund.data);
  await control(base, 'POST', `/refund_domestic/refund/${outRefundNo}/arrive`, {});
  const refunded = readCallback(await listener.next(), certs, creds.apiv3_key);
  check(`${tag} Rsa.verify and AesGcm.decrypt read REFUND.SUCCESS`,
    refunded !== null && refunded.event_type === 'REFUND.SUCCESS'
      && refunded.resource.out_refund_no === outRefundNo, refunded);

  const couponCode = `JSC${Date.now()}`;
  await control(base, 'POST', '/busifavor/coupon/create', { stock_id: '100088', openid: OPENID, coupon_code: couponCode });
  const use = (requestNo) => wxpay.v3.marketing.busifavor.coupons.use.post({
    coupon_code: couponCode,
    stock_id: '100088',
    appid: APPID,
    use_time: '2026-12-01T12:00:00+08:00',
    use_request_no: requestNo,
    openid: OPENID,
  });
  const used = await use(`U${couponCode}`);
  check(`${tag} merchant coupon use is accepted`, used.data.stock_id === '100088', used.data);
  const again = await use(`V${couponCode}`).then((r) => r.status, (e) => e.response && e.response.status);
  check(`${tag} a used coupon cannot be used again`, again === 400, again);

  const effects = await control(base, 'GET', '/effects?operation=busifavor.use_coupon');
  check(`${tag} the simulator counted one coupon use`,
    effects['busifavor.use_coupon'].effects === 1, effects);
  listener.close();
  console.log(`node [${mode}]: ${passed} passed, 0 failed`);
}

main().catch((e) => {
  console.log(`FAIL node: ${e.stack || e}`);
  if (e.response) console.log(JSON.stringify({ status: e.response.status, data: e.response.data }));
  process.exit(1);
});
