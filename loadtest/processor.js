// Helpers for the FlashDeal Artillery scenarios: buyer identities, 20% retries with the same key,
// polling until the order is final, and a counter of responses that are neither success nor an
// expected business answer (409 sold_out, sale_not_active, purchase_limit_reached, request_in_progress),
// nor admission control's 429 throttled (counted apart: load shed on purpose, with Retry-After).
"use strict";

const crypto = require("crypto");

const RETRY_SHARE = Number(process.env.FLASHDEAL_RETRY_SHARE || "0.2");
const EXPECTED = new Set([200, 201, 202, 409, 429]);

function newBuyer(context, events, done) {
  context.vars.userId = `artillery-${crypto.randomUUID()}`;
  context.vars.idemKey = `checkout-${crypto.randomUUID()}`;
  context.vars.retries = Math.random() < RETRY_SHARE ? 1 : 0; // numbers: ifTrue expressions compare them
  context.vars.orderStatus = "PENDING";
  context.vars.accepted = 0;
  events.emit("counter", "flashdeal.unexpected_responses", 0);
  return done();
}

function classify(req, res, context, events, done) {
  if (res.statusCode === 202) {
    context.vars.accepted = 1;
  }
  if (!EXPECTED.has(res.statusCode)) {
    events.emit("counter", "flashdeal.unexpected_responses", 1);
  }
  if (res.statusCode === 429) {
    events.emit("counter", "flashdeal.shed", 1);
  }
  if (res.statusCode === 409) {
    try {
      events.emit("counter", `flashdeal.409.${JSON.parse(res.body).error}`, 1);
    } catch (err) {
      events.emit("counter", "flashdeal.409.unparsed", 1);
    }
  }
  return done();
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function pending(context, next) {
  // only buyers whose order was accepted poll, and only until it is final
  return next(UUID.test(String(context.vars.orderId || "")) && context.vars.orderStatus === "PENDING");
}

module.exports = { newBuyer, classify, pending };
