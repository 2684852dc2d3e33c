-- Acme Billing's tables (what its migrations create).
CREATE TABLE plans (tier TEXT PRIMARY KEY, name TEXT NOT NULL, active BOOLEAN NOT NULL);
CREATE TABLE billing_prices (
    plan_key TEXT NOT NULL,         -- tier.cycle, e.g. basic.monthly
    stripe_price TEXT NOT NULL,
    mode TEXT NOT NULL,             -- live or test
    PRIMARY KEY (plan_key, mode)
);
CREATE TABLE subscriptions (
    id INTEGER PRIMARY KEY,
    user_id TEXT NOT NULL,
    stripe_customer_id VARCHAR(64),
    stripe_subscription_id VARCHAR(64),
    status VARCHAR(32),
    is_active BOOLEAN NOT NULL DEFAULT 0
);
CREATE TABLE disputes (id TEXT PRIMARY KEY, charge TEXT, amount INTEGER, status TEXT, reason TEXT);
CREATE TABLE radar_warnings (
    id TEXT PRIMARY KEY, charge TEXT, fraud_type TEXT, actionable BOOLEAN, status TEXT
);
