//! The PostgreSQL schema.

/// The schema, as one list like SQLite's; the index of the last applied entry is stored.
/// A new SQLite migration that changes what the store keeps needs its twin here.
pub(super) const MIGRATIONS: &[&str] = &[
    r#"
    CREATE TABLE accounts (
        id                TEXT PRIMARY KEY,
        name              TEXT NOT NULL,
        checkr_account_id TEXT UNIQUE,
        access_token      TEXT,
        customer_type     TEXT NOT NULL DEFAULT 'combined',
        credentialed      BOOLEAN NOT NULL DEFAULT FALSE,
        connection        TEXT NOT NULL DEFAULT 'not_connected',
        token_digest      TEXT UNIQUE
    );
    CREATE TABLE candidates (
        account_id          TEXT NOT NULL REFERENCES accounts(id),
        custom_id           TEXT NOT NULL,
        region              TEXT NOT NULL,
        checkr_candidate_id TEXT NOT NULL,
        created_at          TEXT NOT NULL,
        details             TEXT,
        PRIMARY KEY (account_id, custom_id, region)
    );
    CREATE TABLE orders (
        seq                   BIGSERIAL PRIMARY KEY,
        id                    TEXT NOT NULL UNIQUE,
        account_id            TEXT NOT NULL REFERENCES accounts(id),
        custom_id             TEXT NOT NULL,
        region                TEXT NOT NULL,
        ordered_by            TEXT NOT NULL,
        draft                 TEXT NOT NULL,
        step                  TEXT NOT NULL,
        candidate_id          TEXT,
        invitation_id         TEXT UNIQUE,
        invitation_url        TEXT,
        failure               TEXT,
        attempts              INTEGER NOT NULL DEFAULT 0,
        folded                TEXT NOT NULL,
        created_at            TEXT NOT NULL,
        updated_at            TEXT NOT NULL,
        report_id             TEXT,
        cancellation_reasons  TEXT,
        candidate_key         TEXT,
        candidate_update_key  TEXT,
        invitation_key        TEXT,
        invitation_first_sent BIGINT,
        lease_owner           TEXT,
        lease_until           BIGINT,
        busy                  BOOLEAN NOT NULL DEFAULT FALSE
    );
    CREATE INDEX orders_by_candidate ON orders(account_id, custom_id);
    CREATE INDEX orders_by_report ON orders(report_id);
    CREATE INDEX orders_by_provider_candidate ON orders(candidate_id);
    CREATE INDEX orders_by_step ON orders(step);
    CREATE TABLE webhook_events (
        id          TEXT PRIMARY KEY,
        type        TEXT NOT NULL,
        account_id  TEXT,
        object_id   TEXT,
        created_at  TEXT NOT NULL,
        received_at TEXT NOT NULL,
        outcome     TEXT NOT NULL,
        payload     TEXT NOT NULL
    );
    CREATE INDEX webhook_events_by_object ON webhook_events(object_id);
    CREATE INDEX webhook_events_by_type ON webhook_events(type, account_id);
    CREATE TABLE spent_oauth_tickets (
        nonce      TEXT PRIMARY KEY,
        expires_at BIGINT NOT NULL
    );
    CREATE TABLE oauth_states (
        nonce_digest   TEXT PRIMARY KEY,
        account_id     TEXT NOT NULL,
        user_id        TEXT NOT NULL,
        browser_digest TEXT NOT NULL,
        expires_at     BIGINT NOT NULL
    );
    CREATE TABLE sealing_key (
        key_id      TEXT NOT NULL,
        check_value TEXT NOT NULL
    );
    CREATE TABLE pending_reads (
        seq               BIGSERIAL,
        object_id         TEXT PRIMARY KEY,
        object            TEXT NOT NULL,
        checkr_account_id TEXT NOT NULL,
        generation        BIGINT NOT NULL DEFAULT 0,
        attempts          INTEGER NOT NULL DEFAULT 0,
        not_before        BIGINT,
        last_error        TEXT
    );
    CREATE TABLE revoked_tokens (
        token_digest TEXT PRIMARY KEY,
        revoked_at   TEXT NOT NULL
    );
"#,
    // Screening statuses and results, read from Checkr when report events arrive, and the
    // verifications (`verification.*`) an open report waits for, and
    // each account's automatic enrolment in continuous checks, and the Checkr
    // subscriptions made for each applicant.
    r#"
    CREATE TABLE order_screenings (
        order_id   TEXT PRIMARY KEY REFERENCES orders(id),
        report_id  TEXT NOT NULL,
        screenings TEXT NOT NULL,
        fetched_at TEXT NOT NULL
    );
    CREATE TABLE order_verifications (
        verification_id   TEXT PRIMARY KEY,
        order_id          TEXT NOT NULL REFERENCES orders(id),
        verification_type TEXT NOT NULL,
        stage             BIGINT NOT NULL,
        updated_at        TEXT NOT NULL
    );
    CREATE INDEX order_verifications_by_order ON order_verifications(order_id);
    CREATE TABLE continuous_settings (
        account_id  TEXT PRIMARY KEY REFERENCES accounts(id),
        auto_enroll BOOLEAN NOT NULL,
        updated_at  TEXT NOT NULL
    );
    CREATE TABLE subscriptions (
        id          TEXT PRIMARY KEY,
        account_id  TEXT NOT NULL REFERENCES accounts(id),
        custom_id   TEXT NOT NULL,
        created_at  TEXT NOT NULL
    );
    CREATE INDEX subscriptions_by_applicant ON subscriptions(account_id, custom_id);
"#,
];
