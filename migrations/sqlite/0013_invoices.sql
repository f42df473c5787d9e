-- Invoices, credit notes and payments. An invoice is stored whole when it is issued (the document as
-- printed and exported), and is never changed nor deleted: a credit note corrects it; a payment
-- recorded by mistake is cancelled, not deleted.

ALTER TABLE organisations ADD COLUMN iban TEXT NOT NULL DEFAULT '';
ALTER TABLE organisations ADD COLUMN bic TEXT NOT NULL DEFAULT '';
ALTER TABLE organisations ADD COLUMN payment_days BIGINT NOT NULL DEFAULT 30;
ALTER TABLE organisations ADD COLUMN late_rate TEXT NOT NULL DEFAULT '';
ALTER TABLE organisations ADD COLUMN vat_on_debits INTEGER NOT NULL DEFAULT 0;
ALTER TABLE organisations ADD COLUMN reminder_days TEXT NOT NULL DEFAULT '7,30';
ALTER TABLE organisations ADD COLUMN account_sales TEXT NOT NULL DEFAULT '706000';
ALTER TABLE organisations ADD COLUMN account_vat TEXT NOT NULL DEFAULT '445710';
ALTER TABLE organisations ADD COLUMN account_clients TEXT NOT NULL DEFAULT '411000';
ALTER TABLE organisations ADD COLUMN account_bank TEXT NOT NULL DEFAULT '512000';

CREATE TABLE invoices (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    number TEXT NOT NULL,
    kind TEXT NOT NULL,
    payer TEXT NOT NULL,
    quote_id BIGINT REFERENCES quotes(id) ON DELETE RESTRICT,
    client_id BIGINT NOT NULL REFERENCES clients(id) ON DELETE RESTRICT,
    credited_id BIGINT REFERENCES invoices(id) ON DELETE RESTRICT,
    issued_at BIGINT NOT NULL,
    issue_date TEXT NOT NULL,
    due_date TEXT NOT NULL,
    document TEXT NOT NULL,
    total_ht TEXT NOT NULL,
    total_vat TEXT NOT NULL,
    total_ttc TEXT NOT NULL,
    training_ht TEXT NOT NULL,
    buyer_name TEXT NOT NULL,
    issued_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
    search TEXT NOT NULL,
    CONSTRAINT invoices_org_number_key UNIQUE (org_id, number)
);
CREATE INDEX invoices_org_issued ON invoices (org_id, issued_at);
CREATE INDEX invoices_quote ON invoices (quote_id);
CREATE INDEX invoices_client ON invoices (client_id);

CREATE TABLE payments (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    invoice_id BIGINT NOT NULL REFERENCES invoices(id) ON DELETE RESTRICT,
    paid_on TEXT NOT NULL,
    amount TEXT NOT NULL,
    means TEXT NOT NULL,
    reference TEXT NOT NULL DEFAULT '',
    recorded_at BIGINT NOT NULL,
    recorded_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
    cancelled_at BIGINT,
    cancel_reason TEXT NOT NULL DEFAULT ''
);
CREATE INDEX payments_invoice ON payments (invoice_id);
CREATE INDEX payments_org ON payments (org_id, paid_on);

-- The last line of defence: an issued invoice is neither changed nor deleted, a payment not deleted.
CREATE TRIGGER invoices_never_deleted BEFORE DELETE ON invoices
BEGIN SELECT RAISE(ABORT, 'legal record: invoices are never deleted'); END;
CREATE TRIGGER invoices_never_changed BEFORE UPDATE ON invoices
BEGIN SELECT RAISE(ABORT, 'legal record: an issued invoice is never changed (issue a credit note)'); END;
CREATE TRIGGER payments_never_deleted BEFORE DELETE ON payments
BEGIN SELECT RAISE(ABORT, 'legal record: payments are never deleted (cancel them)'); END;
