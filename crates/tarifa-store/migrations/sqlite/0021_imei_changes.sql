-- A device's IMEI changed by an authorised service, with its service report (UNL-10).
CREATE TABLE imei_changes (
    id INTEGER PRIMARY KEY,
    contract_id INTEGER NOT NULL REFERENCES contracts(id),
    old_imei TEXT NOT NULL,
    new_imei TEXT NOT NULL,
    on_date TEXT NOT NULL,
    service_report TEXT NOT NULL
);
CREATE INDEX imei_changes_new ON imei_changes (new_imei);
