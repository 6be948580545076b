-- Every device sold with a contract, at signing or later (DEV-1): a purchase
-- with a new commitment renews the contract (PRM-7).
CREATE TABLE device_sales (
    id INTEGER PRIMARY KEY,
    contract_id INTEGER NOT NULL REFERENCES contracts(id),
    sold_on TEXT NOT NULL,
    device_id TEXT NOT NULL,
    imei TEXT,
    price_minor INTEGER NOT NULL,
    instalments INTEGER NOT NULL,
    sim_locked INTEGER NOT NULL,
    -- The package the sale was made with, and whether it renewed the contract.
    package_id TEXT NOT NULL,
    renewal INTEGER NOT NULL,
    commitment_end TEXT
);
CREATE INDEX device_sales_contract ON device_sales (contract_id);
CREATE INDEX device_sales_imei ON device_sales (imei);

INSERT INTO device_sales (contract_id, sold_on, device_id, imei, price_minor, instalments,
                          sim_locked, package_id, renewal, commitment_end)
SELECT c.id, c.signed_on, c.device_id, c.device_imei, c.device_price_minor,
       COALESCE(c.device_instalments, 1), COALESCE(c.device_sim_locked, 0),
       (SELECT p.package_id FROM contract_packages p WHERE p.contract_id = c.id ORDER BY p.seq LIMIT 1),
       0, c.commitment_end
FROM contracts c
WHERE c.device_id IS NOT NULL AND COALESCE(c.device_lent, 0) = 0;

-- A sale's price is billed as dated charges, one per instalment (DEV-3).
ALTER TABLE charges ADD COLUMN device_sale_id INTEGER REFERENCES device_sales(id);

-- The instalments the bill runs had not reached yet, as charges.
WITH RECURSIVE k(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM k WHERE n < 599)
INSERT INTO charges (market, customer_id, contract_id, kind, category, description, amount_minor,
                     vat, rule, on_date, bill_id, fee_kind, device_sale_id)
SELECT c.market, c.customer_id, c.id,
       CASE WHEN s.instalments = 1 THEN 'one_time' ELSE 'instalment' END,
       CASE WHEN s.instalments = 1 THEN 'device' ELSE 'device_instalment' END,
       CASE WHEN s.instalments = 1 THEN 'device ' || s.device_id
            ELSE 'device ' || s.device_id || ', instalment ' || (k.n + 1) || ' of ' || s.instalments END,
       s.price_minor / s.instalments + CASE WHEN k.n < s.price_minor % s.instalments THEN 1 ELSE 0 END,
       '"standard"', 'DEV-3',
       CASE WHEN k.n = 0 THEN s.sold_on ELSE date(s.sold_on, 'start of month', '+' || k.n || ' months') END,
       NULL, NULL, s.id
FROM device_sales s
JOIN contracts c ON c.id = s.contract_id
JOIN k ON k.n < s.instalments
WHERE s.price_minor > 0
  AND k.n >= (SELECT COUNT(*) FROM bill_lines l
              WHERE l.contract_id = c.id AND l.category IN ('device', 'device_instalment'));

-- Promotions a market offers (PRM-1): what they multiply or discount.
CREATE TABLE promotion_offers (
    market TEXT NOT NULL REFERENCES markets(id),
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    data_factor INTEGER NOT NULL,
    voice_factor INTEGER NOT NULL,
    sms_factor INTEGER NOT NULL,
    fee_discount_percent TEXT NOT NULL,
    PRIMARY KEY (market, id)
);

-- A promotion a contract carries (PRM-1…7).
CREATE TABLE contract_promotions (
    id INTEGER PRIMARY KEY,
    contract_id INTEGER NOT NULL REFERENCES contracts(id),
    offer TEXT NOT NULL,
    granted_on TEXT NOT NULL,
    -- PRM-2, PRM-3: the monthly fee of the package used before the renewal.
    base_fee_minor INTEGER NOT NULL,
    -- PRM-1, PRM-7: the day the promotion ends (the commitment's end).
    valid_until TEXT NOT NULL,
    status TEXT NOT NULL,
    ended_on TEXT
);
CREATE INDEX contract_promotions_contract ON contract_promotions (contract_id);

-- From which day the promotion multiplies which package's allowances (NULL: not in force).
CREATE TABLE promotion_steps (
    promotion_id INTEGER NOT NULL REFERENCES contract_promotions(id),
    seq INTEGER NOT NULL,
    valid_from TEXT NOT NULL,
    package_id TEXT,
    rule TEXT NOT NULL,
    PRIMARY KEY (promotion_id, seq)
);
