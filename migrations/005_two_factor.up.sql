-- Two-factor authentication: a TOTP secret per user (encrypted at rest with
-- secretbox; nonce in front of the ciphertext) and single-use backup codes.
ALTER TABLE users
    ADD COLUMN totp_secret         bytea,
    ADD COLUMN totp_enabled_at     timestamptz,
    -- The last accepted time step: a code is accepted at most once per step.
    ADD COLUMN totp_last_step      bigint,
    -- Written by setup, moved to totp_secret by enable once a code proves it.
    ADD COLUMN totp_pending_secret bytea,
    ADD CONSTRAINT users_totp_enabled_has_secret
        CHECK (totp_enabled_at IS NULL OR totp_secret IS NOT NULL);

-- Only a hash of each code is stored; used_at is set exactly once. The
-- unique index (user_id, code_hash) also serves every lookup by user_id.
CREATE TABLE backup_codes (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash   text NOT NULL,
    used_at     timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT backup_codes_user_code_key UNIQUE (user_id, code_hash)
);
