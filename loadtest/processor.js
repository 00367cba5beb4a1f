// Helpers for the FlashDeal Artillery scenarios: buyer identities, 20% retries with the same key,
// polling until the order is final, and a counter of responses that are neither success nor an
// expected business answer (409 sold_out, sale_not_active, purchase_limit_reached, request_in_progress).
"use strict";

const crypto = require("crypto");

const RETRY_SHARE = Number(process.env.FLASHDEAL_RETRY_SHARE || "0.2");
const EXPECTED = new Set([200, 201, 202, 409]);

function newBuyer(context, events, done) {
  context.vars.userId = `artillery-${crypto.randomUUID()}`;
  context.vars.idemKey = `checkout-${crypto.randomUUID()}`;
  context.vars.retries = Math.random() < RETRY_SHARE;
  context.vars.orderStatus = "PENDING";
  events.emit("counter", "flashdeal.unexpected_responses", 0);
  return done();
}

function classify(req, res, context, events, done) {
  if (!EXPECTED.has(res.statusCode)) {
    events.emit("counter", "flashdeal.unexpected_responses", 1);
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

function retries(context, next) {
  return next(context.vars.retries === true);
}

function pending(context, next) {
  return next(Boolean(context.vars.orderId) && context.vars.orderStatus === "PENDING");
}

module.exports = { newBuyer, classify, retries, pending };
