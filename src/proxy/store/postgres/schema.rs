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
    // The outbox of webhooks to the ATS backend (see postgres/outbox.rs), the last badge and
    // link state announced, and every delivery attempt for the audit listing.
    r#"
    CREATE TABLE ats_outbox (
        seq             BIGSERIAL PRIMARY KEY,
        event_id        TEXT NOT NULL UNIQUE,
        account_id      TEXT NOT NULL,
        order_key       TEXT NOT NULL,
        order_id        TEXT,
        type            TEXT NOT NULL,
        body            TEXT NOT NULL,
        created_at      TEXT NOT NULL,
        state           TEXT NOT NULL DEFAULT 'pending',
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at BIGINT NOT NULL DEFAULT 0,
        lease_owner     TEXT,
        lease_until     BIGINT
    );
    CREATE INDEX ats_outbox_pending ON ats_outbox(state, order_key, seq);
    CREATE TABLE ats_order_badges (
        order_id TEXT PRIMARY KEY,
        badge    TEXT NOT NULL
    );
    CREATE TABLE ats_account_links (
        account_id   TEXT PRIMARY KEY,
        connection   TEXT NOT NULL,
        credentialed BOOLEAN NOT NULL
    );
    CREATE TABLE ats_delivery_attempts (
        id            BIGSERIAL PRIMARY KEY,
        account_id    TEXT NOT NULL,
        event_id      TEXT NOT NULL,
        type          TEXT NOT NULL,
        order_id      TEXT,
        attempt       INTEGER NOT NULL,
        attempted_at  TEXT NOT NULL,
        status        INTEGER,
        error         TEXT,
        next_retry_at TEXT
    );
    CREATE INDEX ats_delivery_attempts_by_account ON ats_delivery_attempts(account_id, attempted_at);
    CREATE TABLE ats_outbox_switch (enabled BOOLEAN NOT NULL);
"#,
    // Managing orders (issue 14): an append-only audit log, and resent orders' links.
    r#"
    CREATE TABLE audit_log (
        seq        BIGSERIAL PRIMARY KEY,
        at         TEXT NOT NULL,
        at_unix    BIGINT NOT NULL,
        account_id TEXT NOT NULL,
        actor      TEXT NOT NULL,
        role       TEXT,
        action     TEXT NOT NULL,
        order_id   TEXT,
        outcome    TEXT NOT NULL,
        detail     TEXT NOT NULL
    );
    CREATE INDEX audit_by_order ON audit_log(account_id, order_id, seq);
    CREATE INDEX audit_by_time ON audit_log(account_id, at_unix, seq);
    CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$;
    CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
    CREATE TABLE order_links (
        order_id    TEXT PRIMARY KEY,
        account_id  TEXT NOT NULL,
        resent_from TEXT NOT NULL
    );
"#,
    // KarmaCheck (issue 16): connections, orders (cases) and webhook receipts.
    r#"
    CREATE TABLE karmacheck_connections (
        account_id              TEXT PRIMARY KEY REFERENCES accounts(id),
        api_key                 TEXT NOT NULL,
        client_access_token     TEXT NOT NULL,
        webhook_username        TEXT NOT NULL UNIQUE,
        webhook_password_digest TEXT NOT NULL,
        connected_at            TEXT NOT NULL
    );
    CREATE TABLE karmacheck_orders (
        id          TEXT PRIMARY KEY,
        account_id  TEXT NOT NULL REFERENCES accounts(id),
        custom_id   TEXT NOT NULL,
        ordered_by  TEXT NOT NULL,
        draft       TEXT NOT NULL,
        step        TEXT NOT NULL,
        case_id     TEXT UNIQUE,
        failure     TEXT,
        attempts    INTEGER NOT NULL,
        overall     TEXT,
        case_state  TEXT,
        read_stamp  TEXT,
        created_at  TEXT NOT NULL,
        updated_at  TEXT NOT NULL
    );
    CREATE INDEX karmacheck_orders_by_candidate ON karmacheck_orders(account_id, custom_id);
    CREATE TABLE karmacheck_events (
        account_id  TEXT NOT NULL,
        message_id  TEXT NOT NULL,
        event       TEXT NOT NULL,
        case_id     TEXT,
        received_at TEXT NOT NULL,
        PRIMARY KEY (account_id, message_id)
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
