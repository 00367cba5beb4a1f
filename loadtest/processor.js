// Helpers for the FlashDeal Artillery scenarios: buyer identities, 20% retries with the same key,
// polling until the order is final, and a counter of responses that are neither success nor an
// expected business answer (409 sold_out, sale_not_active, purchase_limit_reached, request_in_progress),
// nor admission control's 429 throttled (counted apart: load shed on purpose, with Retry-After).
"use strict";

const crypto = require("crypto");
const fs = require("fs");

// Against a deployment with real auth (LOAD_ENV=aws): the CSV `make load-users ENV=...` wrote. Each
// virtual user takes the next buyer's ID token; with fewer buyers than users, buyers come round again
// (their second orders are 409 purchase_limit_reached or 429 buyer_rate_limited: expected answers).
const TOKENS = process.env.FLASHDEAL_BUYER_TOKENS
  ? fs.readFileSync(process.env.FLASHDEAL_BUYER_TOKENS, "utf8").trim().split("\n").slice(1)
      .map((line) => line.split(",")).map(([user, token]) => ({ user, token }))
  : [];
let nextBuyer = 0;

const RETRY_SHARE = Number(process.env.FLASHDEAL_RETRY_SHARE || "0.2");
const EXPECTED = new Set([200, 201, 202, 409, 429]);

function newBuyer(context, events, done) {
  context.vars.userId = `artillery-${crypto.randomUUID()}`;
  if (TOKENS.length) {
    const buyer = TOKENS[nextBuyer++ % TOKENS.length];
    context.vars.userId = buyer.user;
    context.vars.token = buyer.token;
  }
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

function authorize(req, context, events, done) {
  // a Cognito ID token replaces the embedded gateway's X-User-Id stand-in
  if (context.vars.token) {
    delete req.headers["X-User-Id"];
    req.headers.Authorization = context.vars.token;
  }
  return done();
}

module.exports = { newBuyer, classify, pending, authorize };
